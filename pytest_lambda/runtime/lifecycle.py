"""The lifecycle of one invocation in an execution environment, and its platform log lines.

Cold start: Init (retried once, in a restarted runtime, if it fails: Lambda's "suppressed
init"), then START, the handler, END and REPORT, in the order and format CloudWatch shows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from pytest_lambda.clock import handler_time
from pytest_lambda.context import LambdaContext
from pytest_lambda.report import Report
from pytest_lambda.runtime.inprocess import INIT_TIMEOUT_S, ExecutionEnvironment, Outcome

_PLATFORM_TYPE = re.compile(r"(Runtime|Function|Sandbox|Extension)\.[A-Z][a-zA-Z]+")


def run_lifecycle(env: ExecutionEnvironment, cold: bool, payload: bytes, request_id: str,
              invoked_arn: str, client_context: Mapping[str, Any] | None,
              identity: Mapping[str, Any] | None, tenant_id: str | None,
              ) -> tuple[Outcome, float | None]:
    """One invocation in ``env``: init on a cold start (with Lambda's retry), START, the
    handler, END and REPORT. Returns the outcome and the Init Duration (cold starts only).
    """
    timeout = env.config.timeout
    init_ms: float | None = None
    suppressed_ms = 0.0
    if cold:
        error, elapsed, status = env.init(INIT_TIMEOUT_S, "init")
        if status == "success":
            init_ms = elapsed
        else:
            env.init_report(elapsed, "init", status, platform_error_type(error))
            # Lambda re-runs a failed init in a restarted runtime, inside the invoke phase
            # and under the function's timeout ("suppressed init"), before START.
            env.reset_for_retry()
            error, suppressed_ms, status = env.init(timeout, "invoke")
            if status != "success":
                env.init_report(suppressed_ms, "invoke", status, platform_error_type(error))
                _start_line(env, request_id)
                outcome = _init_failure(error, status, request_id, suppressed_ms, timeout,
                                        env.max_memory_mb)
                _end_lines(env, request_id, outcome, env.config.memory_size, None)
                return outcome, None
    _start_line(env, request_id)
    context = LambdaContext(
        aws_request_id=request_id,
        deadline_ms=int(handler_time() * 1000) + timeout * 1000,
        invoked_function_arn=invoked_arn,
        function_name=env.config.name,
        function_version=env.version,
        memory_limit_in_mb=str(env.config.memory_size),
        log_group_name=env.config.log_group_name,
        log_stream_name=env.log_stream_name,
        identity=identity, client_context=client_context, tenant_id=tenant_id,
        log=env.sink.emit,
    )
    outcome = env.invoke(payload, context, timeout, suppressed_ms)
    _end_lines(env, request_id, outcome, env.config.memory_size, init_ms)
    return outcome, init_ms

def _start_line(env: ExecutionEnvironment, request_id: str) -> None:
    env.start_index = len(env.sink.stream.events)
    env.sink.request_id = env.sink.last_request_id = request_id
    env.set_trace_id(_trace_id(request_id))
    env._platform(f"START RequestId: {request_id} Version: {env.version}", "platform.start",
                  {"requestId": request_id, "version": env.version})

def _end_lines(env: ExecutionEnvironment, request_id: str, outcome: Outcome,
               memory_size: int, init_ms: float | None) -> None:
    report = outcome.report = outcome_report(request_id, outcome, memory_size, init_ms)
    if env.sink.json_format:
        env._platform("", "platform.report", report.record())
    else:
        env.sink.emit(f"END RequestId: {request_id}\n")
        env.sink.emit(report.line() + "\n")
    env.sink.request_id = None


def outcome_report(request_id: str, outcome: Outcome, memory_size: int,
                   init_ms: float | None) -> Report:
    """The REPORT figures; billed duration includes the init phase (billed since 2025-08)."""
    billed = math.ceil(outcome.duration_ms + (init_ms or 0.0))
    return Report(
        request_id=request_id,
        duration_ms=round(outcome.duration_ms, 2),
        billed_duration_ms=max(billed, 1),
        memory_size_mb=memory_size,
        max_memory_used_mb=outcome.max_memory_mb,
        init_duration_ms=None if init_ms is None else round(init_ms, 2),
        status=outcome.status,  # type: ignore[arg-type]
        error_type=outcome.error_type,
    )


def _init_failure(error: dict[str, Any] | None, status: str, request_id: str, elapsed: float,
                  timeout: int, max_memory_mb: int) -> Outcome:
    if status == "timeout":
        error = {"errorType": "Sandbox.Timedout",
                 "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                                 f"{timeout:.2f} seconds"}
        return Outcome("timeout", b"", error, None, min(elapsed, timeout * 1000),
                       None, max_memory_mb, True)
    assert error is not None
    return Outcome("error", b"", error, platform_error_type(error), elapsed, None,
                   max_memory_mb, True)


def platform_error_type(error: Mapping[str, Any] | None) -> str | None:
    """The error type the platform logs: user exception types become ``Runtime.Unknown``.

    The runtime's own payload keeps the exception's class name; the platform's INIT_REPORT and
    REPORT lines accept only ``Runtime.*`` / ``Function.*`` types, like the Runtime Interface
    Emulator's mapping.
    """
    if not error:
        return None
    etype = str(error.get("errorType") or "")
    return etype if _PLATFORM_TYPE.fullmatch(etype) else "Runtime.Unknown"


def _trace_id(request_id: str) -> str:
    """An X-Ray trace header for the invocation (``Root=1-<time>-<24 hex>;...``)."""
    seconds = int(handler_time())
    digits = request_id.replace("-", "")
    return f"Root=1-{seconds:08x}-{digits[:24]};Parent={digits[16:32]};Sampled=0"
