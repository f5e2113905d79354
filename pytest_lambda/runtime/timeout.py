"""Stopping a handler at its deadline, on the real clock.

On the main thread a real-time interval timer (``SIGALRM``) interrupts both pure-Python loops
and blocking system calls such as ``time.sleep``. On other threads a watchdog thread raises
the timeout asynchronously in the handler's thread; that interrupts Python code at the next
bytecode, and ``time.sleep`` is made interruptible for the invocation, but a thread blocked in
another C call is stopped only when that call returns (the result still says it timed out).
The timeout is re-raised every 50 ms, so handler code that swallows it cannot run on.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # the C module under signal.py: no stubs
import ctypes
import os
import select
import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

_REFIRE_S = 0.05
#: How long past its deadline a handler may keep running before it is stopped by force:
#: every line of its Python code then raises (a trace function), which no ``except`` can
#: swallow. Sooner when the handler tampered with the timer (disposition, mask, itimer).
ESCALATE_AFTER_S = 0.2
#: Past this, a handler still running is declared unstoppable in-process (stuck in C code):
#: the invocation still ends as Lambda's timeout, and ``invoke`` raises HandlerNotStopped.
GIVE_UP_AFTER_S = 2.0
_SIGALRM = int(signal.SIGALRM)
_ITIMER_REAL = signal.ITIMER_REAL
_OWN_PREFIX = __name__.split(".")[0] + "."
_sleep = time.sleep  # the real one, whatever a handler does to time.sleep


class HandlerTimeout(BaseException):
    """Raised inside handler code when its invocation's time is up."""


class _Watchdog:
    """One daemon thread watching the running main-thread deadline (cheaper than a thread
    per phase): it detects tampering with the timer and stops a handler that defeated it.

    The main thread talks to it through a pipe, never a lock: an exception the watchdog
    raised asynchronously in the main thread can land right after a lock was acquired and
    before the ``with`` block that releases it, leaving it held for good.
    """

    def __init__(self) -> None:
        self._deadline: Deadline | None = None
        self._thread: threading.Thread | None = None
        self._pipe: tuple[int, int] | None = None

    def watch(self, deadline: Deadline | None) -> None:
        self._deadline = deadline
        if deadline is not None and (self._thread is None or not self._thread.is_alive()):
            if self._pipe is None:
                self._pipe = os.pipe()
                os.set_blocking(self._pipe[1], False)
            self._thread = threading.Thread(target=self._run, name="pytest-lambda-watchdog",
                                            daemon=True)
            self._thread.start()
        if self._pipe is not None:
            try:
                os.write(self._pipe[1], b"\0")
            except BlockingIOError:
                pass  # the watchdog has wake-ups pending already

    def _run(self) -> None:
        assert self._pipe is not None
        wake = self._pipe[0]
        while True:
            deadline = self._deadline
            wait = None
            if deadline is not None:
                wait = min(max(deadline.next_check() - time.monotonic(), 0.0), 3600.0)
            if select.select([wake], [], [], wait)[0]:
                os.read(wake, 4096)
                continue
            if deadline is not None and self._deadline is deadline:
                deadline.check()


_WATCHDOG = _Watchdog()


