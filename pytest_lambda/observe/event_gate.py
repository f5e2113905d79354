"""``lambda_require_events``: every event source a function declares was exercised.

Pure logic over plain data: what each function declares (:class:`Declared`, read from the
template by ``templates/event_sources.py``) and how many invocations of each detected source
(``observe/event_shapes.py``) it received; the plugin and the CLI print :func:`table`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .event_shapes import CUSTOM

__all__ = ["Declared", "EventCheck", "table"]


@dataclass(frozen=True)
class Declared:
    """One event source a function declares: ``Events: {name: {Type: source}}``.

    ``accepts`` are the detected sources that exercise it: usually the source alone; a rule
    or schedule that sends its own ``Input`` (and an IoT rule, whose payload is its SELECT's
    result) has no recognisable shape, so an event of no known shape (``custom``) counts.
    """

    name: str
    source: str
    accepts: frozenset[str]

    @property
    def shown(self) -> str:
        return self.source if self.name in ("", self.source) else f"{self.source} ({self.name})"

    @property
    def shapeless(self) -> bool:
        return CUSTOM in self.accepts


@dataclass
class EventCheck:
    """A function's declared sources and the sources of the events it received."""

    function: str
    declared: list[Declared]
    exercised: Counter[str] = field(default_factory=Counter)

    @property
    def missing(self) -> list[Declared]:
        return [d for d in self.declared if not any(self.exercised[a] for a in d.accepts)]


def checks(declared: Mapping[str, list[Declared]],
           exercised: Mapping[str, Mapping[str, int]]) -> dict[str, EventCheck]:
    """One :class:`EventCheck` per function that declares event sources."""
    return {name: EventCheck(name, list(d), Counter(exercised.get(name, {})))
            for name, d in declared.items() if d}


def _names(items: Iterable[str]) -> str:
    return ", ".join(items) or "-"


def table(rows: Iterable[tuple[str, EventCheck]]) -> list[str]:
    """Per function (shown name, check): declared sources, exercised ones, missing ones."""
    head = ("function", "declared", "exercised", "missing")
    body = []
    for shown, check in rows:
        body.append((
            shown,
            _names(d.shown + (" [custom Input]" if d.shapeless else "") for d in check.declared),
            _names(f"{s} x{n}" for s, n in sorted(check.exercised.items()) if n),
            _names(d.shown for d in check.missing),
        ))
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head) - 1)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)), r[-1]])
            for r in [head, *body]]
