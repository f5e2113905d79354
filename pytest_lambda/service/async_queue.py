"""Asynchronous invocation: the event queue, retries, maximum event age, DLQ and destinations.

``invoke(..., invocation_type="Event")`` answers 202 and puts the event on its account's
:class:`AsyncQueue`. The queue runs on a :class:`VirtualClock`, so Lambda's retry delays (about
1 and 2 minutes), throttle backoff (1 s doubling to 5 min) and event ages of hours cost no real
time: :meth:`AsyncQueue.drain` runs it to completion, :meth:`AsyncQueue.advance` steps it.
Each attempt is a real invocation with the event's request id, so it has its own START..REPORT
log lines and metrics; a throttled attempt is recorded as a throttle.
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_lambda.clock import iso_ms, real_time

from ..arn import Arn
from ..config import arn_service
from ..errors import ResourceNotFoundException

if TYPE_CHECKING:
    from pytest_lambda.config import FunctionConfig
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.result import InvokeResult
    from pytest_lambda.service.account import Account
    from pytest_lambda.service.versions import Target

#: Delay before the 2nd and the 3rd attempt after a function error (Lambda: ~1 and ~2 min).
RETRY_DELAYS_S = (60.0, 120.0)
#: Backoff after a throttle: 1 s doubling to 5 min, each delay jittered by +-50 %.
THROTTLE_BACKOFF_MAX_S = 300.0
ERROR_MESSAGE_LIMIT = 1024
#: A drain that runs this many steps is assumed to be a destination loop.
MAX_STEPS = 1_000_000
_RELEASE, _ATTEMPT = 0, 1
LATEST_VERSION = "$LATEST"


class VirtualClock:
    """Seconds since the queue was created, advanced only by the queue; wall time on top."""

    def __init__(self, epoch: float | None = None) -> None:
        self.epoch = real_time() if epoch is None else epoch
        self.now = 0.0

    def time(self, at: float | None = None) -> float:
        """Epoch seconds of virtual time ``at`` (default: now)."""
        return self.epoch + (self.now if at is None else at)

    def iso(self, at: float | None = None) -> str:
        """``2019-11-24T23:08:25.651Z`` for virtual time ``at``."""
        return iso_ms(self.time(at))

    def __repr__(self) -> str:
        return f"<VirtualClock t={self.now:.3f}s>"


@dataclass
class QueuedEvent:
    """One asynchronous event: its payload, request id, and what happened to it so far."""

    function: LambdaFunction
    payload: bytes
    request_id: str
    target: Target
    received: float
    attempts: int = 0
    throttles: int = 0
    condition: str | None = None
    results: list[InvokeResult] = field(default_factory=list)
    #: The ``X-Amzn-Trace-Id`` the event arrived with (its attempts continue that trace).
    trace_header: str | None = None
    #: The tenant it was sent for (a function with tenant isolation).
    tenant_id: str | None = None

    @property
    def done(self) -> bool:
        return self.condition is not None


@dataclass(frozen=True)
class Delivery:
    """A record (or dead letter) sent to a DLQ or a destination, and whether it arrived."""

    kind: str
    destination: str
    request_id: str
    function_name: str
    body: Any
    ok: bool
    error: str | None = None


class AsyncQueue:
    """An account's queue of asynchronous events, run on a virtual clock."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.clock = VirtualClock()
        self.events: list[QueuedEvent] = []
        self.results: list[InvokeResult] = []
        self.deliveries: list[Delivery] = []
        self._heap: list[tuple[float, int, int, Callable[[float], None]]] = []
        self._seq = itertools.count()
        self._linked: list[AsyncQueue] = []
        # Jitter spreads throttled events out so they do not all retry in the same instant;
        # a fixed seed keeps every run identical.
        self._rng = random.Random(0)

    @property
    def pending(self) -> int:
        """Events not finished yet (waiting for an attempt, a retry or a throttle backoff)."""
        return sum(1 for e in self.events if not e.done)

    def enqueue(self, fn: LambdaFunction, payload: bytes, target: Target,
                request_id: str, trace_header: str | None = None,
                tenant_id: str | None = None) -> QueuedEvent:
        """Accept an event (the 202): its first attempt is due now."""
        event = QueuedEvent(fn, payload, request_id, target, self.clock.now,
                            trace_header=trace_header, tenant_id=tenant_id)
        self.events.append(event)
        self._metric(event, "AsyncEventsReceived", 1)
        self._push(self.clock.now, _ATTEMPT, lambda t: self._attempt(event, t))
        return event

    def advance(self, seconds: float) -> list[InvokeResult]:
        """Move the clock ``seconds`` forward, running everything that falls due."""
        if seconds < 0:
            raise ValueError(f"cannot advance the clock backwards ({seconds} s)")
        return self._run_until(self.clock.now + seconds)

    def drain(self) -> list[InvokeResult]:
        """Run until no event is left here or in queues that destinations fed."""
        out: list[InvokeResult] = []
        while True:
            out.extend(self._run_until(None))
            busy = [q for q in self._linked if q._heap]
            if not busy:
                return out
            for queue in busy:
                out.extend(queue._run_until(None))

    def _run_until(self, until: float | None) -> list[InvokeResult]:
        first = len(self.results)
        for _ in range(MAX_STEPS):
            if not self._heap or (until is not None and self._heap[0][0] > until):
                break
            due, _, _, action = heapq.heappop(self._heap)
            self.clock.now = max(self.clock.now, due)
            action(self.clock.now)
        else:
            raise RuntimeError(
                f"the async queue ran {MAX_STEPS} steps without emptying: destinations that "
                "invoke each other in a loop? Break the loop or step with advance().")
        if until is not None:
            self.clock.now = max(self.clock.now, until)
        return self.results[first:]

    def _push(self, due: float, kind: int, action: Callable[[float], None]) -> None:
        heapq.heappush(self._heap, (due, kind, next(self._seq), action))

    def _metric(self, event: QueuedEvent, name: str, value: float) -> None:
        event.function.metrics.record_lambda_metric(
            name, value, function_name=event.function.name,
            timestamp=int(self.clock.time() * 1000), qualifier=event.target.qualifier,
            executed_version=event.target.version, request_id=event.request_id)

    def _attempt(self, event: QueuedEvent, now: float) -> None:
        fn = event.function
        cfg = fn.config
        age = now - event.received
        if age > cfg.maximum_event_age_in_seconds:
            self._fail(event, "EventAgeExceeded", now)
            return
        slot = self.account.try_acquire(fn)
        if isinstance(slot, str):
            result = fn.refuse(event.target, event.request_id, slot, "Event")
            self._record(event, result)
            event.throttles += 1
            if cfg.reserved_concurrent_executions == 0:
                # Nothing can ever run it: Lambda sends it straight to the failure targets.
                self._fail(event, "RetriesExhausted", now)
                return
            backoff = min(2.0 ** (event.throttles - 1), THROTTLE_BACKOFF_MAX_S)
            delay = backoff * (0.5 + self._rng.random())
            self._push(now + delay, _ATTEMPT, lambda t: self._attempt(event, t))
            return
        self._metric(event, "AsyncEventAge", round(age * 1000))
        event.attempts += 1
        try:
            result = fn.run_queued(event, concurrent_executions=slot.count, virtual_time=now)
        except BaseException:
            slot.release()
            raise
        report = result.report
        ended = now + (report.duration_ms / 1000 if report is not None else 0.0)
        self._push(ended, _RELEASE, lambda t: slot.release())
        self._record(event, result)
        if result.function_error is None:
            event.condition = "Success"
            self._deliver(event, "OnSuccess", ended, result)
        elif event.attempts > cfg.maximum_retry_attempts:
            self._fail(event, "RetriesExhausted", ended, result)
        else:
            delay = RETRY_DELAYS_S[min(event.attempts, len(RETRY_DELAYS_S)) - 1]
            self._push(ended + delay, _ATTEMPT, lambda t: self._attempt(event, t))

    def _record(self, event: QueuedEvent, result: InvokeResult) -> None:
        event.results.append(result)
        self.results.append(result)

    def _fail(self, event: QueuedEvent, condition: str, now: float,
              result: InvokeResult | None = None) -> None:
        event.condition = condition
        self._metric(event, "AsyncEventsDropped", 1)
        last = result or (event.results[-1] if event.results else None)
        cfg = _failure_config(event)
        if cfg.dead_letter_config:
            self._dead_letter(event, cfg.dead_letter_config["TargetArn"], last)
        self._deliver(event, "OnFailure", now, last)

    def _dead_letter(self, event: QueuedEvent, arn: str, last: InvokeResult | None) -> None:
        # The deliveries (boto3 into moto) load with the first dead letter, not with the queue.
        from pytest_lambda.service import delivery as aws

        error = (last.error or {}) if last is not None else {}
        code = "429" if last is None or last.throttled else "200"
        message = str(error.get("errorMessage") or error.get("message")
                      or ("Rate Exceeded." if code == "429" else ""))
        message = message.encode()[:ERROR_MESSAGE_LIMIT].decode(errors="ignore")
        attributes = {"RequestID": ("String", event.request_id), "ErrorCode": ("Number", code),
                      "ErrorMessage": ("String", message or "Unknown")}
        body = event.payload.decode(errors="replace")
        try:
            if arn_service(arn) == "sqs":
                aws.send_sqs(arn, body, attributes)
            else:
                aws.publish_sns(arn, body, attributes)
        except aws.DeliveryError as exc:
            self._metric(event, "DeadLetterErrors", 1)
            self._note(event, "DeadLetter", arn, body, str(exc))
            return
        self._note(event, "DeadLetter", arn, body, None, attributes=attributes)

    def _note(self, event: QueuedEvent, kind: str, arn: str, body: Any, error: str | None,
              **extra: Any) -> None:
        if extra:
            body = {"body": body, **extra}
        self.deliveries.append(Delivery(kind, arn, event.request_id, event.function.name, body,
                                        error is None, error))

    def record(self, event: QueuedEvent, condition: str, at: float,
               result: InvokeResult | None) -> dict[str, Any]:
        """Lambda's invocation record for a destination."""
        # One builder for this record and the `lambda_destination_record` event factory.
        from pytest_lambda.events.lambda_destination import invocation_record

        target = event.target
        arn = target.invoked_arn if target.qualifier else f"{target.invoked_arn}:$LATEST"
        ran = result is not None and not result.throttled
        extra: dict[str, Any] = {}
        if result is not None and ran:
            # A response that is not JSON (a handler returning bytes) goes in as text, like a
            # request payload that is not JSON (UNVERIFIED: no captured record of one).
            extra["response_payload"] = (_json_or_text(result.raw_payload)
                                         if result.raw_payload else None)
        return invocation_record(
            timestamp=self.clock.iso(at), request_id=event.request_id, function_arn=arn,
            condition=condition, invoke_count=event.attempts,
            request_payload=_json_or_text(event.payload),
            status_code=200 if ran else 429, executed_version=target.version,
            function_error=result.function_error if result is not None else None, **extra)

    def _deliver(self, event: QueuedEvent, which: str, at: float,
                 result: InvokeResult | None) -> None:
        dest = (_failure_config(event).destination_config or {}).get(which)
        if not dest:
            return
        arn = dest["Destination"]
        record = self.record(event, event.condition or "Success", at, result)
        try:
            self._send(event, arn, which, record, json.dumps(record))
        except Exception as exc:
            self._metric(event, "DestinationDeliveryFailures", 1)
            self._note(event, which, arn, record, str(exc))
            return
        self._note(event, which, arn, record, None)

    def _send(self, event: QueuedEvent, arn: str, which: str, record: dict[str, Any],
              body: str) -> None:
        # The deliveries (boto3 into moto) load with the first destination, not with the queue.
        from pytest_lambda.service import delivery as aws

        service = arn_service(arn)
        if service == "sqs":
            aws.send_sqs(arn, body)
        elif service == "sns":
            aws.publish_sns(arn, body)
        elif service == "events":
            outcome = "Success" if which == "OnSuccess" else "Failure"
            aws.put_event(arn, source="lambda",
                          detail_type=f"Lambda Function Invocation Result - {outcome}",
                          detail=body, resources=[arn, record["requestContext"]["functionArn"]])
        elif service == "s3":
            day = self.clock.iso()[:10].replace("-", "/")
            key = f"aws/lambda/async/{event.function.name}/{day}/{event.request_id}"
            aws.put_s3_object(arn, key, body, event.function.config.region)
        else:
            target = event.function.resolve_destination(arn)
            if target is None:
                raise ResourceNotFoundException(
                    f"Function not found: {arn}", advice="Create that LambdaFunction in the "
                    "same Account, or pass the LambdaFunction object as the destination.")
            parsed = Arn.parse(arn)
            target.invoke(record, invocation_type="Event",
                          qualifier=parsed.qualifier if parsed is not None else None)
            queue = target.account.queue
            if queue is not self and queue not in self._linked:
                self._linked.append(queue)


