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
import signal
import threading
import time
from types import FrameType
from typing import Any

_REFIRE_S = 0.05
_SIGALRM = int(signal.SIGALRM)
_ITIMER_REAL = signal.ITIMER_REAL


class HandlerTimeout(BaseException):
    """Raised inside handler code when its invocation's time is up."""


class Deadline:
    """Arms a timer for one phase (init or invoke) and disarms it exactly once."""

    __slots__ = ("_active", "_cancel", "_expired", "_old_handler", "_old_timer", "_on_main",
                 "_real_sleep", "_seconds", "_started", "_thread", "_watchdog")

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._active = False
        self._on_main = threading.current_thread() is threading.main_thread()
        self._old_handler: Any = None
        self._old_timer: tuple[float, float] = (0.0, 0.0)
        self._started = 0.0
        self._cancel: threading.Event | None = None
        self._expired: threading.Event | None = None
        self._watchdog: threading.Thread | None = None
        self._thread = threading.get_ident()
        self._real_sleep: Any = None

    def arm(self) -> None:
        self._active = True
        if self._on_main:
            # The C-level functions: signal.signal's enum wrapping costs microseconds per call.
            self._old_handler = _signal.signal(_SIGALRM, self._on_alarm)
            self._started = time.monotonic()
            self._old_timer = _signal.setitimer(_ITIMER_REAL, self._seconds, _REFIRE_S)
            return
        self._cancel = threading.Event()
        self._expired = threading.Event()
        self._real_sleep = time.sleep
        time.sleep = self._interruptible_sleep  # type: ignore[assignment]
        self._watchdog = threading.Thread(target=self._watch, name="pytest-lambda-timeout",
                                          daemon=True)
        self._watchdog.start()

    def disarm(self) -> None:
        if not self._active:
            return
        self._active = False
        if self._on_main:
            _signal.setitimer(_ITIMER_REAL, 0)
            _signal.signal(_SIGALRM, self._old_handler)
            delay, interval = self._old_timer
            if delay:
                # Someone else (pytest-timeout, say) had a timer running: give it back.
                left = max(delay - (time.monotonic() - self._started), 0.001)
                _signal.setitimer(_ITIMER_REAL, left, interval)
            return
        assert self._cancel is not None
        self._cancel.set()
        time.sleep = self._real_sleep
        if self._watchdog is not None and self._watchdog is not threading.current_thread():
            self._watchdog.join()

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if self._active:
            raise HandlerTimeout

    def _watch(self) -> None:
        assert self._cancel is not None and self._expired is not None
        if self._cancel.wait(self._seconds):
            return
        self._expired.set()
        while self._active:
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
