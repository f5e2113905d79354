"""Kinesis Data Streams for DynamoDB: table changes as Kinesis records.

Shape: DynamoDB developer guide, "Using Kinesis Data Streams to capture changes to DynamoDB"
(kds.html): each Kinesis record's data is JSON with ``awsRegion``, ``eventID`` (a UUID),
``eventName``, ``userIdentity`` (null, or the DynamoDB service for TTL deletes),
``recordFormat`` "application/json", ``tableName``, ``dynamodb`` {ApproximateCreationDateTime,
Keys, NewImage, OldImage, SizeBytes} and ``eventSource`` "aws:dynamodb". There is no stream view
type: both images travel when they exist. ``ApproximateCreationDateTime`` is epoch microseconds
or milliseconds (the table's ApproximateCreationDateTimePrecision, DynamoDB API reference,
EnableKinesisStreamingConfiguration). The envelope is an ordinary Kinesis event
(:func:`~pytest_lambda.events.kinesis_batch`).
"""

from __future__ import annotations

import datetime as _dt
import json
import random
from collections.abc import Iterable, Mapping
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    bad,
    check_choice,
    hex_id,
    now_or_utc,
    rng_or_new,
    uuid4,
)
from ._dynamodb_types import stream_record_size
from ._validate import checked
from .dynamodb import EVENT_NAMES, _check_keys, _check_table, _with_keys
from .kinesis import kinesis_batch

__all__ = ["kinesis_dynamodb_batch", "kinesis_dynamodb_record"]

PRECISIONS = ("MICROSECOND", "MILLISECOND")


def _change(
    index: int, options: dict[str, Any], table: str, region: str, stamp: int, rng: random.Random
) -> tuple[dict[str, Any], str]:
    where = f"changes[{index}]"
    name = options.pop("event_name", None)
    if not isinstance(name, str) or "keys" not in options:
        raise bad(where, options, "each change needs 'event_name' and 'keys'")
    check_choice(f"{where}['event_name']", name, EVENT_NAMES)
    keys = options.pop("keys")
    old_image = options.pop("old_image", None)
    new_image = options.pop("new_image", None)
    ttl = options.pop("ttl", False)
    if options:
        raise bad(
            where, sorted(options), "allowed keys: event_name, keys, old_image, new_image, ttl"
        )
    if name == "INSERT" and old_image is not None:
        raise bad(f"{where}['old_image']", old_image, "INSERT records have no old image")
    if name == "REMOVE" and new_image is not None:
        raise bad(f"{where}['new_image']", new_image, "REMOVE records have no new image")
    if ttl and name != "REMOVE":
        raise bad(f"{where}['ttl']", ttl, "only REMOVE records come from TTL expiry")
    typed = _check_keys(keys)
    change: dict[str, Any] = {"ApproximateCreationDateTime": stamp, "Keys": typed}
    if name != "REMOVE":
        change["NewImage"] = _with_keys(f"{where}['new_image']", keys, new_image or {})
    if name != "INSERT":
        change["OldImage"] = _with_keys(f"{where}['old_image']", keys, old_image or {})
    change["SizeBytes"] = stream_record_size(change)
    data = {
        "awsRegion": region,
        "eventID": uuid4(rng),
        "eventName": name,
        "userIdentity": (
            {"type": "Service", "principalId": "dynamodb.amazonaws.com"} if ttl else None
        ),
        "recordFormat": "application/json",
        "tableName": table,
        "dynamodb": change,
        "eventSource": "aws:dynamodb",
    }
    return data, json.dumps(typed, sort_keys=True)


@checked
def kinesis_dynamodb_batch(
    changes: Iterable[Mapping[str, Any]],
    *,
    table: str = "my-table",
    stream: str = "my-table-changes",
    precision: str = "MICROSECOND",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A Kinesis batch of DynamoDB changes; each change is a dict like for ``dynamodb_batch``.

    Example item: ``{"event_name": "MODIFY", "keys": {"pk": "a"}, "old_image": {...},
    "new_image": {...}}`` (``ttl: True`` marks a REMOVE as a TTL expiry).
    """
    rng = rng_or_new(rng)
    end = now_or_utc(now)
    _check_table(table)
    check_choice("precision", precision, PRECISIONS)
    items = [dict(c) for c in changes]
    if not items:
        raise bad("changes", [], "expected at least one change")
    records = []
    hashes: dict[str, str] = {}
    # Each change is written before its Kinesis record arrives (kinesis_batch spaces arrivals
    # under 200 ms apart before `end`), and in order.
    written = end - _dt.timedelta(milliseconds=250 * len(items) + rng.randrange(1, 50))
    for index, options in enumerate(items):
        written += _dt.timedelta(milliseconds=rng.randrange(0, 50))
        micros = int(written.timestamp()) * 1_000_000 + written.microsecond
        stamp = micros if precision == "MICROSECOND" else micros // 1000
        data, key_text = _change(index, options, table, region, stamp, rng)
        # DynamoDB uses a hash of the item's key as the partition key, so one item's changes
        # stay in order on one shard.
        hashes.setdefault(key_text, hex_id(rng, 32, upper=True))
        records.append((data, hashes[key_text]))
    event = kinesis_batch(
        [data for data, _ in records],
        stream=stream,
        region=region,
        account_id=account_id,
        rng=rng,
        now=end,
    )
    for record, (_, partition_key) in zip(event["Records"], records, strict=True):
        record["kinesis"]["partitionKey"] = partition_key
    return event


@checked
def kinesis_dynamodb_record(
    event_name: str = "INSERT",
    keys: Mapping[str, Any] | None = None,
    *,
    old_image: Mapping[str, Any] | None = None,
    new_image: Mapping[str, Any] | None = None,
    ttl: bool = False,
    **kwargs: Any,
) -> dict[str, Any]:
    """One DynamoDB change in a Kinesis batch; keyword arguments as for the batch."""
    # Checked here too, so the error names this function's arguments rather than changes[0].
    check_choice("event_name", event_name, EVENT_NAMES)
    if event_name == "INSERT" and old_image is not None:
        raise bad("old_image", old_image, "INSERT records have no old image")
    if event_name == "REMOVE" and new_image is not None:
        raise bad("new_image", new_image, "REMOVE records have no new image")
    if ttl and event_name != "REMOVE":
        raise bad("ttl", ttl, "only REMOVE records come from TTL expiry")
    change: dict[str, Any] = {"event_name": event_name, "keys": keys or {"pk": "item-1"}}
    if old_image is not None:
        change["old_image"] = old_image
    if new_image is not None:
        change["new_image"] = new_image
    if ttl:
        change["ttl"] = True
    return kinesis_dynamodb_batch([change], **kwargs)
