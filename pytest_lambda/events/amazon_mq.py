"""Amazon MQ event source mappings: ActiveMQ and RabbitMQ brokers.

Shape: Lambda developer guide, "Using Lambda with Amazon MQ" (with-mq.html, example ActiveMQ and
RabbitMQ events; aws-lambda-go events/testdata/activemq-event.json): ActiveMQ batches are
``messages`` with JMS fields (``messageID``, ``correlationID``, epoch-ms ``timestamp``,
``brokerInTime`` <= ``brokerOutTime``) and source ``aws:mq``; RabbitMQ batches are grouped by
``"<queue>::<virtual host>"`` under ``rmqMessagesByQueue`` with AMQP ``basicProperties`` (string
headers as ``{"bytes": [...]}``), source ``aws:rmq``. Bodies are base64 in ``data``.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterable, Mapping
from typing import Any

from pytest_lambda.arn import Arn

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    b64encode,
    bad,
    check_account,
    check_region,
    epoch_ms,
    now_or_utc,
    rng_or_new,
    to_bytes,
    upper_token,
    uuid4,
)
from ._validate import checked

__all__ = ["activemq_event", "rabbitmq_event"]

Data = str | bytes | dict[str, Any] | list[Any]
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _broker_arn(broker: str, region: str, account_id: str, rng: random.Random) -> str:
    if not 1 <= len(broker) <= 50 or not all(c.isalnum() or c in "-_" for c in broker):
        raise bad("broker", broker, "broker names are 1-50 letters, digits, '-' and '_'")
    return arn("mq", region, account_id, f"broker:{broker}:b-{uuid4(rng)}")


def _bodies(messages: Iterable[Data]) -> list[bytes]:
    items = [to_bytes(f"messages[{i}]", m) for i, m in enumerate(messages)]
    if not 1 <= len(items) <= 10_000:
        raise bad("messages", len(items), "a broker batch holds 1-10000 messages")
    return items


@checked
def activemq_event(
    messages: Iterable[Data] = ("Hello from ActiveMQ!",),
    *,
    queue: str = "my-queue",
    broker: str = "my-broker",
    properties: Mapping[str, str] | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A batch of ActiveMQ messages from *queue*; each is str, bytes, or a JSON dict/list."""
    rng = rng_or_new(rng)
    end = epoch_ms(now_or_utc(now))
    check_region(region)
    check_account(account_id)
    broker_arn = _broker_arn(broker, region, account_id, rng)
    if not queue:
        raise bad("queue", queue, "expected a queue name")
    for name, value in (properties or {}).items():
        if not isinstance(value, str):
            raise bad(f"properties[{name!r}]", value, "JMS properties arrive as strings")
    bodies = _bodies(messages)
    broker_id = Arn.require(broker_arn).name
    connection = f"ID:{broker_id}-1.mq.{region}.amazonaws.com-{rng.randrange(30000, 60000)}"
    session = f"{connection}-{end - rng.randrange(10**6, 10**8)}-1:1"
    out = []
    for index, body in enumerate(bodies):
        # Sent in order, handed to Lambda by the broker just before the invocation.
        sent = end - (len(bodies) - index) * rng.randrange(1, 50) - rng.randrange(2, 20)
        text = body.decode("utf-8", "replace").encode("utf-8") == body
        out.append(
            {
                "messageID": f"{session}:1:1:{index + 1}",
                "messageType": "jms/text-message" if text else "jms/bytes-message",
                "deliveryMode": 2,
                # Unset JMS headers as a real broker's event carries them (aws-lambda-go
                # testdata activemq-event.json, aws-lambda-rust-runtime's copy): empty strings,
                # and replyTo the string "null".
                "replyTo": "null",
                "type": "",
                "expiration": 0,
                "priority": 4,
                "correlationID": "",
                "redelivered": False,
                "destination": {"physicalName": queue},
                "data": b64encode(body),
                "timestamp": sent,
                "brokerInTime": sent,
                "brokerOutTime": sent + rng.randrange(1, 3),
                "properties": dict(properties) if properties else None,
            }
        )
    return {
        "eventSource": "aws:mq",
        "eventSourceArn": broker_arn,
        "messages": out,
    }


def _amqp_timestamp(t: _dt.datetime) -> str:
    # The example event's format: "Jan 1, 1970, 12:33:41 AM" (12-hour clock, UTC).
    hour = t.hour % 12 or 12
    half = "AM" if t.hour < 12 else "PM"
    return f"{_MONTHS[t.month - 1]} {t.day}, {t.year}, {hour}:{t.minute:02d}:{t.second:02d} {half}"


def _amqp_header(name: str, value: Any) -> Any:
    if isinstance(value, str):
        return {"bytes": list(value.encode("utf-8"))}
    if isinstance(value, int | float):  # bool is an int
        return value
    raise bad(f"headers[{name!r}]", value, "AMQP headers here are str, int, float or bool")


@checked
def rabbitmq_event(
    messages: Iterable[Data] = ("Hello from RabbitMQ!",),
    *,
    queue: str = "my-queue",
    virtual_host: str = "/",
    broker: str = "my-broker",
    headers: Mapping[str, Any] | None = None,
    content_type: str = "text/plain",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A batch of RabbitMQ messages from *queue* on *virtual_host*."""
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    check_region(region)
    check_account(account_id)
    broker_arn = _broker_arn(broker, region, account_id, rng)
    if not queue or "::" in queue:
        raise bad("queue", queue, "expected a queue name without '::'")
    typed = {name: _amqp_header(name, value) for name, value in (headers or {}).items()}
    user = "AIDA" + upper_token(rng, 17)
    out = []
    bodies = _bodies(messages)
    for index, body in enumerate(bodies):
        sent = when - _dt.timedelta(seconds=len(bodies) - index)
        out.append(
            {
                "basicProperties": {
                    "contentType": content_type,
                    "contentEncoding": None,
                    "headers": dict(typed),
                    "deliveryMode": 1,
                    "priority": 0,
                    "correlationId": None,
                    "replyTo": None,
                    "expiration": None,
                    "messageId": None,
                    "timestamp": _amqp_timestamp(sent),
                    "type": None,
                    "userId": user,
                    "appId": None,
                    "clusterId": None,
                    "bodySize": len(body),
                },
                "redelivered": False,
                "data": b64encode(body),
            }
        )
    return {
        "eventSource": "aws:rmq",
        "eventSourceArn": broker_arn,
        "rmqMessagesByQueue": {f"{queue}::{virtual_host}": out},
    }
