"""The SQS poller: receive a batch, invoke, delete what succeeded, let the queue retry the rest.

Retries belong to the queue, as on Lambda: a failed message stays in flight for the queue's
visibility timeout, is received again afterwards, and moto's redrive policy moves it to the
dead-letter queue once its receive count passes ``maxReceiveCount`` (moto applies the redrive
on ``ReceiveMessage``, as SQS does). moto keeps visibility on the wall clock, so the poller
remembers when each failed message is due on the virtual clock and, once the clock has passed
that moment, makes it visible with ``ChangeMessageVisibility(VisibilityTimeout=0)``.

Draining a long queue: moto checks each message it returns against the queue's retention
period by building all of the queue's attributes, counting every message in the queue three
times, so a receive cost grew with the queue and a drain with its square (1,000 messages took
~24 s). Around its own receives the poller gives moto's backend an equivalent check that reads
the one attribute it needs (:func:`_linear_receives`), and reads moto's clock without building
datetimes (:func:`_quick_clock`); everything else moto decides as before.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pytest_lambda.arn import Arn
from pytest_lambda.errors import RecursiveInvocationException
from pytest_lambda.service import delivery, recursion
from pytest_lambda.sources.common import failed_items, invoke
from pytest_lambda.sources.mapping import EventSourceMapping

if TYPE_CHECKING:
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.result import InvokeResult

_SEQUENCE_BASE = 18849496460467696128
_ATTRIBUTE_ORDER = ("ApproximateReceiveCount", "SentTimestamp", "SenderId",
                    "ApproximateFirstReceiveTimestamp")


class SqsMapping(EventSourceMapping):
    """An event source mapping on an SQS queue (standard or FIFO) in moto."""

    source = "sqs"
    drain_advice = ("Give the queue a RedrivePolicy (maxReceiveCount) to a dead-letter queue, "
                    "or a shorter MessageRetentionPeriod")

    def __init__(self, fn: LambdaFunction, arn: str, params: dict[str, Any],
                 queue_url: str, visibility_timeout: int) -> None:
        super().__init__(fn, arn, params)
        self.sqs = self.client("sqs")
        self.queue_url = queue_url
        self.visibility_timeout = visibility_timeout
        #: (due on the mapping clock, receipt handle) of failed messages still in flight.
        self.in_flight: list[tuple[float, str]] = []
        #: Messages recursive loop detection stopped (never delivered to the function).
        self.dropped: list[dict[str, Any]] = []
        #: FIFO sequence numbers given to messages moto left without one (see _record).
        self._sequence: dict[str, str] = {}

    def _next_due(self) -> float | None:
        return min(due for due, _ in self.in_flight) if self.in_flight else None

    def _release(self) -> None:
        now = self.now()
        due = [handle for at, handle in self.in_flight if at <= now]
        self.in_flight = [(at, handle) for at, handle in self.in_flight if at > now]
        for handle in due:
            try:
                self.sqs.change_message_visibility(QueueUrl=self.queue_url,
                                                   ReceiptHandle=handle, VisibilityTimeout=0)
            except Exception:
                # Deleted or moved to the DLQ by someone else meanwhile: nothing to release.
                pass

    def _receive(self) -> list[dict[str, Any]]:
        with _linear_receives(self.event_source_arn, self.function.account.queue.clock.now):
            return self._receive_batch()

    def _receive_batch(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while len(messages) < self.batch_size:
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, self.batch_size - len(messages)),
                MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"])
            received = response.get("Messages", [])
            messages.extend(received)
            if not received:
                break
        return messages

    def _poll(self) -> list[InvokeResult]:
        self._release()
        filters = self.params.get("filter_criteria")
        while True:
            messages = self._receive()
            if not messages:
                return []
            records = [self._record(m) for m in messages]
            if not filters:
                break
            # Lambda deletes the messages no filter matches; the rest form the batch.
            keep = [filters.matches(r) for r in records]
            self._delete([m for m, k in zip(messages, keep, strict=True) if not k])
            messages = [m for m, k in zip(messages, keep, strict=True) if k]
            records = [r for r, k in zip(records, keep, strict=True) if k]
            if messages:
                break
        try:
            result = invoke(self.function, {"Records": records},
                            trace_header=_trace_header(messages, self.function.arn))
        except RecursiveInvocationException:
            self._drop_recursive(messages)
            return []
        failed = failed_items(result, [m["MessageId"] for m in messages],
                              self.report_failures)
        listed = {m["MessageId"] for m in messages} if failed is None else set(failed)
        done = [m for m in messages if m["MessageId"] not in listed]
        kept = [m for m in messages if m["MessageId"] in listed]
        self._delete(done)
        now = self.now()
        left = _visibility_left(self.event_source_arn, [m["ReceiptHandle"] for m in kept])
        for message in kept:
            handle = message["ReceiptHandle"]
            # When it is visible again: what is left of its visibility timeout, which the
            # handler may have changed (ChangeMessageVisibility: a longer backoff, or 0 for an
            # immediate retry; SQS API reference); the queue's timeout where moto cannot say.
            if left is None:
                self.in_flight.append((now + self.visibility_timeout, handle))
            elif handle in left:  # not deleted by the handler meanwhile
                # In whole seconds, as timeouts are given: the messages of one batch, received
                # a few microseconds apart, stay one batch when they come back.
                self.in_flight.append((now + max(round(left[handle]), 0), handle))
        return [result] if result is not None else []

    def _drop_recursive(self, messages: list[dict[str, Any]]) -> None:
        """Lambda's recursive loop detection stops the batch: the function does not run, the
        messages go to the queue's dead-letter queue when it has one, and leave the queue
        (the announcement "AWS Lambda detects recursive loops": Lambda "will stop the next
        invocation and sends the event to a Dead-Letter Queue ... if configured")."""
        dlq = _dead_letter_arn(self.sqs, self.queue_url)
        if dlq is not None:
            for message in messages:
                delivery.send_sqs(dlq, message["Body"])
        self.dropped.extend(messages)
        self._delete(messages)

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start:start + 10]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(chunk)])

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        raw = message.get("Attributes", {})
        if self.event_source_arn.endswith(".fifo") and "SequenceNumber" not in raw:
            # SQS numbers every FIFO message; moto only does when the sender gave a
            # deduplication id (not with ContentBasedDeduplication). A number is given the
            # first time a message is seen and kept for its retries, rising in receive order
            # (SQS's own are large and non-consecutive, e.g. 18849496460467696128).
            number = self._sequence.setdefault(
                message["MessageId"], str(_SEQUENCE_BASE + 100_000 * len(self._sequence)))
            raw = {**raw, "SequenceNumber": number}
        attributes = {k: str(raw[k]) for k in _ATTRIBUTE_ORDER if k in raw}
        attributes.update((k, str(v)) for k, v in raw.items() if k not in attributes)
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": attributes,
            "messageAttributes": {
                name: _message_attribute(value)
                for name, value in message.get("MessageAttributes", {}).items()},
            "md5OfBody": message["MD5OfBody"],
        }
        if message.get("MD5OfMessageAttributes"):
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        record.update({"eventSource": "aws:sqs", "eventSourceARN": self.event_source_arn,
                       "awsRegion": self.region})
        return record


