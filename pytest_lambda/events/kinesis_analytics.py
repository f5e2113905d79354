"""Kinesis Data Analytics (SQL applications) input-preprocessing Lambda events.

Shape: Kinesis Data Analytics SQL developer guide, "Preprocessing data using a Lambda function"
(the event input data model for a Kinesis stream or a Firehose delivery stream source).
"""

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
    check_choice,
    check_region,
    digits,
    epoch_ms,
    now_or_utc,
    rng_or_new,
    to_bytes,
    uuid4,
)
from ._validate import checked

__all__ = ["kinesis_analytics_preprocessing"]

Data = str | bytes | dict[str, Any] | list[Any]


@checked
def kinesis_analytics_preprocessing(
    records: Iterable[Data] = ('{"ticker": "AMZN", "price": 190.5}',),
    *,
    source: str = "stream",
    application: str = "my-application",
    stream: str = "my-stream",
    compressed: bool = False,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """Records for the preprocessor; *source* "stream" or "firehose"; *compressed* gzips data."""
    rng = rng_or_new(rng)
    check_choice("source", source, ("stream", "firehose"))
    check_region(region)
    check_account(account_id)
    items = list(records)
    if not items:
        raise bad("records", items, "the preprocessor is never invoked with no records")
    end = epoch_ms(now_or_utc(now))
    event: dict[str, Any] = {
        "invocationId": uuid4(rng),
        "applicationArn": arn("kinesisanalytics", region, account_id, f"application/{application}"),
    }
    if source == "stream":
        event["streamArn"] = arn("kinesis", region, account_id, f"stream/{stream}")
    else:
        # The delivery stream's ARN under "streamArn" too (aws-lambda-dotnet's and
        # aws-lambda-java-libs' firehose input preprocessing events and event classes).
        event["streamArn"] = arn("firehose", region, account_id, f"deliverystream/{stream}")
    sequence = int("4957" + digits(rng, 52))
    out = []
    for index, item in enumerate(items):
        data = to_bytes(f"records[{index}]", item)
        sequence += rng.randrange(1, 10**12)
        arrived = end - (len(items) - index) * rng.randrange(1, 500)
        record: dict[str, Any] = {"recordId": str(sequence)}
        if source == "stream":
            record["kinesisStreamRecordMetadata"] = {
                "shardId": "shardId-000000000000",
                "partitionKey": uuid4(rng),
                "approximateArrivalTimestamp": arrived,
                "sequenceNumber": str(sequence),
            }
        else:
            record["kinesisFirehoseRecordMetadata"] = {"approximateArrivalTimestamp": arrived}
        record["data"] = b64encode(gzip.compress(data, mtime=0) if compressed else data)
        out.append(record)
    event["records"] = out
    return event
