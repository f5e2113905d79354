"""HTTP API (payload 2.0) handler: ``POST /orders`` and ``GET /orders/{order_id}``."""

from __future__ import annotations

import json
import logging
import time
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from orders import store

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# Module-level state lives as long as the execution environment: it is empty after a cold
# start and keeps what earlier invocations put in it while the environment stays warm.
_cache: dict[str, dict[str, Any]] = {}
_invocations = 0


def _response(status: int, body: Any, **headers: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **headers},
        "body": json.dumps(body),
    }


def _validate(raw: str | None) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        data = json.loads(raw or "", parse_float=Decimal)
    except ValueError:
        return None, ["body must be a JSON object"]
    if not isinstance(data, dict):
        return None, ["body must be a JSON object"]
    problems = []
    if not isinstance(data.get("customer_id"), str) or not data["customer_id"]:
        problems.append("customer_id: a non-empty string is required")
    items = data.get("items")
    if not isinstance(items, list) or not items:
        problems.append("items: at least one item is required")
        items = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("sku"), str):
            problems.append(f"items[{i}].sku: a string is required")
            continue
        qty = item.get("qty")
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            problems.append(f"items[{i}].qty: a whole number of at least 1 is required")
        try:
            if Decimal(str(item.get("price"))) < 0:
                raise InvalidOperation
        except InvalidOperation:
            problems.append(f"items[{i}].price: a non-negative number is required")
    return data, problems


def create(event: dict[str, Any]) -> dict[str, Any]:
    data, problems = _validate(event.get("body"))
    if problems:
        logger.warning("rejected order: %s", "; ".join(problems))
        return _response(400, {"errors": problems})
    assert data is not None
    order = {
        "order_id": str(uuid.uuid4()),
        "customer_id": data["customer_id"],
        "items": [{"sku": i["sku"], "qty": i["qty"], "price": Decimal(str(i["price"]))}
                  for i in data["items"]],
        "total": sum(Decimal(str(i["price"])) * i["qty"] for i in data["items"]),
        "status": "PENDING",
        "created_at": int(time.time()),
    }
    store.put_order(order)
    _cache[order["order_id"]] = order
    logger.info("created order %s for %s", order["order_id"], order["customer_id"])
    return _response(201, store.plain(order))


def read(order_id: str) -> dict[str, Any]:
    order = _cache.get(order_id)
    source = "cache"
    if order is None:
        order = store.get_order(order_id)
        source = "table"
    if order is None:
        return _response(404, {"message": f"order {order_id} not found"})
    return _response(200, store.plain(order), **{"x-served-from": source})


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _invocations
    _invocations += 1
    route = event.get("routeKey")
    if route == "POST /orders":
        response = create(event)
    elif route == "GET /orders/{order_id}":
        response = read(event["pathParameters"]["order_id"])
    elif route == "GET /health":
        response = _response(200, {"status": "ok"})
    else:
        response = _response(404, {"message": f"no route {route}"})
    response["headers"]["x-environment-invocations"] = str(_invocations)
    return response
