"""CloudWatch Logs subscription-filter deliveries (``awslogs.data`` = base64(gzip(JSON)))."""

from __future__ import annotations

import base64
import datetime as _dt
import gzip
import json
import random
from collections.abc import Iterable, Mapping
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    b64encode,
    bad,
    check_account,
    check_region,
    digits,
    epoch_ms,
    hex_id,
    now_or_utc,
    rng_or_new,
)
from ._validate import checked

__all__ = ["cloudwatch_logs", "cloudwatch_logs_payload", "decode_cloudwatch_logs"]

LogEvent = str | Mapping[str, Any]


@checked
def cloudwatch_logs_payload(
    messages: Iterable[LogEvent] = ("Hello from CloudWatch Logs!",),
    *,
    log_group: str = "/aws/lambda/my-function",
    log_stream: str | None = None,
    filter_name: str = "my-subscription-filter",
    control_message: bool = False,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The decoded document: items are messages or ``{"message", "timestamp"?}`` dicts."""
    rng = rng_or_new(rng)
    now = now_or_utc(now)
    check_account(account_id)
    if not 1 <= len(log_group) <= 512 or not all(c.isalnum() or c in "_-/.#" for c in log_group):
        raise bad("log_group", log_group, "log group names are 1-512 of [A-Za-z0-9_-/.#]")
    if log_stream is None:
        log_stream = f"{now:%Y/%m/%d}/[$LATEST]{hex_id(rng, 32)}"
    if control_message:
        events = [
            {
                "id": "",
                "timestamp": epoch_ms(now),
                "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose.",
            }
        ]
        return {
            "messageType": "CONTROL_MESSAGE",
            "owner": "CloudwatchLogs",
            "logGroup": "",
            "logStream": "",
            "subscriptionFilters": [],
            "logEvents": events,
        }
    items = list(messages)
    if not items:
        raise bad("messages", items, "a subscription delivery holds at least one log event")
    base = epoch_ms(now) - 10 * len(items)
    log_events = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            message, stamp = item, base + index * 10
        elif isinstance(item, Mapping) and isinstance(item.get("message"), str):
            message, stamp = item["message"], item.get("timestamp", base + index * 10)
            if isinstance(stamp, _dt.datetime):
                stamp = epoch_ms(stamp)
            if isinstance(stamp, bool) or not isinstance(stamp, int) or stamp < 0:
                raise bad(f"messages[{index}]['timestamp']", stamp, "epoch milliseconds >= 0")
        else:
            raise bad(f"messages[{index}]", item, "expected a str or {'message': str, ...}")
        log_events.append({"id": digits(rng, 56), "timestamp": stamp, "message": message})
    return {
        "messageType": "DATA_MESSAGE",
        "owner": account_id,
        "logGroup": log_group,
        "logStream": log_stream,
        "subscriptionFilters": [filter_name],
        "logEvents": log_events,
    }


@checked
def cloudwatch_logs(
    messages: Iterable[LogEvent] = ("Hello from CloudWatch Logs!",),
    *,
    region: str = DEFAULT_REGION,
    **kwargs: Any,
) -> dict[str, Any]:
    """A subscription-filter event for Lambda; arguments as for :func:`cloudwatch_logs_payload`."""
    check_region(region)
    document = cloudwatch_logs_payload(messages, **kwargs)
    raw = json.dumps(document, separators=(",", ":")).encode("utf-8")
    return {"awslogs": {"data": b64encode(gzip.compress(raw, mtime=0))}}


@checked
def decode_cloudwatch_logs(event: Mapping[str, Any]) -> dict[str, Any]:
    """Decode ``awslogs.data`` back into the log document."""
    try:
        data = event["awslogs"]["data"]
        decoded: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(data)))
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise bad(
            "event", event, f"expected {{'awslogs': {{'data': base64 gzip}}}} ({exc})"
        ) from None
    return decoded
