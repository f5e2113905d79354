"""Memory used by user code in the test process, measured only while it runs."""

from __future__ import annotations

import math
import os
import resource
import tracemalloc

#: Footprint of a fresh runtime on Lambda before user code, in MB, from the REPORT lines of
#: hello-world functions (python3.13: 40 MB, nodejs22.x: 67 MB); the memory the handler's
#: code uses is measured and added to it.
RUNTIME_BASELINE_MB = {"python": 40, "nodejs": 67}


def max_memory_used_mb(family: str, peak_bytes: int) -> int:
    """Max Memory Used of a runtime ``family`` whose user code peaked at ``peak_bytes``."""
    return RUNTIME_BASELINE_MB[family] + math.ceil(peak_bytes / 1048576)


class MemoryMeter:
    """Memory used by user code, measured only while it runs.

    On Linux: the process's resident set size, whose high-water mark is reset before the code
    runs (``/proc/self/clear_refs``) and read after it (``getrusage``), which is what a
    memory-limited sandbox sees and costs a few microseconds. Elsewhere, or where ``/proc`` is
    not writable: the Python heap through tracemalloc (slower, and blind to memory that C
    extensions allocate).
    """

    __slots__ = ("_before", "_clear_fd", "_last_rss", "_owned", "_page_kb", "_statm_fd",
                 "_status_fd", "_stuck", "running")

    def __init__(self) -> None:
        self.running = False
        self._owned = False
        self._before = 0
        try:
            self._clear_fd: int | None = os.open("/proc/self/clear_refs", os.O_WRONLY)
            self._statm_fd: int | None = os.open("/proc/self/statm", os.O_RDONLY)
            self._status_fd: int | None = os.open("/proc/self/status", os.O_RDONLY)
            self._page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError, AttributeError):
            self._clear_fd = self._statm_fd = self._status_fd = None
        self._stuck = False
        #: RSS at the end of the last measured phase (or now): getrusage's figure well above
        #: it is a sign that it is pinned by an exited thread's peak.
        self._last_rss = self._rss_kb() if self._statm_fd is not None else 0

    def _rss_kb(self) -> int:
        assert self._statm_fd is not None
        return int(os.pread(self._statm_fd, 64, 0).split()[1]) * self._page_kb

    def start(self) -> None:
        self.running = True
        if self._clear_fd is not None:
            os.write(self._clear_fd, b"5")  # "5": reset the peak RSS to the current RSS
            # Right after the reset the peak is the current RSS. getrusage also reports the
            # peak of threads that have exited, which cannot be reset: when that hides the
            # fresh peak, read the current RSS and VmHWM from /proc instead (slower).
            self._before = _maxrss_kb()
            current = self._rss_kb() if self._before > self._last_rss + 1024 else self._before
            self._stuck = self._before > current + 1024
            if self._stuck:
                self._before = current
            return
        self._owned = not tracemalloc.is_tracing()
        if self._owned:
            tracemalloc.start()
            self._before = 0
        else:
            self._before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()

    def stop(self) -> tuple[int, int]:
        """(bytes still allocated, peak bytes) since ``start``; (0, 0) if already stopped."""
        if not self.running:
            return 0, 0
        self.running = False
        if self._clear_fd is not None:
            peak_kb = self._hwm_kb() if self._stuck else _maxrss_kb()
            now_kb = self._last_rss = self._rss_kb()
            return max(now_kb - self._before, 0) * 1024, max(peak_kb - self._before, 0) * 1024
        current, peak = tracemalloc.get_traced_memory()
        if self._owned:
            tracemalloc.stop()
        return max(current - self._before, 0), max(peak - self._before, 0)

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


def _maxrss_kb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
