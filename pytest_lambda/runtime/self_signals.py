"""Signals the handler sends its own process, in-process: what they do to Lambda's runtime.

On Lambda the handler runs in the runtime's own process, so ``os.kill(os.getpid(), SIGTERM)``
(a known way to get a fresh sandbox), ``signal.raise_signal(SIGABRT)`` or ``SIGKILL`` ends the
runtime: the invocation fails with ``Runtime.ExitError`` ("Runtime exited with error: signal:
terminated") and the environment is reset; ``SIGSTOP`` stops it, so the invocation times out.
In-process the same call would end or freeze the test session. During a phase, ``os.kill``,
``os.killpg`` and ``signal.raise_signal`` aimed at this process (its pid, its process group, or
``0``) with a signal whose disposition would end or stop it (the default one, or one that
cannot be caught) do what they do on Lambda instead: :class:`SignalledExit` (the runtime
ended), or :class:`RuntimeStopped` (it stopped: the invocation times out, its Duration the
whole timeout). A signal the code has a handler
for, or one that is ignored, is sent for real. A process worker has a process of its own: there
the real signal does it.

``os._exit(status)`` is the same kind of call: on Lambda it ends the runtime process ("Runtime
exited with error: exit status 3"); in-process it ended the test session without a report.
During a phase it raises :class:`RuntimeExit` instead, in the process the phase runs in (a
child the code forked exits for real). Unlike the real call, code that catches ``SystemExit``
(or ``BaseException``) can catch it, and from a thread other than the phase's it ends only that
thread.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # signal.py's C module: no enum wrapping
import os
import signal
import threading
import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["FUNCTION_THREADS", "RuntimeExit", "RuntimeStopped", "SelfSignals", "SignalledExit"]

#: Threads the function's code started during a phase (``isolation._start_daemonic``).
FUNCTION_THREADS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
_REAL_OS_EXIT = os._exit
_GUARDED_PID = [0]


def _exit_between_phases(status: int) -> None:
    """``os._exit`` once a function's thread outlives its phase (in-process).

    Called from such a thread (a background flusher that gives up, say), the real call ended
    the test session at once, with exit status 0 and the rest of the session unreported: a
    green run. On Lambda it ends the runtime process, and nothing of it runs any more: here that
    thread stops for good (a daemon, it never holds up the test process's exit; an exception
    would reach pytest's thread-exception warning instead). From any other thread, or in a
    child process, it is the real call.
    """
    if threading.current_thread() in FUNCTION_THREADS and os.getpid() == _GUARDED_PID[0]:
        while True:
            threading.Event().wait()
    _REAL_OS_EXIT(status)

_SIG_DFL = _signal.SIG_DFL


def _numbers(*names: str) -> frozenset[int]:
    return frozenset(int(getattr(signal, n)) for n in names if hasattr(signal, n))


#: Signals whose default action ends the process (SIGINT and SIGPIPE are Python's own: its
#: handlers raise KeyboardInterrupt or ignore them, so they are not at their default).
_ENDING = _numbers("SIGTERM", "SIGHUP", "SIGQUIT", "SIGABRT", "SIGUSR1", "SIGUSR2", "SIGSEGV",
                   "SIGBUS", "SIGFPE", "SIGILL", "SIGTRAP", "SIGSYS", "SIGXCPU", "SIGXFSZ",
                   "SIGVTALRM", "SIGPROF", "SIGINT", "SIGPIPE")
_STOPPING = _numbers("SIGTSTP", "SIGTTIN", "SIGTTOU")
_UNCATCHABLE_END = int(signal.SIGKILL)
_UNCATCHABLE_STOP = int(signal.SIGSTOP)


class SignalledExit(SystemExit):
    """The runtime process ended by a signal its code sent it (``code`` is minus the signal,
    as :func:`~.faults.exit_reason` reads a process's return code)."""

    def __init__(self, signum: int) -> None:
        super().__init__(-signum)


class RuntimeExit(SystemExit):
    """The runtime process ended by ``os._exit(status)`` in its code (``code`` is the status)."""


def _acts_on_runtime(signum: Any) -> str | None:
    """``"end"``, ``"stop"`` or None (deliver it for real) for a signal to this process."""
    try:
        number = int(signum)
    except (TypeError, ValueError):
        return None
    if number == _UNCATCHABLE_END:
        return "end"
    if number == _UNCATCHABLE_STOP:
        return "stop"
    if number in _ENDING or number in _STOPPING:
        try:
            default = _signal.getsignal(number) == _SIG_DFL
        except (ValueError, OSError):
            return None
        if default:
            return "end" if number in _ENDING else "stop"
    return None


class RuntimeStopped(BaseException):
    """The runtime process stopped itself: nothing more runs, and the invocation times out."""


def _act(signum: Any) -> None:
    if _acts_on_runtime(signum) == "end":
        raise SignalledExit(int(signum))
    raise RuntimeStopped(int(signum))


def _is_this_process(pid: int) -> bool:
    return pid in (0, os.getpid()) or (pid < 0 and -pid == os.getpgrp())


_NAMES = ((os, "kill"), (os, "killpg"), (signal, "raise_signal"), (os, "_exit"))


class SelfSignals:
    """A phase hook: the stand-ins of ``os.kill``, ``os.killpg``, ``signal.raise_signal`` and
    ``os._exit`` during the phase (each calls the function installed when the phase began
    otherwise). Once a thread the function started outlives its phase, ``os._exit`` stays
    :func:`_exit_between_phases` between phases (it passes every other caller through)."""

    __slots__ = ("_pid", "_real", "_stand_ins", "_thread")

    def __init__(self) -> None:
        self._real: dict[str, Callable[..., Any]] = {}
        self._pid = 0
        self._thread = 0
        real = self._real

        def functions() -> bool:
            """Whether the caller is the function's code: the phase's thread or one it
            started. Any other thread of the test process (pytest-timeout's timer, which ends
            a hung test with ``os._exit(1)``; xdist's) makes the real call."""
            return (threading.get_ident() == self._thread
                    or threading.current_thread() in FUNCTION_THREADS)

        def kill(pid: int, signum: Any) -> None:
            if _is_this_process(pid) and _acts_on_runtime(signum) and functions():
                _act(signum)
            real["kill"](pid, signum)

        def killpg(pgid: int, signum: Any) -> None:
            if pgid in (0, os.getpgrp()) and _acts_on_runtime(signum) and functions():
                _act(signum)
            real["killpg"](pgid, signum)

        def raise_signal(signum: Any) -> None:
            if _acts_on_runtime(signum) and functions():
                _act(signum)
            real["raise_signal"](signum)

        def exit_now(status: int) -> None:
            if os.getpid() == self._pid and functions():
                raise RuntimeExit(status)
            real["_exit"](status)  # a child the code forked, or the test process's own

        self._stand_ins = {"kill": kill, "killpg": killpg, "raise_signal": raise_signal,
                           "_exit": exit_now}

    def enter(self) -> None:
        self._pid = os.getpid()
        self._thread = threading.get_ident()
        for module, name in _NAMES:
            self._real[name] = getattr(module, name)
            setattr(module, name, self._stand_ins[name])

    def exit(self) -> None:
        for module, name in _NAMES:
            if name in self._real:
                setattr(module, name, self._real.pop(name))
        if FUNCTION_THREADS and os._exit is _REAL_OS_EXIT:
            _GUARDED_PID[0] = os.getpid()
            os._exit = _exit_between_phases  # type: ignore[assignment]
