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
import threading
import weakref
from typing import Any

from .outside import current_ledger
from .self_signals import FUNCTION_THREADS

__all__ = ["Children"]

#: The phases in progress, innermost last: a process is the innermost phase's on its thread.
_PHASES: list[Children] = []
_REAL_INIT: list[Any] = []


def _tracking_init(popen: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
    _REAL_INIT[0](popen, *args, **kwargs)
    owner = _owner()
    if owner is not None:
        owner.started.add(popen)


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


def _descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (read from /proc; none where it cannot be read)."""
    parents: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rpartition(b")")[2].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    stack = [pid]
    while stack:
        for child in parents.get(stack.pop(), ()):
            found.append(child)
            stack.append(child)
    return found


class Children:
    """A phase hook: the processes the environment's code starts, ended with it."""

    __slots__ = ("started", "thread")

    def __init__(self) -> None:
        self.started: weakref.WeakSet[subprocess.Popen[Any]] = weakref.WeakSet()
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

    def end(self) -> None:
        """Kill what the code started and is still running, with everything below it, as
        the end of its sandbox does (SIGKILL), and reap it."""
        running = [p for p in self.started if p.returncode is None and p.poll() is None]
        self.started = weakref.WeakSet()
        if not running:
            return
        below = [pid for popen in running for pid in _descendants(popen.pid)]
        for popen in running:
            with contextlib.suppress(OSError):
                popen.kill()
        for pid in below:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        # asyncio's watcher thread of a child it started (the environment's thread, blocked
        # in waitpid) wakes up now, and would log "Loop ... that handles pid ... is closed"
        # into the test's logging: a line the sandbox's end never writes.
        watchers = {f"asyncio-waitpid-{popen.pid}" for popen in running}
        asyncio_logger = logging.getLogger("asyncio")
        disabled, asyncio_logger.disabled = asyncio_logger.disabled, True
        try:
            for popen in running:
                with contextlib.suppress(Exception):  # reaped by its watcher meanwhile
                    popen.wait(timeout=5)
            for thread in threading.enumerate():
                if thread.name in watchers:
                    thread.join(timeout=1)
        finally:
            asyncio_logger.disabled = disabled
