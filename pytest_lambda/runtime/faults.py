"""Lambda's own error payloads: what the caller receives when the platform ends an invocation.

Each payload Lambda builds itself (as opposed to the handler's exceptions, see
:mod:`.handler`) is written here once, with Lambda's exact wording.
"""

from __future__ import annotations

import signal
from typing import Any

from ..clock import real_time_ms
from .marshal import SYNC_RESPONSE_LIMIT

#: How Lambda's platform (written in Go) words a process that a signal ended: Go's names for
#: Linux signals (``syscall.Signal.String``), as in "Runtime exited with error: signal: killed".
_SIGNAL_NAMES = {
    signal.SIGHUP: "hangup", signal.SIGINT: "interrupt", signal.SIGQUIT: "quit",
    signal.SIGILL: "illegal instruction", signal.SIGTRAP: "trace/breakpoint trap",
    signal.SIGABRT: "aborted", signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception", signal.SIGKILL: "killed",
    signal.SIGUSR1: "user defined signal 1", signal.SIGSEGV: "segmentation fault",
    signal.SIGUSR2: "user defined signal 2", signal.SIGPIPE: "broken pipe",
    signal.SIGALRM: "alarm clock", signal.SIGTERM: "terminated",
    signal.SIGSYS: "bad system call", signal.SIGXCPU: "CPU time limit exceeded",
    signal.SIGXFSZ: "file size limit exceeded", signal.SIGVTALRM: "virtual timer expired",
    signal.SIGPROF: "profiling timer expired"}
#: How the runtime's exit reads when the sandbox was killed (out of memory, or from outside).
KILLED = "Runtime exited with error: signal: killed"


def timed_out(request_id: str, seconds: float) -> dict[str, Any]:
    """``Sandbox.Timedout``: the invocation (or its suppressed init) ran past the timeout."""
    return {"errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                            f"{seconds:.2f} seconds"}


def runtime_exit(request_id: str, reason: str,
                 error_type: str = "Runtime.ExitError") -> dict[str, Any]:
    """The runtime process ended (``reason`` as :func:`exit_reason` words it).

    Without a request id (an init phase) the message is only ``Error: <reason>``.
    """
    prefix = f"RequestId: {request_id} " if request_id else ""
    return {"errorType": error_type, "errorMessage": f"{prefix}Error: {reason}"}


def killed(request_id: str) -> dict[str, Any]:
    """What the caller sees of a runtime killed for its memory (the REPORT line says why)."""
    return runtime_exit(request_id, KILLED)


#: The Runtime API's answer to a response over the synchronous limit (captured from Lambda:
#: anomalyco/console#63).
RESPONSE_REFUSED = ('{"errorMessage":"Exceeded maximum allowed payload size '
                    f'({SYNC_RESPONSE_LIMIT} bytes).","errorType":"RequestEntityTooLarge"}}')


def response_refused_line() -> str:
    """The line awslambdaric's native client logs when the Runtime API refuses a response
    (its log format: level, epoch milliseconds, ``LAMBDA_RUNTIME``; awslambdaric 4.2.2, run
    against a Runtime API answering 413 in the differential tier)."""
    return (f"[ERROR] [{real_time_ms()}] LAMBDA_RUNTIME Failed to post handler success "
            f"response. Http response code: 413. {RESPONSE_REFUSED}\n")


def response_too_large(size: int) -> dict[str, Any]:
    """``Function.ResponseSizeTooLarge``: the response is over the synchronous limit."""
    return {"errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": f"Response payload size ({size} bytes) exceeded maximum allowed "
                            f"payload size ({SYNC_RESPONSE_LIMIT} bytes)."}


def exit_reason(code: int) -> str:
    """How Lambda words a runtime process that ended with ``code`` (negative: a signal)."""
    if code < 0:
        sig = signal.Signals(-code)
        return f"Runtime exited with error: signal: {_SIGNAL_NAMES.get(sig, sig.name.lower())}"
    if code == 0:
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: exit status {code}"


def system_exit_reason(code: object) -> str:
    """The reason for ``sys.exit(code)`` in a Python handler (a string exits with status 1)."""
    if code is None or code == 0:
        return "Runtime exited without providing a reason"
    if isinstance(code, int):
        return f"Runtime exited with error: exit status {code}"
    return "Runtime exited with error: exit status 1"
