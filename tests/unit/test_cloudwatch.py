"""Unit tests for exporting captured logs and metrics into moto's CloudWatch Logs and CloudWatch."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pytest_lambda.cloudwatch import (
    CloudWatchExporter,
    export_function,
    export_logs,
    export_metrics,
    metric_data,
)
from pytest_lambda.observe.logs import LogEvent
from pytest_lambda.observe.metrics import MetricRecord

HANDLER = """
import json, time

def handler(event, context):
    print("order", event["id"])
    print(json.dumps({"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [
        {"Namespace": "Shop", "Dimensions": [["service"]],
         "Metrics": [{"Name": "Orders", "Unit": "Count"}]}]},
        "service": "orders", "Orders": event["id"]}))
    return event["id"]
"""


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A moto mock with fake credentials."""
    from moto import mock_aws

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


def statistics(name: str, namespace: str, dimensions: dict[str, str], stat: str) -> float:
    """One statistic of a metric over the last hour, read back through boto3."""
    import boto3  # type: ignore[import-untyped]

    now = datetime.now(UTC)
    response = boto3.client("cloudwatch", region_name="us-east-1").get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
        Period=3600,
        Statistics=[stat],
    )
    return float(sum(p[stat] for p in response["Datapoints"]))


def messages(group: str) -> list[str]:
    """Every message of a log group, read back through ``filter_log_events``."""
    import boto3

    events = boto3.client("logs", region_name="us-east-1").filter_log_events(logGroupName=group)
    return [e["message"] for e in events["events"]]


def test_metric_data_per_dimension_set() -> None:
    """A record becomes one datum per dimension set with its unit and resolution."""
    record = MetricRecord("Shop", "Orders", (1.0, 2.0), "Count", ({}, {"s": "a"}), 0, 1)
    data = metric_data(record)
    assert [d["Dimensions"] for d in data] == [[], [{"Name": "s", "Value": "a"}]]
    assert data[0]["Values"] == [1.0, 2.0]
    assert data[0]["StorageResolution"] == 1
    assert data[0]["Timestamp"] == datetime(1970, 1, 1, tzinfo=UTC)


def test_metric_data_splits_values() -> None:
    """More than 150 values are split across datums, as PutMetricData requires."""
    record = MetricRecord("Shop", "Orders", tuple(float(i) for i in range(200)))
    assert [len(d["Values"]) for d in metric_data(record)] == [150, 50]


def test_export_logs_and_metrics(aws: None) -> None:
    """Exported events and records can be read back with boto3."""
    now = int(time.time() * 1000)
    events = [LogEvent(now, "hello\n", "r", "s1"), LogEvent(now + 1, "world", "r", "s2")]
    assert export_logs(events, log_group="/aws/lambda/f") == 2
    assert export_logs(events[:1], log_group="/aws/lambda/f") == 1  # group and stream exist
    assert sorted(messages("/aws/lambda/f")) == ["hello", "hello", "world"]
    record = MetricRecord("Shop", "Orders", (2.0, 3.0), "Count", ({"service": "a"},), now)
    assert export_metrics([record]) == 1
    assert statistics("Orders", "Shop", {"service": "a"}, "Sum") == 5


def test_exporter_listener_feeds_cloudwatch(aws: None, tmp_path: Path) -> None:
    """A CloudWatchExporter listener makes each invocation visible through boto3."""
    from pytest_lambda.function import LambdaFunction

    (tmp_path / "app.py").write_text(HANDLER)
    fn = LambdaFunction("app.handler", code_dir=str(tmp_path), name="orders")
    try:
        fn.add_listener(CloudWatchExporter())
        fn.invoke({"id": 2})
        fn.invoke({"id": 3})
    finally:
        fn.close()
    found = messages("/aws/lambda/orders")
    assert "order 2" in found
    assert sum(m.startswith("REPORT RequestId:") for m in found) == 2
    assert statistics("Invocations", "AWS/Lambda", {"FunctionName": "orders"}, "Sum") == 2
    assert statistics("Duration", "AWS/Lambda", {"FunctionName": "orders"}, "SampleCount") == 2
    assert statistics("Orders", "Shop", {"service": "orders"}, "Sum") == 5


def test_exporter_listener_exports_asynchronous_metrics(aws: None, tmp_path: Path) -> None:
    """Metrics no invocation result carries (AsyncEventAge, AsyncEventsReceived, ...) reach
    CloudWatch too: the exporter only rebuilt each result's own metrics."""
    from pytest_lambda.function import LambdaFunction

    (tmp_path / "app.py").write_text(HANDLER)
    with LambdaFunction("app.handler", code_dir=str(tmp_path), name="orders") as fn:
        fn.add_listener(CloudWatchExporter())
        fn.invoke({"id": 5}, invocation_type="Event")
        fn.account.drain()
    assert statistics("AsyncEventsReceived", "AWS/Lambda", {"FunctionName": "orders"},
                      "Sum") == 1
    assert statistics("AsyncEventAge", "AWS/Lambda", {"FunctionName": "orders"},
                      "SampleCount") == 1


def test_export_function(aws: None, tmp_path: Path) -> None:
    """``export_function`` exports everything a function produced so far."""
    from pytest_lambda.function import LambdaFunction

    (tmp_path / "app.py").write_text(HANDLER)
    fn = LambdaFunction("app.handler", code_dir=str(tmp_path), name="orders")
    try:
        fn.invoke({"id": 4})
        export_function(fn)
    finally:
        fn.close()
    assert any(json.loads(m).get("Orders") == 4 for m in messages("/aws/lambda/orders")
               if m.startswith("{"))  # fmt: skip
    assert statistics("Errors", "AWS/Lambda", {"FunctionName": "orders"}, "Sum") == 0


def test_other_client_errors_propagate(aws: None) -> None:
    """Errors other than 'already exists' are not swallowed."""

    class Broken:
        def create_log_group(self, **kwargs: Any) -> None:
            raise RuntimeError("denied")

    with pytest.raises(RuntimeError, match="denied"):
        export_logs([], log_group="g", client=Broken())
