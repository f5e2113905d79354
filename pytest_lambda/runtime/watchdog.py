"""The thread that watches main-thread deadlines (one per process, started lazily)."""

from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from .interrupts import PENDING_CALL, add_pending_call

#: How often the watchdog looks at the running main-thread deadline, and how many idle looks
#: (no phase running) before it sleeps until the next phase.
_POLL_S = 0.05
_IDLE_POLLS = 40
_SIGALRM = int(signal.SIGALRM)
_sleep = time.sleep  # the real one, whatever a handler does to time.sleep


class Watched(Protocol):
    """What the watchdog needs of a deadline."""

    def poll(self, schedule: Callable[[], None]) -> None: ...

    def repair(self) -> None: ...


class Watchdog:
    """The thread that watches main-thread deadlines (one per process, started lazily).

    A phase only stores itself in ``current``; the watchdog polls it, so an invocation that
    returns in time costs no thread switch. After ``_IDLE_POLLS`` looks with no phase running
    it sleeps until ``wake`` is called. It also accepts ``SIGALRM`` (unblocked here), so a
    main thread that blocks the signal still has it delivered to the process.
    """

    def __init__(self) -> None:
        self.current: Watched | None = None
        #: Not polling (no thread yet, or idle): ``wake`` must be called.
        self.asleep = True
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        os.register_at_fork(after_in_child=self._forked)
        #: A repair is queued or running as a pending call (see ``_on_pending``).
        self._scheduled = False
        # Kept alive here: the interpreter holds only its C pointer.
        self._callback = PENDING_CALL(self._on_pending)
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
        self._scheduled = False

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
        if self._scheduled:  # one at a time: see _on_pending
            return
        self._scheduled = True
        if add_pending_call(self._callback_address, None) != 0:
            self._scheduled = False  # the queue was full: try again at the next poll

    def _on_pending(self, arg: Any) -> int:
        # Runs on the main thread, between two bytecodes; must never raise (ctypes would
        # only print it).
        #
        # While a pending call runs Python code, CPython (make_pending_calls) runs no other
        # pending call, yet one queued meanwhile keeps the eval breaker set; on 3.11, under a
        # trace function (coverage.py's), the next function entry then spins on its RESUME
        # instruction for good, and each SIGALRM of the interval timer nests another signal
        # handler there: the session hangs. So no pending call is queued while this runs:
        # the watchdog queues one repair at a time, SIGALRM's handler landing in our code
        # does not ask again on 3.11 under a tracer (see timeout.Deadline._on_alarm), and
        # ``raise_again`` is the repair's last call, after which only returns follow.
        deadline = self.current
        if deadline is not None:
            try:
                deadline.repair()
            except BaseException:  # nothing can propagate from here
                pass
        self._scheduled = False
        return 0


#: Process-wide by nature: there is one SIGALRM, one interval timer and one main thread.
WATCHDOG = Watchdog()
