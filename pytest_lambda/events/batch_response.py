"""Partial batch responses (``batchItemFailures``) for SQS, Kinesis and DynamoDB handlers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._common import bad
from ._validate import checked

__all__ = ["item_identifier", "partial_batch_response"]


@checked
def item_identifier(record: Mapping[str, Any] | str) -> str:
    """The id Lambda expects for a record: SQS messageId, Kinesis/DynamoDB sequence number."""
    if isinstance(record, str):
        return record
    source = record.get("eventSource") if isinstance(record, Mapping) else None
    if source == "aws:sqs":
        return str(record["messageId"])
    if source == "aws:kinesis":
        return str(record["kinesis"]["sequenceNumber"])
    if source == "aws:dynamodb":
        return str(record["dynamodb"]["SequenceNumber"])
    raise bad("record", record, "expected an SQS, Kinesis or DynamoDB record, or an id string")


@checked
def partial_batch_response(failures: Iterable[Mapping[str, Any] | str] = ()) -> dict[str, Any]:
    """``{"batchItemFailures": [{"itemIdentifier": ...}]}`` for the failed records (or ids)."""
    return {"batchItemFailures": [{"itemIdentifier": item_identifier(r)} for r in failures]}
