"""What the two worker-process backends share (Python process isolation and Node.js): the
loop that waits for a worker while enforcing its deadline and memory limit from outside,
reading its memory, and the outcome of a worker killed from outside.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
from collections.abc import Callable
from typing import Protocol, TypeVar

from ...clock import real_perf
from .. import faults
from ..backend import InitResult, Outcome
from ..mailbox import PHASE_MAILBOX

#: How often the test process polls a running worker's memory (and its deadline).
POLL_S = 0.005
T = TypeVar("T")


class WorkerProcess(Protocol):
    """What is used of a worker process: a :class:`subprocess.Popen`, or a worker forked by
    the template process (:class:`.forkserver.ForkedProcess`)."""

    pid: int

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def kill(self) -> None: ...


class Killed(Exception):
    """The worker was stopped from outside (timeout, memory) or died on its own."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def kill_group(proc: WorkerProcess) -> None:
    """Kill the worker and every process it started (its process group), and reap it when it
    is our child (the template process reaps the workers it forked, without making us wait).

    Workers run in their own session, so their group id is their pid. On Lambda, stopping an
    execution environment stops everything in it: a handler's child left running
    (``sleep 300 &``) must not outlive its worker.
    """
    if proc.poll() is not None and not isinstance(proc, subprocess.Popen):
        return  # reaped by the template, which killed its group: the id may be reused
    if proc.poll() is None:
        # Its children in sessions of their own too: stopped first, so that none forks past
        # the walk, then killed.
        signal_descendants(proc.pid, signal.SIGSTOP)
        signal_descendants(proc.pid, signal.SIGKILL)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.kill()
    if isinstance(proc, subprocess.Popen):
        proc.wait()


def status_kb(pid: int) -> tuple[int, int]:
    """The process's (VmRSS, VmHWM) in kB from ``/proc``; zeros once it has gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, hwm


_PRIVATE = (b"Private_Clean:", b"Private_Dirty:", b"Private_Hugetlb:")


def private_kb(pid: int) -> int:
    """The memory only ``pid`` holds, in kB (``/proc/<pid>/smaps_rollup``'s private pages);
    its resident size where that cannot be read, 0 once it has gone.

    What a child process adds to the execution environment: a forked child shares its
    parent's pages (copy-on-write) until it writes to them, and Lambda counts the sandbox's
    physical memory, each page once. Summing the children's resident sizes counted the
    handler's 30 MB again per idle ``multiprocessing.Process`` (a false out-of-memory with
    two of them at 128 MB). Pages two children share and the worker does not are not counted.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            return sum(int(line.split()[1]) for line in f if line.startswith(_PRIVATE))
    except FileNotFoundError:
        return status_kb(pid)[0] if os.path.exists(f"/proc/{pid}") else 0
    except (OSError, ValueError, IndexError):
        return status_kb(pid)[0]


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux's ``/proc/<pid>/task/*/children``; none where that
    cannot be read)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", "rb") as f:
                found += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return found


def descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs (see :func:`children`)."""
    found: list[int] = []
    todo = [pid]
    while todo and len(found) < 1000:
        new = children(todo.pop())
        found += new
        todo += new
    return found


def signal_descendants(pid: int, signum: int) -> list[int]:
    """Send ``signum`` to every process ``pid`` started, and theirs, whatever their process
    group: a child the handler started in a session of its own (``start_new_session=True``, a
    daemon's ``setsid``) is in the execution environment all the same, frozen and stopped with
    it on Lambda (the worker keeps orphaned ones as its own: ``process_main.keep_orphans``).
    Returns the processes signalled."""
    found = descendants(pid)
    for child in found:
        try:
            os.kill(child, signum)
        except (ProcessLookupError, PermissionError):
            pass
    return found


class Supervisor:
    """Watches one worker process from the test process: its memory and its deadline.

    With a ``baseline_mb``, the worker's memory is counted as Lambda's runtime footprint
    (``memory.RUNTIME_BASELINE_MB``) plus what the worker grew past its size when it was ready
    to load user code (:meth:`rebase`), the same rule as in-process: our worker interpreter is
    not Lambda's runtime, and its own size (about 20 MB) is not what Lambda reports.
    """

    __slots__ = ("base_kb", "baseline_kb", "limit_kb", "peak_kb")

    def __init__(self, memory_size_mb: int, baseline_mb: int | None = None) -> None:
        self.limit_kb = memory_size_mb * 1024
        #: The worker's peak resident set size (``VmHWM``) seen so far, as charged.
        self.peak_kb = 0
        self.baseline_kb = None if baseline_mb is None else baseline_mb * 1024
        self.base_kb = 0

    def rebase(self, proc: WorkerProcess) -> None:
        """Take the worker's current size as the runtime's footprint (before user code)."""
        if self.baseline_kb is not None:
            self.base_kb = status_kb(proc.pid)[0]
            self.peak_kb = self.baseline_kb

    @property
    def max_memory_mb(self) -> int:
        return max(math.ceil(self.peak_kb / 1024), 1)

    def sample(self, proc: WorkerProcess, children: bool = True) -> int:
        """Record the environment's peak memory; returns it in kB, as charged: the worker's
        peak (``VmHWM``) plus what the processes it started hold of their own now (see
        :func:`private_kb`). Lambda's memory size covers every process in the execution
        environment: a child that allocates past it is killed there (it passed here, the
        worker itself being small)."""
        _, hwm_kb = status_kb(proc.pid)
        if self.baseline_kb is not None and self.base_kb and hwm_kb:
            hwm_kb = self.baseline_kb + max(hwm_kb - self.base_kb, 0)
        if hwm_kb and children:
            hwm_kb += sum(private_kb(child) for child in descendants(proc.pid))
        self.peak_kb = max(self.peak_kb, hwm_kb)
        return hwm_kb

    def wait(self, proc: WorkerProcess, seconds: float,
             poll: Callable[[float], T | None], kill: Callable[[], None]) -> T:
        """Call ``poll(POLL_S)`` (wait up to that long for the worker's answer) until it
        answers; kill the worker and raise :class:`Killed` when it goes over its memory or
        past ``seconds`` (the last wait ends at the deadline, not up to a poll period later)."""
        deadline = real_perf() + seconds
        polls = 0
        while True:
            answer = poll(min(POLL_S, max(deadline - real_perf(), 0.0)))
            PHASE_MAILBOX.serve()  # the worker's SDK calls back into the test process
            # The peak, not the current size: a handler that touches too much memory and frees
            # it again between two polls would otherwise pass, where Lambda kills it. Child
            # processes from the second poll on (an answer within the first costs no /proc
            # walk: a warm invocation's way).
            polls += 1
            if self.sample(proc, children=polls > 1) > self.limit_kb:
                kill()
                raise Killed("memory")
            if answer is not None:
                return answer
            if real_perf() >= deadline:
                kill()
                raise Killed("timeout")


def killed_init(killed: Killed, started: float, seconds: float) -> InitResult:
    """The init phase's result when its worker timed out, ran out of memory or died."""
    elapsed = (real_perf() - started) * 1000
    if killed.reason == "timeout":
        return None, min(elapsed, seconds * 1000), "timeout"
    error_type = "Runtime.OutOfMemory" if killed.reason == "memory" else "Runtime.ExitError"
    return faults.runtime_exit("", killed.detail or faults.KILLED, error_type), elapsed, "error"


def killed_outcome(killed: Killed, request_id: str, seconds: float, invoke_init_ms: float,
                   started: float, max_memory_mb: int, memory_size: int) -> Outcome:
    """The invocation's outcome when its worker timed out, ran out of memory or died."""
    duration = (real_perf() - started) * 1000 + invoke_init_ms
    if killed.reason == "timeout":
        return Outcome(status="timeout", error=faults.timed_out(request_id, seconds),
                       duration_ms=min(duration, seconds * 1000), max_memory_mb=max_memory_mb,
                       reset=True)
    if killed.reason == "memory":
        # The caller sees the runtime killed; the platform logs the reason (REPORT).
        return Outcome(status="error", error=faults.killed(request_id),
                       error_type="Runtime.OutOfMemory", duration_ms=duration,
                       max_memory_mb=memory_size, reset=True)
    return Outcome(status="error", error=faults.runtime_exit(request_id, killed.detail),
                   error_type="Runtime.ExitError", duration_ms=duration,
                   max_memory_mb=max_memory_mb, reset=True)
