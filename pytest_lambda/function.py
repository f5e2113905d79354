"""``LambdaFunction``: a function's configuration, environments, logs and metrics."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .arn import Arn
from .clock import real_time_ms
from .config import (
    DEFAULT_ACCOUNT,
    DEFAULT_EVENT_AGE,
    DEFAULT_MEMORY,
    DEFAULT_REGION,
    DEFAULT_RETRY_ATTEMPTS,
    DEFAULT_TIMEOUT,
    FunctionConfig,
)
from .errors import (
    HandlerNotStopped,
    RequestTooLargeException,
    TooManyRequestsException,
    validation_error,
)
from .observe.logs import LogGroup, LogView
from .observe.metrics import MetricStore
from .result import InvokeResult
from .runtime.backend import Backend
from .runtime.capture import json_ensure_ascii
from .runtime.lifecycle import PHASE_LOCK, open_backend, outcome_report, run_lifecycle
from .runtime.marshal import SYNC_REQUEST_LIMIT, encode_event
from .service.account import Account, Slot, throttle_body
from .service.async_queue import AsyncMixin
from .service.permissions import Policy, PolicyMixin
from .service.versions import Target, Versions, VersionsMixin

if TYPE_CHECKING:
    from .sources import EventSourceMapping, PushTrigger

Listener = Callable[[InvokeResult], None]
ASYNC_REQUEST_LIMIT = 1_048_576
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


def _check_mapping(value: object, argument: str, example: str) -> None:
    if value is not None and not isinstance(value, Mapping):
        raise TypeError(f"{argument}={value!r} is a {type(value).__name__}: pass a dict (it is "
                        f"sent as JSON, as the SDKs do), e.g. {argument}={example}, or None.")


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
        if not isinstance(measure_memory, bool):
            raise TypeError(f"measure_memory={measure_memory!r} is not valid: pass True (report "
                            "Max Memory Used, the default) or False (skip measuring).")
        self.measure_memory = measure_memory
        if isolation not in ("in-process", "process"):
            raise ValueError(f"isolation={isolation!r} is not valid: use 'in-process' (the "
                             "default: fast, shares mocks with the test) or 'process' (a "
                             "worker process per environment: hard timeouts, real memory).")
        self.isolation = isolation
        self._rng = random.Random(seed) if seed is not None else None
        self._idle: dict[str, list[Backend]] = {}
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

    def add_event_source(self, arn: str, **params: Any) -> EventSourceMapping:
        """``CreateEventSourceMapping`` on moto: poll a Kinesis stream, DynamoDB stream or SQS
        queue into this function (see :mod:`pytest_lambda.sources`)."""
        from .sources import create_event_source_mapping

        return create_event_source_mapping(self, arn, **params)

    def connect_s3(self, bucket: str, **kwargs: Any) -> PushTrigger:
        """Invoke this function for the bucket's object notifications (moto)."""
        from .sources import connect_s3_notifications

        return connect_s3_notifications(self, bucket, **kwargs)

    def subscribe_sns(self, topic_arn: str, **kwargs: Any) -> PushTrigger:
        """Subscribe this function to an SNS topic (moto)."""
        from .sources import subscribe_sns

        return subscribe_sns(self, topic_arn, **kwargs)

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
        parsed = Arn.parse(arn)
        return found or (self._destination_objects.get(parsed.unqualified)
                         if parsed is not None else None)

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
        _check_mapping(client_context, "client_context",
                       "{'client': {...}, 'custom': {...}, 'env': {...}}")
        _check_mapping(identity, "identity",
                       "{'cognitoIdentityId': '...', 'cognitoIdentityPoolId': '...'}")
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
        from .service.account import invoke_many

        admitted = [self._admit(e, invocation_type, qualifier, principal, source_arn,
                                source_account) for e in events]
        if invocation_type != "RequestResponse":
            return [self._accept(p, t, invocation_type) for p, t in admitted]
        # Drawn here, in order, so seeded request ids do not depend on thread scheduling.
        ids = [self.new_request_id() for _ in admitted]
        # Requests running at the same time run in different execution environments, as on
        # Lambda: each admitted request of a wave takes an idle environment, or a new one (a
        # cold start), before any of them runs; afterwards they are idle for the next wave.
        envs: dict[int, tuple[Backend, bool]] = {}

        def admit(i: int) -> Slot | str:
            slot = self.account.try_acquire(self)
            if not isinstance(slot, str):
                target = admitted[i][1]
                envs[i] = self._checkout(target.config, target.version)
            return slot

        return invoke_many(
            admit,
            lambda i, slot: self._run_in(slot, *admitted[i], request_id=ids[i],
                                         environment=envs.pop(i)),
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
            # Lambda's two wordings (error code RequestEntityTooLargeException, HTTP 413), as
            # captured from real Invoke calls: aws/aws-pdk#771 and ASFHyP3/hyp3#2241 (Event),
            # awslabs/aws-athena-query-federation#793 (RequestResponse).
            if invocation_type == "Event":
                aws = (f"{len(payload)} byte payload is too large for the Event invocation "
                       f"type (limit {limit} bytes)")
            else:
                aws = (f"Request must be smaller than {limit} bytes for the InvokeFunction "
                       f"operation")
            raise RequestTooLargeException(
                f"{aws}. This {invocation_type} payload is {len(payload)} bytes: send a smaller "
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
             extra: dict[str, Any] | None = None,
             environment: tuple[Backend, bool] | None = None) -> InvokeResult:
        """Run one invocation of ``config`` (a version's frozen configuration), in
        ``environment`` (an environment checked out for it, and whether it is new) or in an
        idle one."""
        request_id = request_id or self.new_request_id()
        with PHASE_LOCK:
            start_time = real_time_ms()
            env, cold = environment or self._checkout(config, version)
            idle = self._idle.setdefault(version, [])
            stream = env.sink.stream.events
            first = len(stream)
            outcome, init_ms, start_index = run_lifecycle(
                env, cold, payload, request_id, invoked_arn, client_context, identity, tenant_id)
            not_stopped = getattr(env, "not_stopped", "")
            if outcome.reset or not env.alive:
                env.discard()
            else:
                idle.append(env)
            start = max(start_index, first)
            init_logs, logs = LogView(stream[first:start]), LogView(stream[start:])
        report = outcome.report or outcome_report(request_id, outcome, config.memory_size,
                                                  init_ms)
        result = InvokeResult(
            function_name=config.name, request_id=request_id, status_code=200,
            raw_payload=outcome.response if outcome.error is None else
            _error_body(outcome.error, config),
            function_error="Unhandled" if outcome.error is not None else None,
            error=outcome.error, cold_start=cold, executed_version=version, logs=logs,
            init_logs=init_logs,
            report=report, config=config, invocation_type=invocation_type,
            timed_out=outcome.status == "timeout", start_time=start_time,
            invoked_function_arn=invoked_arn, extra={} if extra is None else extra)
        self._publish(result)
        if not_stopped:
            raise HandlerNotStopped(
                f"{config.name} (request {request_id}): {not_stopped} The invocation is "
                "reported as Lambda's timeout (result attribute of this exception).", result)
        return result

    def _checkout(self, config: FunctionConfig, version: str) -> tuple[Backend, bool]:
        """An idle environment of ``version`` (warm), or a new one (cold: True)."""
        with PHASE_LOCK:
            idle = self._idle.setdefault(version, [])
            if idle:
                return idle.pop(), False
            return self._new_environment(config, version), True

    def _new_environment(self, config: FunctionConfig, version: str) -> Backend:
        """A fresh execution environment (a cold start) in the configured isolation mode."""
        return open_backend(config, version, self.log_group, isolation=self.isolation,
                            new_id=self.new_request_id, network_allow=self.network_allow,
                            measure_memory=self.measure_memory)

    def _publish(self, result: InvokeResult) -> None:
        if result.throttled:
            self.metrics.record_throttle(result)
        else:
            self.metrics.record_invocation(result)
            self.metrics.ingest_log_events(result.logs)
        for listener in self._listeners:
            listener(result)

    def __repr__(self) -> str:
        return f"<LambdaFunction {self.name} handler={self.config.handler!r}>"


def _error_body(error: Mapping[str, Any], config: FunctionConfig) -> bytes:
    """The body of a function error, as the runtime posts it.

    The Python runtime escapes non-ASCII characters below python3.12 (its JSON encoder's rule,
    :func:`~.runtime.capture.json_ensure_ascii`), and writes them raw from python3.12 on.
    """
    if config.is_node:
        return encode_event(error)
    return json.dumps(error, ensure_ascii=json_ensure_ascii(config.runtime)).encode()
