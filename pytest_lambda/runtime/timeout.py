"""Stopping a handler at its deadline, on the real clock.

On the main thread a real-time interval timer (``SIGALRM``) interrupts both pure-Python loops
and blocking system calls such as ``time.sleep``. Once the deadline has passed, the Python
signal handler re-triggers itself (``_thread.interrupt_main``), so the timeout is raised again
at every point where the interpreter checks for signals until the handler has unwound: code
that catches it (``except BaseException: pass`` in a loop) cannot run on. A handler that
ignores, replaces or blocks ``SIGALRM`` or cancels the timer is caught by a watchdog thread,
which asks the main thread (``Py_AddPendingCall``) to put the timer back and go on raising.

Nothing here uses a trace or profile function, and the main thread never receives an
asynchronous exception (``PyThreadState_SetAsyncExc``): on CPython 3.11, clearing one with
``NULL`` leaves the eval breaker set for good, and under any trace function (coverage.py, a
debugger) every later function call then spins forever on its ``RESUME`` instruction.

On other threads a watchdog thread raises the timeout asynchronously in the handler's thread;
that interrupts Python code at the next bytecode, and ``time.sleep`` is made interruptible for
the invocation, but a thread blocked in another C call is stopped only when that call returns.

A handler still running ``GIVE_UP_AFTER_S`` after its deadline (stuck in a C call with the
timer defeated, say) sets ``not_stopped``: the invocation ends as Lambda's timeout when the
call returns, and ``invoke`` raises ``HandlerNotStopped`` naming ``isolation="process"``.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # the C module under signal.py: no stubs
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

from ..clock import real_perf

_T = TypeVar("_T")
_REFIRE_S = 0.05
#: At disarm, a timer with less than this left may have fired (a re-fire is 0.05 s away)
#: or have been cancelled: settle pending signals then.
_SETTLE_BELOW_S = 0.06
#: How often the watchdog looks at the running main-thread deadline, and how many idle looks
#: (no phase running) before it sleeps until the next phase.
_POLL_S = 0.05
_IDLE_POLLS = 40
#: Past this, a handler still running is declared unstoppable in-process (stuck in C code).
GIVE_UP_AFTER_S = 2.0
_SIGALRM = int(signal.SIGALRM)
_ITIMER_REAL = signal.ITIMER_REAL
_OWN_PREFIX = __name__.split(".")[0] + "."
_sleep = time.sleep  # the real one, whatever a handler does to time.sleep
_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_PENDING_CALL = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
#: Our own prototype: setting argtypes on ``ctypes.pythonapi``'s would change it for everyone.
_add_pending_call = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(
    ("Py_AddPendingCall", ctypes.pythonapi))
#: ``int PyErr_SetInterruptEx(int signum)`` run as a pending call (``int (*)(void *)``, the
#: signal number passed as the pointer: the first argument travels in the same register on
#: the x86-64 and AArch64 calling conventions). It trips SIGALRM from C, between two bytecodes.
_SET_INTERRUPT = ctypes.cast(ctypes.pythonapi.PyErr_SetInterruptEx, ctypes.c_void_p).value


def _raise_again() -> None:
    """Make SIGALRM's Python handler run again at the next point after this one where Python
    checks for signals, wherever that is.

    Not ``_thread.interrupt_main``: the signal would be handled at the check that follows
    that very call, inside the handler that asked. As a pending call it is tripped there
    instead (pending calls run after signals), so the handler runs at the check after that:
    once the exception just raised has been caught, or at the next bytecode boundary of code
    that does not catch it.
    """
    _add_pending_call(_SET_INTERRUPT, _SIGALRM)


class HandlerTimeout(BaseException):
    """Raised inside handler code when its invocation's time is up."""


class _Drained(BaseException):
    """Consumes a stale asynchronous exception (see ``_drain``)."""


def _checkpoint() -> None:
    """Calling a Python function is a point where pending signals and exceptions land."""


def _is_own(frame: FrameType | None) -> bool:
    if frame is None:
        return False
    name = frame.f_globals.get("__name__")
    return isinstance(name, str) and name.startswith(_OWN_PREFIX)


def _entry_code(hook: Any) -> Any:
    """The code object a trace or profile function starts in (None for a C-level one)."""
    hook = getattr(hook, "__func__", hook)
    code = getattr(hook, "__code__", None)
    if code is None:
        call = type(hook).__dict__.get("__call__")  # a callable object (Python-level)
        code = getattr(call, "__code__", None)
    return code


def _in_tracer(frame: FrameType | None) -> bool:
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


