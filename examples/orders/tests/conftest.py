"""Shared fixtures: the template's application in moto, and handles on its parts."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_lambda import LambdaFunction

TABLE = "orders-test"


@pytest.fixture
def table(lambda_app: Any) -> Any:
    """The template's orders table (empty), as a boto3 resource on moto."""
    import boto3

    return boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)


@pytest.fixture
def api(lambda_app: Any) -> LambdaFunction:
    """The HTTP API function, already warm (one request served, like after a deploy check)."""
    assert lambda_app.http.get("/health").json() == {"status": "ok"}
    fn: LambdaFunction = lambda_app.function("OrdersApi")
    return fn


@pytest.fixture
def worker(lambda_app: Any) -> LambdaFunction:
    """The SQS worker function (cold until the test invokes it)."""
    fn: LambdaFunction = lambda_app.function("OrdersWorker")
    return fn


@pytest.fixture
def report(lambda_app: Any) -> LambdaFunction:
    """The scheduled report function."""
    fn: LambdaFunction = lambda_app.function("OrdersReport")
    return fn


def put_orders(table: Any, *statuses: str) -> list[str]:
    """Write one order per status straight into the table; return their ids."""
    ids = []
    for n, status in enumerate(statuses):
        order_id = f"o-{n}"
        table.put_item(Item={"order_id": order_id, "status": status, "customer_id": "c-1"})
        ids.append(order_id)
    return ids
