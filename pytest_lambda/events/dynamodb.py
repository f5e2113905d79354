"""DynamoDB Streams records (INSERT / MODIFY / REMOVE) for every StreamViewType."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterable, Mapping
from typing import Any

from pytest_lambda.clock import iso_ms

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    bad,
    check_account,
    check_choice,
    check_region,
    digits,
    epoch_s,
    hex_id,
    now_or_utc,
    rng_or_new,
)
from ._dynamodb_types import marshal_image, stream_record_size
from ._validate import checked

__all__ = [
    "STREAM_VIEW_TYPES",
    "dynamodb_batch",
    "dynamodb_insert",
    "dynamodb_modify",
    "dynamodb_record",
    "dynamodb_remove",
]

STREAM_VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
EVENT_NAMES = ("INSERT", "MODIFY", "REMOVE")


def _check_table(table: str) -> str:
    if not 3 <= len(table) <= 255 or not all(c.isalnum() or c in "_-." for c in table):
        raise bad("table", table, "table names are 3-255 letters, digits, '_', '-' and '.'")
    return table


def _check_keys(keys: Mapping[str, Any]) -> dict[str, Any]:
    typed = marshal_image(keys, "keys")
    if not 1 <= len(typed) <= 2:
        raise bad("keys", dict(keys), "expected the partition key and optionally the sort key")
    for name, value in typed.items():
        if next(iter(value)) not in ("S", "N", "B"):
            raise bad(f"keys[{name!r}]", keys[name], "key attributes are str, number or bytes")
    return typed


def _with_keys(argument: str, keys: Mapping[str, Any], image: Mapping[str, Any]) -> dict[str, Any]:
    for name, value in keys.items():
        if name in image and image[name] != value:
            raise bad(argument, dict(image), f"its {name!r} differs from keys[{name!r}]={value!r}")
    return marshal_image({**keys, **image}, argument)


def _stream_arn(table: str, region: str, account_id: str, label: _dt.datetime) -> str:
    return arn("dynamodb", region, account_id, f"table/{table}/stream/{iso_ms(label)[:-1]}")


@checked
def dynamodb_record(
    event_name: str,
    keys: Mapping[str, Any],
    *,
    old_image: Mapping[str, Any] | None = None,
    new_image: Mapping[str, Any] | None = None,
    table: str = "my-table",
    stream_view_type: str = "NEW_AND_OLD_IMAGES",
    ttl: bool = False,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """One stream record; images hold plain Python values and are typed for you."""
    rng = rng_or_new(rng)
    now = now_or_utc(now)
    check_choice("event_name", event_name, EVENT_NAMES)
    check_choice("stream_view_type", stream_view_type, STREAM_VIEW_TYPES)
    check_region(region)
    check_account(account_id)
    _check_table(table)
    typed_keys = _check_keys(keys)
    if event_name == "INSERT" and old_image is not None:
        raise bad("old_image", old_image, "INSERT records have no old image")
    if event_name == "REMOVE" and new_image is not None:
        raise bad("new_image", new_image, "REMOVE records have no new image")
    if ttl and event_name != "REMOVE":
        raise bad("ttl", ttl, "only REMOVE records come from TTL expiry")
    change: dict[str, Any] = {
        "ApproximateCreationDateTime": epoch_s(now),
        "Keys": typed_keys,
    }
    if event_name != "REMOVE" and stream_view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        change["NewImage"] = _with_keys("new_image", keys, new_image or {})
    if event_name != "INSERT" and stream_view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        change["OldImage"] = _with_keys("old_image", keys, old_image or {})
    change["SequenceNumber"] = digits(rng, 21)
    change["SizeBytes"] = stream_record_size(change)
    change["StreamViewType"] = stream_view_type
    label = now - _dt.timedelta(days=rng.randrange(1, 400), milliseconds=rng.randrange(86_400_000))
    record: dict[str, Any] = {
        "eventID": hex_id(rng, 32),
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": change,
        "eventSourceARN": _stream_arn(table, region, account_id, label),
    }
    if ttl:
        record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    return {"Records": [record]}


@checked
def dynamodb_insert(
    keys: Mapping[str, Any], new_image: Mapping[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    """An INSERT record; *new_image* defaults to just the keys."""
    return dynamodb_record("INSERT", keys, new_image=new_image, **kwargs)


@checked
def dynamodb_modify(
    keys: Mapping[str, Any],
    old_image: Mapping[str, Any] | None = None,
    new_image: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """A MODIFY record with the item before (*old_image*) and after (*new_image*)."""
    return dynamodb_record("MODIFY", keys, old_image=old_image, new_image=new_image, **kwargs)


@checked
def dynamodb_remove(
    keys: Mapping[str, Any], old_image: Mapping[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    """A REMOVE record; ``ttl=True`` marks it as a TTL expiry by the DynamoDB service."""
    return dynamodb_record("REMOVE", keys, old_image=old_image, **kwargs)


@checked
def dynamodb_batch(
    changes: Iterable[Mapping[str, Any]],
    *,
    table: str = "my-table",
    stream_view_type: str = "NEW_AND_OLD_IMAGES",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """Several records from one stream; each change is a dict of :func:`dynamodb_record` args.

    Example item: ``{"event_name": "MODIFY", "keys": {"pk": "a"}, "new_image": {...}}``.
    """
    rng = rng_or_new(rng)
    end = now_or_utc(now)
    items = list(changes)
    records: list[dict[str, Any]] = []
    arn_label: str | None = None
    sequence = int(digits(rng, 21))
    for index, change in enumerate(items):
        options = dict(change)
        if not isinstance(options.get("event_name"), str) or "keys" not in options:
            raise bad(f"changes[{index}]", change, "each change needs 'event_name' and 'keys'")
        event = dynamodb_record(
            options.pop("event_name"),
            options.pop("keys"),
            table=table,
            stream_view_type=stream_view_type,
            region=region,
            account_id=account_id,
            rng=rng,
            # Changes happened before the batch was read: up to `now`, never after it.
            now=end - _dt.timedelta(seconds=(len(items) - 1 - index) // 5),
            **options,
        )
        record = event["Records"][0]
        arn_label = arn_label or record["eventSourceARN"]
        sequence += rng.randrange(1, 10**6)
        record["eventSourceARN"] = arn_label
        record["dynamodb"]["SequenceNumber"] = str(sequence)
        records.append(record)
    if not records:
        raise bad("changes", [], "expected at least one change")
    return {"Records": records}
