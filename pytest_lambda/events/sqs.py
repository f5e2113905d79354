"""SQS messages delivered by an event source mapping (standard and FIFO queues)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import random
from collections.abc import Iterable, Mapping
from typing import Any

from ._attributes import sqs_attributes_md5, sqs_message_attributes
from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    b64_token,
    bad,
    body_text,
    check_account,
    check_region,
    digits,
    epoch_ms,
    now_or_utc,
    rng_or_new,
    upper_token,
    uuid4,
)
from ._validate import checked

__all__ = ["sqs_batch", "sqs_message"]

MAX_BODY_BYTES = 1024 * 1024
Body = str | bytes | dict[str, Any] | list[Any]


def _queue_name(queue: str | None, fifo: bool) -> str:
    if queue is None:
        return "my-queue.fifo" if fifo else "my-queue"
    stem = queue.removesuffix(".fifo")
    if not 1 <= len(queue) <= 80 or not all(c.isalnum() or c in "-_" for c in stem):
        raise bad("queue", queue, "queue names are 1-80 letters, digits, '-' and '_'")
    if fifo != queue.endswith(".fifo"):
        raise bad("queue", queue, "FIFO queue names end in '.fifo' and only FIFO queue names do")
    return queue


def _record(
    rng: random.Random,
    sent: _dt.datetime,
    first_receive: _dt.datetime,
    body: Body,
    *,
    queue_arn: str,
    region: str,
    fifo: bool,
    message_group_id: str | None,
    message_deduplication_id: str | None,
    message_attributes: Mapping[str, Any] | None,
    receive_count: int,
    trace_header: str | None,
    sequence: int,
) -> dict[str, Any]:
    text = body_text("body", body)
    if text is None:
        raise bad("body", body, "SQS message bodies are strings, never null")
    data = text.encode("utf-8")
    if not 1 <= len(data) <= MAX_BODY_BYTES:
        raise bad("body", text[:40], "SQS bodies are 1 byte to 1 MiB of UTF-8")
    if isinstance(receive_count, bool) or not isinstance(receive_count, int) or receive_count < 1:
        raise bad("receive_count", receive_count, "expected an integer >= 1")
    attributes: dict[str, str] = {
        "ApproximateReceiveCount": str(receive_count),
        "SentTimestamp": str(epoch_ms(sent)),
        "SenderId": "AIDA" + upper_token(rng, 17),
        "ApproximateFirstReceiveTimestamp": str(epoch_ms(first_receive)),
    }
    if trace_header is not None:
        attributes["AWSTraceHeader"] = trace_header
    if fifo:
        if not message_group_id:
            raise bad("message_group_id", message_group_id, "FIFO messages need a group id")
        attributes["SequenceNumber"] = str(sequence)
        attributes["MessageGroupId"] = message_group_id
        attributes["MessageDeduplicationId"] = (
            message_deduplication_id or hashlib.sha256(data).hexdigest()
        )
    elif message_group_id is not None or message_deduplication_id is not None:
        raise bad(
            "message_group_id",
            message_group_id,
            "group and deduplication ids exist only on FIFO queues (pass fifo=True)",
        )
    typed = sqs_message_attributes(message_attributes)
    record: dict[str, Any] = {
        "messageId": uuid4(rng),
        "receiptHandle": "AQEB" + b64_token(rng, 150).rstrip("="),
        "body": text,
        "attributes": attributes,
        "messageAttributes": typed,
        "md5OfBody": hashlib.md5(data, usedforsecurity=False).hexdigest(),
    }
    if typed:
        record["md5OfMessageAttributes"] = sqs_attributes_md5(typed)
    record.update({"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region})
    return record


@checked
def sqs_batch(
    bodies: Iterable[Body],
    *,
    queue: str | None = None,
    fifo: bool = False,
    message_group_id: str | None = None,
    message_deduplication_id: str | None = None,
    message_attributes: Mapping[str, Any] | None = None,
    receive_count: int = 1,
    trace_header: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A batch of SQS records, one per body (str, bytes, or dict/list sent as JSON)."""
    rng = rng_or_new(rng)
    start = now_or_utc(now)
    name = _queue_name(queue, fifo)
    queue_arn = arn("sqs", check_region(region), check_account(account_id), name)
    if fifo and message_group_id is None:
        message_group_id = "default"
    items = list(bodies)
    # Messages were sent one after another and first received no later than delivery (`now`):
    # SentTimestamp rises in batch order and FIFO SequenceNumber rises within the group (SQS
    # developer guide, "FIFO queue logic": messages are delivered in the order sent, and
    # SequenceNumber "is unique ... and increases" for each message in a group).
    last_sent = start - _dt.timedelta(milliseconds=rng.randrange(20, 2000))
    gaps = [rng.randrange(1, 200) for _ in items]
    sequence = int(digits(rng, 20))
    records = []
    for index, body in enumerate(items):
        sent = last_sent - _dt.timedelta(milliseconds=sum(gaps[index + 1 :]))
        wait_ms = int((start - sent).total_seconds() * 1000)
        first_receive = sent + _dt.timedelta(milliseconds=rng.randrange(0, max(1, wait_ms)))
        sequence += rng.randrange(1, 10**6)
        records.append(
            _record(
                rng,
                sent,
                first_receive,
                body,
                queue_arn=queue_arn,
                region=region,
                fifo=fifo,
                message_group_id=message_group_id,
                message_deduplication_id=message_deduplication_id,
                message_attributes=message_attributes,
                receive_count=receive_count,
                trace_header=trace_header,
                sequence=sequence,
            )
        )
    limit = 10 if fifo else 10_000
    if not 1 <= len(records) <= limit:
        raise bad(
            "bodies", len(records), f"a {'FIFO ' if fifo else ''}batch holds 1-{limit} messages"
        )
    return {"Records": records}


@checked
def sqs_message(body: Body = "Hello from SQS!", **kwargs: Any) -> dict[str, Any]:
    """One SQS message in a ``Records`` list; keyword arguments as for :func:`sqs_batch`."""
    return sqs_batch([body], **kwargs)
