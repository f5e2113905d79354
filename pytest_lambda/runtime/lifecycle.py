"""The lifecycle of one invocation in an execution environment, and its platform log lines.

Cold start: Init (retried once, in a restarted runtime, if it fails: Lambda's "suppressed
init"), then START, the handler, END and REPORT, in the order and format CloudWatch shows.
The platform's lines are written here, the same for every :class:`~.backend.Backend`.
"""

from __future__ import annotations

import functools
import json
import math
import random
import re
import sys
import warnings
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TextIO

from ..clock import handler_time, iso_ms, real_time_ms
from ..config import FunctionConfig
from ..context import LambdaContext
from ..observe.logs import LogGroup
from ..report import Report
from . import faults
from .backend import Backend, Outcome, Status
from .inprocess import ExecutionEnvironment
from .mailbox import PHASE_LOCK as PHASE_LOCK  # re-exported: where callers take it from

if TYPE_CHECKING:
    from .interpreter import Interpreter

#: Lambda's limit on the Init phase of an on-demand environment.
INIT_TIMEOUT_S = 10
#: CPython's default warning filters (no -W options, release build), in order.
_DEFAULT_WARNING_FILTERS: tuple[tuple[Any, type[Warning], str], ...] = (
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
)
#: X-Ray's fixed rate for Lambda's active tracing, beyond the first request of each second.
TRACE_SAMPLE_RATE = 0.05
#: The second whose reservoir request each environment has used (active tracing).
_TRACE_RESERVOIR: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_PLATFORM_TYPE = re.compile(r"(Runtime|Function|Sandbox|Extension)\.[A-Z][a-zA-Z]+")


def open_backend(config: FunctionConfig, version: str, log_group: LogGroup, *,
                 isolation: str, new_id: Callable[[], str], network_allow: Any,
                 measure_memory: bool, python: Interpreter | None = None,
                 tmp_dir: str | None = None) -> Backend:
    """A fresh execution environment (a cold start) for ``config`` in ``isolation`` mode;
    a process worker runs on ``python`` (None: the interpreter running the tests). The
    environment takes ``tmp_dir`` as its /tmp (a reset environment's), or makes its own."""
    if config.is_node:
        # Imported when first used: most test processes never start a Node.js worker.
        from .workers.node import NodeEnvironment

        return NodeEnvironment(config, version, log_group, new_id=new_id,
                               network_allow=network_allow, measure_memory=measure_memory,
                               tmp_dir=tmp_dir)
    if isolation == "process":
        # Imported when first used: most test processes never start a Python worker.
        from .workers.process import ProcessEnvironment

        return ProcessEnvironment(config, version, log_group, new_id=new_id,
                                  network_allow=network_allow, measure_memory=measure_memory,
                                  python=python, tmp_dir=tmp_dir)
    return ExecutionEnvironment(config, version, log_group, new_id=new_id,
                                network_allow=network_allow, measure_memory=measure_memory,
                                tmp_dir=tmp_dir)


def _runtime_filter_list() -> list[Any]:
    """The ``warnings.filters`` list of a plain interpreter, built once (the same calls
    ``warnings`` makes for the defaults, so the entries have the module's own shape)."""
    with warnings.catch_warnings():
        warnings.resetwarnings()
        for action, category, module in _DEFAULT_WARNING_FILTERS:
            warnings.filterwarnings(action, category=category, module=module, append=True)
        return list(warnings.filters)


#: Built at import: every invocation copies it instead of re-parsing five filters.
_RUNTIME_FILTERS = _runtime_filter_list()


def _enter_warnings(env: Backend) -> tuple[Any, Any, Any]:
    """Run user code under the warning filters of a plain ``python3`` process, as on Lambda.

    The Python runtime starts an interpreter with no ``-W`` options, so its filters are
    CPython's defaults: ``DeprecationWarning`` shown only when triggered in ``__main__``,
    deprecation, import and resource warnings ignored, others printed once per location to
    stderr (the log). The test's own filters (pytest's ``filterwarnings = error``, say) and its
    warning capture are put back afterwards.
    """
    module: Any = warnings  # filters and _showwarnmsg_impl are not in the stubs
    saved = (module.filters, module.showwarning, module._showwarnmsg_impl)
    own = _WARNINGS.get(env)
    if own is None:
        module.filters = _RUNTIME_FILTERS.copy()
        module.showwarning = _show_warning
    else:  # what its code set up (filters at Init, logging.captureWarnings): its own
        module.filters, module.showwarning, module._showwarnmsg_impl = own
    module._filters_mutated()  # drops cached "once" decisions
    return saved


