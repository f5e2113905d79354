"""Memory used by user code in the test process, measured only while it runs."""

from __future__ import annotations

import math
import os
import resource
import sys
import time
from collections.abc import Sequence
from typing import Any

#: Footprint of a fresh runtime on Lambda before user code, in MB, from the REPORT lines of
#: hello-world functions (python3.13: 40 MB, nodejs22.x: 67 MB); the memory the handler's
#: code uses is measured and added to it.
RUNTIME_BASELINE_MB = {"python": 40, "nodejs": 67}

#: Warm phases that are settled (see ``MemoryMeter``) after Init and after any that grew.
PROBATION_PHASES = 8

#: A phase whose resident size changes by no more than this is taken as unchanged. The
#: allocator maps a fresh page now and then for the plugin's and the measurement's own small
#: objects (one or two 4 kB pages in about one phase in twenty, measured over 10,000 no-op
#: invocations); summed, those pages made Max Memory Used creep by several MB. The price: code
#: that keeps less than this per invocation is not seen growing.
NOISE_BYTES = 8192


def _malloc_trim() -> Any:
    try:
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim  # glibc's
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    return trim


_TRIM: list[Any] = []


def return_free_memory() -> None:
    """Give the memory the C allocator holds free back to the system (glibc's
    ``malloc_trim``; nothing elsewhere): before a new environment's Init, and around settled
    phases (see ``MemoryMeter``).

    Resident memory the test process freed (a 600 MB runaway allocation an earlier test made)
    stays in the allocator's free lists, and a later handler's allocation landed there without
    growing the resident size: a 200 MB allocation at 128 MB passed, depending on test order.
    Returned, it has to be faulted in again, and that is measured."""
    if not _TRIM:
        _TRIM.append(_malloc_trim())
    trim = _TRIM[0]
    if trim is not None:
        trim(0)


def max_memory_used_mb(family: str, peak_bytes: int) -> int:
    """Max Memory Used of a runtime ``family`` whose user code peaked at ``peak_bytes``."""
    return RUNTIME_BASELINE_MB[family] + math.ceil(peak_bytes / 1048576)


def log_bytes(events: Sequence[Any], start: int) -> int:
    """The memory the log events from index ``start`` on take in this process.

    Charged to nobody: on Lambda a line written is sent out of the sandbox, not kept in it.
    """
    size = sys.getsizeof
    total = 0
    for i in range(start, len(events)):
        event = events[i]
        # The tuple, its message, its millisecond timestamp (an int of its own) and the
        # list's slot; the request id and stream name are shared by the phase's events.
        total += size(event) + size(event.message) + size(event[0]) + 8
    return total


