"""Stopping a handler at its deadline, on the real clock.

On the main thread a real-time interval timer (``SIGALRM``) interrupts both pure-Python loops
and blocking system calls such as ``time.sleep``. Once the deadline has passed, the signal
handler asks to run again at the next point where the interpreter checks for signals
(``interrupts.raise_again``), so the timeout is raised at every such point until the handler
has unwound: code that catches it (``except BaseException: pass`` in a loop) cannot run on. A
handler that ignores, replaces or blocks ``SIGALRM`` or cancels the timer is caught by the
watchdog thread, which asks the main thread (a pending call) to put the timer back and go on
raising. The main thread never receives an asynchronous exception, and no trace or profile
function is involved (see ``interrupts``).

On other threads a per-phase watchdog thread raises the timeout asynchronously in the
handler's thread every 50 ms; that interrupts Python code at the next bytecode, and
``time.sleep`` is made interruptible for the invocation, but a thread blocked in another C
call is stopped only when that call returns.

A handler still running ``GIVE_UP_AFTER_S`` after its deadline (stuck in a C call with the
timer defeated, say) sets ``not_stopped``: the invocation ends as Lambda's timeout when the
call returns, and ``invoke`` raises ``HandlerNotStopped`` naming ``isolation="process"``.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # the C module under signal.py: no stubs
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

from ..clock import real_perf
from .interrupts import (
    MONITORING,
    SET_INTERRUPT,
    HandlerTimeout,
    LineStops,
    add_pending_call,
    checkpoint,
    drain,
    in_tracer,
    is_shielded,
    raise_again,
    raise_in,
)
from .outside import Ledger, current_ledger, rss_kb
from .watchdog import WATCHDOG, Watched

__all__ = ["GIVE_UP_AFTER_S", "Deadline", "HandlerTimeout", "outer_phase_waits"]

_T = TypeVar("_T")
_REFIRE_S = 0.05
#: How soon the timer asks again after a timeout that could not land (see ``_on_alarm``).
_NUDGE_S = 0.001
#: At disarm, a timer with less than this left may have fired (a re-fire is 0.05 s away)
#: or have been cancelled: settle pending signals then.
_SETTLE_BELOW_S = 0.06
#: How much earlier than the deadline SIGALRM may be seen (timer and clock granularity).
_EARLY_S = 0.002
#: Held while the watchdog sends the main thread a SIGALRM (:meth:`Deadline._wake_main`), and
#: taken by ``disarm`` once the phase is over: none is sent after that.
_WAKE_LOCK = threading.Lock()
#: Past this, a handler still running is declared unstoppable in-process (stuck in C code).
GIVE_UP_AFTER_S = 2.0
_SIGALRM = int(signal.SIGALRM)
#: CPython 3.11 under a trace or profile function re-executes a RESUME until its eval
#: breaker is clear (3.12 moved on after handling it).
_RESUME_REPEATS = sys.version_info < (3, 12)
_ITIMER_REAL = signal.ITIMER_REAL


#: A foreign interval timer (pytest-timeout's signal method) that ran out while a phase held it
#: suspended: its interval, until :func:`deliver_owed_alarm` delivers it.
_OWED_ALARM: list[float] = []


def deliver_owed_alarm() -> None:
    """Deliver a foreign timer that ran out during the invocation just completed: its SIGALRM
    now, so that its handler's exception (pytest-timeout's ``Failed: Timeout``) comes out of
    the ``invoke()`` call, the timer going on if it repeats."""
    __tracebackhide__ = True
    if not _OWED_ALARM or threading.current_thread() is not threading.main_thread():
        return
    interval = _OWED_ALARM.pop()
    _OWED_ALARM.clear()
    if interval:
        _signal.setitimer(_ITIMER_REAL, interval, interval)
    signal.raise_signal(signal.SIGALRM)


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
    _woken = False  # the watchdog sent the main thread a SIGALRM (see _wake_main)
    _lines: LineStops | None = None
    _old_hook: Any = None
    _old_trace: Any = None
    _previous: Watched | None = None  # an outer phase's (a handler invoking another function)
    _cancel: threading.Event | None = None
    _expired: threading.Event | None = None
    _watchdog: threading.Thread | None = None
    _real_sleep: Any = None
    #: (growth cap, resident size at the start, outside-sandbox growth at the start), in kB,
    #: when the phase's memory is watched (see :meth:`watch_memory`).
    _memory: tuple[int, int, int] | None = None
    _ledger: Ledger | None = None
    #: The phase was stopped for growing past its memory cap (see :meth:`watch_memory`).
    memory_exceeded = False
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
    def stopping(self) -> bool:
        """Whether the timeout should land now (``interrupts.LineStops`` asks)."""
        return self._active and not self._shield

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
            watchdog = WATCHDOG
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
            WATCHDOG.current = self._previous
            if self._woken:
                with _WAKE_LOCK:  # the watchdog's SIGALRM, if on its way, is sent by now
                    pass
            left = _signal.setitimer(_ITIMER_REAL, 0)[0]
            interrupted: BaseException | None = None
            # It fired, or nearly; or was cancelled; or the watchdog sent one.
            if self._past or left < _SETTLE_BELOW_S or self._woken:
                interrupted = self._settle()
            replaced = _signal.signal(_SIGALRM, self._old_handler)
            if replaced is not self._callback and replaced is not None:
                # The code installed its own during the phase: it stays, the environment's
                # (the phase's caller puts the test's back, and this one in the next phase).
                _signal.signal(_SIGALRM, replaced)
            self._armed = False
            delay, interval = self._old_timer
            if delay:
                # Someone else (pytest-timeout, say) had a timer running: give it back.
                left = delay - (real_perf() - self._started)
                if left > 0 or isinstance(getattr(self._old_handler, "__self__", None),
                                          Deadline):
                    _signal.setitimer(_ITIMER_REAL, max(left, 0.001), interval)
                else:
                    # It ran out during the phase: fired now it would land in whatever runs
                    # next (the plugin restoring the test's state, pytest's own hooks: an
                    # INTERNALERROR). It is delivered once the invocation is complete and
                    # recorded, at the caller's line (deliver_owed_alarm).
                    _OWED_ALARM.append(interval)
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
            drain(self._thread)  # the watchdog's last exception may not have landed yet
        self._cancel = None

    def _settle(self) -> BaseException | None:
        """After the deadline: let a last tripped SIGALRM reach our (now inactive) callback
        rather than the test's own handler, and drop one left pending by a blocked mask."""
        interrupted: BaseException | None = None
        try:
            checkpoint()  # a queued raise_again trips SIGALRM here...
            checkpoint()  # ...and it is handled here
        except HandlerTimeout:
            pass
        except BaseException as exc:  # another signal's (SIGINT): re-raised
            interrupted = exc
        if _SIGALRM in signal.sigpending():
            signal.sigtimedwait((_SIGALRM,), 0)
        if self._lines is not None:
            self._lines.close()
            self._lines = None
        if self._old_trace is not None and sys.gettrace() is None:
            sys.settrace(self._old_trace)  # uninstalled by a last-resort timeout (see _on_alarm)
        if self._old_hook is not None:
            if sys.unraisablehook == self._unraisable:
                sys.unraisablehook = self._old_hook
            self._old_hook = None
        return interrupted

    def _forward_early(self, signum: int, frame: FrameType | None) -> None:
        """A SIGALRM before the deadline: a request left over from an earlier phase (ignored,
        this deadline's timer still runs), or the code's own ``signal.alarm()`` firing, which
        replaced the timer (one process, one real-time timer): then the handler the code had
        installed for it (at Init, before this deadline went on top) runs, as on Lambda. The
        deadline is still enforced, by the watchdog, without the timer."""
        handler = self._old_handler
        if not callable(handler) or _signal.getitimer(_ITIMER_REAL)[0] > 0:
            return
        handler(signum, frame)

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if not self._active or self._alarming:
            # Run again from a check point inside this very function: the outer run asks for
            # the next one itself.
            return
        if not self._past and real_perf() < self._ends - _EARLY_S:
            self._forward_early(signum, frame)
            return
        self._alarming = True
        # No line events in this frame for a Python-level tracer: each would be a point where
        # the signal is checked, between our request for the next one and the raise.
        sys._getframe().f_trace = None
        try:
            if not self._past:
                self._past = True
                self._old_trace = sys.gettrace()
                # From here the timeout is raised wherever Python checks for signals, which
                # includes __del__ methods and weakref callbacks: there it can only be
                # reported as "unraisable", which is the timer's business, not the test's.
                self._old_hook = sys.unraisablehook
                sys.unraisablehook = self._unraisable
            # Not inside the plugin's own code (it must finish what it started), nor inside
            # a trace or profile function (CPython would uninstall it).
            # Past the grace period, inside a tracer too: a Python-level tracer can keep
            # every check point inside itself; CPython then uninstalls it, and it is put
            # back after the phase (the test fails with HandlerNotStopped anyway).
            ours = bool(self._shield) or is_shielded(frame)
            land = not (ours or (in_tracer(frame) and not self.not_stopped))
            if land and MONITORING:
                if self._lines is None:
                    self._lines = LineStops(self)
                self._lines.cover(frame)
            if not (ours and _RESUME_REPEATS and (sys.gettrace() or sys.getprofile())):
                # Again at the next point Python checks for signals after this one, and the
                # next, until the handler has unwound (``run`` clears ``_active`` first
                # thing). Inline, a C call: a Python-level function would give a tracer
                # 'call' and 'return' events, checks where the signal would be consumed here.
                add_pending_call(SET_INTERRUPT, _SIGALRM)  # what raise_again does
            else:
                # Not landing in our own code on 3.11 under a trace or profile function:
                # there the check point after a function's RESUME is that same RESUME, so a
                # request made now would be handled there again, and again, for good (the
                # session hung). The timer asks again a moment later instead, once our code
                # has moved on. (Inside a trace function tracing is off: no such loop.)
                _signal.setitimer(_ITIMER_REAL, _NUDGE_S, _REFIRE_S)
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
        if not self._active or real_perf() < self._ends:
            return  # asked for an earlier phase's deadline: this one is not due yet
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
        raise_again()

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
        if _main_blocks_sigalrm(unknown=False):
            reasons.append("SIGALRM was blocked")
        return reasons

    def _wake_main(self) -> None:
        """Past the deadline, with no timer of ours left to fire (the code cancelled or
        replaced it, as ddtrace's timeout channel does with ``signal.alarm(0)``), the main
        thread may be blocked in a C call (``time.sleep``, a socket read) where the repair the
        watchdog asked for cannot run: a SIGALRM sent to it ends the call, the Python-level
        handler runs (ours raises the timeout; the code's own runs as its alarm would), and
        then the repair. Not sent when it could do harm: no Python-level handler (the default
        action ends the process; an ignored one wakes nothing), or blocked (it would wait,
        pending, for the test's mask)."""
        if _signal.getitimer(_ITIMER_REAL)[1] == _REFIRE_S:
            return  # our timer still fires every 50 ms
        if not callable(_signal.getsignal(_SIGALRM)) or _main_blocks_sigalrm():
            return
        with _WAKE_LOCK:
            if self._active:
                self._woken = True
                signal.pthread_kill(threading.main_thread().ident or 0, _SIGALRM)

    # -- the watchdog's side (another thread) -----------------------------------------------

    def watch_memory(self, cap_kb: int) -> None:
        """Stop the phase, as its timeout would, once the process has grown ``cap_kb`` past
        its size now (memory the embedded AWS took aside): a runaway allocation in-process
        grew the test process by gigabytes until the timeout (the machine's out-of-memory
        killer could end the session); in a worker the kernel limit stops it."""
        ledger = self._ledger = current_ledger()  # the phase's thread's (poll runs on another)
        self._memory = (cap_kb, rss_kb(), ledger.retained_kb)

    def _over_memory(self) -> bool:
        memory, ledger = self._memory, self._ledger
        if memory is None or ledger is None or self.memory_exceeded or ledger.depth:
            return False
        cap, start, outside = memory
        return rss_kb() - start - (ledger.retained_kb - outside) > cap

    def poll(self, schedule: Callable[[], None]) -> None:
        """Past the deadline (or its memory cap) and still running: have the main thread
        check the timer."""
        if not self._active:
            return
        if self._over_memory():
            self.memory_exceeded = True
            self._seconds = max(real_perf() - self._started, 0.0)  # due now
        late = real_perf() - self._ends
        if late < 0:
            return
        schedule()
        if self._on_main and late >= _REFIRE_S:
            self._wake_main()
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
            # An asynchronous exception lands at the thread's next check point, whatever code
            # that is: not asked for while it runs the plugin's own code or standard-library
            # code holding a process-wide lock (the import system's, with a module half
            # imported in sys.modules; logging's), but a moment later. A lock it still leaves
            # held is given back after the phase (inprocess.release_leaked_locks).
            if is_shielded(sys._current_frames().get(self._thread)):
                wait = _NUDGE_S
            else:
                raise_in(self._thread)
                wait = _REFIRE_S
            if self._cancel.wait(wait):
                break
            if real_perf() - self._ends >= GIVE_UP_AFTER_S:
                self._give_up()

    def _interruptible_sleep(self, seconds: float) -> None:
        if threading.get_ident() != self._thread or not self._active or self._expired is None:
            self._real_sleep(seconds)
            return
        self._expired.wait(seconds)