def _exit_warnings(env: Backend, saved: tuple[Any, Any, Any]) -> None:
    module: Any = warnings
    if env.alive:
        _WARNINGS[env] = (module.filters, module.showwarning, module._showwarnmsg_impl)
    module.filters, module.showwarning, module._showwarnmsg_impl = saved
    module._filters_mutated()


#: Each environment's warning filters and display functions as its code left them, from phase
#: to phase (``warnings.simplefilter("ignore", ...)`` or ``urllib3.disable_warnings()`` at Init
#: held for the cold invocation only).
_WARNINGS: weakref.WeakKeyDictionary[Any, tuple[Any, Any, Any]] = weakref.WeakKeyDictionary()


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """Print a warning to ``sys.stderr`` (the function's log), as the interpreter does."""
    stream = sys.stderr if file is None else file
    try:
        stream.write(warnings.formatwarning(message, category, filename, lineno, line))
    except OSError:
        pass


def run_lifecycle(env: Backend, cold: bool, payload: bytes, request_id: str,
                  invoked_arn: str, client_context: Mapping[str, Any] | None,
                  identity: Mapping[str, Any] | None, tenant_id: str | None,
                  trace_header: str | None = None) -> tuple[Outcome, float | None, int]:
    """One invocation in ``env``: init on a cold start (with Lambda's retry), START, the
    handler, END and REPORT. Returns the outcome (with its report), the Init Duration (cold
    starts only) and the position of the START line in the environment's log stream.
    ``trace_header`` is the invocation's ``_X_AMZN_TRACE_ID`` when it continues a trace.
    """
    saved = _enter_warnings(env)
    try:
        return _lifecycle(env, cold, payload, request_id, invoked_arn, client_context,
                          identity, tenant_id, trace_header)
    finally:
        _exit_warnings(env, saved)


def _lifecycle(env: Backend, cold: bool, payload: bytes, request_id: str, invoked_arn: str,
               client_context: Mapping[str, Any] | None, identity: Mapping[str, Any] | None,
               tenant_id: str | None, trace_header: str | None,
               ) -> tuple[Outcome, float | None, int]:
    timeout = env.config.timeout
    init_ms: float | None = None
    suppressed_ms = 0.0
    if cold:
        _init_start(env, "init")
        error, elapsed, status = env.init(INIT_TIMEOUT_S, "init")
        if status == "success":
            init_ms = elapsed
        else:
            _init_report(env, elapsed, "init", status, platform_error_type(error))
            # Lambda re-runs a failed init in a restarted runtime, inside the invoke phase
            # and under the function's timeout ("suppressed init"), before START.
            env.reset_for_retry()
            error, suppressed_ms, status = env.init(timeout, "invoke")
            if status != "success":
                _init_report(env, suppressed_ms, "invoke", status, platform_error_type(error))
                start_index, trace = _start_line(env, request_id, tenant_id, trace_header)
                # Max Memory Used never shows more than the function has (as below).
                outcome = _init_failure(error, status, request_id, suppressed_ms, timeout,
                                        min(env.max_memory_mb, env.config.memory_size))
                return _end_lines(env, request_id, outcome, None, trace), None, start_index
    start_index, trace = _start_line(env, request_id, tenant_id, trace_header)
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
        log=env.sink.app,
    )
    outcome = env.invoke(payload, context, timeout, suppressed_ms)
    # Max Memory Used never shows more than the function has (the one place it is clamped).
    if outcome.max_memory_mb > env.config.memory_size:
        outcome = replace(outcome, max_memory_mb=env.config.memory_size)
    return _end_lines(env, request_id, outcome, init_ms, trace), init_ms, start_index


