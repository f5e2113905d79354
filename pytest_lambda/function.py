"""``LambdaFunction``: the façade users hold, and the run path of one invocation.

The Lambda service around the run path lives in ``service/``; the class delegates to it.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Unpack

from .clock import real_time_ms
from .config import FunctionConfig, FunctionSettings, check_setting_names
from .errors import HandlerNotStopped
from .observe.coverage import function_context
from .observe.history import DEFAULT_HISTORY, LogWindow, check_history
from .observe.logs import LogGroup, LogView
from .observe.metrics import MetricStore
from .result import InvokeResult
from .runtime.capture import json_ensure_ascii
from .runtime.interpreter import Interpreter
from .runtime.lifecycle import PHASE_LOCK, outcome_report, run_lifecycle
from .runtime.marshal import encode_event
from .runtime.network import check_allow
from .runtime.timeout import deliver_owed_alarm, outer_phase_waits
from .service import admission, environments, recursion
from .service.account import Account, Slot
from .service.account import invoke_many as run_concurrently
from .service.async_queue import AsyncMixin
from .service.destinations import DestinationsMixin
from .service.permissions import Policy, PolicyMixin
from .service.triggers import TriggersMixin
from .service.versions import Target, Versions, VersionsMixin

if TYPE_CHECKING:
    from .runtime.backend import Backend
    from .service.async_queue import QueuedEvent

Listener = Callable[[InvokeResult], None]


#: LambdaFunction's keyword arguments that are not function settings.
_OWN_ARGUMENTS = ("seed", "network_allow", "measure_memory", "isolation", "account",
                  "python_executable", "history")


class LambdaFunction(VersionsMixin, PolicyMixin, AsyncMixin, DestinationsMixin, TriggersMixin):
    """A Lambda function you can invoke in-process, as AWS Lambda would run it.

    >>> fn = LambdaFunction("app.handler", code_dir="src", timeout=3)   # doctest: +SKIP
    >>> fn.invoke({"hello": "world"}).payload                           # doctest: +SKIP

    The first invocation creates an execution environment (a cold start: the handler's module
    is imported and the Init Duration measured); later ones reuse it, so module-level state
    persists exactly as on Lambda, until :meth:`cold_start` discards it or an invocation
    crashes or times out.

    It delegates to ``service/``: ``admission`` (checks, 202/204/429 answers), ``environments``
    (warm and cold), ``versions``, ``permissions``, ``destinations``, ``triggers``, ``account``.
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
        check_history(history)
        check_setting_names(settings, extra=_OWN_ARGUMENTS)
        if account is not None and not isinstance(account, Account):
            raise TypeError(
                f"account={account!r} is not an Account ({type(account).__name__}): pass one (from "
                "pytest_lambda import Account; Account('123456789012', 'us-east-1')), or "
                "account_id= for the id alone.")
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
        check_allow(network_allow)
        self.network_allow = network_allow
        python = environments.check_options(measure_memory, isolation, python_executable,
                                            self.config)
        self.measure_memory = measure_memory
        self.isolation = isolation
        self._environments = environments.Environments(self, python)
        # The seed is mixed with the function's name: two functions of one seeded session get
        # different request ids (on Lambda they never share one), each reproducible on its own.
        self._rng = (random.Random(f"{seed}/{self.config.name}") if seed is not None
                     else None)
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
        return tuple(self._environments.notes)

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(result)`` after every invocation (the pytest plugin uses this); a
        listener with an ``attach(fn)`` method is given the function first."""
        attach = getattr(listener, "attach", None)
        if callable(attach):
            attach(self)
        self._listeners.append(listener)

    def new_request_id(self) -> str:
        """A fresh lowercase UUID (version 4), reproducible when the function has a ``seed``."""
        rng = self._rng
        # The 16 bytes, big-endian (what int.from_bytes read and what ``:032x`` wrote).
        raw = bytearray(os.urandom(16) if rng is None else rng.getrandbits(128).to_bytes(16))
        # Set the version (4) and variant (RFC 4122) bits, as uuid.UUID(version=4) does: bits
        # 76-79 and 62-63 of the number are the high nibble of byte 6 and the top of byte 8.
        raw[6] = raw[6] & 0x0F | 0x40
        raw[8] = raw[8] & 0x3F | 0x80
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def cold_start(self) -> None:
        """Discard every warm execution environment: the next invocation is a cold start."""
        self._environments.discard_all()

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
        self._environments.forget_interpreters()
        self.cold_start()

    def put_function_concurrency(self, reserved: int | None) -> None:
        """``PutFunctionConcurrency`` (``None`` is ``DeleteFunctionConcurrency``)."""
        self.update_configuration(reserved_concurrent_executions=reserved)

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
        admission.check_context(client_context, identity)
        admission.check_strings(trace_header=trace_header)
        admission.check_tenant(self.config, tenant_id)
        payload, target = admission.admit(event, invocation_type, qualifier, self.config,
                                          self._versions, self._policy, principal, source_arn,
                                          source_account)
        if invocation_type == "DryRun":
            return admission.accept(self, payload, target, invocation_type)
        if recursion.stops(trace_header, self.arn):
            return admission.stop_recursive(self, payload, target, invocation_type)
        if invocation_type != "RequestResponse":
            return admission.accept(self, payload, target, invocation_type,
                                    trace_header=trace_header, tenant_id=tenant_id)
        slot = self.account.try_acquire(self)
        if isinstance(slot, str):
            self.refuse(target, self.new_request_id(), slot, invocation_type)
            raise admission.too_many_requests(self, slot)
        try:
            return self._run(payload, target, client_context=client_context, identity=identity,
                             tenant_id=tenant_id, trace_header=trace_header,
                             concurrent_executions=slot.count)
        finally:
            slot.release()

    def invoke_many(self, events: Iterable[Any], *, concurrency: int = 10,
                    invocation_type: str = "RequestResponse", qualifier: str | None = None,
                    principal: str | None = None, source_arn: str | None = None,
                    source_account: str | None = None) -> list[InvokeResult]:
        """Send ``events`` from ``concurrency`` threads at once; results in event order.

        Requests over the concurrency limit come back as throttled results (status 429,
        ``throttled=True``) instead of raising; see ``service.account.invoke_many`` for the
        model.
        """
        admission.check_tenant(self.config, None, "invoke_many")
        if isinstance(events, str | bytes | Mapping) or not isinstance(events, Iterable):
            raise TypeError(f"invoke_many(events={events!r}): pass a list of events (one "
                            "invocation each), e.g. invoke_many([{...}, {...}]).")
        admitted = [admission.admit(e, invocation_type, qualifier, self.config, self._versions,
                                    self._policy, principal, source_arn, source_account)
                    for e in events]
        if invocation_type != "RequestResponse":
            return [admission.accept(self, p, t, invocation_type) for p, t in admitted]
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
                envs[i] = self._environments.checkout(target.config, target.version)
            return slot

        def run(i: int, slot: Slot) -> InvokeResult:
            try:
                return self._run(*admitted[i], request_id=ids[i], environment=envs.pop(i),
                                 concurrent_executions=slot.count)
            finally:
                slot.release()

        return run_concurrently(
            admit, run,
            lambda i, reason: self.refuse(admitted[i][1], ids[i], reason, invocation_type),
            len(admitted), concurrency)

    def refuse(self, target: Target, request_id: str, reason: str,
               invocation_type: str) -> InvokeResult:
        """Record (and return) a request refused with 429 for lack of concurrency: ``reason``
        is the throttle Reason (a port for the asynchronous queue and ``invoke_many``)."""
        result = admission.throttled(self.name, target, request_id, reason, invocation_type)
        self._publish(result)
        return result

    def run_queued(self, event: QueuedEvent, *, concurrent_executions: int,
                   virtual_time: float) -> InvokeResult:
        """Run one attempt of a queued ``Event`` invocation (a port for the asynchronous
        queue, which holds the concurrency slot and counts the attempts)."""
        return self._run(event.payload, event.target, request_id=event.request_id,
                         invocation_type="Event", concurrent_executions=concurrent_executions,
                         attempt=event.attempts, virtual_time=virtual_time,
                         trace_header=event.trace_header, tenant_id=event.tenant_id)

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
        # With tenant isolation each tenant has environments of its own (AWS docs, "Lambda
        # tenant isolation": execution environments are never shared between tenants).
        pool = version if not config.tenancy else f"{version}\0tenant:{tenant_id}"
        with PHASE_LOCK, outer_phase_waits(), function_context(config.name):
            start_time = real_time_ms()
            env, cold = environment or self._environments.checkout(config, version, pool)
            idle = self._environments.idle.setdefault(pool, [])
            stream = env.sink.stream.events
            first = len(stream)
            outcome, init_ms, start_index = run_lifecycle(
                env, cold, payload, request_id, invoked_arn, client_context, identity, tenant_id,
                trace_header=trace)
            not_stopped = getattr(env, "not_stopped", "")
            if outcome.reset or not env.alive:
                self._environments.reset(env, pool)
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
        deliver_owed_alarm()  # the test's own timer ran out meanwhile: at its line now
        if not_stopped:
            raise HandlerNotStopped(
                f"{config.name} (request {request_id}): {not_stopped} The invocation is "
                "reported as Lambda's timeout (result attribute of this exception).", result)
        return result

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
