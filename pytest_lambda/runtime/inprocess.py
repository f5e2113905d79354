"""Execution environments: one per cold start, running init once and invocations warm.

Everything a phase does to the process is undone by :class:`~.isolation.ProcessState`, and
only one phase runs at a time in the process (Lambda runs each environment in its own
process; in-process emulation serialises them instead).
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import json
import logging
import math
import os
import resource
import threading
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pytest_lambda.clock import real_perf, real_time_ms
from pytest_lambda.config import FunctionConfig
from pytest_lambda.context import LambdaContext
from pytest_lambda.observe.logs import LogGroup
from pytest_lambda.report import Report
from pytest_lambda.runtime.capture import APP_LOG_LEVEL_TO_PY, LogSink
from pytest_lambda.runtime.handler import (
    FaultError,
    Handler,
    error_from_exception,
    load_handler,
    make_error,
)
from pytest_lambda.runtime.isolation import ProcessState
from pytest_lambda.runtime.marshal import (
    SYNC_RESPONSE_LIMIT,
    MarshalError,
    decode_event,
    encode_response,
)
from pytest_lambda.runtime.network import NetworkGuard
from pytest_lambda.runtime.timeout import Deadline, HandlerTimeout

#: One phase (init or invoke) at a time in this process: phases swap process-wide state.
PHASE_LOCK = threading.RLock()

INIT_TIMEOUT_S = 10
#: Footprint of a fresh runtime on Lambda before user code, in MB, from the REPORT lines of
#: hello-world functions (python3.13: 40 MB, nodejs22.x: 67 MB); the memory the handler's
#: code uses is measured and added to it.
RUNTIME_BASELINE_MB = {"python": 40, "nodejs": 67}
_PASSTHROUGH = ("PATH", "HOME", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "PYTHONHASHSEED")
_PASSTHROUGH_PREFIXES = ("COV_CORE_", "COVERAGE_")


@dataclass(slots=True)
class Outcome:
    """What one invocation did, before it is turned into an InvokeResult."""

    status: str
    response: bytes
    error: dict[str, Any] | None
    error_type: str | None
    duration_ms: float
    init_duration_ms: float | None
    max_memory_mb: int
    reset: bool
    report: Report | None = None


class _Memory:
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


def runtime_version(runtime: str) -> tuple[str, str]:
    """The ``INIT_START`` runtime version and version ARN for ``runtime``."""
    family = "nodejs" if runtime.startswith("nodejs") else "python"
    number = runtime.removeprefix(family).removesuffix(".x")
    digest = hashlib.sha256(runtime.encode()).hexdigest()
    return f"{family}:{number}.v1", digest


class ExecutionEnvironment:
    """One emulated Lambda execution environment (the ``/var/task`` process)."""

    def __init__(self, config: FunctionConfig, version: str, log_group: LogGroup, *,
                 new_id: Callable[[], str], network_allow: Any = (),
                 measure_memory: bool = True, log_stream_name: str | None = None) -> None:
        self.config = config
        self.version = version
        self.created = datetime.datetime.now(datetime.UTC)
        self.log_stream_name = log_stream_name or (f"{self.created:%Y/%m/%d}/[{version}]"
                                                   f"{new_id().replace('-', '')}")
        self.sink = LogSink(log_group.stream(self.log_stream_name),
                            json_format=config.log_format == "JSON")
        self.handler: Handler | None = None
        self.initialized = False
        self.invocations = 0
        #: Position of the running invocation's START line in the log stream.
        self.start_index = 0
        self.alive = True
        self._network_allow = network_allow
        self._guard = NetworkGuard(network_allow, function_name=config.name)
        self._measure = measure_memory
        self._memory = _Memory()
        self._retained = 0
        self._peak = 0
        self._pending_init_ms: float | None = None
        root_level = logging.WARNING
        if config.log_level:
            root_level = APP_LOG_LEVEL_TO_PY[config.log_level]
        self.state = ProcessState(config.code_dir, self._environ(), self.sink, root_level)

    def _environ(self) -> dict[str, str]:
        c = self.config
        env = {k: v for k, v in os.environ.items()
               if k in _PASSTHROUGH or k.startswith(_PASSTHROUGH_PREFIXES)}
        env.update({
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "_HANDLER": c.handler,
            "AWS_REGION": c.region,
            "AWS_DEFAULT_REGION": c.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{c.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": c.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(c.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": self.version,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": c.log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream_name,
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
            "AWS_ACCESS_KEY_ID": "ASIAPYTESTLAMBDAFAKE",
            "AWS_ACCESS_KEY": "ASIAPYTESTLAMBDAFAKE",
            "AWS_SECRET_ACCESS_KEY": "pytest-aws-lambda-fake-secret-access-key",
            "AWS_SESSION_TOKEN": "pytest-aws-lambda-fake-session-token",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
            "_AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129",
            "_AWS_XRAY_DAEMON_PORT": "2000",
            "LAMBDA_TASK_ROOT": str(c.code_dir),
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
        })
        if c.log_format == "JSON":
            env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
            if c.log_level:
                env["AWS_LAMBDA_LOG_LEVEL"] = c.log_level
        env.update(c.environment)
        return env

    def _platform(self, text: str, record_type: str, record: Mapping[str, Any]) -> None:
        """A platform log line, in text or in the JSON system-log format."""
        if self.sink.json_format:
            now = datetime.datetime.fromtimestamp(real_time_ms() / 1000, datetime.UTC)
            stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
            self.sink.emit(json.dumps({"time": stamp, "type": record_type, "record": record})
                           + "\n")
        else:
            self.sink.emit(text + "\n")

    def _run_phase(self, seconds: float, body: Callable[[], Any]) -> tuple[str, Any, float]:
        """Run ``body`` with the environment swapped in, a deadline and the network guard.

        Returns (``"ok"`` | ``"error"`` | ``"timeout"`` | ``"exit"``, value or exception,
        elapsed ms on the real clock).
        """
        deadline = Deadline(seconds)
        memory = self._memory if self._measure else None
        self.state.enter()
        started = real_perf()
        try:
            try:
                with self._guard:
                    deadline.arm()
                    if memory is not None:
                        memory.start()
                    try:
                        value = body()
                    finally:
                        if memory is not None:
                            self._account(memory.stop())
                deadline.disarm()
                kind = "ok"
            except HandlerTimeout as exc:
                deadline.disarm()
                kind, value = "timeout", exc
            except SystemExit as exc:
                deadline.disarm()
                kind, value = "exit", exc
            except KeyboardInterrupt:
                deadline.disarm()
                raise
            except BaseException as exc:
                deadline.disarm()
                kind, value = "error", exc
        except HandlerTimeout as exc:
            # The timer fired between the handler's return and the disarm.
            deadline.disarm()
            kind, value = "timeout", exc
        finally:
            elapsed = (real_perf() - started) * 1000
            if memory is not None:
                self._account(memory.stop())  # interrupted before its own stop ran
            self.state.exit()
        if kind != "timeout" and elapsed >= seconds * 1000:
            kind = "timeout"  # it swallowed the timeout and ran on: Lambda had stopped it
        return kind, value, elapsed

    def _account(self, measured: tuple[int, int]) -> None:
        retained, peak = measured
        self._peak = max(self._peak, self._retained + peak)
        self._retained += retained

    @property
    def max_memory_mb(self) -> int:
        family = "nodejs" if self.config.is_node else "python"
        return RUNTIME_BASELINE_MB[family] + math.ceil(self._peak / 1048576)

    def init(self, seconds: float, phase: str) -> tuple[dict[str, Any] | None, float, str]:
        """Import the handler (the Init phase). Returns (error payload or None, ms, status)."""
        version, arn_hash = runtime_version(self.config.runtime)
        if phase == "init":  # a suppressed init (phase "invoke") has no INIT_START of its own
            self._platform(
                f"INIT_START Runtime Version: {version}\tRuntime Version ARN: "
                f"arn:aws:lambda:{self.config.region}::runtime:{arn_hash}",
                "platform.initStart",
                {"initializationType": "on-demand", "phase": phase, "runtimeVersion": version,
                 "runtimeVersionArn": f"arn:aws:lambda:{self.config.region}::runtime:{arn_hash}",
                 "functionName": self.config.name, "functionVersion": self.version})
        hidden = self.state.hide_code_modules()
        importlib.invalidate_caches()
        try:
            kind, value, elapsed = self._run_phase(
                seconds, lambda: load_handler(self.config.handler))
        finally:
            import sys

            sys.modules.update(hidden)
        if kind == "ok":
            self.handler = value
            self.initialized = True
            return None, elapsed, "success"
        if kind == "timeout":
            return None, elapsed, "timeout"
        if kind == "exit":
            error = _exit_error(value, "")
        elif isinstance(value, FaultError):
            error = make_error(value.message, value.error_type, value.trace, "")
        else:
            error = error_from_exception(value, "")
        self._init_warning()
        self.sink.runtime_error(error)
        return error, elapsed, "error"

    def _init_warning(self) -> None:
        """The warning record the runtime logs (through ``logging``) before an init error."""
        record = logging.LogRecord(
            "root", logging.WARNING, __file__, 0,
            "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the "
            "function code.", None, None)
        self.state.log_handler.handle(record)

    def init_report(self, elapsed: float, phase: str, status: str,
                    error_type: str | None) -> None:
        line = f"INIT_REPORT Init Duration: {elapsed:.2f} ms\tPhase: {phase}\tStatus: {status}"
        record: dict[str, Any] = {"initializationType": "on-demand", "phase": phase,
                                  "status": status, "metrics": {"durationMs": round(elapsed, 3)}}
        if error_type:
            line += f"\tError Type: {error_type}"
            record["errorType"] = error_type
        self._platform(line, "platform.initReport", record)

    def invoke(self, payload: bytes, context: LambdaContext, seconds: float,
               invoke_init_ms: float = 0.0) -> Outcome:
        """Run the handler once (the Invoke phase) and return what happened."""
        request_id = context.aws_request_id
        self.invocations += 1
        handler = self.handler
        assert handler is not None

        def call() -> Any:
            try:
                event = decode_event(payload)
            except ValueError as exc:
                raise FaultError("Runtime.UnmarshalError",
                                 f"Unable to unmarshal input: {exc}") from None
            return encode_response(handler(event, context), self.config.runtime)

        remaining = max(seconds - invoke_init_ms / 1000, 0.001)
        kind, value, elapsed = self._run_phase(remaining, call)
        duration = elapsed + invoke_init_ms
        reset = False
        error: dict[str, Any] | None = None
        error_type: str | None = None
        response = b""
        status = "success"
        if kind == "ok":
            response = value
            if len(response) > SYNC_RESPONSE_LIMIT:
                error = {"errorType": "Function.ResponseSizeTooLarge",
                         "errorMessage": f"Response payload size ({len(response)} bytes) "
                                         "exceeded maximum allowed payload size "
                                         f"({SYNC_RESPONSE_LIMIT} bytes)."}
                status, error_type, reset = "error", "Function.ResponseSizeTooLarge", True
        elif kind == "timeout":
            status, reset = "timeout", True
            duration = min(duration, seconds * 1000)
            error = {"errorType": "Sandbox.Timedout",
                     "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                                     f"{seconds:.2f} seconds"}
        elif kind == "exit":
            if value.code is not None and not isinstance(value.code, int):
                self.sink.emit(f"{value.code}\n")  # what the interpreter prints on exit
            error = _exit_error(value, request_id)
            status, error_type, reset = "error", "Runtime.ExitError", True
        elif isinstance(value, MarshalError):
            error = make_error(str(value), "Runtime.MarshalError", [], request_id)
            self.sink.runtime_error(error)
            status, error_type = "failure", error["errorType"]
        elif isinstance(value, FaultError):
            error = make_error(value.message, value.error_type, value.trace, request_id)
            self.sink.runtime_error(error)
            status, error_type = "failure", error["errorType"]
        elif isinstance(value, Exception):
            error = error_from_exception(value, request_id)
            self.sink.runtime_error(error)
            status, error_type = "failure", error["errorType"]
        else:
            # A BaseException the runtime does not catch ends the runtime process.
            self.sink.emit(f"{type(value).__name__}: {value}\n")
            error = _exit_error(SystemExit(1), request_id)
            status, error_type, reset = "error", "Runtime.ExitError", True
        max_mb = self.max_memory_mb
        if max_mb > self.config.memory_size and status != "timeout":
            max_mb = self.config.memory_size
            # The caller sees the runtime killed; the platform logs the reason (REPORT).
            error = {"errorType": "Runtime.ExitError",
                     "errorMessage": f"RequestId: {request_id} Error: Runtime exited with "
                                     "error: signal: killed"}
            status, error_type, reset = "error", "Runtime.OutOfMemory", True
        if reset:
            self.alive = False
        return Outcome(status, response, error, error_type, duration, None,
                       min(max_mb, self.config.memory_size), reset)

    def reset_for_retry(self) -> None:
        """Start init again from scratch, as after a runtime restart (suppressed init)."""
        self.state.modules.clear()

    def set_trace_id(self, header: str) -> None:
        """Set ``_X_AMZN_TRACE_ID`` for the next invocation, as the runtime does per invoke."""
        self.state.environ_data[b"_X_AMZN_TRACE_ID"] = header.encode()

    def discard(self) -> None:
        self.alive = False
        self._memory.close()
        self.state.discard()
        self.handler = None


def _exit_error(exc: SystemExit, request_id: str) -> dict[str, Any]:
    code = exc.code
    if code is None or code == 0:
        reason = "Runtime exited without providing a reason"
    elif isinstance(code, int):
        reason = f"Runtime exited with error: exit status {code}"
    else:
        reason = "Runtime exited with error: exit status 1"
    prefix = f"RequestId: {request_id} " if request_id else ""
    return {"errorType": "Runtime.ExitError", "errorMessage": f"{prefix}Error: {reason}"}
