"""``logging.addLevelName``'s registry (level numbers and names), the environment's own.

Code that renames a level (``logging.addLevelName(logging.WARNING, "WARN")``, to match another
service's names) or adds one (``TRACE``) changes two dictionaries in the ``logging`` module,
which the test process shares: the test's and caplog's records said ``WARN`` afterwards. This
phase hook keeps the environment's registry from phase to phase and the test's outside them.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["LevelNames"]


class LevelNames:
    """One environment's level-name registry, per phase (a phase hook)."""

    __slots__ = ("_own", "_test")

    def __init__(self) -> None:
        self._own: tuple[dict[Any, Any], dict[Any, Any]] | None = None
        self._test: tuple[dict[Any, Any], dict[Any, Any]] | None = None

    def enter(self) -> None:
        module: Any = logging
        self._test = (dict(module._levelToName), dict(module._nameToLevel))
        if self._own is not None and self._own != self._test:
            _put(self._own)

    def exit(self) -> None:
        module: Any = logging
        test, self._test = self._test, None
        if test is None:
            return
        now = (dict(module._levelToName), dict(module._nameToLevel))
        if now != (self._own or test):
            self._own = now
        if now != test:
            _put(test)


def _put(names: tuple[dict[Any, Any], dict[Any, Any]]) -> None:
    module: Any = logging
    with module._lock:
        for live, wanted in zip((module._levelToName, module._nameToLevel), names, strict=True):
            live.clear()
            live.update(wanted)
