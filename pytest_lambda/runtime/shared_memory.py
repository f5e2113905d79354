"""No POSIX shared memory in a phase, as in Lambda's execution environment.

Lambda's sandbox has no ``/dev/shm``, so ``sem_open`` fails and every ``multiprocessing``
object built on a semaphore fails to construct: ``Lock``, ``Semaphore``, ``Event``, ``Queue``,
``Pool``, ``concurrent.futures.ProcessPoolExecutor`` raise ``OSError: [Errno 38] Function not
implemented`` (AWS compute blog, "Parallel Processing in Python with AWS Lambda": use
``Process`` and ``Pipe`` instead; the captured traceback in the StackOverflow question 34005930).
``Pipe`` and ``Process`` work. This phase hook makes semaphore creation fail the same way while
a phase runs, so a handler that would fail on Lambda fails here too.

``multiprocessing.synchronize`` creates each semaphore with ``_multiprocessing.SemLock(...)``,
looked up when it is called: the phase swaps that one attribute of the C module (loaded with
the interpreter's own), whether the handler imported ``multiprocessing`` before or not.
"""

from __future__ import annotations

import errno
from typing import Any

__all__ = ["NoSharedMemory"]


def _stand_in(real: Any) -> type:
    class SemLock:
        """``_multiprocessing.SemLock`` where ``sem_open`` is not implemented."""

        SEM_VALUE_MAX = real.SEM_VALUE_MAX

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise OSError(errno.ENOSYS, "Function not implemented")

        @classmethod
        def _rebuild(cls, *args: Any) -> Any:
            raise OSError(errno.ENOSYS, "Function not implemented")

    return SemLock


class NoSharedMemory:
    """Swapped in per phase: ``multiprocessing``'s semaphores cannot be created."""

    __slots__ = ("_module", "_real", "_stand_in")

    def __init__(self) -> None:
        import _multiprocessing  # type: ignore[import-not-found]  # the C module (no cost)

        self._module: Any = _multiprocessing
        self._real: Any = _multiprocessing.SemLock
        self._stand_in = _stand_in(self._real)

    def enter(self) -> None:
        self._module.SemLock = self._stand_in

    def exit(self) -> None:
        self._module.SemLock = self._real