def _platform(env: Backend, text: str, record_type: str, record: Mapping[str, Any]) -> None:
    """A platform log line, in text or in the JSON system-log format."""
    if env.sink.json_format:
        stamp = iso_ms(real_time_ms() / 1000)
        env.sink.emit(json.dumps({"time": stamp, "type": record_type, "record": record})
                      + "\n")
    else:
        env.sink.emit(text + "\n")


def runtime_version(runtime: str) -> tuple[str, str]:
    """The ``INIT_START`` runtime version and version ARN for ``runtime``."""
    family = "nodejs" if runtime.startswith("nodejs") else "python"
    number = runtime.removeprefix(family).removesuffix(".x")
    return f"{family}:{number}.v1", _sha256_hex(runtime)


@functools.cache
def _sha256_hex(text: str) -> str:
    # The interpreter's built-in SHA-256: hashlib would load OpenSSL (~4 ms) on the first cold
    # start for one short digest. (Named by version: a failed import costs a sys.path search.)
    try:
        if sys.version_info >= (3, 12):
            from _sha2 import sha256  # type: ignore[import-not-found, unused-ignore]
        else:
            from _sha256 import sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:  # an interpreter built without them
        from hashlib import sha256
    return str(sha256(text.encode()).hexdigest())


def _init_start(env: Backend, phase: str) -> None:
    """INIT_START (a suppressed init, phase ``invoke``, has none of its own)."""
    version, arn_hash = runtime_version(env.config.runtime)
    arn = f"arn:aws:lambda:{env.config.region}::runtime:{arn_hash}"
    _platform(env, f"INIT_START Runtime Version: {version}\tRuntime Version ARN: {arn}",
              "platform.initStart",
              {"initializationType": "on-demand", "phase": phase, "runtimeVersion": version,
               "runtimeVersionArn": arn, "functionName": env.config.name,
               "functionVersion": env.version})


def _init_report(env: Backend, elapsed: float, phase: str, status: Status,
                 error_type: str | None) -> None:
    line = f"INIT_REPORT Init Duration: {elapsed:.2f} ms\tPhase: {phase}\tStatus: {status}"
    record: dict[str, Any] = {"initializationType": "on-demand", "phase": phase,
                              "status": status, "metrics": {"durationMs": round(elapsed, 3)}}
    if error_type:
        line += f"\tError Type: {error_type}"
        record["errorType"] = error_type
    _platform(env, line, "platform.initReport", record)


def _start_line(env: Backend, request_id: str, tenant_id: str | None,
                trace_header: str | None = None) -> tuple[int, Trace]:
    """START; returns its position in the log stream (where the invocation's logs begin) and
    the invocation's trace."""
    start_index = len(env.sink.stream.events)
    env.sink.begin_request(request_id, tenant_id)
    trace = _trace(env, request_id, trace_header)
    env.set_trace_id(trace.header)
    record: dict[str, Any] = {"requestId": request_id, "version": env.version}
    if trace.segment_id:
        record["tracing"] = trace.context()
    _platform(env, f"START RequestId: {request_id} Version: {env.version}", "platform.start",
              record)
    return start_index, trace


def _end_lines(env: Backend, request_id: str, outcome: Outcome,
               init_ms: float | None, trace: Trace) -> Outcome:
    """END and REPORT (with its XRAY line when the invocation was traced); returns the
    outcome with its report."""
    report = outcome_report(request_id, outcome, env.config.memory_size, init_ms)
    if env.sink.json_format:
        record = report.record()
        if trace.segment_id:
            # Key order of a captured platform.report: requestId, metrics, tracing, status.
            status = {k: record.pop(k) for k in ("status", "errorType") if k in record}
            record.update(tracing=trace.context(), **status)
        _platform(env, "", "platform.report", record)
    else:
        env.sink.emit(f"END RequestId: {request_id}\n")
        # One CloudWatch event: Logs Insights reads @xrayTraceId off the REPORT record.
        env.sink.emit(report.line() + "\n" + (trace.xray_line() + "\n" if trace.segment_id
                                               else ""))
    env.sink.end_request()
    # The backend built this outcome for this call alone and nothing else holds it yet:
    # setting its last field in place spares a copy of every field (dataclasses.replace).
    object.__setattr__(outcome, "report", report)
    return outcome


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
        status=outcome.status,
        error_type=outcome.error_type,
    )