class MemoryMeter:
    """Memory used by user code, measured only while it runs.

    On Linux: the process's resident set size. Before the code runs its high-water mark is
    reset (``/proc/self/clear_refs``) and both the current size (``/proc/self/statm``) and the
    high-water mark are read; afterwards both are read again. The phase's **peak** is the
    growth of the high-water mark and what it **retains** is the growth of the current size,
    each the difference of two readings of the *same* counter (the two counters differ by a
    few hundred kB, so mixing them charged that difference to every phase). Elsewhere, or
    where ``/proc`` is not writable: the Python heap through tracemalloc (slower, and blind
    to memory that C extensions allocate).

    **Settled phases.** What a phase keeps is its growth in resident size, but part of that
    growth can be memory the phase freed again: a temporary (the ``str`` a response is encoded
    through) that landed in pages new to the process, or in free pages ``malloc_trim`` had given
    back, stays resident in the C allocator's free lists once freed. Counted as kept, it was
    charged again and again whenever the test's own allocations between invocations took that
    free memory and the next invocation's temporary had to fault in other pages: a stateless
    handler returning 2 MB went from 46 to 102 MB in 30 invocations (out of memory at 128 MB a
    few dozen later; on Lambda nothing else allocates in the function's process and it stays
    flat). So a phase that grew gives the allocator's free memory back to the system before its
    size is read again (``stop``): what is left is what it keeps. For that difference to be the
    phase's own, the free memory is also given back just before a **settled** phase starts
    (``prepare``, outside its Duration): what the test process freed is then neither taken off
    the phase nor there for it to reuse unseen. Each give-back is a ``malloc_trim``, about 10 µs
    in a test worker (it walks the allocator's free chunks), so only these phases are settled:
    Init, and the ``PROBATION_PHASES`` warm phases after Init or after any phase that grew; a
    no-op stops paying after that. A phase that grows unsettled is corrected all the same, but
    what it keeps is then taken as at least zero (the give-back may include memory the test
    freed before it started), so such a phase adds no drift either way.
    """

    __slots__ = ("_before", "_clean", "_clear_fd", "_cold", "_hwm_before", "_last_rss",
                 "_owned", "_page_kb", "_probation", "_statm_fd", "_status_fd", "_stuck",
                 "floored", "running", "spent")

    def __init__(self) -> None:
        self.running = False
        self._owned = False
        self._before = 0
        self._hwm_before = 0
        try:
            self._clear_fd: int | None = os.open("/proc/self/clear_refs", os.O_WRONLY)
            self._statm_fd: int | None = os.open("/proc/self/statm", os.O_RDONLY)
            self._status_fd: int | None = os.open("/proc/self/status", os.O_RDONLY)
            self._page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError, AttributeError):
            self._clear_fd = self._statm_fd = self._status_fd = None
        self._stuck = False
        #: Warm phases still to be settled.
        self._probation = PROBATION_PHASES
        #: The allocator's free memory was given back just before this phase.
        self._clean = False
        self._cold = False
        #: Seconds the last ``stop`` spent giving memory back (not the code's Duration).
        self.spent = 0.0
        #: What the last phase keeps is at least zero (it grew unsettled: see above).
        self.floored = False
        #: RSS at the end of the last measured phase (or now): getrusage's figure well above
        #: it is a sign that it is pinned by an exited thread's peak.
        self._last_rss = self._rss_kb() if self._statm_fd is not None else 0

    def _rss_kb(self) -> int:
        assert self._statm_fd is not None
        return int(os.pread(self._statm_fd, 64, 0).split()[1]) * self._page_kb

    def prepare(self, *, cold: bool = False) -> None:
        """Before a phase's clock starts: give the allocator's free memory back to the system if
        the phase is to be settled (always before Init, ``cold``)."""
        if self._clear_fd is None:
            return
        self._cold = cold
        if cold:
            self._probation = PROBATION_PHASES
        elif self._probation > 0:
            self._probation -= 1
        else:
            self._clean = False
            return
        return_free_memory()
        self._clean = True

    def start(self) -> None:
        self.running = True
        self.spent = 0.0
        self.floored = False
        if self._clear_fd is not None:
            os.write(self._clear_fd, b"5")  # "5": reset the peak RSS to the current RSS
            usage = _getrusage(_RUSAGE)
            # getrusage also reports the peak of threads that have exited, which cannot be
            # reset: when that hides the fresh peak, read VmHWM from /proc instead (slower).
            self._before = self._rss_kb()
            hwm = usage.ru_maxrss
            self._stuck = hwm > max(self._before, self._last_rss) + 1024
            self._hwm_before = self._hwm_kb() if self._stuck else hwm
            return
        import tracemalloc  # only where /proc cannot be used: it imports pickle (~2 ms)

        self._owned = not tracemalloc.is_tracing()
        if self._owned:
            tracemalloc.start()
            self._before = 0
        else:
            self._before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()

    def stop(self) -> tuple[int, int]:
        """(bytes retained, peak bytes) since ``start``; (0, 0) if already stopped.

        The retained figure is signed: code that frees memory it held (a cache cleared) gives
        it back, and the measurement's own noise averages out instead of adding up.
        """
        if not self.running:
            return 0, 0
        self.running = False
        if self._clear_fd is not None:
            peak_kb = self._hwm_kb() if self._stuck else _getrusage(_RUSAGE).ru_maxrss
            now_kb = self._rss_kb()
            if (now_kb - self._before) * 1024 > NOISE_BYTES:
                begun = time.perf_counter()
                return_free_memory()  # what it freed again is not what it keeps
                now_kb = self._rss_kb()
                self.spent = time.perf_counter() - begun
                self.floored = not self._clean
                if not self._cold:
                    self._probation = PROBATION_PHASES
            self._clean = False
            self._last_rss = now_kb
            return (now_kb - self._before) * 1024, max(peak_kb - self._hwm_before, 0) * 1024
        import tracemalloc

        current, peak = tracemalloc.get_traced_memory()
        if self._owned:
            tracemalloc.stop()
        return current - self._before, max(peak - self._before, 0)

    def _hwm_kb(self) -> int:
        assert self._status_fd is not None
        data = os.pread(self._status_fd, 8192, 0)
        start = data.index(b"VmHWM:") + 6
        return int(data[start:data.index(b"kB", start)])

    def close(self) -> None:
        for fd in (self._clear_fd, self._statm_fd, self._status_fd):
            if fd is not None:
                os.close(fd)
        self._clear_fd = self._statm_fd = self._status_fd = None


_getrusage = resource.getrusage
#: The calling thread's usage: its ``ru_maxrss`` is the process's high-water mark all the same
#: (the memory map is shared), and the call skips summing every thread's CPU time, which made
#: ``RUSAGE_SELF`` several times slower.
_RUSAGE = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)
