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
    """One environment's level-name registry, per phase (a phase hook).

    Compared, not copied, on the way in and out (a few entries each): a copy is made only when
    the test's registry or the environment's changes."""

    __slots__ = ("_own", "_test")

    def __init__(self) -> None:
        #: The environment's registry, once its code changed it (None: the test's).
        self._own: tuple[dict[Any, Any], dict[Any, Any]] | None = None
        #: The test's registry as last seen at the start of a phase.
        self._test: tuple[dict[Any, Any], dict[Any, Any]] = ({}, {})

    def enter(self) -> None:
        module: Any = logging
        to_name, to_level = module._levelToName, module._nameToLevel
        if to_name != self._test[0] or to_level != self._test[1]:
            self._test = (dict(to_name), dict(to_level))
        if self._own is not None:
            _put(self._own)

    def exit(self) -> None:
        module: Any = logging
        to_name, to_level = module._levelToName, module._nameToLevel
        expected = self._own or self._test
        if to_name != expected[0] or to_level != expected[1]:
            self._own = (dict(to_name), dict(to_level))
        if self._own is not None:
            _put(self._test)


def _put(names: tuple[dict[Any, Any], dict[Any, Any]]) -> None:
    module: Any = logging
    with module._lock:
        for live, wanted in zip((module._levelToName, module._nameToLevel), names, strict=True):
            if live != wanted:
                live.clear()
                live.update(wanted)
