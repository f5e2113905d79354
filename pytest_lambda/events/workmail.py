"""Amazon WorkMail email flow rules that run a Lambda function (synchronous or asynchronous).

Shape: WorkMail administrator guide, "Configuring AWS Lambda for Amazon WorkMail" (event data).
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Sequence
from typing import Any

from ._common import bad, check_choice, hex_id, now_or_utc, rng_or_new, uuid4
from ._validate import checked

__all__ = ["workmail_message"]


def _address(argument: str, value: str) -> dict[str, str]:
    local, _, domain = value.partition("@")
    if not local or "." not in domain:
        raise bad(argument, value, "expected an email address like 'jane@example.com'")
    return {"address": value}


@checked
def workmail_message(
    sender: str = "jane@example.com",
    recipients: Sequence[str] = ("team@example.com",),
    *,
    subject: str = "Hello From Amazon WorkMail!",
    mail_from: str | None = None,
    flow_direction: str = "INBOUND",
    truncated: bool = False,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """An email passing an inbound or outbound flow rule; *mail_from* is the envelope sender."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_choice("flow_direction", flow_direction, ("INBOUND", "OUTBOUND"))
    if not recipients:
        raise bad("recipients", list(recipients), "an email has at least one recipient")
    return {
        "summaryVersion": "2019-07-28",
        "envelope": {
            "mailFrom": _address("mail_from", mail_from or sender),
            "recipients": [_address(f"recipients[{i}]", r) for i, r in enumerate(recipients)],
        },
        "sender": _address("sender", sender),
        "subject": subject,
        "messageId": uuid4(rng),
        "invocationId": hex_id(rng, 32),
        "flowDirection": flow_direction,
        "truncated": truncated,
    }
