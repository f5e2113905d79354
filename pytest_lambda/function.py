"""``LambdaFunction``: a function's configuration, environments, logs and metrics."""

from __future__ import annotations

import math
import os
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ._marshal import SYNC_REQUEST_LIMIT, encode_event
from .clock import handler_time, real_time_ms
from .concurrency import Account, Slot, throttle_body
from .config import (
    DEFAULT_ACCOUNT,
    DEFAULT_EVENT_AGE,
    DEFAULT_MEMORY,
    DEFAULT_REGION,
    DEFAULT_RETRY_ATTEMPTS,
    DEFAULT_TIMEOUT,
    FunctionConfig,
)
from .context import LambdaContext
from .errors import RequestTooLargeException, TooManyRequestsException, validation_error
from .invocation import AsyncMixin
from .logs import LogGroup, LogView
from .metrics import MetricStore
from .permissions import Policy, PolicyMixin
from .report import Report
from .result import InvokeResult
from .runtime import INIT_TIMEOUT_S, PHASE_LOCK, ExecutionEnvironment, Outcome
from .versions import Target, Versions, VersionsMixin

Listener = Callable[[InvokeResult], None]
ASYNC_REQUEST_LIMIT = 1_048_576
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
_PLATFORM_TYPE = re.compile(r"(Runtime|Function|Sandbox|Extension)\.[A-Z][a-zA-Z]+")


