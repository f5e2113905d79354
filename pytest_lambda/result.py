"""The result of one ``Invoke`` call."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .config import FunctionConfig
from .observe.logs import LogView
from .report import Report

if TYPE_CHECKING:
    from .service.async_queue import QueuedEvent

_TAIL_BYTES = 4096


@dataclass(eq=False, slots=True)
class InvokeResult:
    """What ``Invoke`` returned, plus what Lambda logged and measured for it.

    ``payload`` is the response body decoded as the caller would decode it (the error object
    for a failed invocation, ``None`` for ``Event``/``DryRun``); ``raw_payload`` is the bytes.
    """

    function_name: str
    request_id: str
    status_code: int
    raw_payload: bytes
    function_error: str | None
    error: dict[str, Any] | None
    cold_start: bool
    executed_version: str
    logs: LogView
    report: Report | None
    config: FunctionConfig
    invocation_type: str = "RequestResponse"
    timed_out: bool = False
    throttled: bool = False
    start_time: float = 0.0
    invoked_function_arn: str = ""
    #: A cold start's init phase (INIT_START and what the module printed while importing);
    #: ``logs`` itself runs from START to REPORT, as CloudWatch groups an invocation.
    init_logs: LogView = field(default_factory=LogView)
    #: Executions of the function running at once, this one included (the
    #: ``ConcurrentExecutions`` metric); ``None`` when the handler did not run.
    concurrent_executions: int | None = None
    #: Why a throttled request was refused: ``"ReservedFunctionConcurrentInvocationLimitExceeded"``
    #: or ``"ConcurrentInvocationLimitExceeded"``; ``None`` when not throttled.
    throttle_reason: str | None = None
    #: ``Event`` calls: the queued event (its attempts, condition and results) for the 202, and
    #: for each attempt its number (1, 2, 3) and the queue's virtual time when it ran.
    queued_event: QueuedEvent | None = None
    attempt: int | None = None
    virtual_time: float | None = None
    #: The event as the function received it (JSON bytes); the plugin tells its source from
    #: its shape for ``lambda_require_events`` (observe/event_shapes.py).
    event_payload: bytes = b""

    @property
    def payload(self) -> Any:
        """The response body as JSON (bytes are returned as-is when they are not JSON)."""
        if not self.raw_payload:
            return None
        try:
            return json.loads(self.raw_payload)
        except ValueError:
            return self.raw_payload

    @property
    def metrics(self) -> Any:
        """The Lambda and EMF metrics of this invocation alone (a ``MetricStore``)."""
        # Late: the metrics machinery is loaded on first use, off the start-up path.
        from .observe.metrics import MetricStore

        return MetricStore.from_results([self])

    @property
    def ok(self) -> bool:
        """True when the invocation succeeded (no function error, not throttled)."""
        return self.function_error is None and not self.throttled and self.status_code < 300

    @property
    def log_result(self) -> str:
        """``LogType=Tail``'s ``X-Amz-Log-Result``: base64 of the last 4 KB of the log."""
        text = "".join(self.logs.messages).encode()
        return base64.b64encode(text[-_TAIL_BYTES:]).decode()

    def raise_for_error(self) -> InvokeResult:
        """Raise ``AssertionError`` with the error and the log when the invocation failed."""
        __tracebackhide__ = True
        if not self.ok:
            raise AssertionError(
                f"invocation {self.request_id} of {self.function_name!r} failed: "
                f"{json.dumps(self.error or self.payload)}\n--- log ---\n{self.logs.text}")
        return self

    def __repr__(self) -> str:
        state = self.function_error or ("throttled" if self.throttled else "ok")
        return (f"<InvokeResult {self.function_name} {self.request_id} {self.status_code} "
                f"{state}{' cold' if self.cold_start else ''}>")
