"""The HTTP API function, called through the template's HTTP API as a client would."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_lambda import LambdaFunction

ORDER = {"customer_id": "c-42", "items": [{"sku": "tea", "qty": 2, "price": 3.5},
                                          {"sku": "mug", "qty": 1, "price": 9}]}


def test_create_order_writes_to_dynamodb(lambda_app: Any, table: Any) -> None:
    """A valid POST through the HTTP API answers 201 and the order is in the table."""
    r = lambda_app.http.post("/orders", json=ORDER)

    assert r.status_code == 201, r.text
    order = r.json()
    assert order["total"] == 16
    assert order["status"] == "PENDING"
    stored = table.get_item(Key={"order_id": order["order_id"]})["Item"]
    assert stored["customer_id"] == "c-42"
    # The runtime's text format for logging records: [LEVEL]<tab>time<tab>request id<tab>message
    assert r.invocation is not None
    (line,) = r.invocation.logs.filter("created order")
    assert line.message.startswith("[INFO]\t")
    assert f"\t{r.invocation.request_id}\tcreated order {order['order_id']} for c-42" in \
        line.message


def test_invalid_body_is_a_400_not_a_function_error(lambda_app: Any) -> None:
    """Validation problems are a normal response; the invocation itself succeeds."""
    bad = {"customer_id": "", "items": [{"sku": "tea", "qty": 0, "price": -1}]}
    r = lambda_app.http.post("/orders", json=bad)

    assert r.invocation is not None and r.invocation.function_error is None
    assert r.status_code == 400
    assert r.json()["errors"] == [
        "customer_id: a non-empty string is required",
        "items[0].qty: a whole number of at least 1 is required",
        "items[0].price: a non-negative number is required",
    ]
    assert "[WARNING]" in r.invocation.logs.text


def test_unknown_paths_never_reach_the_function(lambda_app: Any) -> None:
    """The HTTP API itself answers 404 for a route the template does not declare."""
    r = lambda_app.http.delete("/orders/1")
    assert (r.status_code, r.json(), r.invocation) == (404, {"message": "Not Found"}, None)


def test_fixture_left_the_function_warm(api: LambdaFunction, lambda_app: Any) -> None:
    """The fixture already served one request, so this one reuses that environment."""
    r = lambda_app.http.get("/orders/nope")

    assert r.invocation is not None and not r.invocation.cold_start
    assert r.invocation.report is not None and r.invocation.report.init_duration_ms is None
    assert r.status_code == 404
    assert r.headers["x-environment-invocations"] == "2"


@pytest.mark.lambda_cold
def test_lambda_cold_discards_the_warm_environment(api: LambdaFunction,
                                                   lambda_app: Any) -> None:
    """With ``lambda_cold`` the first invocation in the test is a cold start again."""
    first = lambda_app.http.get("/orders/x").invocation
    second = lambda_app.http.get("/orders/x")

    assert first is not None and second.invocation is not None
    assert first.cold_start and not second.invocation.cold_start
    assert first.report is not None and first.report.init_duration_ms is not None
    assert "Init Duration:" in first.logs.text
    # The Init phase's own lines (INIT_START, output of module-level code) come before START.
    init_and_invoke = [*first.init_logs, *first.logs]
    assert init_and_invoke[0].message.startswith("INIT_START Runtime Version: python:3.")
    assert first.logs[0].message.startswith(f"START RequestId: {first.request_id}")
    assert second.headers["x-environment-invocations"] == "2"


def test_module_cache_is_reused_while_warm(api: LambdaFunction, lambda_app: Any) -> None:
    """Module-level state survives warm invocations and is gone after a cold start."""
    order_id = lambda_app.http.post("/orders", json=ORDER).json()["order_id"]

    assert lambda_app.http.get(f"/orders/{order_id}").headers["x-served-from"] == "cache"
    api.cold_start()
    again = lambda_app.http.get(f"/orders/{order_id}")
    assert again.invocation is not None and again.invocation.cold_start
    assert again.headers["x-served-from"] == "table"


def test_unhandled_exception_gives_lambdas_error_payload(lambda_function: Any,
                                                         lambda_aws: Any,
                                                         lambda_events: Any) -> None:
    """Without a table, boto3's exception escapes and Lambda reports it as a function error."""
    fn = lambda_function("OrdersApi", environment={"TABLE_NAME": "missing"})
    # DynamoDB exists (lambda_aws), the table does not: invoke directly with the HTTP event.
    r = fn.invoke(lambda_events.http_api("POST", "/orders", route="/orders", body=ORDER))

    assert r.function_error == "Unhandled"
    assert r.payload["errorType"] == "ResourceNotFoundException"
    assert "Requested resource not found" in r.payload["errorMessage"]
    assert r.payload["requestId"] == r.request_id
    assert any("api.py" in frame for frame in r.payload["stackTrace"])
    assert "[ERROR] ResourceNotFoundException:" in r.logs.text


def test_missing_module_is_an_init_error(lambda_function: Any) -> None:
    """A typo in the handler string fails like Lambda: Runtime.ImportModuleError."""
    r = lambda_function("orders.apis.handler").invoke({})

    assert r.error is not None
    assert r.error["errorType"] == "Runtime.ImportModuleError"
    assert r.error["errorMessage"] == (
        "Unable to import module 'orders.apis': No module named 'orders.apis'")