def _trace_header(messages: list[dict[str, Any]], arn: str) -> str | None:
    """The trace a batch continues: the ``AWSTraceHeader`` that went furthest around a loop
    through this function (so one looping message in a batch cannot hide)."""
    headers = [m.get("Attributes", {}).get("AWSTraceHeader") for m in messages]
    traced = [h for h in headers if h]
    return max(traced, key=lambda h: recursion.chain_count(h, arn)) if traced else None


def _dead_letter_arn(sqs: Any, queue_url: str) -> str | None:
    """The queue's redrive dead-letter queue, if it has one."""
    import json

    attributes = sqs.get_queue_attributes(QueueUrl=queue_url,
                                          AttributeNames=["RedrivePolicy"]).get("Attributes", {})
    policy = attributes.get("RedrivePolicy")
    return json.loads(policy).get("deadLetterTargetArn") if policy else None


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """An SDK ``MessageAttributeValue`` in the lower-camel shape Lambda delivers."""
    out: dict[str, Any] = {}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    out["stringListValues"] = list(value.get("StringListValues", []))
    out["binaryListValues"] = [base64.b64encode(b).decode("ascii")
                               for b in value.get("BinaryListValues", [])]
    out["dataType"] = value["DataType"]
    return out


_CHECK = "is_message_valid_based_on_retention_period"


