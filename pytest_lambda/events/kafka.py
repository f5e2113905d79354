"""Amazon MSK and self-managed Apache Kafka event source mapping batches."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterable, Mapping, Sequence
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
    epoch_ms,
    now_or_utc,
    rng_or_new,
    to_bytes,
    token,
    uuid4,
)
from ._validate import checked

__all__ = ["kafka_event"]

Data = str | bytes | dict[str, Any] | list[Any]


@checked
def kafka_event(
    values: Iterable[Data] = ("Hello from Kafka!",),
    *,
    topic: str = "my-topic",
    partition: int = 0,
    key: str | bytes | None = None,
    headers: Mapping[str, str | bytes] | None = None,
    source: str = "msk",
    bootstrap_servers: Sequence[str] | None = None,
    cluster: str = "my-cluster",
    timestamp_type: str = "CREATE_TIME",
    start_offset: int = 0,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A batch of records from one topic-partition; *source* is "msk" or "self-managed"."""
    rng = rng_or_new(rng)
    check_choice("source", source, ("msk", "self-managed"))
    check_choice("timestamp_type", timestamp_type, ("CREATE_TIME", "LOG_APPEND_TIME"))
    check_region(region)
    check_account(account_id)
    if not topic or len(topic) > 249 or not all(c.isalnum() or c in "._-" for c in topic):
        raise bad("topic", topic, "topic names are 1-249 letters, digits, '.', '_' and '-'")
    if isinstance(partition, bool) or not isinstance(partition, int) or partition < 0:
        raise bad("partition", partition, "expected an integer >= 0")
    if isinstance(start_offset, bool) or not isinstance(start_offset, int) or start_offset < 0:
        raise bad("start_offset", start_offset, "expected an integer >= 0")
    header_list = [
        {name: list(to_bytes(f"headers[{name!r}]", value))}
        for name, value in (headers or {}).items()
    ]
    items = list(values)
    if not items:
        raise bad("values", items, "Lambda never invokes with an empty batch")
    end = epoch_ms(now_or_utc(now))
    # Later offsets of a partition were written later: timestamps rise with the offset.
    stamps = []
    stamp = end
    for _ in items:
        stamp -= rng.randrange(1, 100)
        stamps.append(stamp)
    stamps.reverse()
    records = []
    for index, value in enumerate(items):
        record: dict[str, Any] = {
            "topic": topic,
            "partition": partition,
            "offset": start_offset + index,
            "timestamp": stamps[index],
            "timestampType": timestamp_type,
        }
        if key is not None:
            record["key"] = b64encode(to_bytes("key", key))
        record["value"] = b64encode(to_bytes(f"values[{index}]", value))
        record["headers"] = [dict(h) for h in header_list]
        records.append(record)
    if source == "msk":
        suffix = token(rng, 6, "abcdefghijklmnopqrstuvwxyz0123456789")
        servers = bootstrap_servers or [
            f"b-{n}.{cluster}.{suffix}.c2.kafka.{region}.amazonaws.com:9098" for n in (1, 2)
        ]
        event: dict[str, Any] = {
            "eventSource": "aws:kafka",
            "eventSourceArn": arn("kafka", region, account_id, f"cluster/{cluster}/{uuid4(rng)}-2"),
        }
    else:
        servers = bootstrap_servers or ["kafka-1.example.com:9092", "kafka-2.example.com:9092"]
        event = {"eventSource": "SelfManagedKafka"}
    if isinstance(servers, str):
        raise bad("bootstrap_servers", servers, "expected a list of 'host:port' strings")
    event["bootstrapServers"] = ",".join(servers)
    event["records"] = {f"{topic}-{partition}": records}
    return event
