"""Amazon Connect contact flow invocations ("Invoke AWS Lambda function" block).

Shape: Amazon Connect administrator guide, "Grant Amazon Connect access to your AWS Lambda
functions" (the function input JSON). Keys are PascalCase; ``Parameters`` are the block's
key/value inputs, all strings.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    bad,
    check_account,
    check_choice,
    check_region,
    now_or_utc,
    rng_or_new,
    uuid4,
)
from ._validate import checked

__all__ = ["connect_contact_flow"]


def _phone(argument: str, number: str) -> str:
    digits = number[1:]
    if not number.startswith("+") or not digits.isdigit() or not 8 <= len(digits) <= 15:
        raise bad(argument, number, "expected an E.164 number like '+15555550100'")
    return number


def _strings(argument: str, values: Mapping[str, Any] | None) -> dict[str, str]:
    out = {}
    for key, value in (values or {}).items():
        if not isinstance(value, str):
            raise bad(f"{argument}[{key!r}]", value, "Connect passes every value as a string")
        out[key] = value
    return out


@checked
def connect_contact_flow(
    phone_number: str = "+15555550100",
    *,
    system_number: str = "+15555550199",
    channel: str = "VOICE",
    initiation_method: str = "INBOUND",
    attributes: Mapping[str, str] | None = None,
    parameters: Mapping[str, str] | None = None,
    queue: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A contact flow calling the function; *parameters* are the block's inputs."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_region(region)
    check_account(account_id)
    check_choice("channel", channel, ("VOICE", "CHAT", "TASK"))
    check_choice(
        "initiation_method",
        initiation_method,
        ("INBOUND", "OUTBOUND", "TRANSFER", "CALLBACK", "API", "QUEUE_TRANSFER"),
    )
    instance = arn("connect", region, account_id, f"instance/{uuid4(rng)}")
    contact = uuid4(rng)
    endpoint_type = "TELEPHONE_NUMBER" if channel == "VOICE" else None
    queue_data = None
    if queue is not None:
        queue_data = {"ARN": f"{instance}/queue/{uuid4(rng)}", "Name": queue}
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": _strings("attributes", attributes),
                "Channel": channel,
                "ContactId": contact,
                "CustomerEndpoint": {
                    "Address": _phone("phone_number", phone_number),
                    "Type": endpoint_type,
                },
                "InitialContactId": contact,
                "InitiationMethod": initiation_method,
                "InstanceARN": instance,
                "PreviousContactId": contact,
                "Queue": queue_data,
                "SystemEndpoint": {
                    "Address": _phone("system_number", system_number),
                    "Type": endpoint_type,
                },
            },
            "Parameters": _strings("parameters", parameters),
        },
    }
