"""SNS notifications delivered to a subscribed Lambda function."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from pytest_lambda.clock import iso_ms

from ._attributes import sns_message_attributes
from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    b64_token,
    bad,
    body_text,
    check_account,
    check_region,
    hex_id,
    now_or_utc,
    rng_or_new,
    uuid4,
)
from ._validate import checked

__all__ = ["sns_notification"]

MAX_MESSAGE_BYTES = 256 * 1024


@checked
def sns_notification(
    message: str | dict[str, Any] | list[Any] = "Hello from SNS!",
    *,
    topic: str = "my-topic",
    subject: str | None = None,
    message_attributes: Mapping[str, Any] | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """One SNS notification; a dict/list *message* is JSON-encoded into the string AWS sends."""
    rng = rng_or_new(rng)
    check_region(region)
    check_account(account_id)
    if topic.endswith(".fifo"):
        # SNS FIFO topics deliver to SQS queues only (SNS developer guide, "FIFO topics": Lambda
        # and other endpoint types cannot subscribe).
        raise bad(
            "topic",
            topic,
            "SNS FIFO topics never deliver to Lambda (only SQS queues can subscribe); use a "
            "standard topic, or sqs_batch(fifo=True) for a FIFO topic fanned out to a FIFO queue",
        )
    stem = topic
    if not 1 <= len(topic) <= 256 or not stem or not all(c.isalnum() or c in "-_" for c in stem):
        raise bad("topic", topic, "topic names are 1-256 letters, digits, '-' and '_'")
    text = body_text("message", message)
    if text is None or not 1 <= len(text.encode("utf-8")) <= MAX_MESSAGE_BYTES:
        raise bad("message", message, "SNS messages are 1 byte to 256 KiB of UTF-8 text")
    if subject is not None and not (
        0 < len(subject) <= 100 and subject.isprintable() and subject[0] not in " \t"
    ):
        raise bad("subject", subject, "subjects are 1-100 printable characters, no line breaks")
    topic_arn = arn("sns", region, account_id, topic)
    subscription_arn = f"{topic_arn}:{uuid4(rng)}"
    endpoint = f"https://sns.{region}.amazonaws.com"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": uuid4(rng),
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": text,
                    "Timestamp": iso_ms(now_or_utc(now)),
                    "SignatureVersion": "1",
                    "Signature": b64_token(rng, 256),
                    "SigningCertUrl": (
                        f"{endpoint}/SimpleNotificationService-{hex_id(rng, 32)}.pem"
                    ),
                    "UnsubscribeUrl": (
                        f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}"
                    ),
                    "MessageAttributes": sns_message_attributes(message_attributes),
                },
            }
        ]
    }
