"""What the two worker-process backends share (Python process isolation and Node.js):
reading a worker's memory, naming how it ended, and the outcome of a worker killed from outside.
"""

from __future__ import annotations

import signal

from pytest_lambda.clock import real_perf
from pytest_lambda.runtime.inprocess import Outcome

#: How often the test process polls a running worker's memory (and its deadline).
POLL_S = 0.005
_SIGNAL_NAMES = {signal.SIGSEGV: "segmentation fault", signal.SIGKILL: "killed",
                 signal.SIGABRT: "aborted", signal.SIGTERM: "terminated",
                 signal.SIGBUS: "bus error", signal.SIGFPE: "floating point exception"}


class Killed(Exception):
    """The worker was stopped from outside (timeout, memory) or died on its own."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


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


def exit_reason(code: int) -> str:
    """How Lambda words a runtime process that ended with ``code`` (negative: a signal)."""
    if code < 0:
        sig = signal.Signals(-code)
        return f"Runtime exited with error: signal: {_SIGNAL_NAMES.get(sig, sig.name.lower())}"
    if code == 0:
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: exit status {code}"


def killed_outcome(killed: Killed, request_id: str, seconds: float, invoke_init_ms: float,
                   started: float, max_memory_mb: int, memory_size: int) -> Outcome:
    """The invocation's outcome when its worker timed out, ran out of memory or died."""
    duration = (real_perf() - started) * 1000 + invoke_init_ms
    memory = min(max_memory_mb, memory_size)
    if killed.reason == "timeout":
        error = {"errorType": "Sandbox.Timedout",
                 "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                                 f"{seconds:.2f} seconds"}
        return Outcome("timeout", b"", error, None, min(duration, seconds * 1000), None,
                       memory, True)
    if killed.reason == "memory":
        # The caller sees the runtime killed; the platform logs the reason (REPORT).
        error = {"errorType": "Runtime.ExitError",
                 "errorMessage": f"RequestId: {request_id} Error: Runtime exited with "
                                 "error: signal: killed"}
        return Outcome("error", b"", error, "Runtime.OutOfMemory", duration, None,
                       memory_size, True)
    error = {"errorType": "Runtime.ExitError",
             "errorMessage": f"RequestId: {request_id} Error: {killed.detail}"}
    return Outcome("error", b"", error, "Runtime.ExitError", duration, None, memory, True)
