"""No POSIX shared memory in a process worker, as in Lambda's execution environment.

Lambda's sandbox has no ``/dev/shm``, so ``sem_open`` fails and every ``multiprocessing``
object built on a semaphore fails to construct: ``Lock``, ``Semaphore``, ``Event``, ``Queue``,
``Pool``, ``concurrent.futures.ProcessPoolExecutor`` raise ``OSError: [Errno 38] Function not
implemented`` (AWS compute blog, "Parallel Processing in Python with AWS Lambda", which
recommends ``Process`` and ``Pipe`` instead; the traceback captured in StackOverflow question
34005930 ends in ``_multiprocessing.SemLock(...)`` of ``multiprocessing/synchronize.py``).
``Pipe`` and ``Process`` work.

``multiprocessing.synchronize`` makes each semaphore with ``_multiprocessing.SemLock(...)``,
looked up when it is called, so replacing that one attribute of the C module makes the same
calls fail the same way, whether the handler imported ``multiprocessing`` before or not. A
process worker does it once, before it loads user code: the worker is the environment's own
process. In-process it is not done (the test process and its plugins may need semaphores while
a phase runs): there, these calls work although they fail on Lambda (docs/runtime.md).
"""

from __future__ import annotations

import errno
import os
from typing import Any

__all__ = ["disable_semaphores"]


def _unavailable(*args: Any, **kwargs: Any) -> Any:
    raise OSError(errno.ENOSYS, os.strerror(errno.ENOSYS))


def disable_semaphores() -> None:
    """Make every ``multiprocessing`` semaphore of this process fail as ``sem_open`` does on
    Lambda (for the rest of the process's life)."""
    import _multiprocessing  # type: ignore[import-not-found]  # the C module (no cost)

    real: Any = _multiprocessing.SemLock

    class SemLock:
        """``_multiprocessing.SemLock`` where ``sem_open`` is not implemented."""

        SEM_VALUE_MAX = real.SEM_VALUE_MAX

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            _unavailable()

        _rebuild = staticmethod(_unavailable)

    _multiprocessing.SemLock = SemLock