class Deadline:
    """Arms a timer for one phase (init or invoke) and disarms it exactly once.

    A handler that swallows the timeout, ignores or blocks ``SIGALRM`` or cancels the
    interval timer is detected (by a watchdog thread) and stopped by force: an exception is
    raised asynchronously in its thread, and that exception makes every line of the
    handler's Python code raise until it has unwound. ``not_stopped`` says why when even that
    did not end it within ``GIVE_UP_AFTER_S`` (a C call that never returns).
    """

    __slots__ = ("_active", "_armed", "_callback", "_cancel", "_ends", "_escalated",
                 "_expired", "_home", "_old_handler", "_old_hook", "_old_profile",
                 "_old_timer", "_old_trace", "_on_main", "_real_sleep", "_seconds", "_started",
                 "_thread", "_tracer", "_watchdog", "checking", "not_stopped", "tampered")

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._active = False
        self._armed = False
        self._on_main = threading.current_thread() is threading.main_thread()
        self._old_handler: Any = None
        self._old_timer: tuple[float, float] = (0.0, 0.0)
        self._started = 0.0
        self._ends = 0.0
        self._cancel: threading.Event | None = None
        self._expired: threading.Event | None = None
        self._watchdog: threading.Thread | None = None
        self._thread = threading.get_ident()
        self._real_sleep: Any = None
        self._callback = self._on_alarm
        self._escalated = False
        self._home: FrameType | None = None
        self._old_trace: Any = None
        self._old_profile: Any = None
        self._old_hook: Any = None
        self._tracer: Any = None
        #: True while the watchdog thread looks at (and may raise into) the handler's thread.
        self.checking = False
        #: How the handler interfered with the timer, if it did (e.g. "SIGALRM ignored").
        self.tampered = ""
        #: Set when the handler could not be stopped within GIVE_UP_AFTER_S of its deadline.
        self.not_stopped = ""

    def arm(self) -> None:
        self._active = self._armed = True
        self._home = sys._getframe(1)  # the frame that runs the phase: stop unwinding there
        self._old_trace = sys.gettrace()
        # The timeout may fire inside a weakref callback or a __del__, where Python can only
        # report it as "unraisable": that is the timer's business, not the test's (it fires
        # again 50 ms later).
        self._old_hook = sys.unraisablehook
        sys.unraisablehook = self._unraisable
        self._started = time.monotonic()
        self._ends = self._started + self._seconds
        if self._on_main:
            # The C-level functions: signal.signal's enum wrapping costs microseconds per call.
            self._old_handler = _signal.signal(_SIGALRM, self._callback)
            # The test process may have SIGALRM blocked; the phase must not (the caller
            # restores the whole mask afterwards).
            signal.pthread_sigmask(signal.SIG_UNBLOCK, (_SIGALRM,))
            self._old_timer = _signal.setitimer(_ITIMER_REAL, self._seconds, _REFIRE_S)
            _WATCHDOG.watch(self)
            return
        self._cancel = threading.Event()
        self._expired = threading.Event()
        self._real_sleep = time.sleep
        time.sleep = self._interruptible_sleep  # type: ignore[assignment]
        self._watchdog = threading.Thread(target=self._watch, name="pytest-lambda-timeout",
                                          daemon=True)
        self._watchdog.start()

    def disarm(self) -> None:
        """Stop the timer and put back what ``arm`` replaced.

        Idempotent until complete: a stray timeout arriving while it runs interrupts it, and
        calling it again finishes the job (``disarm_safely`` does that).
        """
        self._active = False
        if not self._armed:
            return
        if sys.unraisablehook == self._unraisable:
            sys.unraisablehook = self._old_hook
        if self._escalated:
            sys.setprofile(self._old_profile)
            sys.settrace(self._old_trace)
            frame: FrameType | None = sys._getframe(1)
            while frame is not None:
                frame.f_trace = None
                frame = frame.f_back
        if self._on_main:
            _WATCHDOG.watch(None)
            while self.checking:  # it may be raising into this thread right now
                _sleep(0.0002)
            _signal.setitimer(_ITIMER_REAL, 0)
            if time.monotonic() >= self._ends:
                # The watchdog may have queued an exception for this thread.
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread), None)
            _signal.signal(_SIGALRM, self._old_handler)
            delay, interval = self._old_timer
            if delay:
                # Someone else (pytest-timeout, say) had a timer running: give it back.
                left = max(delay - (time.monotonic() - self._started), 0.001)
                _signal.setitimer(_ITIMER_REAL, left, interval)
            self._armed = False
            return
        assert self._cancel is not None
        self._cancel.set()
        time.sleep = self._real_sleep
        if self._watchdog is not None and self._watchdog is not threading.current_thread():
            self._watchdog.join()
        self._armed = False

    def disarm_safely(self) -> None:
        """``disarm``, retried if a last timeout interrupts it."""
        while True:
            try:
                self.disarm()
                return
            except HandlerTimeout:
                continue

    def _unraisable(self, unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, HandlerTimeout):
            self._old_hook(unraisable)

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if self._active:
            if frame is not None and time.monotonic() >= self._ends + ESCALATE_AFTER_S \
                    and not frame.f_globals.get("__name__", "").startswith(_OWN_PREFIX):
                self._stop_lines(frame)
            raise HandlerTimeout

    # -- the watchdog's side (runs on another thread) ------------------------------------

    def next_check(self) -> float:
        """When the watchdog should look at this deadline next (monotonic seconds)."""
        if not self._active:
            return float("inf")
        now = time.monotonic()
        return self._ends if now < self._ends else now + _REFIRE_S

    def check(self) -> None:
        """Past the deadline and still running: detect tampering, stop the handler by force."""
        self.checking = True
        try:
            if self._active:
                self._check()
        finally:
            self.checking = False

    def _check(self) -> None:
        now = time.monotonic()
        if not self.tampered:
            self.tampered = self._tampering()
        if self.tampered or now >= self._ends + ESCALATE_AFTER_S:
            self._force()
        if now >= self._ends + GIVE_UP_AFTER_S and not self.not_stopped:
            self.not_stopped = (
                f"the handler was still running {GIVE_UP_AFTER_S:g} s after its "
                f"{self._seconds:g} s timeout and could not be stopped in-process"
                + (f" ({self.tampered})" if self.tampered else "")
                + "; it is probably blocked in C code. Run it with isolation=\"process\" "
                "(marker lambda_isolation(\"process\")), where a timeout kills the worker.")

    def _tampering(self) -> str:
        reasons = []
        if _signal.getsignal(_SIGALRM) is not self._callback:
            reasons.append("its SIGALRM handler was replaced")
        if _signal.getitimer(_ITIMER_REAL) == (0.0, 0.0):
            reasons.append("the interval timer was cancelled")
        try:
            with open(f"/proc/self/task/{threading.main_thread().native_id}/status",
                      "rb") as f:
                for line in f:
                    if line.startswith(b"SigBlk:"):
                        if int(line.split()[1], 16) & (1 << (_SIGALRM - 1)):
                            reasons.append("SIGALRM was blocked")
                        break
        except (OSError, ValueError):
            pass
        return ", ".join(reasons)

    def _force(self) -> None:
        """Raise, in the handler's thread, an exception that makes all its lines raise."""
        deadline = self

        class _Stop(HandlerTimeout):
            def __init__(self, *args: object) -> None:
                super().__init__(*args)
                if deadline._active:  # runs in the handler's thread, as it is raised
                    deadline._stop_lines(sys._getframe(1))

        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread),
                                                   ctypes.py_object(_Stop))

    # -- the handler's thread -------------------------------------------------------------

    def _stop_lines(self, frame: FrameType | None) -> None:
        """From now on every line of user code in this thread raises HandlerTimeout.

        CPython turns a trace function off once it raises, and the exception may land inside
        the ``try`` that swallows it; so a profile function (which never raises) puts the
        trace function back when user code calls or returns, and the watchdog every 50 ms,
        until an exception lands outside every ``try`` of the handler.
        """
        if self._tracer is None:
            self._escalated = True
            self._old_profile = sys.getprofile()
            self._tracer, keeper = self._make_tracer()
            sys.setprofile(keeper)
        if sys.gettrace() is not self._tracer:
            self._install(frame)

    def _make_tracer(self) -> tuple[Any, Any]:
        me = self

        def tracer(frame: FrameType, event: str, arg: Any) -> Any:
            if not me._active or frame.f_globals.get("__name__", "").startswith(_OWN_PREFIX):
                return None
            if event == "line":
                raise HandlerTimeout
            return tracer

        def keeper(frame: FrameType, event: str, arg: Any) -> None:
            if me._active and event in ("call", "return") and sys.gettrace() is not tracer \
                    and not frame.f_globals.get("__name__", "").startswith(_OWN_PREFIX):
                me._install(frame)

        return tracer, keeper

    def _install(self, frame: FrameType | None) -> None:
        home = self._home
        tracer = self._tracer
        while frame is not None and frame is not home:
            if not frame.f_globals.get("__name__", "").startswith(_OWN_PREFIX):
                frame.f_trace = tracer
                frame.f_trace_lines = True
            frame = frame.f_back
        sys.settrace(tracer)

    def _watch(self) -> None:
        assert self._cancel is not None and self._expired is not None
        if self._cancel.wait(self._seconds):
            return
        self._expired.set()
        while self._active:
            if time.monotonic() >= self._ends + ESCALATE_AFTER_S:
                self.check()
            else:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self._thread), ctypes.py_object(HandlerTimeout))
            if self._cancel.wait(_REFIRE_S):
                break
        # A pending async exception must not hit our own code after the handler returned.
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread), None)

    def _interruptible_sleep(self, seconds: float) -> None:
        if threading.get_ident() != self._thread or not self._active or self._expired is None:
            self._real_sleep(seconds)
            return
        self._expired.wait(seconds)
