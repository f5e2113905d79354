"""The REPORT record Lambda writes at the end of every invocation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

#: How an init or invoke phase ended, in the words of the platform's INIT_REPORT and REPORT
#: lines: ``failure`` is a handler error the runtime reported, ``error`` the runtime (or the
#: sandbox) failing, ``timeout`` the deadline. The one status vocabulary of the package.
Status = Literal["success", "failure", "error", "timeout"]


@dataclass(frozen=True, slots=True)
class Report:
    """Figures of one invocation, as Lambda prints them on its ``REPORT`` line.

    ``duration_ms`` is the handler's run time on the real clock; ``billed_duration_ms`` follows
    today's rule (rounded up to 1 ms, plus the init phase on a cold start, billed since
    August 2025). ``max_memory_used_mb`` is measured (see docs/runtime.md, "Memory").
    """

    request_id: str
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None
    status: Status = "success"
    error_type: str | None = None

    def line(self) -> str:
        """The plain-text ``REPORT`` line exactly as CloudWatch shows it."""
        line = (f"REPORT RequestId: {self.request_id}\tDuration: {self.duration_ms:.2f} ms\t"
                f"Billed Duration: {self.billed_duration_ms} ms\tMemory Size: "
                f"{self.memory_size_mb} MB\tMax Memory Used: {self.max_memory_used_mb} MB\t")
        if self.init_duration_ms is not None:
            line += f"Init Duration: {self.init_duration_ms:.2f} ms\t"
        if self.status in ("success", "failure"):
            return line
        line += f"Status: {self.status}"
        if self.error_type is not None:
            line += f"\tError Type: {self.error_type}"
        return line

    def record(self) -> dict[str, Any]:
        """The ``record`` of the JSON-format ``platform.report`` system log event."""
        metrics: dict[str, Any] = {
            "durationMs": round(self.duration_ms, 3),
            "billedDurationMs": self.billed_duration_ms,
            "memorySizeMB": self.memory_size_mb,
            "maxMemoryUsedMB": self.max_memory_used_mb,
        }
        if self.init_duration_ms is not None:
            metrics["initDurationMs"] = round(self.init_duration_ms, 3)
        out: dict[str, Any] = {
            "requestId": self.request_id, "metrics": metrics, "status": self.status}
        if self.error_type is not None:
            out["errorType"] = self.error_type
        return out