@contextmanager
def _linear_receives(arn: str, offset: float = 0.0) -> Iterator[None]:
    """Make moto's per-message retention check O(1) and virtual-clock aware for the receives
    made inside.

    moto's ``SQSBackend.is_message_valid_based_on_retention_period`` calls
    ``get_queue_attributes``, which computes every attribute, including three counts over all
    messages, for each message received. The replacement compares the same two numbers (the
    queue's ``MessageRetentionPeriod`` and the message's ``SentTimestamp``) on the mapping's
    clock: moto's plus the virtual clock's ``offset``, so a message retried once per visibility
    timeout leaves the queue when its retention period has passed in virtual time, as SQS
    deletes it (without this, a 60 s retention lasted 60 wall seconds of retries). It is set
    on the backend instance for the duration of the receive only, and nothing is replaced when
    moto is not the in-process mock or its backend looks different.
    """
    backend = _moto_backend(arn)
    original = getattr(type(backend), _CHECK, None) if backend is not None else None
    if backend is None or original is None or _CHECK in vars(backend):
        yield
        return
    from moto.core.utils import unix_time

    def check(queue_name: str, message: Any) -> bool:
        queue = backend.get_queue(queue_name)
        retention = getattr(queue, "message_retention_period", None)
        if retention is None:
            return bool(original(backend, queue_name, message))
        return bool(int(retention) + message.sent_timestamp / 1000 > unix_time() + offset)

    setattr(backend, _CHECK, check)
    try:
        with _quick_clock():
            yield
    finally:
        vars(backend).pop(_CHECK, None)


@contextmanager
def _quick_clock() -> Iterator[None]:
    """moto's SQS clock, read the quick way for the receives made inside.

    A receive asks every message in the queue whether it is visible and not delayed, and each
    answer reads the time through ``moto.core.utils.unix_time_millis``: two datetimes built and
    subtracted, ~7 µs, so a 1,000-message drain spent ~0.8 s reading the clock. The stand-in
    gives the same number (the current time in milliseconds; ``datetime.now`` rounds it to the
    microsecond, this does not) from ``time.time()``, which freezegun and time-machine fake as
    they fake ``datetime.now``. It is set only where moto's own function is (not someone else's
    patch) and only for the receive.
    """
    import sys
    import time

    from moto.core import utils

    models = sys.modules.get("moto.sqs.models")
    moto_clock = utils.unix_time_millis
    if models is None or getattr(models, "unix_time_millis", None) is not moto_clock:
        yield
        return

    def millis(dt: Any = None) -> float:
        if dt is not None:
            return float(moto_clock(dt))
        return time.time() * 1000.0

    setattr(models, "unix_time_millis", millis)  # noqa: B010 - a module another package owns
    try:
        yield
    finally:
        setattr(models, "unix_time_millis", moto_clock)  # noqa: B010


def _visibility_left(arn: str, handles: list[str]) -> dict[str, float] | None:
    """Seconds left of each message's visibility timeout, as moto keeps it (on the wall
    clock), by receipt handle; a handle whose message is gone (the handler deleted it) is left
    out; None where moto's state cannot be read."""
    backend = _moto_backend(arn)
    queue = None
    if backend is not None:
        try:
            queue = backend.get_queue(Arn.parse(arn).resource)  # type: ignore[union-attr]
        except Exception:
            queue = None
    messages = getattr(queue, "_messages", None)
    if messages is None:
        return None
    from moto.core.utils import unix_time_millis

    now = unix_time_millis()
    wanted = set(handles)
    left: dict[str, float] = {}
    for message in list(messages):
        handle = getattr(message, "receipt_handle", None)
        if handle in wanted:
            left[handle] = (float(getattr(message, "visible_at", 0.0)) - now) / 1000
    return left


def _moto_backend(arn: str) -> Any:
    """moto's SQS backend holding the queue ``arn`` in this process, or None."""
    import sys

    if "moto.sqs.models" not in sys.modules:
        return None  # moto is not loaded here: the queue lives elsewhere (a moto server)
    from moto.sqs.models import sqs_backends

    parsed = Arn.parse(arn)
    if parsed is None:
        return None
    try:
        return sqs_backends[parsed.account][parsed.region]
    except Exception:
        return None