class outer_phase_waits:  # used as a function: ``with outer_phase_waits():``
    """Around an invocation made from inside another function's phase (its code called
    Lambda's Invoke, served in-process): the outer phase's timeout does not land while it runs,
    but as soon as it has ended (its END and REPORT written), in the outer's code. On Lambda
    the two run in separate sandboxes: the inner invocation completes whatever happens to its
    caller, whose code runs no further than its deadline (here the wait for the inner call is
    longer when it outlasts the caller's deadline). A plain class: it is on every invocation's
    way (two calls, where a generator-based context manager makes six)."""

    __slots__ = ("_outer",)

    def __enter__(self) -> None:
        outer = WATCHDOG.current
        if (isinstance(outer, Deadline) and outer._active
                and threading.current_thread() is threading.main_thread()):
            outer._shield += 1
            self._outer: Deadline | None = outer
        else:
            self._outer = None

    def __exit__(self, *exc: object) -> None:
        outer = self._outer
        if outer is None:
            return
        outer._shield -= 1
        # Past its deadline already: the caller's timeout lands at the next check point out of
        # the plugin's code. Its timer, given back by the inner phase with a millisecond left,
        # came too late: the caller ran on (a log line), or ended in time to succeed.
        if (not outer._shield and outer._active and real_perf() >= outer._ends - _EARLY_S
                and _signal.getsignal(_SIGALRM) is outer._callback):
            raise_again()


def _main_blocks_sigalrm(unknown: bool = True) -> bool:
    """Whether the main thread blocks SIGALRM (another thread's mask: the kernel's view, in
    Linux's /proc; ``unknown`` where that cannot be read)."""
    try:
        path = f"/proc/self/task/{threading.main_thread().native_id}/status"
        with open(path, "rb") as status:
            for line in status:
                if line.startswith(b"SigBlk:"):
                    return bool(int(line.split()[1], 16) >> (_SIGALRM - 1) & 1)
    except (OSError, ValueError):
        pass
    return unknown
