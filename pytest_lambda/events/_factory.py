"""``EventFactory``: every factory bound to one seeded RNG, clock, region and account."""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import random
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from ._common import DEFAULT_ACCOUNT, DEFAULT_REGION, check_account, check_region

__all__ = ["SEEDED_EPOCH", "BoundFactories"]

SEEDED_EPOCH = _dt.datetime(2024, 6, 1, 12, 0, 0, tzinfo=_dt.UTC)
"""The clock a seeded factory starts from when no ``now`` is given (so events are reproducible)."""

_CO_VARKEYWORDS = 0x08


def _accepts(func: Callable[..., Any], name: str) -> bool:
    code = inspect.unwrap(func).__code__
    named = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    return name in named or bool(code.co_flags & _CO_VARKEYWORDS)


class BoundFactories:
    """Event factories bound to this object's RNG, clock, region and account id.

    A subclass names the factories in :attr:`factories` (``pytest_lambda.events.EventFactory``
    binds all of them), so this module needs none of them imported.

    Two factories built with the same seed produce identical events for the same calls. With a
    seed (or ``now``) the clock starts at ``now`` (default :data:`SEEDED_EPOCH`) and moves
    forward a little after each event; without either, events carry the current time.
    """

    #: The factories, by name, this class binds.
    factories: ClassVar[Mapping[str, Callable[..., Any]]] = MappingProxyType({})

    def __init__(
        self,
        seed: int | None = None,
        *,
        now: _dt.datetime | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT,
    ) -> None:
        self.seed = seed
        self.region = check_region(region)
        self.account_id = check_account(account_id)
        self.rng = random.Random(seed)
        if now is not None and now.tzinfo is None:
            now = now.replace(tzinfo=_dt.UTC)
        self._clock: _dt.datetime | None = (
            now if now is not None else (SEEDED_EPOCH if seed is not None else None)
        )

    def __repr__(self) -> str:
        return (
            f"EventFactory(seed={self.seed!r}, region={self.region!r}, "
            f"account_id={self.account_id!r})"
        )

    def _tick(self) -> _dt.datetime | None:
        current = self._clock
        if current is not None:
            self._clock = current + _dt.timedelta(milliseconds=self.rng.randrange(1, 1000))
        return current

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name not in self.factories:
            if name.startswith("__"):
                raise AttributeError(name)
            import difflib

            near = sorted({*difflib.get_close_matches(name, self.factories, n=4),
                           *(f for f in self.factories if f.startswith(name + "_"))})
            hint = (f"; did you mean {', '.join(near)}?" if near
                    else "; dir(lambda_events) lists them (docs/events.md describes them)")
            raise AttributeError(f"EventFactory has no factory {name!r}{hint}")
        func = self.factories[name]

        @functools.wraps(func)
        def bound(*args: Any, **kwargs: Any) -> Any:
            if _accepts(func, "rng"):
                kwargs.setdefault("rng", self.rng)
            if _accepts(func, "now"):
                now = self._tick()
                if now is not None:
                    kwargs.setdefault("now", now)
            if _accepts(func, "region"):
                kwargs.setdefault("region", self.region)
            if _accepts(func, "account_id"):
                kwargs.setdefault("account_id", self.account_id)
            return func(*args, **kwargs)

        return bound

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.factories})
