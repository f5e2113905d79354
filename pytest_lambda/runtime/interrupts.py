"""The ways to reach a running handler from the timeout, kept apart from the timeout's logic.

Each works around something CPython does (the comments say what), and none installs a trace or
profile function or replaces the user's: coverage.py, debuggers and ``sys.settrace`` keep
working while a handler is stopped.

Never ``PyThreadState_SetAsyncExc(thread, NULL)``: on CPython 3.11 clearing a pending
asynchronous exception leaves the eval breaker set for good (only consuming one resets it), and
under any trace function every later call of that interpreter then spins forever on its
``RESUME`` instruction. ``drain`` replaces a stale one with an exception it catches at once.
"""

from __future__ import annotations

import ctypes
import signal
import sys
from types import FrameType
from typing import Any, Protocol

_SIGALRM = int(signal.SIGALRM)
_OWN_PREFIX = __name__.split(".")[0] + "."
_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
PENDING_CALL = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
#: Our own prototype: setting argtypes on ``ctypes.pythonapi``'s would change it for everyone.
add_pending_call = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(
    ("Py_AddPendingCall", ctypes.pythonapi))
#: ``int PyErr_SetInterruptEx(int signum)`` run as a pending call (``int (*)(void *)``, the
#: signal number passed as the pointer: the first argument travels in the same register on
#: the x86-64 and AArch64 calling conventions). It trips SIGALRM from C, between two bytecodes.
SET_INTERRUPT = ctypes.cast(ctypes.pythonapi.PyErr_SetInterruptEx, ctypes.c_void_p).value


class HandlerTimeout(BaseException):
    """Raised inside handler code when its invocation's time is up."""


class _Drained(BaseException):
    """Consumes a stale asynchronous exception (see ``drain``)."""


def raise_again() -> None:
    """Make SIGALRM's Python handler run again at the next point after this one where Python
    checks for signals, wherever that is.

    Not ``_thread.interrupt_main``: the signal would be handled at the check that follows
    that very call, inside the handler that asked. As a pending call it is tripped there
    instead (pending calls run after signals), so the handler runs at the check after that:
    once the exception just raised has been caught, or at the next bytecode boundary of code
    that does not catch it. No call may follow this one in the asking handler.
    """
    add_pending_call(SET_INTERRUPT, _SIGALRM)


def checkpoint() -> None:
    """Calling a Python function is a point where pending signals and exceptions land."""


