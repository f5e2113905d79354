"""Kinesis Data Firehose data-transformation invocations."""

from __future__ import annotations

import datetime as _dt
import gzip
import random
from collections.abc import Iterable
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
    epoch_ms,
    now_or_utc,
    rng_or_new,
    to_bytes,
    uuid4,
)
from ._validate import checked

__all__ = ["firehose_transformation"]

Data = str | bytes | dict[str, Any] | list[Any]


@checked
def firehose_transformation(
    records: Iterable[Data] = ("Hello from Firehose!",),
    *,
    delivery_stream: str = "my-delivery-stream",
    source_stream: str | None = None,
    compressed: bool = False,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A transformation batch; *source_stream* set means the stream is a Kinesis source.

    ``compressed=True`` gzips each record, as a CloudWatch Logs subscription to Firehose does.
    """
    rng = rng_or_new(rng)
    check_region(region)
    check_account(account_id)
    if not 1 <= len(delivery_stream) <= 64:
        raise bad("delivery_stream", delivery_stream, "delivery stream names are 1-64 characters")
    items = list(records)
    if not items:
        raise bad("records", items, "Firehose never invokes with an empty batch")
    end = epoch_ms(now_or_utc(now))
    event: dict[str, Any] = {
        "invocationId": uuid4(rng),
        "deliveryStreamArn": arn(
            "firehose", region, account_id, f"deliverystream/{delivery_stream}"
        ),
        "region": region,
    }
    if source_stream is not None:
        event["sourceKinesisStreamArn"] = arn(
            "kinesis", region, account_id, f"stream/{source_stream}"
        )
    out = []
    sequence = int("4959" + digits(rng, 52))
    for index, item in enumerate(items):
        arrived = end - (len(items) - index) * rng.randrange(1, 50)
        record: dict[str, Any] = {
            # Digits: the record's sequence number and a sub-sequence (aws-lambda-dotnet
            # kinesis-firehose-event.json, Powertools' and aws-lambda-go's fixtures).
            "recordId": f"{sequence + index}{index:06d}",
            "approximateArrivalTimestamp": arrived,
            "data": b64encode(_gzip(to_bytes(f"records[{index}]", item), compressed)),
        }
        if source_stream is not None:
            sequence += rng.randrange(1, 10**12)
            record["kinesisRecordMetadata"] = {
                "shardId": "shardId-000000000000",
                "partitionKey": uuid4(rng),
                "approximateArrivalTimestamp": arrived,
                "sequenceNumber": str(sequence),
                "subsequenceNumber": 0,
            }
        out.append(record)
    event["records"] = out
    return event


def _gzip(data: bytes, compressed: bool) -> bytes:
    return gzip.compress(data, mtime=0) if compressed else data