def _init_failure(error: dict[str, Any] | None, status: Status, request_id: str,
                  elapsed: float, timeout: int, max_memory_mb: int) -> Outcome:
    if status == "timeout":
        return Outcome(status="timeout", error=faults.timed_out(request_id, timeout),
                       duration_ms=min(elapsed, timeout * 1000), max_memory_mb=max_memory_mb,
                       reset=True)
    assert error is not None
    return Outcome(status="error", error=error, error_type=platform_error_type(error),
                   duration_ms=elapsed, max_memory_mb=max_memory_mb, reset=True)


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


@dataclass(frozen=True)
class Trace:
    """The X-Ray trace of one invocation: its ``_X_AMZN_TRACE_ID`` header and, when active
    tracing sampled it, the id of the segment Lambda records for it.

    A sampled invocation shows that segment twice (``segment_id``): after the text REPORT line,
    as ``XRAY TraceId: <root>\tSegmentId: <id>\tSampled: true\t`` in the same CloudWatch event
    (AWS docs python-logging.html sample output; REPORT events captured in public repositories
    carry it after a newline, trailing TAB included, and Logs Insights discovers
    ``@xrayTraceId``/``@xraySegmentId`` in REPORT events), and in the JSON format as the
    ``tracing`` TraceContext ``{spanId, type: "X-Amzn-Trace-Id", value: <header>}`` of
    ``platform.start`` and ``platform.report`` (AWS docs telemetry-schema-reference.html, whose
    spanId is not the header's Parent; a captured platform.report puts it between ``metrics``
    and ``status``). Unsampled invocations record no segment, and no capture shows an XRAY
    line for one, so none is written.
    """

    header: str
    segment_id: str = ""

    def context(self) -> dict[str, str]:
        return {"spanId": self.segment_id, "type": "X-Amzn-Trace-Id", "value": self.header}

    def xray_line(self) -> str:
        root = self.header.split(";", 1)[0].removeprefix("Root=")
        return f"XRAY TraceId: {root}\tSegmentId: {self.segment_id}\tSampled: true\t"


def _trace(env: Backend, request_id: str, header: str | None = None) -> Trace:
    """The invocation's trace (``header`` when the caller continues one); a sampled one gets a
    segment id (from the request id, so seeded runs repeat exactly)."""
    header = header or _trace_id(env, request_id)
    if not header.endswith(";Sampled=1"):
        return Trace(header)
    import hashlib  # only for sampled traces: it loads OpenSSL, milliseconds at start-up

    digest = hashlib.blake2b(request_id.encode(), digest_size=8, person=b"segment")
    return Trace(header, digest.hexdigest())


def _trace_id(env: Backend, request_id: str) -> str:
    """An X-Ray trace header for the invocation (``Root=1-<time>-<24 hex>;...``).

    Without active tracing (``PassThrough``) Lambda still sets the header, not sampled. With
    ``tracing=True`` (``Mode: Active``, AWS docs API_TracingConfig: "To sample and record
    incoming requests, set Mode to Active") Lambda samples with its fixed rule, 1 request per
    second and 5 % of the others (AWS docs "Visualize Lambda function invocations using AWS
    X-Ray", services-xray.html): here the first invocation of each second in an execution
    environment, then a 5 % draw seeded by the request id (so seeded runs repeat exactly).
    """
    seconds = int(handler_time())
    digits = request_id.replace("-", "")
    sampled = 0
    if env.config.tracing:
        if _TRACE_RESERVOIR.get(env) != seconds:
            _TRACE_RESERVOIR[env] = seconds
            sampled = 1
        elif random.Random(request_id).random() < TRACE_SAMPLE_RATE:
            sampled = 1
    return f"Root=1-{seconds:08x}-{digits[:24]};Parent={digits[16:32]};Sampled={sampled}"
