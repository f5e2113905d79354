"""Scheduled (EventBridge) report: counts orders by status, logs JSON, emits EMF metrics."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from typing import Any

from orders import store

PAGE_SIZE = int(os.environ.get("REPORT_PAGE_SIZE", "100"))
# Pause between scan pages so the report never eats the table's read capacity.
PAGE_DELAY_S = float(os.environ.get("REPORT_PAGE_DELAY", "0"))


def count_by_status() -> Counter[str]:
    counts: Counter[str] = Counter()
    kwargs: dict[str, Any] = {"Limit": PAGE_SIZE, "ProjectionExpression": "#s",
                              "ExpressionAttributeNames": {"#s": "status"}}
    while True:
        page = store.table.scan(**kwargs)
        counts.update(item["status"] for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            return counts
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        time.sleep(PAGE_DELAY_S)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    counts = count_by_status()
    print(json.dumps({"level": "INFO", "message": "order report", "rule": event["resources"][0],
                      "counts": dict(counts), "requestId": context.aws_request_id}))
    # Embedded Metric Format: CloudWatch turns this log line into metrics.
    print(json.dumps({
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": "Orders",
                "Dimensions": [["Service"]],
                "Metrics": [{"Name": "PendingOrders", "Unit": "Count"},
                            {"Name": "ShippedOrders", "Unit": "Count"}],
            }],
        },
        "Service": "orders",
        "PendingOrders": counts.get("PENDING", 0),
        "ShippedOrders": counts.get("SHIPPED", 0),
    }))
    return {"total": sum(counts.values()), **counts}
