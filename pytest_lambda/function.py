"""``LambdaFunction``: a function's configuration, environments, logs and metrics."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Unpack

from .arn import Arn
from .clock import real_time_ms
from .config import FunctionConfig, FunctionSettings
from .errors import (
    HandlerNotStopped,
    RecursiveInvocationException,
    RequestTooLargeException,
    TooManyRequestsException,
    validation_error,
)
from .observe.coverage import function_context, worker_settings
from .observe.history import DEFAULT_HISTORY, LogWindow
from .observe.logs import LogGroup, LogView
from .observe.metrics import MetricStore
from .result import InvokeResult
from .runtime import interpreter
from .runtime.backend import Backend
from .runtime.capture import json_ensure_ascii
from .runtime.interpreter import Interpreter
from .runtime.lifecycle import PHASE_LOCK, open_backend, outcome_report, run_lifecycle
from .runtime.marshal import SYNC_REQUEST_LIMIT, encode_event
from .service import recursion
from .service.account import Account, Slot, throttle_body
from .service.account import invoke_many as run_concurrently
from .service.async_queue import AsyncMixin
from .service.permissions import Policy, PolicyMixin
from .service.versions import Target, Versions, VersionsMixin

if TYPE_CHECKING:
    from .service.async_queue import QueuedEvent
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
        seed: int | None = None,
        network_allow: Sequence[str] | bool = (),
        measure_memory: bool = True,
        isolation: str = "in-process",
        account: Account | None = None,
        python_executable: str | os.PathLike[str] | Interpreter | None = None,
        history: int | None = DEFAULT_HISTORY,
        **settings: Unpack[FunctionSettings],
    ) -> None:
        """``handler`` is Lambda's handler string (``"app.handler"``, ``"pkg/mod.fn"``);
        ``settings`` are the function's configuration (:class:`~.config.FunctionSettings`:
        ``code_dir``, ``timeout``, ``memory_size``, ``environment``, ``runtime``, ...).

        ``seed`` makes request ids and routing reproducible; ``network_allow`` lists hosts the
        handler may reach (``True``: any); ``measure_memory=False`` skips Max Memory Used;
        ``isolation="process"`` runs each environment in a worker process (on
        ``python_executable``, else an installed interpreter of the runtime's Python version);
        functions given the same ``account`` share its concurrency and asynchronous queue;
        ``history`` is how many recent invocations keep their logs and metric records in full
        (``None``: all).
        """
        if history is not None and (isinstance(history, bool) or not isinstance(history, int)
                                    or history < 1):
            raise ValueError(f"history={history!r} is not valid: pass how many recent "
                             "invocations to keep in full (logs, metric records), at least 1, "
                             "or None to keep everything (memory grows with every call).")
        if account is not None:
            settings["region"], settings["account_id"] = account.region, account.account_id
        self._destination_objects: dict[str, LambdaFunction] = {}
        if "destination_config" in settings:
            settings["destination_config"] = self._destinations(settings["destination_config"])
        self.config = FunctionConfig.create(handler, **settings)
        self.account = account or Account(self.config.account_id, self.config.region)
        self.account.register(self)
        self.log_group = LogGroup(self.config.log_group_name)
        #: Lambda's own metrics are four records per invocation.
        self.metrics = MetricStore(window=None if history is None else history * 4)
        self.history = history
        self._log_window = LogWindow(history)
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
        if python_executable is not None and (isolation != "process" or self.config.is_node):
            raise ValueError(
                f"python_executable={python_executable!r} only applies to Python functions "
                "with isolation='process' (their worker runs on it); pass "
                "isolation='process', or drop python_executable.")
        if python_executable is not None and not isinstance(python_executable, Interpreter):
            python_executable = interpreter.explicit(python_executable, self.config.runtime)
        self._python_executable = python_executable
        #: The interpreter process workers run on, per runtime (resolved at the first one).
        self._worker_python: dict[str, Interpreter | None] = {}
        self._notes: list[str] = []
        # The seed is mixed with the function's name: two functions of one seeded session get
        # different request ids (on Lambda they never share one), each reproducible on its own.
        self._rng = (random.Random(f"{seed}/{self.config.name}") if seed is not None
                     else None)
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

    @property
    def notes(self) -> tuple[str, ...]:
        """Where this function's runs differ from Lambda's because of this machine (a Python
        runtime running on another Python version, coverage not measured in a worker), one
        sentence each. The pytest plugin prints them once per session, in its summary."""
        return tuple(self._notes)

    def _note(self, text: str | None) -> None:
        if text and text not in self._notes:
            self._notes.append(text)

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

    def connect_eventbridge(self, pattern: Mapping[str, Any] | str, **kwargs: Any) -> PushTrigger:
        """A rule on an event bus (moto) whose ``pattern`` selects the events this function
        receives: ``bus``, ``rule_name``, ``input``/``input_path``/``input_transformer`` (one
        of them, as a target takes), ``enabled``. ``drain()`` delivers them asynchronously."""
        from .sources.eventbridge import EventBridgeTrigger

        return EventBridgeTrigger(self, pattern, **kwargs)

    def update_configuration(self, **changes: Any) -> None:
        """Change configuration like ``UpdateFunctionConfiguration``: new environments follow."""
        if "destination_config" in changes:
            changes["destination_config"] = self._destinations(changes["destination_config"])
        if "reserved_concurrent_executions" in changes:
            self.account.check_reserved(self.name, changes["reserved_concurrent_executions"])
        self.config = self.config.with_changes(**changes)
        self._worker_python.clear()
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

    def resolve_destination(self, arn: str) -> LambdaFunction | None:
        """The function a Lambda destination ARN names: one of the account's functions, or a
        ``LambdaFunction`` object given as a destination (a port for the asynchronous queue)."""
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
        trace_header: str | None = None,
    ) -> InvokeResult:
        """Invoke and return the result: ``RequestResponse`` (200), ``Event`` (202) or
        ``DryRun`` (204).

        ``event`` is sent as JSON (``bytes`` are sent raw, like an SDK ``Payload``).
        ``qualifier`` names a version or alias; ``principal`` (with ``source_arn`` /
        ``source_account``) is the caller checked against the resource-based policy.
        A throttled synchronous call raises ``TooManyRequestsException``. ``trace_header`` is
        the ``X-Amzn-Trace-Id`` the request arrived with (from an SDK call or an event source):
        the invocation continues that trace, and recursive loop detection stops it with
        ``RecursiveInvocationException`` once it would be the 17th in its chain.
        """
        _check_mapping(client_context, "client_context",
                       "{'client': {...}, 'custom': {...}, 'env': {...}}")
        _check_mapping(identity, "identity",
                       "{'cognitoIdentityId': '...', 'cognitoIdentityPoolId': '...'}")
        payload, target = self._admit(event, invocation_type, qualifier, principal,
                                      source_arn, source_account)
        if invocation_type == "DryRun":
            return self._accept(payload, target, invocation_type)
        if recursion.stops(trace_header, self.arn):
            return self._stop_recursive(payload, target, invocation_type)
        if invocation_type != "RequestResponse":
            return self._accept(payload, target, invocation_type, trace_header=trace_header)
        slot = self.account.try_acquire(self)
        if isinstance(slot, str):
            self.refuse(target, self.new_request_id(), slot, invocation_type)
            raise TooManyRequestsException(
                f"Rate Exceeded. ({slot}: {self.account.in_flight(self.name)} request(s) of "
                f"{self.name!r} already running; raise reserved_concurrent_executions or the "
                "Account's concurrency_limit, or send fewer requests at once.)", Reason=slot)
        return self._run_in(slot, payload, target, client_context=client_context,
                            identity=identity, tenant_id=tenant_id, trace_header=trace_header)

    def invoke_many(self, events: Iterable[Any], *, concurrency: int = 10,
                    invocation_type: str = "RequestResponse", qualifier: str | None = None,
                    principal: str | None = None, source_arn: str | None = None,
                    source_account: str | None = None) -> list[InvokeResult]:
        """Send ``events`` from ``concurrency`` threads at once; results in event order.

        Requests over the concurrency limit come back as throttled results (status 429,
        ``throttled=True``) instead of raising; see ``concurrency.invoke_many`` for the model.
        """
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

        return run_concurrently(
            admit,
            lambda i, slot: self._run_in(slot, *admitted[i], request_id=ids[i],
                                         environment=envs.pop(i)),
            lambda i, reason: self.refuse(admitted[i][1], ids[i], reason, invocation_type),
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

    def _accept(self, payload: bytes, target: Target, invocation_type: str, *,
                queue: bool = True, trace_header: str | None = None) -> InvokeResult:
        """The 202 of a queued ``Event`` or the 204 of a ``DryRun`` (the handler has not run)."""
        request_id = self.new_request_id()
        queued = (self.account.queue.enqueue(self, payload, target, request_id, trace_header)
                  if invocation_type == "Event" and queue else None)
        return InvokeResult(
            function_name=self.name, request_id=request_id,
            status_code=202 if invocation_type == "Event" else 204, raw_payload=b"",
            function_error=None, error=None, cold_start=False, executed_version=target.version,
            logs=LogView(), report=None, config=target.config, invocation_type=invocation_type,
            start_time=real_time_ms(), invoked_function_arn=target.invoked_arn,
            queued_event=queued)

    def _stop_recursive(self, payload: bytes, target: Target,
                        invocation_type: str) -> InvokeResult:
        """Recursive loop detection stops the request: counted in its metric, then a
        ``RecursiveInvocationException`` (synchronous) or a 202 whose event is dropped."""
        self.metrics.record_lambda_metric(
            "RecursiveInvocationsDropped", 1, function_name=self.name,
            timestamp=real_time_ms(), qualifier=target.qualifier,
            executed_version=target.version)
        if invocation_type == "Event":
            return self._accept(payload, target, invocation_type, queue=False)
        raise RecursiveInvocationException(
            f"Recursive invocation of function {self.name} detected: the same triggering "
            f"event already invoked it {recursion.MAX_INVOCATIONS} times. Break the loop: do "
            "not send the event back to the queue, topic or function that triggered it.")

    def refuse(self, target: Target, request_id: str, reason: str,
               invocation_type: str) -> InvokeResult:
        """Record (and return) a request refused with 429 for lack of concurrency: ``reason``
        is the throttle Reason (a port for the asynchronous queue and ``invoke_many``)."""
        body = throttle_body(reason)
        result = InvokeResult(
            function_name=self.name, request_id=request_id, status_code=429,
            raw_payload=encode_event(body), function_error=None, error=body, cold_start=False,
            executed_version=target.version, logs=LogView(), report=None, config=target.config,
            invocation_type=invocation_type, throttled=True, start_time=real_time_ms(),
            invoked_function_arn=target.invoked_arn, throttle_reason=reason)
        self._publish(result)
        return result

    def _run_in(self, slot: Slot, payload: bytes, target: Target, **kwargs: Any) -> InvokeResult:
        try:
            return self._run(payload, target, concurrent_executions=slot.count, **kwargs)
        finally:
            slot.release()

    def run_queued(self, event: QueuedEvent, *, concurrent_executions: int,
                   virtual_time: float) -> InvokeResult:
        """Run one attempt of a queued ``Event`` invocation (a port for the asynchronous
        queue, which holds the concurrency slot and counts the attempts)."""
        return self._run(event.payload, event.target, request_id=event.request_id,
                         invocation_type="Event", concurrent_executions=concurrent_executions,
                         attempt=event.attempts, virtual_time=virtual_time,
                         trace_header=event.trace_header)

    def _run(self, payload: bytes, target: Target, *,
             client_context: Mapping[str, Any] | None = None,
             identity: Mapping[str, Any] | None = None, tenant_id: str | None = None,
             request_id: str | None = None, invocation_type: str = "RequestResponse",
             concurrent_executions: int | None = None, attempt: int | None = None,
             virtual_time: float | None = None,
             environment: tuple[Backend, bool] | None = None,
             trace_header: str | None = None) -> InvokeResult:
        """Run one invocation of ``target`` (a version's frozen configuration), in
        ``environment`` (an environment checked out for it, and whether it is new) or in an
        idle one."""
        config, version, invoked_arn = target.config, target.version, target.invoked_arn
        request_id = request_id or self.new_request_id()
        trace = (None if trace_header is None
                 else recursion.continue_trace(trace_header, self.arn, request_id))
        with PHASE_LOCK, function_context(config.name):
            start_time = real_time_ms()
            env, cold = environment or self._checkout(config, version)
            idle = self._idle.setdefault(version, [])
            stream = env.sink.stream.events
            first = len(stream)
            outcome, init_ms, start_index = run_lifecycle(
                env, cold, payload, request_id, invoked_arn, client_context, identity, tenant_id,
                trace_header=trace)
            not_stopped = getattr(env, "not_stopped", "")
            if outcome.reset or not env.alive:
                env.discard()
            else:
                idle.append(env)
            start = max(start_index, first)
            init_logs, logs = LogView(stream[first:start]), LogView(stream[start:])
            self._log_window.add(env.sink.stream, first)  # may cut older events: last
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
            invoked_function_arn=invoked_arn, concurrent_executions=concurrent_executions,
            attempt=attempt, virtual_time=virtual_time, event_payload=payload)
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
        python = None
        if not config.is_node:
            python = self._python_for(config.runtime)
        return open_backend(config, version, self.log_group, isolation=self.isolation,
                            new_id=self.new_request_id, network_allow=self.network_allow,
                            measure_memory=self.measure_memory, python=python)

    def _python_for(self, runtime: str) -> Interpreter | None:
        """The interpreter a process worker of ``runtime`` runs on (None: this one), noting
        when the function's Python version is not the one that runs its code."""
        if self.isolation != "process":
            self._note(interpreter.mismatch_note(runtime, "in-process"))
            return None
        if runtime not in self._worker_python:
            chosen = self._python_executable
            # Checked against the runtime at construction; after update_configuration(runtime=)
            # to another version it no longer applies, and that version is searched for.
            if not isinstance(chosen, Interpreter) or (
                    chosen.version[:2] != interpreter.runtime_version(runtime)):
                chosen = interpreter.find(runtime)
            self._worker_python[runtime] = chosen
            if chosen is None:
                self._note(interpreter.mismatch_note(runtime, "process"))
            elif not chosen.is_current and not chosen.has_coverage and worker_settings():
                self._note(f"{runtime} functions were not measured by coverage: coverage.py "
                           f"is not installed for {chosen.executable} (run "
                           f"'{chosen.executable} -m pip install coverage')")
        found = self._worker_python[runtime]
        return None if found is None or found.is_current else found

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
