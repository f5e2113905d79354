"""AWS IoT rule actions (the rule's SELECT output) and IoT button presses."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from ._common import bad, check_choice, epoch_ms, json_text, now_or_utc, rng_or_new, token
from ._validate import checked

__all__ = ["iot_button", "iot_rule"]


@checked
def iot_rule(
    payload: Mapping[str, Any] | None = None,
    *,
    topic: str | None = None,
    client_id: str | None = None,
    include_metadata: bool = False,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """What ``SELECT *, topic() AS topic, ...`` hands Lambda: the message plus optional metadata."""
    rng = rng_or_new(rng)
    event = dict(payload if payload is not None else {"temperature": 21.5, "humidity": 40})
    json_text("payload", event)
    if topic is not None and (not topic or "+" in topic or "#" in topic):
        raise bad("topic", topic, "a published topic has no wildcards ('+', '#')")
    if include_metadata:
        event["topic"] = topic or "sensors/device-1/telemetry"
        event["timestamp"] = epoch_ms(now_or_utc(now))
        event["clientid"] = client_id or "device-" + token(rng, 8, "0123456789abcdef")
    elif topic is not None or client_id is not None:
        raise bad(
            "include_metadata",
            include_metadata,
            "topic/client_id appear only with include_metadata=True",
        )
    return event


@checked
def iot_button(
    click_type: str = "SINGLE",
    *,
    serial_number: str | None = None,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """An AWS IoT Button press: SINGLE, DOUBLE or LONG."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_choice("click_type", click_type, ("SINGLE", "DOUBLE", "LONG"))
    return {
        "serialNumber": serial_number or "G030" + token(rng, 12, "0123456789ABCDEF"),
        "clickType": click_type,
        "batteryVoltage": f"{rng.randrange(1500, 1800)}mV",
    }