class LambdaFunction(VersionsMixin, PolicyMixin, AsyncMixin):
    """A Lambda function you can invoke in-process, as AWS Lambda would run it.

    >>> fn = LambdaFunction("app.handler", code_dir="src", timeout=3)   # doctest: +SKIP
    >>> fn.invoke({"hello": "world"}).payload                           # doctest: +SKIP

    The first invocation creates an execution environment (a cold start: the handler's module
    is imported and the Init Duration measured); later ones reuse it, so module-level state
    persists exactly as on Lambda, until :meth:`cold_start` discards it or an invocation
    crashes or times out.
    """

    def __init__(
        self,
        handler: str,
        *,
        code_dir: str | os.PathLike[str] | None = None,
        name: str | None = None,
        runtime: str | None = None,
        memory_size: int = DEFAULT_MEMORY,
        timeout: int = DEFAULT_TIMEOUT,
        environment: Mapping[str, str] | None = None,
        architecture: str = "x86_64",
        log_format: str = "Text",
        log_level: str | None = None,
        log_group: str | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT,
        ephemeral_storage: int = 512,
        tracing: bool = False,
        seed: int | None = None,
        network_allow: Sequence[str] | bool = (),
        measure_memory: bool = True,
        isolation: str = "in-process",
        account: Account | None = None,
        maximum_retry_attempts: int = DEFAULT_RETRY_ATTEMPTS,
        maximum_event_age_in_seconds: int = DEFAULT_EVENT_AGE,
        dead_letter_config: Mapping[str, str] | None = None,
        destination_config: Mapping[str, Mapping[str, Any]] | None = None,
        reserved_concurrent_executions: int | None = None,
    ) -> None:
        if account is not None:
            region, account_id = account.region, account.account_id
        self._destination_objects: dict[str, LambdaFunction] = {}
        self.config = FunctionConfig.create(
            handler, code_dir=code_dir, name=name, runtime=runtime, memory_size=memory_size,
            timeout=timeout, environment=environment, architecture=architecture,
            log_format=log_format, log_level=log_level, log_group=log_group, region=region,
            account_id=account_id, ephemeral_storage=ephemeral_storage, tracing=tracing,
            maximum_retry_attempts=maximum_retry_attempts,
            maximum_event_age_in_seconds=maximum_event_age_in_seconds,
            dead_letter_config=dead_letter_config,
            destination_config=self._destinations(destination_config),
            reserved_concurrent_executions=reserved_concurrent_executions)
        self.account = account or Account(self.config.account_id, self.config.region)
        self.account.register(self)
        self.log_group = LogGroup(self.config.log_group_name)
        self.metrics = MetricStore()
        self.network_allow = network_allow
        self.measure_memory = measure_memory
        if isolation not in ("in-process", "process"):
            raise ValueError(f"isolation={isolation!r} is not valid: use 'in-process' (the "
                             "default: fast, shares mocks with the test) or 'process' (a "
                             "worker process per environment: hard timeouts, real memory).")
        self.isolation = isolation
        self._rng = random.Random(seed) if seed is not None else None
        self._idle: dict[str, list[ExecutionEnvironment]] = {}
        self._listeners: list[Listener] = []
        self._versions = Versions(seed)
        self._policy = Policy()

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def arn(self) -> str:
        """The unqualified function ARN."""
        return self.config.arn

    @property
    def logs(self) -> LogView:
        """Every log event this function produced, across environments, oldest first."""
        return self.log_group.events()

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(result)`` after every invocation (the pytest plugin uses this)."""
        self._listeners.append(listener)

    def new_request_id(self) -> str:
        """A fresh lowercase UUID (version 4), reproducible when the function has a ``seed``."""
        rng = self._rng
        bits = int.from_bytes(os.urandom(16)) if rng is None else rng.getrandbits(128)
        # Set the version (4) and variant (RFC 4122) bits, as uuid.UUID(version=4) does.
        h = f"{bits & ~(0xF000 << 64) & ~(0xC000 << 48) | (0x4000 << 64) | (0x8000 << 48):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def cold_start(self) -> None:
        """Discard every warm execution environment: the next invocation is a cold start."""
        with PHASE_LOCK:
            for envs in self._idle.values():
                for env in envs:
                    env.discard()
            self._idle.clear()

    def close(self) -> None:
        """Discard environments, version snapshots and the account entry (the fixture does)."""
        self.cold_start()
        self._versions.close()
        self.account.unregister(self)

    def __enter__(self) -> LambdaFunction:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update_configuration(self, **changes: Any) -> None:
        """Change configuration like ``UpdateFunctionConfiguration``: new environments follow."""
        if "destination_config" in changes:
            changes["destination_config"] = self._destinations(changes["destination_config"])
        if "reserved_concurrent_executions" in changes:
            self.account.check_reserved(self.name, changes["reserved_concurrent_executions"])
        self.config = self.config.with_changes(**changes)
        self.cold_start()

    def put_function_concurrency(self, reserved: int | None) -> None:
        """``PutFunctionConcurrency`` (``None`` is ``DeleteFunctionConcurrency``)."""
        self.update_configuration(reserved_concurrent_executions=reserved)

    def _destinations(self, config: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        """``destination_config`` with LambdaFunction objects replaced by their ARNs."""
        if not isinstance(config, Mapping):
            return config
        out: dict[str, Any] = {}
        for key, entry in config.items():
            dest = entry.get("Destination") if isinstance(entry, Mapping) else None
            if isinstance(dest, LambdaFunction):
                self._destination_objects[dest.arn] = dest
                entry = {**entry, "Destination": dest.arn}
            out[key] = entry
        return out

    def _destination_function(self, arn: str) -> LambdaFunction | None:
        found = self.account.function(arn)
        return found or self._destination_objects.get(":".join(arn.split(":")[:7]))

    def invoke(
        self,
        event: Any = None,
        *,
        invocation_type: str = "RequestResponse",
        qualifier: str | None = None,
        principal: str | None = None,
        source_arn: str | None = None,
        source_account: str | None = None,
        client_context: Mapping[str, Any] | None = None,
        identity: Mapping[str, Any] | None = None,
        tenant_id: str | None = None,
    ) -> InvokeResult:
        """Invoke and return the result: ``RequestResponse`` (200), ``Event`` (202) or
        ``DryRun`` (204).

        ``event`` is sent as JSON (``bytes`` are sent raw, like an SDK ``Payload``).
        ``qualifier`` names a version or alias; ``principal`` (with ``source_arn`` /
        ``source_account``) is the caller checked against the resource-based policy.
        A throttled synchronous call raises ``TooManyRequestsException``.
        """
        payload, target = self._admit(event, invocation_type, qualifier, principal,
                                      source_arn, source_account)
        if invocation_type != "RequestResponse":
            return self._accept(payload, target, invocation_type)
        slot = self.account.try_acquire(self)
        if isinstance(slot, str):
            self._throttled(target, self.new_request_id(), slot, invocation_type)
            raise TooManyRequestsException(
                f"Rate Exceeded. ({slot}: {self.account.in_flight(self.name)} request(s) of "
                f"{self.name!r} already running; raise reserved_concurrent_executions or the "
                "Account's concurrency_limit, or send fewer requests at once.)", Reason=slot)
        return self._run_in(slot, payload, target, client_context=client_context,
                            identity=identity, tenant_id=tenant_id)

    def invoke_many(self, events: Iterable[Any], *, concurrency: int = 10,
                    invocation_type: str = "RequestResponse", qualifier: str | None = None,
                    principal: str | None = None, source_arn: str | None = None,
                    source_account: str | None = None) -> list[InvokeResult]:
        """Send ``events`` from ``concurrency`` threads at once; results in event order.

        Requests over the concurrency limit come back as throttled results (status 429,
        ``throttled=True``) instead of raising; see ``concurrency.invoke_many`` for the model.
        """
        from .concurrency import invoke_many

        admitted = [self._admit(e, invocation_type, qualifier, principal, source_arn,
                                source_account) for e in events]
        if invocation_type != "RequestResponse":
            return [self._accept(p, t, invocation_type) for p, t in admitted]
        # Drawn here, in order, so seeded request ids do not depend on thread scheduling.
        ids = [self.new_request_id() for _ in admitted]
        return invoke_many(
            lambda i: self.account.try_acquire(self),
            lambda i, slot: self._run_in(slot, *admitted[i], request_id=ids[i]),
            lambda i, reason: self._throttled(admitted[i][1], ids[i], reason, invocation_type),
            len(admitted), concurrency)

    def _admit(self, event: Any, invocation_type: str, qualifier: str | None,
               principal: str | None, source_arn: str | None,
               source_account: str | None) -> tuple[bytes, Target]:
        """The checks Lambda makes before running anything: type, qualifier, policy, size."""
        if invocation_type not in INVOCATION_TYPES:
            raise validation_error(invocation_type, "invocationType",
                                   "Member must satisfy enum value set: [Event, RequestResponse, "
                                   "DryRun]", "Use one of those invocation types.")
        payload = encode_event(event)
        target = self._versions.resolve(None if qualifier is None else str(qualifier),
                                        self.config)
        self._policy.check_invoke(function_account=self.config.account_id,
                                  resource=target.invoked_arn, qualifier=target.qualifier,
                                  principal=principal, source_arn=source_arn,
                                  source_account=source_account)
        limit = ASYNC_REQUEST_LIMIT if invocation_type == "Event" else SYNC_REQUEST_LIMIT
        if len(payload) > limit:
            raise RequestTooLargeException(
                f"Request must be smaller than {limit} bytes for the InvokeFunction operation "
                f"(this {invocation_type} payload is {len(payload)} bytes). Send a smaller "
                "event, or a reference to the data (an S3 key) instead of the data.")
        return payload, target

    def _accept(self, payload: bytes, target: Target, invocation_type: str) -> InvokeResult:
        """The 202 of a queued ``Event`` or the 204 of a ``DryRun`` (the handler has not run)."""
        request_id = self.new_request_id()
        extra: dict[str, Any] = {}
        if invocation_type == "Event":
            extra["event"] = self.account.queue.enqueue(self, payload, target, request_id)
        return InvokeResult(
            function_name=self.name, request_id=request_id,
            status_code=202 if invocation_type == "Event" else 204, raw_payload=b"",
            function_error=None, error=None, cold_start=False, executed_version=target.version,
            logs=LogView(), report=None, config=target.config, invocation_type=invocation_type,
            start_time=real_time_ms(), invoked_function_arn=target.invoked_arn, extra=extra)

    def _throttled(self, target: Target, request_id: str, reason: str,
                   invocation_type: str) -> InvokeResult:
        """Record (and return) a request refused with 429 for lack of concurrency."""
        body = throttle_body(reason)
        result = InvokeResult(
            function_name=self.name, request_id=request_id, status_code=429,
            raw_payload=encode_event(body), function_error=None, error=body, cold_start=False,
            executed_version=target.version, logs=LogView(), report=None, config=target.config,
            invocation_type=invocation_type, throttled=True, start_time=real_time_ms(),
            invoked_function_arn=target.invoked_arn, extra={"reason": reason})
        self._publish(result)
        return result

    def _run_in(self, slot: Slot, payload: bytes, target: Target, **kwargs: Any) -> InvokeResult:
        try:
            return self._run(payload, target.config, target.version, target.invoked_arn,
                             extra={"concurrent_executions": slot.count}, **kwargs)
        finally:
            slot.release()

    def _run(self, payload: bytes, config: FunctionConfig, version: str, invoked_arn: str, *,
             client_context: Mapping[str, Any] | None = None,
             identity: Mapping[str, Any] | None = None, tenant_id: str | None = None,
             request_id: str | None = None, invocation_type: str = "RequestResponse",
             extra: dict[str, Any] | None = None) -> InvokeResult:
        """Run one invocation of ``config`` (a version's frozen configuration)."""
        request_id = request_id or self.new_request_id()
        with PHASE_LOCK:
            idle = self._idle.setdefault(version, [])
            env = idle.pop() if idle else None
            cold = env is None
            start_time = real_time_ms()
            if env is None:
                env = self._new_environment(config, version)
            stream = env.sink.stream.events
            first = len(stream)
            outcome, init_ms = self._execute(env, cold, payload, request_id, invoked_arn,
                                             client_context, identity, tenant_id)
            if outcome.reset or not env.alive:
                env.discard()
            else:
                idle.append(env)
            start = max(env.start_index, first)
            init_logs, logs = LogView(stream[first:start]), LogView(stream[start:])
        report = outcome.report or outcome_report(request_id, outcome, config.memory_size,
                                                  init_ms)
        result = InvokeResult(
            function_name=config.name, request_id=request_id, status_code=200,
            raw_payload=outcome.response if outcome.error is None else
            encode_event(outcome.error),
            function_error="Unhandled" if outcome.error is not None else None,
            error=outcome.error, cold_start=cold, executed_version=version, logs=logs,
            init_logs=init_logs,
            report=report, config=config, invocation_type=invocation_type,
            timed_out=outcome.status == "timeout", start_time=start_time,
            invoked_function_arn=invoked_arn, extra=dict(extra or {}))
        self._publish(result)
        return result

    def _new_environment(self, config: FunctionConfig, version: str) -> ExecutionEnvironment:
        """A fresh execution environment (a cold start) in the configured isolation mode."""
        kind = ExecutionEnvironment
        if self.isolation == "process":
            from ._process import ProcessEnvironment

            kind = ProcessEnvironment
        return kind(config, version, self.log_group, new_id=self.new_request_id,
                    network_allow=self.network_allow, measure_memory=self.measure_memory)

    def _publish(self, result: InvokeResult) -> None:
        if result.throttled:
            self.metrics.record_throttle(result)
        else:
            self.metrics.record_invocation(result)
            self.metrics.ingest_log_events(result.logs)
        for listener in self._listeners:
            listener(result)

    def _execute(self, env: ExecutionEnvironment, cold: bool, payload: bytes, request_id: str,
                 invoked_arn: str, client_context: Mapping[str, Any] | None,
                 identity: Mapping[str, Any] | None, tenant_id: str | None,
                 ) -> tuple[Outcome, float | None]:
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
                    self._start_line(env, request_id)
                    outcome = _init_failure(error, status, request_id, suppressed_ms, timeout,
                                            env.max_memory_mb)
                    self._end_lines(env, request_id, outcome, env.config.memory_size, None)
                    return outcome, None
        self._start_line(env, request_id)
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
        self._end_lines(env, request_id, outcome, env.config.memory_size, init_ms)
        return outcome, init_ms

    @staticmethod
    def _start_line(env: ExecutionEnvironment, request_id: str) -> None:
        env.start_index = len(env.sink.stream.events)
        env.sink.request_id = env.sink.last_request_id = request_id
        env.set_trace_id(_trace_id(request_id))
        env._platform(f"START RequestId: {request_id} Version: {env.version}", "platform.start",
                      {"requestId": request_id, "version": env.version})

    @staticmethod
    def _end_lines(env: ExecutionEnvironment, request_id: str, outcome: Outcome,
                   memory_size: int, init_ms: float | None) -> None:
        report = outcome.report = outcome_report(request_id, outcome, memory_size, init_ms)
        if env.sink.json_format:
            env._platform("", "platform.report", report.record())
        else:
            env.sink.emit(f"END RequestId: {request_id}\n")
            env.sink.emit(report.line() + "\n")
        env.sink.request_id = None

    def __repr__(self) -> str:
        return f"<LambdaFunction {self.name} handler={self.config.handler!r}>"


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
