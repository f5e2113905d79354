"""Exit handlers the function's code registers (``atexit.register``): never run, as on Lambda.

Lambda ends a runtime process by killing it: at the end of the Shutdown phase, or at once when
no extension is registered ("Lambda execution environment lifecycle", Shutdown phase: the
runtime gets SIGTERM only when an external extension is registered, then SIGKILL), so the
interpreter's exit handlers do not run. In-process the test process does exit normally, and it
ran every handler the function's code had registered at the end of the session: an
OpenTelemetry exporter flushing its spans to the network after the guard was gone, a print into
pytest's summary, a handler failing on an object that belonged to a discarded environment.

During a phase, a handler registered by the function's own code (the caller's module is not
one the environment shares with the test process) is kept by the environment and never called;
one registered by a shared module (the standard library's ``multiprocessing`` or
``weakref.finalize`` on first use, say) is registered for real, since the test process has that
module from then on.
"""

from __future__ import annotations

import atexit
import sys
from collections.abc import Callable, Container
from typing import Any

__all__ = ["ExitHandlers"]


class ExitHandlers:
    """A phase hook: ``atexit.register`` / ``atexit.unregister`` for the function's code."""

    __slots__ = ("_real", "_shared", "_stand_ins", "kept")

    def __init__(self, shared: Container[str]) -> None:
        self._shared = shared
        #: The handlers the function's code registered (never called: see the module).
        self.kept: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
        self._real: tuple[Callable[..., Any], Callable[..., Any]] | None = None

        def register(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
            caller = sys._getframe(1).f_globals.get("__name__")
            if isinstance(caller, str) and caller not in self._shared:
                self.kept.append((func, args, kwargs))
                return func  # as atexit.register does (it is used as a decorator)
            assert self._real is not None
            return self._real[0](func, *args, **kwargs)

        def unregister(func: Callable[..., Any], /) -> None:
            self.kept = [entry for entry in self.kept if entry[0] != func]
            assert self._real is not None
            self._real[1](func)

        self._stand_ins = (register, unregister)

    def enter(self) -> None:
        self._real = (atexit.register, atexit.unregister)
        atexit.register, atexit.unregister = self._stand_ins

    def exit(self) -> None:
        if self._real is not None:
            atexit.register, atexit.unregister = self._real
            self._real = None
