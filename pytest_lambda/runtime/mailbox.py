"""Work that must run under ``PHASE_LOCK``, handed from another thread to the lock's holder.

A worker process (Node.js, a Python process worker) can call back into the test process while
its invocation runs, through the loopback endpoint (``service/bridge.py``): an SDK call from
the handler. Such a call may need ``PHASE_LOCK`` (invoking another function in-process), but
the thread holding it is the one waiting for the worker's answer, so taking the lock from the
endpoint's thread would deadlock. Instead the call is posted here, and the waiting thread runs
it between two polls of its worker (``Supervisor.wait``), as one more phase of its own.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any


class _Work:
    __slots__ = ("_claim", "done", "error", "result", "work")

    def __init__(self, work: Callable[[], Any]) -> None:
        self.work = work
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self._claim = threading.Lock()

    def run_once(self) -> None:
        """Run the work unless another thread already took it."""
        if not self._claim.acquire(blocking=False):
            return
        try:
            self.result = self.work()
        except BaseException as exc:  # handed back to the posting thread
            self.error = exc
        finally:
            self.done.set()


class Mailbox:
    """Runs work under a lock: directly when the lock is free, else on the lock holder's
    thread the next time it calls :meth:`serve`."""

    def __init__(self) -> None:
        self._posted: queue.SimpleQueue[_Work] = queue.SimpleQueue()

    def call(self, work: Callable[[], Any], lock: Any, *, poll_s: float = 0.01) -> Any:
        """Run ``work`` with ``lock`` held (by this thread or by the holder's) and return its
        result (or raise its exception)."""
        item = _Work(work)
        self._posted.put(item)
        while not item.done.wait(poll_s):
            if lock.acquire(blocking=False):
                try:
                    item.run_once()
                finally:
                    lock.release()
        if item.error is not None:
            raise item.error
        return item.result

    def serve(self) -> None:
        """Run what other threads posted (called by the thread holding the lock)."""
        while True:
            try:
                item = self._posted.get_nowait()
            except queue.Empty:
                return
            item.run_once()


#: One phase (init or invoke) at a time in this process: phases swap process-wide state.
PHASE_LOCK = threading.RLock()
#: Work posted for the thread that holds ``PHASE_LOCK``.
PHASE_MAILBOX = Mailbox()
