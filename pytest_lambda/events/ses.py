"""SES email receiving: a receipt rule's Lambda action."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Sequence
from email.utils import format_datetime
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
    now_or_utc,
    rng_or_new,
    token,
)
from ._validate import checked

__all__ = ["ses_receipt"]

VERDICTS = ("PASS", "FAIL", "GRAY", "PROCESSING_FAILED")


def _address(argument: str, value: str) -> str:
    local, _, domain = value.rpartition("@")
    if not local or "." not in domain or any(c.isspace() for c in value):
        raise bad(argument, value, "expected an email address like 'jane@example.com'")
    return value


@checked
def ses_receipt(
    *,
    sender: str = "jane@example.com",
    recipients: Sequence[str] = ("johndoe@example.com",),
    subject: str = "Hello",
    spam: str = "PASS",
    virus: str = "PASS",
    spf: str = "PASS",
    dkim: str = "PASS",
    dmarc: str = "PASS",
    function: str = "my-function",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """One received email as SES passes it to a Lambda receipt action (headers, verdicts)."""
    rng = rng_or_new(rng)
    now = now_or_utc(now)
    check_region(region)
    check_account(account_id)
    _address("sender", sender)
    if isinstance(recipients, str) or not recipients:
        raise bad("recipients", recipients, "expected a non-empty list of addresses")
    for address in recipients:
        _address("recipients", address)
    for name, value in (
        ("spam", spam),
        ("virus", virus),
        ("spf", spf),
        ("dkim", dkim),
        ("dmarc", dmarc),
    ):
        check_choice(name, value, VERDICTS)
    sent = now - _dt.timedelta(seconds=rng.randrange(1, 5))
    message_id = token(rng, 40, "abcdefghijklmnopqrstuvwxyz0123456789")
    date = format_datetime(sent.replace(microsecond=0))
    header_id = (
        f"<{token(rng, 36, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}@mail.{sender.split('@')[1]}>"
    )
    to = ", ".join(recipients)
    received = (
        f"from mail.{sender.split('@')[1]} by inbound-smtp.{region}.amazonaws.com "
        f"with SMTP id {message_id} for {recipients[0]}; {date}"
    )
    headers = [
        {"name": "Return-Path", "value": f"<{sender}>"},
        {"name": "Received", "value": received},
        {"name": "From", "value": sender},
        {"name": "Date", "value": date},
        {"name": "To", "value": to},
        {"name": "Message-ID", "value": header_id},
        {"name": "Subject", "value": subject},
        {"name": "MIME-Version", "value": "1.0"},
        {"name": "Content-Type", "value": "text/plain; charset=UTF-8"},
    ]
    receipt: dict[str, Any] = {
        "timestamp": iso_ms(now),
        "processingTimeMillis": rng.randrange(150, 900),
        "recipients": list(recipients),
        "spamVerdict": {"status": spam},
        "virusVerdict": {"status": virus},
        "spfVerdict": {"status": spf},
        "dkimVerdict": {"status": dkim},
        "dmarcVerdict": {"status": dmarc},
        "action": {
            "type": "Lambda",
            "functionArn": arn("lambda", region, account_id, f"function:{function}"),
            "invocationType": "Event",
        },
    }
    if dmarc == "FAIL":
        receipt["dmarcPolicy"] = "reject"
    mail = {
        "timestamp": iso_ms(sent),
        "source": sender,
        "messageId": message_id,
        "destination": list(recipients),
        "headersTruncated": False,
        "headers": headers,
        "commonHeaders": {
            "returnPath": sender,
            "from": [sender],
            "date": date,
            "to": list(recipients),
            "messageId": header_id,
            "subject": subject,
        },
    }
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {"mail": mail, "receipt": receipt},
            }
        ]
    }