def _drain(thread_id: int) -> None:
    """Make sure no asynchronous exception is pending for this thread (which is ``thread_id``).

    Replacing it with one we catch right away, rather than clearing it with ``NULL``: see the
    module docstring for what a ``NULL`` does to CPython 3.11 under a trace function.
    """
    while True:
        try:
            _set_async_exc(ctypes.c_ulong(thread_id), ctypes.py_object(_Drained))
            _checkpoint()  # it lands here at the latest
        except _Drained:
            return
        except HandlerTimeout:
            continue


class _Watchdog:
    """The thread that watches main-thread deadlines (one per process, started lazily).

    A phase only stores itself in ``current``; the watchdog polls it, so an invocation that
    returns in time costs no thread switch. After ``_IDLE_POLLS`` looks with no phase running
    it sleeps until ``watch`` wakes it. It also accepts ``SIGALRM`` (unblocked here), so a
    main thread that blocks the signal still has it delivered to the process.
    """

    def __init__(self) -> None:
        self.current: Deadline | None = None
        #: Not polling (no thread yet, or idle): ``wake`` must be called.
        self.asleep = True
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        os.register_at_fork(after_in_child=self._forked)
        # Kept alive here: the interpreter holds only its C pointer.
        self._callback = _PENDING_CALL(self._on_pending)
        self._callback_address = ctypes.cast(self._callback, ctypes.c_void_p).value

    def wake(self) -> None:
        if self._thread is None:
            self.asleep = False
            self._wake = threading.Event()
            self._thread = threading.Thread(target=self._run, name="pytest-lambda-watchdog",
                                            daemon=True)
            self._thread.start()
        else:
            self._wake.set()

    def _forked(self) -> None:
        self._thread = None  # threads do not survive a fork: start a new one when needed
        self.current = None
        self.asleep = True

    def _run(self) -> None:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, (_SIGALRM,))
        idle = 0
        while True:
            deadline = self.current
            if deadline is not None:
                idle = 0
                deadline.poll(self._schedule)
            elif idle < _IDLE_POLLS:
                idle += 1
            else:
                self._wake.clear()
                self.asleep = True
                if self.current is None:  # checked after ``asleep``: arm() sets it first
                    self._wake.wait()
                self.asleep = False
                idle = 0
                continue
            _sleep(_POLL_S)

    def _schedule(self) -> None:
        _add_pending_call(self._callback_address, None)

    def _on_pending(self, arg: Any) -> int:
        # Runs on the main thread, between two bytecodes; must never raise (ctypes would
        # only print it).
        deadline = self.current
        if deadline is not None:
            try:
                deadline.repair()
            except BaseException:  # nothing can propagate from here
                pass
        return 0


#: Process-wide by nature: there is one SIGALRM, one interval timer and one main thread.
_WATCHDOG = _Watchdog()

#: CPython 3.12 reports an exception raised where a loop jumps back as raised at the loop's
#: head, inside a ``try`` that starts the body: ``while True: try: ... except: pass`` would
#: catch every one. There, a ``sys.monitoring`` tool of our own (not the debugger's, coverage's
#: or a profiler's id; ``sys.settrace`` has its own) raises on each line of the handler's
#: functions once the deadline has passed, which lands in the ``except`` body.
_MONITORING = getattr(sys, "monitoring", None)
_TOOL_IDS = (4, 3)


class _LineStops:
    """LINE events of the handler's code objects, raising the timeout (Python 3.12+)."""

    def __init__(self, deadline: Deadline) -> None:
        self._deadline = deadline
        self._codes: set[Any] = set()
        self._tool: int | None = None
        mon: Any = _MONITORING
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
        mon: Any = _MONITORING
        if self._tool is None:
            return
        while frame is not None and not _is_own(frame):
            code = frame.f_code
            if code not in self._codes:
                self._codes.add(code)
                mon.set_local_events(self._tool, code, mon.events.LINE)
            frame = frame.f_back

    def _on_line(self, code: Any, line: int) -> Any:
        deadline = self._deadline
        if deadline._active and not deadline._shield:
            raise HandlerTimeout
        return None

    def close(self) -> None:
        mon: Any = _MONITORING
        if self._tool is None:
            return
        for code in self._codes:
            mon.set_local_events(self._tool, code, 0)
        mon.register_callback(self._tool, mon.events.LINE, None)
        mon.free_tool_id(self._tool)
        self._tool = None