def is_own(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs the plugin's own code (never interrupted: it finishes its job)."""
    if frame is None:
        return False
    name = frame.f_globals.get("__name__")
    return isinstance(name, str) and name.startswith(_OWN_PREFIX)


#: Standard-library modules whose code holds a process-wide lock across lines: logging's
#: module lock (``_acquireLock()`` then ``try:``; a timeout raised between the two leaves the
#: lock held for good, and the next logging call of any other thread deadlocks the session),
#: and the import system's module locks.
_LOCK_HOLDERS = ("logging", "importlib._bootstrap")


def is_shielded(frame: FrameType | None) -> bool:
    """Whether a timeout must not land in ``frame`` now: the plugin's own code, or standard
    library code that may hold a process-wide lock (it lands once that code has returned)."""
    if frame is None:
        return False
    name = frame.f_globals.get("__name__")
    return isinstance(name, str) and (name.startswith(_OWN_PREFIX) or name in _LOCK_HOLDERS
                                      or name.startswith("logging."))


def _entry_code(hook: Any) -> Any:
    """The code object a trace or profile function starts in (None for a C-level one)."""
    hook = getattr(hook, "__func__", hook)
    code = getattr(hook, "__code__", None)
    if code is None:
        call = type(hook).__dict__.get("__call__")  # a callable object (Python-level)
        code = getattr(call, "__code__", None)
    return code


def in_tracer(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside a call of this thread's trace or profile function.

    An exception escaping one makes CPython uninstall it (coverage.py's Python tracer, a
    debugger, ``sys.settrace(f)``): the timeout must land in the traced code instead.
    """
    codes = {_entry_code(sys.gettrace()), _entry_code(sys.getprofile())}
    codes.discard(None)
    if not codes:
        return False
    while frame is not None:
        if frame.f_code in codes:
            return True
        frame = frame.f_back
    return False


_SET_HANDLED: Any = getattr(ctypes.pythonapi, "PyErr_SetHandledException", None)
if _SET_HANDLED is not None:
    _SET_HANDLED.argtypes = [ctypes.py_object]
    _SET_HANDLED.restype = None


def restore_handled(before: BaseException | None) -> None:
    """Give the calling frame back the exception it was handling (``sys.exc_info()``) when a
    phase began, if the phase left another one there.

    On Python 3.12 a timeout landing inside botocore (its context-manager generators) can leave
    the thread's handled-exception slot holding the ``HandlerTimeout``: from then on every
    exception the thread raises, in the test and in later invocations, got it as its
    ``__context__``, and their tracebacks said "During handling of the above exception
    (HandlerTimeout), another exception occurred", which Lambda's never do.
    """
    if sys.exc_info()[1] is not before and _SET_HANDLED is not None:
        _SET_HANDLED(before)


def raise_in(thread_id: int) -> None:
    """Raise HandlerTimeout in another thread at its next bytecode boundary."""
    _set_async_exc(ctypes.c_ulong(thread_id), ctypes.py_object(HandlerTimeout))


def drain(thread_id: int) -> None:
    """Make sure no asynchronous exception is pending for this thread (which is ``thread_id``).

    By replacing it with one caught right away, never by clearing it (see the module
    docstring).
    """
    while True:
        try:
            _set_async_exc(ctypes.c_ulong(thread_id), ctypes.py_object(_Drained))
            checkpoint()  # it lands here at the latest
        except _Drained:
            return
        except HandlerTimeout:
            continue


class Stoppable(Protocol):
    """What ``LineStops`` reads of the deadline it serves."""

    @property
    def stopping(self) -> bool: ...


#: CPython 3.12 reports an exception raised where a loop jumps back as raised at the loop's
#: head, inside a ``try`` that starts the body: ``while True: try: ... except: pass`` would
#: catch every one. There, a ``sys.monitoring`` tool of our own (not the debugger's, coverage's
#: or a profiler's id; ``sys.settrace`` has its own) raises on each line of the handler's
#: functions once the deadline has passed, which lands in the ``except`` body.
MONITORING = getattr(sys, "monitoring", None)
_TOOL_IDS = (4, 3)


class LineStops:
    """LINE events of the handler's code objects, raising the timeout (Python 3.12+)."""

    def __init__(self, deadline: Stoppable) -> None:
        self._deadline = deadline
        self._codes: set[Any] = set()
        self._tool: int | None = None
        mon: Any = MONITORING
        for tool in _TOOL_IDS:
            try:
                mon.use_tool_id(tool, "pytest-lambda timeout")
            except ValueError:
                continue  # taken by someone else
            self._tool = tool
            mon.register_callback(tool, mon.events.LINE, self._on_line)
            break

    def cover(self, frame: FrameType | None) -> None:
        """Raise on every line of ``frame``'s function and its callers', up to the plugin."""
        mon: Any = MONITORING
        if self._tool is None:
            return
        while frame is not None and not is_own(frame):
            code = frame.f_code
            if code not in self._codes:
                self._codes.add(code)
                mon.set_local_events(self._tool, code, mon.events.LINE)
            frame = frame.f_back

    def _on_line(self, code: Any, line: int) -> Any:
        if self._deadline.stopping:
            raise HandlerTimeout
        return None

    def close(self) -> None:
        mon: Any = MONITORING
        if self._tool is None:
            return
        for code in self._codes:
            mon.set_local_events(self._tool, code, 0)
        mon.register_callback(self._tool, mon.events.LINE, None)
        mon.free_tool_id(self._tool)
        self._tool = None
