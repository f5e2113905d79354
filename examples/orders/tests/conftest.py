"""Shared fixtures: a moto-backed DynamoDB table and the three functions under test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import moto
import pytest

from pytest_lambda import LambdaFunction

TABLE = "orders-test"


@pytest.fixture
def table() -> Iterator[Any]:
    """An empty ``orders`` table in moto's in-memory DynamoDB (no network, no real AWS)."""
    with moto.mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        yield dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )


@pytest.fixture
def make_fn(lambda_function: Callable[..., LambdaFunction]) -> Callable[..., LambdaFunction]:
    """``lambda_function`` with the environment every orders function is deployed with."""

    def make(handler: str, **kwargs: Any) -> LambdaFunction:
        environment = {"TABLE_NAME": TABLE, **kwargs.pop("environment", {})}
        return lambda_function(handler, environment=environment, **kwargs)

    return make


@pytest.fixture
def api(table: Any, make_fn: Callable[..., LambdaFunction]) -> LambdaFunction:
    """The HTTP API function, already warm (one request served, like after a deploy check)."""
    fn = make_fn("orders.api.handler", name="orders-api")
    fn.invoke({"routeKey": "GET /health"})
    return fn


@pytest.fixture
def worker(table: Any, make_fn: Callable[..., LambdaFunction]) -> LambdaFunction:
    """The SQS worker function (cold until the test invokes it)."""
    return make_fn("orders.worker.handler", name="orders-worker")


@pytest.fixture
def report(table: Any, make_fn: Callable[..., LambdaFunction]) -> LambdaFunction:
    """The scheduled report function, with JSON-friendly defaults."""
    return make_fn("orders.report.handler", name="orders-report")


def put_orders(table: Any, *statuses: str) -> list[str]:
    """Write one order per status straight into the table; return their ids."""
    ids = []
    for n, status in enumerate(statuses):
        order_id = f"o-{n}"
        table.put_item(Item={"order_id": order_id, "status": status, "customer_id": "c-1"})
        ids.append(order_id)
    return ids
