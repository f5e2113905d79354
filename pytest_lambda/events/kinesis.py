"""Kinesis Data Streams records delivered by an event source mapping."""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import random
from collections.abc import Iterable, Mapping
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    b64encode,
    bad,
    check_account,
    check_region,
    digits,
    now_or_utc,
    rng_or_new,
    to_bytes,
    uuid4,
)
from ._validate import checked

__all__ = ["decode_kinesis_data", "decode_kinesis_json", "kinesis_batch", "kinesis_record"]

MAX_RECORD_BYTES = 1024 * 1024
Data = str | bytes | dict[str, Any] | list[Any]


def _check_shard(shard_id: str) -> str:
    number = shard_id.removeprefix("shardId-")
    if number == shard_id or len(number) != 12 or not number.isdigit():
        raise bad("shard_id", shard_id, "expected 'shardId-' followed by 12 digits")
    return shard_id


@checked
def kinesis_batch(
    records: Iterable[Data],
    *,
    stream: str = "my-stream",
    partition_key: str | None = None,
    shard_id: str = "shardId-000000000000",
    role: str = "lambda-role",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A batch of Kinesis records from one shard; each item is str, bytes, or JSON dict/list."""
    rng = rng_or_new(rng)
    check_region(region)
    check_account(account_id)
    _check_shard(shard_id)
    if not 1 <= len(stream) <= 128 or not all(c.isalnum() or c in "-_." for c in stream):
        raise bad("stream", stream, "stream names are 1-128 letters, digits, '-', '_' and '.'")
    if partition_key is not None and not 1 <= len(partition_key) <= 256:
        raise bad("partition_key", partition_key, "partition keys are 1-256 characters")
    items = list(records)
    if not 1 <= len(items) <= 10_000:
        raise bad("records", len(items), "a Kinesis batch holds 1-10000 records")
    source_arn = arn("kinesis", region, account_id, f"stream/{stream}")
    identity = f"arn:aws:iam::{account_id}:role/{role}"
    sequence = int("4959" + digits(rng, 52))
    end = now_or_utc(now).timestamp()
    out = []
    for index, item in enumerate(items):
        payload = to_bytes(f"records[{index}]", item)
        if len(payload) > MAX_RECORD_BYTES:
            raise bad(f"records[{index}]", f"<{len(payload)} bytes>", "records are at most 1 MiB")
        sequence += rng.randrange(1, 10**12)
        arrived = end - (len(items) - index) * rng.randrange(1, 200) / 1000
        out.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": partition_key if partition_key is not None else uuid4(rng),
                    "sequenceNumber": str(sequence),
                    "data": b64encode(payload),
                    "approximateArrivalTimestamp": round(arrived, 3),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{shard_id}:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": identity,
                "awsRegion": region,
                "eventSourceARN": source_arn,
            }
        )
    return {"Records": out}


@checked
def kinesis_record(data: Data = "Hello from Kinesis!", **kwargs: Any) -> dict[str, Any]:
    """A one-record Kinesis batch; keyword arguments as for :func:`kinesis_batch`."""
    return kinesis_batch([data], **kwargs)


@checked
def decode_kinesis_data(record: Mapping[str, Any]) -> bytes:
    """The raw bytes of a Kinesis record (accepts a ``Records[]`` item or its ``kinesis`` part)."""
    payload = record.get("kinesis", record)
    try:
        return base64.b64decode(payload["data"], validate=True)
    except (KeyError, TypeError, binascii.Error) as exc:
        raise bad(
            "record", record, f"expected a Kinesis record with base64 'data' ({exc})"
        ) from None


@checked
def decode_kinesis_json(record: Mapping[str, Any]) -> Any:
    """A Kinesis record's data parsed as UTF-8 JSON."""
    return json.loads(decode_kinesis_data(record).decode("utf-8"))
