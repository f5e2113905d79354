"""The HTTP API handler, invoked as API Gateway would invoke it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_lambda import LambdaFunction

ORDER = {"customer_id": "c-42", "items": [{"sku": "tea", "qty": 2, "price": 3.5},
                                          {"sku": "mug", "qty": 1, "price": 9}]}


def test_create_order_writes_to_dynamodb(api: LambdaFunction, table: Any,
                                         lambda_events: Any) -> None:
    """A valid POST answers 201 and the order is in the table."""
    r = api.invoke(lambda_events.http_api("POST", "/orders", route="/orders", body=ORDER))

    assert r.ok, r.error
    assert r.payload["statusCode"] == 201
    order = json.loads(r.payload["body"])
    assert order["total"] == 16
    assert order["status"] == "PENDING"
    stored = table.get_item(Key={"order_id": order["order_id"]})["Item"]
    assert stored["customer_id"] == "c-42"
    # The runtime's text format for logging records: [LEVEL]<tab>time<tab>request id<tab>message
    (line,) = r.logs.filter("created order")
    assert line.message.startswith("[INFO]\t")
    assert f"\t{r.request_id}\tcreated order {order['order_id']} for c-42" in line.message


def test_invalid_body_is_a_400_not_a_function_error(api: LambdaFunction,
                                                    lambda_events: Any) -> None:
    """Validation problems are a normal response; the invocation itself succeeds."""
    bad = {"customer_id": "", "items": [{"sku": "tea", "qty": 0, "price": -1}]}
    r = api.invoke(lambda_events.http_api("POST", "/orders", route="/orders", body=bad))

    assert r.function_error is None
    assert r.payload["statusCode"] == 400
    assert json.loads(r.payload["body"])["errors"] == [
        "customer_id: a non-empty string is required",
        "items[0].qty: a whole number of at least 1 is required",
        "items[0].price: a non-negative number is required",
    ]
    assert "[WARNING]" in r.logs.text


def test_fixture_left_the_function_warm(api: LambdaFunction, lambda_events: Any) -> None:
    """The fixture already served one request, so this one reuses that environment."""
    r = api.invoke(lambda_events.http_api("GET", "/orders/nope", route="/orders/{order_id}"))

    assert not r.cold_start
    assert r.report is not None and r.report.init_duration_ms is None
    assert r.payload["statusCode"] == 404
    assert r.payload["headers"]["x-environment-invocations"] == "2"


@pytest.mark.lambda_cold
def test_lambda_cold_discards_the_warm_environment(api: LambdaFunction,
                                                   lambda_events: Any) -> None:
    """With ``lambda_cold`` the first invocation in the test is a cold start again."""
    first = api.invoke(lambda_events.http_api("GET", "/orders/x", route="/orders/{order_id}"))
    second = api.invoke(lambda_events.http_api("GET", "/orders/x", route="/orders/{order_id}"))

    assert first.cold_start and not second.cold_start
    assert first.report is not None and first.report.init_duration_ms is not None
    assert "Init Duration:" in first.logs.text
    # The Init phase's own lines (INIT_START, output of module-level code) come before START.
    init_and_invoke = [*first.init_logs, *first.logs]
    assert init_and_invoke[0].message.startswith("INIT_START Runtime Version: python:3.")
    assert first.logs[0].message.startswith(f"START RequestId: {first.request_id}")
    assert second.payload["headers"]["x-environment-invocations"] == "2"


def test_module_cache_is_reused_while_warm(api: LambdaFunction, table: Any,
                                           lambda_events: Any) -> None:
    """Module-level state survives warm invocations and is gone after a cold start."""
    created = api.invoke(lambda_events.http_api("POST", "/orders", route="/orders", body=ORDER))
    order_id = json.loads(created.payload["body"])["order_id"]
    get = lambda_events.http_api("GET", f"/orders/{order_id}", route="/orders/{order_id}")

    assert api.invoke(get).payload["headers"]["x-served-from"] == "cache"
    api.cold_start()
    again = api.invoke(get)
    assert again.cold_start
    assert again.payload["headers"]["x-served-from"] == "table"


def test_unhandled_exception_gives_lambdas_error_payload(make_fn: Any,
                                                         lambda_events: Any) -> None:
    """Without a table, boto3's exception escapes and Lambda reports it as a function error."""
    fn = make_fn("orders.api.handler", environment={"TABLE_NAME": "missing"})
    import moto

    with moto.mock_aws():  # DynamoDB exists, the table does not
        r = fn.invoke(lambda_events.http_api("POST", "/orders", route="/orders", body=ORDER))

    assert r.function_error == "Unhandled"
    assert r.payload["errorType"] == "ResourceNotFoundException"
    assert "Requested resource not found" in r.payload["errorMessage"]
    assert r.payload["requestId"] == r.request_id
    assert any("api.py" in frame for frame in r.payload["stackTrace"])
    assert "[ERROR] ResourceNotFoundException:" in r.logs.text


def test_missing_module_is_an_init_error(make_fn: Any) -> None:
    """A typo in the handler string fails like Lambda: Runtime.ImportModuleError."""
    r = make_fn("orders.apis.handler").invoke({})

    assert r.error is not None
    assert r.error["errorType"] == "Runtime.ImportModuleError"
    assert r.error["errorMessage"] == (
        "Unable to import module 'orders.apis': No module named 'orders.apis'")
