"""The scheduled report: JSON logs, EMF metrics and its timeout."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_orders

from pytest_lambda import LambdaFunction


def test_report_counts_orders_and_logs_json(lambda_app: Any, table: Any,
                                            lambda_logs: Any) -> None:
    """The nightly schedule's report returns the counts and logs them as one JSON line."""
    put_orders(table, "PENDING", "PENDING", "SHIPPED")

    [r] = lambda_app.run_schedule("orders-nightly")

    assert r.payload == {"total": 3, "PENDING": 2, "SHIPPED": 1}
    lambda_logs.assert_json_field("counts.PENDING", 2)
    lambda_logs.assert_json_field(
        "rule", "arn:aws:events:us-east-1:123456789012:rule/orders-nightly")
    lambda_logs.assert_no_errors()
    lambda_logs.assert_report_for_every_invocation()


def test_report_emits_emf_metrics(report: LambdaFunction, table: Any, lambda_events: Any,
                                  lambda_metrics: Any) -> None:
    """The EMF line becomes CloudWatch metrics in the Orders namespace."""
    put_orders(table, "PENDING", "SHIPPED", "SHIPPED")

    report.invoke(lambda_events.scheduled_event())

    lambda_metrics.assert_no_emf_errors()
    lambda_metrics.assert_value("PendingOrders", 1, namespace="Orders",
                                dimensions={"Service": "orders"})
    lambda_metrics.assert_value("ShippedOrders", 2, namespace="Orders",
                                dimensions={"Service": "orders"})


@pytest.mark.lambda_timeout(1)
def test_slow_scan_times_out(lambda_function: Any, table: Any, lambda_events: Any) -> None:
    """Paging slowly past the 1 s timeout: Lambda stops the function and says so."""
    put_orders(table, "PENDING", "PENDING", "PENDING", "PENDING")
    fn = lambda_function("OrdersReport", name="orders-report-slow",
                         environment={"REPORT_PAGE_SIZE": "1", "REPORT_PAGE_DELAY": "0.5"})

    r = fn.invoke(lambda_events.scheduled_event())

    assert r.timed_out
    assert r.error is not None
    assert r.error["errorType"] == "Sandbox.Timedout"
    assert r.error["errorMessage"] == (
        f"RequestId: {r.request_id} Error: Task timed out after 1.00 seconds")
    assert r.report is not None and r.report.status == "timeout"
    assert "Status: timeout" in r.logs[-1].message
    # A timed-out environment is discarded: the next invocation is a cold start.
    assert fn.invoke(lambda_events.scheduled_event()).cold_start
