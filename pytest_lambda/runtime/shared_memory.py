"""No POSIX shared memory in a phase, as in Lambda's execution environment.

Lambda's sandbox has no ``/dev/shm``, so ``sem_open`` fails and every ``multiprocessing``
object built on a semaphore fails to construct: ``Lock``, ``Semaphore``, ``Event``, ``Queue``,
``Pool``, ``concurrent.futures.ProcessPoolExecutor`` raise ``OSError: [Errno 38] Function not
implemented`` (AWS compute blog, "Parallel Processing in Python with AWS Lambda": use
``Process`` and ``Pipe`` instead; the captured traceback in the StackOverflow question 34005930).
``Pipe`` and ``Process`` work. This phase hook makes semaphore creation fail the same way while
a phase runs, so a handler that would fail on Lambda fails here too.
"""

from __future__ import annotations

import errno
import sys
from typing import Any

__all__ = ["NoSharedMemory"]


def _no_sem_open(self: Any, *args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSYS, "Function not implemented")


class NoSharedMemory:
    """Swapped in per phase: ``multiprocessing``'s semaphores cannot be created."""

    __slots__ = ("_real",)

    def __init__(self) -> None:
        self._real: Any = None

    def enter(self) -> None:
        synchronize: Any = sys.modules.get("multiprocessing.synchronize")
        if synchronize is None:
            # the stdlib module the handler's multiprocessing loads: loaded here so that
            # it is patched before the handler imports it (once per test process)
            import multiprocessing.synchronize

            synchronize = multiprocessing.synchronize
        self._real = synchronize.SemLock.__dict__["__init__"]
        synchronize.SemLock.__init__ = _no_sem_open

    def exit(self) -> None:
        if self._real is None:
            return
        synchronize = sys.modules["multiprocessing.synchronize"]
        synchronize.SemLock.__init__ = self._real
        self._real = None
