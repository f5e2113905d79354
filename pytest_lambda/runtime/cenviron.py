"""The C-level process environment (``environ``), swapped to the function's during a phase.

``os.environ`` is a Python copy of the process environment; C code (``getenv()``) and child
processes started without an explicit ``env`` (``subprocess``, ``os.system``,
``multiprocessing``'s spawn, ``os.exec*``) read the C-level one. In-process, a phase swaps
``os.environ``'s data; :class:`CEnviron` makes the C-level environment match it for the
phase too, so a handler's children see the function's environment (Lambda's variables, the
function's own, the fake credentials) and never the test process's real credentials. What the
handler sets or deletes with ``os.environ`` reaches its children as it would on Lambda; all of
it is undone when the phase ends.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

__all__ = ["CEnviron"]


class CEnviron:
    """One phase's swap of the C-level environment; :meth:`enter` then :meth:`exit`."""

    __slots__ = ("_real", "_saved", "_touched")

    def __init__(self) -> None:
        self._real: tuple[Callable[..., Any], Callable[..., Any]] | None = None
        self._saved: dict[bytes, bytes] = {}
        self._touched: set[bytes] = set()

    def enter(self, test_data: dict[Any, Any], function_data: dict[Any, Any],
              children_only: dict[Any, Any] | None = None) -> None:
        """Replace the test process's variables (``test_data``) by the function's, plus
        ``children_only`` (variables for child processes that ``os.environ`` does not show)."""
        putenv, unsetenv = os.putenv, os.unsetenv
        if children_only:
            function_data = {**function_data, **children_only}
        self._real = (putenv, unsetenv)
        self._saved = dict(test_data)
        touched = self._touched = set()
        for key in test_data.keys() - function_data.keys():
            unsetenv(key)
            touched.add(key)
        for key, value in function_data.items():
            if test_data.get(key) != value:
                putenv(key, value)
                touched.add(key)

        def tracked_putenv(key: Any, value: Any) -> None:
            putenv(key, value)
            touched.add(os.fsencode(key))

        def tracked_unsetenv(key: Any) -> None:
            unsetenv(key)
            touched.add(os.fsencode(key))

        os.putenv, os.unsetenv = tracked_putenv, tracked_unsetenv

    def exit(self) -> None:
        """Put the test process's variables back (only those the phase changed)."""
        if self._real is None:
            return
        putenv, unsetenv = self._real
        os.putenv, os.unsetenv = putenv, unsetenv
        self._real = None
        saved = self._saved
        for key in self._touched:
            value = saved.get(key)
            if value is None:
                try:
                    unsetenv(key)
                except OSError:
                    pass
            else:
                putenv(key, value)
        self._touched = set()
        self._saved = {}
