"""A tractor's sensor reading -> the spare part it needs -> an order and a notification."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
import requests

sns = boto3.client("sns")

#: (sensor, threshold, part): a reading above the threshold means the part needs replacing.
RULES = (
    ("engine_hours_since_service", 500, "oil-filter-kit"),
    ("vibration_mm_s", 11.0, "drive-shaft-bearing"),
    ("hydraulic_temp_c", 90, "hydraulic-pump-seal"),
)


def parts_needed(reading: dict[str, Any]) -> list[str]:
    return [part for sensor, limit, part in RULES if float(reading.get(sensor, 0)) > limit]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    tractor = event["tractor_id"]
    parts = parts_needed(event)
    if not parts:
        return {"tractor": tractor, "ordered": []}
    response = requests.post(f"{os.environ['PARTS_API_URL']}/orders", timeout=5, json={
        "tractor": tractor, "parts": parts, "request": context.aws_request_id})
    # A 5xx from the dealer raises: the asynchronous invocation is retried.
    response.raise_for_status()
    order = response.json()["order_id"]
    sns.publish(TopicArn=os.environ["TOPIC_ARN"], Subject=f"Parts ordered for {tractor}",
                Message=json.dumps({"tractor": tractor, "parts": parts, "order": order}))
    print(f"ordered {', '.join(parts)} for {tractor} (order {order})")
    return {"tractor": tractor, "ordered": parts, "order": order}
