"""SQS batch of rows -> DynamoDB items; invalid rows are reported as batch item failures.

A failed row goes back to the queue, and after ``maxReceiveCount`` receives SQS moves it to the
poison queue; the valid rows of the same batch are not retried.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal, InvalidOperation
from typing import Any

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def transform(row: dict[str, str]) -> dict[str, Any]:
    """A customer item from a CSV row; ``ValueError`` for a row that cannot be loaded."""
    if not row.get("id"):
        raise ValueError("row has no id")
    try:
        balance = Decimal(row["balance"])
    except (KeyError, InvalidOperation):
        raise ValueError(f"balance {row.get('balance')!r} is not a number") from None
    return {"id": row["id"], "name": row.get("name", "").strip().title(), "balance": balance}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event["Records"]:
        try:
            item = transform(json.loads(record["body"])["row"])
        except ValueError as exc:
            print(f"rejected message {record['messageId']}: {exc}")
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        table.put_item(Item=item)
    return {"batchItemFailures": failures}
