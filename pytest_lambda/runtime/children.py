"""In-process, the processes an environment's code starts end with the environment.

On Lambda everything a sandbox runs ends with it: a helper the code starts at Init (a
headless browser, a local proxy, ``sleep``) is killed when the environment is shut down or
reset. In-process they were children of the test process that nobody ended: they outlived
the test, and the session (one per cold start, a browser's whole tree each time).

:class:`Children`, a phase hook, remembers each ``subprocess.Popen`` the code starts on the
phase's thread or on a thread it started (``asyncio``'s subprocesses and ``subprocess.run``
go through it); :meth:`Children.end` kills those still running, and what they started, when
the environment is discarded. Not covered: ``os.fork``, ``os.posix_spawn``,
``multiprocessing`` and C code.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import weakref
from typing import Any

from .interrupts import is_own
from .outside import current_ledger
from .self_signals import FUNCTION_THREADS

__all__ = ["Children"]

#: The phases in progress, innermost last: a process is the innermost phase's on its thread.
_PHASES: list[Children] = []
_REAL_INIT: list[Any] = []


def _tracking_init(popen: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
    _REAL_INIT[0](popen, *args, **kwargs)
    if is_own(sys._getframe(1)):
        # The plugin's own: a worker of a function the code invoked (in-process Lambda API),
        # the process workers' template. That function's, for its own environment's life.
        return
    owner = _owner()
    if owner is not None:
        owner.started.add(popen)
        # asyncio's subprocess transport makes it (BaseSubprocessTransport._start): closed
        # with it at the end, else, collected later, it warns "unclosed transport".
        transport = sys._getframe(1).f_locals.get("self")
        if type(transport).__name__.endswith("SubprocessTransport"):
            with contextlib.suppress(TypeError):
                owner.transports[popen] = weakref.ref(transport)


def _owner() -> Children | None:
    if current_ledger().depth:  # the test process's own work done inside the phase
        return None
    thread = threading.get_ident()
    for phase in reversed(_PHASES):
        if phase.thread == thread:
            return phase
    if _PHASES and threading.current_thread() in FUNCTION_THREADS:
        return _PHASES[-1]
    return None


def _asyncio_watchers() -> dict[int, tuple[threading.Thread, Any]]:
    """asyncio's threads waiting for a child (``ThreadedChildWatcher``), by the child's pid:
    (the thread, the logger it logs to: its own copy of asyncio's, maybe the environment's)."""
    found: dict[int, tuple[threading.Thread, Any]] = {}
    for thread in threading.enumerate():
        args: tuple[Any, ...] = getattr(thread, "_args", ())  # (loop, pid, callback, args)
        if thread.name.startswith("asyncio-waitpid-") and len(args) > 1:
            target = getattr(getattr(thread, "_target", None), "__func__", None)
            found[args[1]] = (thread, getattr(target, "__globals__", {}).get("logger"))
    return found


class Children:
    """A phase hook: the processes the environment's code starts, ended with it."""

    __slots__ = ("started", "thread", "transports")

    def __init__(self) -> None:
        self.started: weakref.WeakSet[subprocess.Popen[Any]] = weakref.WeakSet()
        #: The asyncio subprocess transport of each process started through one.
        self.transports: weakref.WeakKeyDictionary[subprocess.Popen[Any], Any] = \
            weakref.WeakKeyDictionary()
        self.thread = 0

    def enter(self) -> None:
        self.thread = threading.get_ident()
        if not _PHASES:
            _REAL_INIT[:] = [subprocess.Popen.__init__]
            subprocess.Popen.__init__ = _tracking_init  # type: ignore[method-assign,assignment]
        _PHASES.append(self)

    def exit(self) -> None:
        try:
            _PHASES.remove(self)
        except ValueError:  # never entered (the phase failed before its hooks)
            return
        if not _PHASES:
            subprocess.Popen.__init__ = _REAL_INIT.pop()  # type: ignore[method-assign]

    def end(self, own_loggers: dict[str, Any] | None = None) -> None:
        """Kill what the code started and is still running, with everything below it, as
        the end of its sandbox does (SIGKILL), and reap it. ``own_loggers``: the
        environment's loggers (its ``asyncio`` logger is its own, not the test's)."""
        running = [p for p in self.started if p.returncode is None and p.poll() is None]
        transports = [(p, self.transports.get(p)) for p in running]
        self.started = weakref.WeakSet()
        self.transports = weakref.WeakKeyDictionary()
        if not running:
            return
        from .workers.supervisor import descendants  # only when something is left running

        below = [pid for popen in running for pid in descendants(popen.pid)]
        # A child asyncio started is reaped by its watcher thread (blocked in waitpid), which
        # then logs "Loop ... that handles pid ... is closed" (or, reaped by us first,
        # "Unknown child process pid ...") into the test's logging: lines the sandbox's end
        # never writes. It reaps, with asyncio's logger off from before the kill (the thread
        # runs on as soon as its child is gone); every other child is reaped here.
        watchers = _asyncio_watchers()
        quiet = list({id(logger): logger for logger in (
            (own_loggers or {}).get("asyncio"), logging.getLogger("asyncio"),
            *(logger for _, logger in watchers.values()))
            if isinstance(logger, logging.Logger)}.values())
        disabled = [logger.disabled for logger in quiet]
        for logger in quiet:
            logger.disabled = True
        try:
            for popen in running:
                with contextlib.suppress(OSError):
                    popen.kill()
            for pid in below:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            for popen, made_by in transports:
                watcher = watchers.get(popen.pid)
                if watcher is None:
                    with contextlib.suppress(Exception):  # reaped by someone else meanwhile
                        popen.wait(timeout=5)
                else:
                    thread = watcher[0]
                    thread.join(timeout=5)
                    if popen.returncode is None and not thread.is_alive():
                        # Reaped by the watcher, whose report went to a closed loop: without
                        # a return code, it would warn "subprocess ... is still running".
                        popen.returncode = -signal.SIGKILL
                transport = made_by() if made_by is not None else None
                if transport is not None:
                    # Nor was the transport told (its loop is closed, or gone with the
                    # environment): it would warn "unclosed transport" when collected.
                    with contextlib.suppress(Exception):
                        transport.close()
        finally:
            for logger, was in zip(quiet, disabled, strict=True):
                logger.disabled = was