class Deadline:
    """Arms a timer for one phase (init or invoke) and disarms it exactly once."""

    # Set on every phase; the rest lives in __dict__ only once a late or defiant handler
    # changes it from the class-level default (a phase's setup stays a few stores).
    __slots__ = ("__dict__", "_active", "_callback", "_old_handler", "_old_timer", "_on_main",
                 "_seconds", "_started", "_thread")
    _armed = False
    _past = False
    _shield = 0
    _alarming = False
    _lines: _LineStops | None = None
    _old_hook: Any = None
    _previous: Deadline | None = None
    _cancel: threading.Event | None = None
    _expired: threading.Event | None = None
    _watchdog: threading.Thread | None = None
    _real_sleep: Any = None
    #: How the handler interfered with the timer, if it did (e.g. "SIGALRM was ignored").
    tampered = ""
    #: Why the handler could not be stopped in time in-process ("" if it could).
    not_stopped = ""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._active = False
        self._thread = threading.get_ident()
        self._on_main = threading.current_thread() is threading.main_thread()
        self._callback = self._on_alarm
        self._old_handler: Any = None
        self._old_timer: tuple[float, float] = (0.0, 0.0)
        self._started = 0.0

    def run(self, body: Callable[[], _T]) -> _T:
        """``body()`` under this deadline: armed just before, disarmed as soon as it ends."""
        self.arm()
        try:
            return body()
        finally:
            self._active = False  # first, with no call before it: nothing can land in between
            self.disarm()

    @property
    def _ends(self) -> float:
        return self._started + self._seconds

    def arm(self) -> None:
        self._active = self._armed = True
        self._started = real_perf()
        if self._on_main:
            # The C-level functions: signal.signal's enum wrapping costs microseconds per call.
            self._old_handler = _signal.signal(_SIGALRM, self._callback)
            self._old_timer = _signal.setitimer(_ITIMER_REAL, self._seconds, _REFIRE_S)
            watchdog = _WATCHDOG
            self._previous = watchdog.current
            watchdog.current = self
            if watchdog.asleep:
                watchdog.wake()
            return
        self._cancel = threading.Event()
        self._expired = threading.Event()
        self._real_sleep = time.sleep
        time.sleep = self._interruptible_sleep  # type: ignore[assignment]
        self._watchdog = threading.Thread(target=self._watch, name="pytest-lambda-timeout",
                                          daemon=True)
        self._watchdog.start()

    def disarm(self) -> None:
        """Stop the timer and put back what ``arm`` replaced (idempotent)."""
        self._active = False
        if self._on_main:
            if not self._armed:
                return
            _WATCHDOG.current = self._previous
            left = _signal.setitimer(_ITIMER_REAL, 0)[0]
            interrupted: BaseException | None = None
            if self._past or left < _SETTLE_BELOW_S:  # it fired, or nearly; or was cancelled
                interrupted = self._settle()
            _signal.signal(_SIGALRM, self._old_handler)
            self._armed = False
            delay, interval = self._old_timer
            if delay:
                # Someone else (pytest-timeout, say) had a timer running: give it back.
                left = max(delay - (real_perf() - self._started), 0.001)
                _signal.setitimer(_ITIMER_REAL, left, interval)
            if interrupted is not None:
                raise interrupted
            return
        if self._cancel is None:
            return
        self._cancel.set()
        time.sleep = self._real_sleep
        if self._watchdog is not None and self._watchdog is not threading.current_thread():
            self._watchdog.join()
        assert self._expired is not None
        if self._expired.is_set():
            _drain(self._thread)  # the watchdog's last exception may not have landed yet
        self._cancel = None

    def _settle(self) -> BaseException | None:
        """After the deadline: let a last tripped SIGALRM reach our (now inactive) callback
        rather than the test's own handler, and drop one left pending by a blocked mask."""
        interrupted: BaseException | None = None
        try:
            _checkpoint()  # a queued _raise_again trips SIGALRM here...
            _checkpoint()  # ...and it is handled here
        except HandlerTimeout:
            pass
        except BaseException as exc:  # another signal's (SIGINT): re-raised
            interrupted = exc
        if _SIGALRM in signal.sigpending():
            signal.sigtimedwait((_SIGALRM,), 0)
        if self._lines is not None:
            self._lines.close()
            self._lines = None
        if self._old_hook is not None:
            if sys.unraisablehook == self._unraisable:
                sys.unraisablehook = self._old_hook
            self._old_hook = None
        return interrupted

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if not self._active or self._alarming:
            # Run again from a check point inside this very function: the outer run asks for
            # the next one itself.
            return
        self._alarming = True
        # No line events in this frame for a Python-level tracer: each would be a point where
        # the signal is checked, between our request for the next one and the raise.
        sys._getframe().f_trace = None
        try:
            if not self._past:
                self._past = True
                # From here the timeout is raised wherever Python checks for signals, which
                # includes __del__ methods and weakref callbacks: there it can only be
                # reported as "unraisable", which is the timer's business, not the test's.
                self._old_hook = sys.unraisablehook
                sys.unraisablehook = self._unraisable
            # Not inside the plugin's own code (it must finish what it started), nor inside
            # a trace or profile function (CPython would uninstall it).
            land = not (self._shield or _is_own(frame) or _in_tracer(frame))
            if land and _MONITORING:
                if self._lines is None:
                    self._lines = _LineStops(self)
                self._lines.cover(frame)
            # Again at the next point Python checks for signals after this one, and the
            # next, until the handler has unwound (``run`` clears ``_active`` first thing).
            _add_pending_call(_SET_INTERRUPT, _SIGALRM)  # see _raise_again
        finally:
            self._alarming = False
        if land:
            raise HandlerTimeout

    def _unraisable(self, unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, HandlerTimeout):
            # The test's hook (pytest's) reports someone else's exception: not interrupted.
            self._shield += 1
            try:
                self._old_hook(unraisable)
            finally:
                self._shield -= 1

    # -- main thread, asked by the watchdog ------------------------------------------------

    def repair(self) -> None:
        """Put the timer back as ``arm`` set it, and go on raising (on the main thread)."""
        if not self._active:
            return
        reasons = []
        handler = _signal.getsignal(_SIGALRM)
        if handler is not self._callback:
            reasons.append("SIGALRM was ignored" if handler == signal.SIG_IGN
                           else "SIGALRM's handler was replaced")
            _signal.signal(_SIGALRM, self._callback)
        delay, interval = _signal.getitimer(_ITIMER_REAL)
        if abs(interval - _REFIRE_S) > 1e-4:
            reasons.append("the interval timer was cancelled" if not delay and not interval
                           else "the interval timer was replaced")
            _signal.setitimer(_ITIMER_REAL, _REFIRE_S, _REFIRE_S)
        if _SIGALRM in signal.pthread_sigmask(signal.SIG_BLOCK, ()):
            reasons.append("SIGALRM was blocked")
            signal.pthread_sigmask(signal.SIG_UNBLOCK, (_SIGALRM,))
        self._note(reasons)
        _raise_again()

    def _note(self, reasons: list[str]) -> None:
        for reason in reasons:
            if reason not in self.tampered:
                self.tampered = f"{self.tampered}, {reason}" if self.tampered else reason

    def _seen_from_outside(self) -> list[str]:
        """What ``repair`` would find, looked at from the watchdog's thread (the main thread
        is stuck and cannot run it)."""
        reasons = []
        handler = _signal.getsignal(_SIGALRM)
        if handler is not self._callback:
            reasons.append("SIGALRM was ignored" if handler == signal.SIG_IGN
                           else "SIGALRM's handler was replaced")
        if _signal.getitimer(_ITIMER_REAL) == (0.0, 0.0):
            reasons.append("the interval timer was cancelled")
        try:  # another thread's signal mask: only the kernel's view of it says
            path = f"/proc/self/task/{threading.main_thread().native_id}/status"
            with open(path, "rb") as status:
                for line in status:
                    if line.startswith(b"SigBlk:"):
                        if int(line.split()[1], 16) >> (_SIGALRM - 1) & 1:
                            reasons.append("SIGALRM was blocked")
                        break
        except (OSError, ValueError):
            pass
        return reasons

    # -- the watchdog's side (another thread) -----------------------------------------------

    def poll(self, schedule: Callable[[], None]) -> None:
        """Past the deadline and still running: have the main thread check the timer."""
        if not self._active:
            return
        late = real_perf() - self._ends
        if late < 0:
            return
        schedule()
        if late >= GIVE_UP_AFTER_S:
            self._give_up()

    def _give_up(self) -> None:
        if self.not_stopped or not self._active:
            return
        if self._on_main:
            self._note(self._seen_from_outside())
        self.not_stopped = (
            f"the handler was still running {GIVE_UP_AFTER_S:g} s after its "
            f"{self._seconds:g} s timeout and could not be stopped in-process"
            + (f" ({self.tampered})" if self.tampered else "")
            + "; it is probably blocked in C code. Run it with isolation=\"process\" "
            "(marker lambda_isolation(\"process\")), where a timeout kills the worker.")
        # Said now, not only when the call returns: a C call that never returns hangs the test.
        try:
            os.write(2, f"\npytest-lambda: {self.not_stopped}\n".encode())
        except OSError:
            pass

    def _watch(self) -> None:
        assert self._cancel is not None and self._expired is not None
        if self._cancel.wait(self._seconds):
            return
        self._expired.set()
        while self._active:
            _set_async_exc(ctypes.c_ulong(self._thread), ctypes.py_object(HandlerTimeout))
            if self._cancel.wait(_REFIRE_S):
                break
            if real_perf() - self._ends >= GIVE_UP_AFTER_S:
                self._give_up()

    def _interruptible_sleep(self, seconds: float) -> None:
        if threading.get_ident() != self._thread or not self._active or self._expired is None:
            self._real_sleep(seconds)
            return
        self._expired.wait(seconds)
