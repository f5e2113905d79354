"""SQS worker: applies status changes, reporting failed messages as partial batch failures.

The event source mapping has ``ReportBatchItemFailures`` on, so only the messages listed in
``batchItemFailures`` go back to the queue.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from botocore.exceptions import ClientError

from orders import store

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

ALLOWED = {"PAID", "SHIPPED", "CANCELLED"}


def process(body: str) -> None:
    message = json.loads(body)
    status = message["status"]
    if status not in ALLOWED:
        raise ValueError(f"unknown status {status!r}")
    store.set_status(message["order_id"], status)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event["Records"]:
        try:
            process(record["body"])
        except (ValueError, KeyError, ClientError) as exc:
            logger.error("message %s failed: %s", record["messageId"], exc)
            failures.append({"itemIdentifier": record["messageId"]})
    logger.info("processed %d messages, %d failed", len(event["Records"]), len(failures))
    return {"batchItemFailures": failures}
