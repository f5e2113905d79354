"""DynamoDB access shared by the handlers.

The table resource is created once per execution environment (at import, during Lambda's
init phase) and reused by every warm invocation, as AWS recommends.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import boto3

TABLE_NAME = os.environ.get("TABLE_NAME", "orders")
table = boto3.resource("dynamodb").Table(TABLE_NAME)


def put_order(order: dict[str, Any]) -> None:
    table.put_item(Item=order, ConditionExpression="attribute_not_exists(order_id)")


def get_order(order_id: str) -> dict[str, Any] | None:
    return table.get_item(Key={"order_id": order_id}).get("Item")


def set_status(order_id: str, status: str) -> None:
    table.update_item(
        Key={"order_id": order_id},
        UpdateExpression="SET #s = :s",
        ConditionExpression="attribute_exists(order_id)",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": status},
    )


def plain(value: Any) -> Any:
    """DynamoDB's Decimals as JSON numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
