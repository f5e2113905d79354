"""EventBridge (CloudWatch Events) events: custom, AWS-service, scheduled rules and Scheduler."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping, Sequence
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    bad,
    check_account,
    check_region,
    iso_s,
    json_text,
    now_or_utc,
    rng_or_new,
    uuid4,
)
from ._validate import checked

__all__ = ["eventbridge_event", "scheduled_event", "scheduler_event"]


def _check_name(argument: str, value: str, limit: int) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= limit or not value.isprintable():
        raise bad(argument, value, f"expected 1-{limit} printable characters")
    return value


@checked
def eventbridge_event(
    detail_type: str = "Order Placed",
    source: str = "com.example.orders",
    detail: Mapping[str, Any] | None = None,
    *,
    resources: Sequence[str] = (),
    replay_name: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """Any EventBridge event; *detail* must be a JSON object (dict)."""
    rng = rng_or_new(rng)
    check_region(region)
    check_account(account_id)
    _check_name("detail_type", detail_type, 128)
    _check_name("source", source, 256)
    if detail is None:
        detail = {}
    if not isinstance(detail, Mapping):
        raise bad("detail", detail, "EventBridge detail is a JSON object (a dict)")
    json_text("detail", detail)
    if isinstance(resources, str) or not all(isinstance(r, str) for r in resources):
        raise bad("resources", resources, "expected a list of ARN strings")
    event: dict[str, Any] = {
        "version": "0",
        "id": uuid4(rng),
        "detail-type": detail_type,
        "source": source,
        "account": account_id,
        "time": iso_s(now_or_utc(now)),
        "region": region,
        "resources": list(resources),
        "detail": dict(detail),
    }
    if replay_name is not None:
        event["replay-name"] = _check_name("replay_name", replay_name, 64)
    return event


@checked
def scheduled_event(
    rule: str = "my-schedule",
    *,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """An EventBridge scheduled-rule event (``aws.events`` / ``Scheduled Event``)."""
    _check_name("rule", rule, 64)
    return eventbridge_event(
        "Scheduled Event",
        "aws.events",
        {},
        resources=[arn("events", region, account_id, f"rule/{rule}")],
        region=region,
        account_id=account_id,
        rng=rng,
        now=now,
    )


@checked
def scheduler_event(
    schedule: str = "my-schedule",
    *,
    group: str = "default",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """An EventBridge Scheduler invocation (``aws.scheduler``; detail is the string ``"{}"``)."""
    _check_name("schedule", schedule, 64)
    _check_name("group", group, 64)
    event = eventbridge_event(
        "Scheduled Event",
        "aws.scheduler",
        {},
        resources=[arn("scheduler", region, account_id, f"schedule/{group}/{schedule}")],
        region=region,
        account_id=account_id,
        rng=rng,
        now=now,
    )
    event["detail"] = "{}"
    return event