def _failure_config(event: QueuedEvent) -> FunctionConfig:
    """The configuration whose dead-letter queue and destinations an event's outcome goes to.

    A published version keeps the DLQ it was published with ("Dead-letter queue" is among the
    version-specific settings frozen by PublishVersion, AWS docs "Manage Lambda function
    versions", configuration-versions.html), and its asynchronous invocation settings belong to
    that version ("Configuring error handling for asynchronous invocation": per function,
    version or alias), so later changes on $LATEST do not reach it. ``$LATEST`` (and an alias
    resolving to it) follows the function's current configuration.
    """
    if event.target.version == LATEST_VERSION:
        return event.function.config
    return event.target.config


def _json_or_text(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode(errors="replace")


class AsyncMixin:
    """``LambdaFunction``'s view of its account's asynchronous queue.

    The queue belongs to the account (functions that share an ``Account`` share it), so it is
    run through the account: ``fn.account.drain()``, ``fn.account.advance(60)``,
    ``fn.account.clock``.
    """

    account: Account
    config: FunctionConfig

    @property
    def async_events(self) -> list[QueuedEvent]:
        """The asynchronous events sent to this function, oldest first."""
        return [e for e in self.account.queue.events if e.function is self]

    @property
    def deliveries(self) -> list[Delivery]:
        """Dead letters and destination records this function sent (or failed to send)."""
        return [d for d in self.account.queue.deliveries if d.function_name == self.config.name]

