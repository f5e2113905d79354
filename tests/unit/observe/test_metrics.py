"""Unit tests for the metric model: Lambda metrics, statistics and queries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from pytest_lambda.observe.logs import LogEvent, LogView
from pytest_lambda.observe.metrics import (
    LAMBDA_METRIC_UNITS,
    LAMBDA_NAMESPACE,
    MetricNotFound,
    MetricRecord,
    MetricStore,
    MetricView,
    lambda_dimension_sets,
    percentile,
    statistic,
)
from pytest_lambda.report import Report


@dataclass
class FakeResult:
    """The InvokeResult attributes the metric store reads."""

    request_id: str = "req-1"
    function_name: str = "orders"
    executed_version: str = "$LATEST"
    timed_out: bool = False
    function_error: str | None = None
    start_time: float = 1_700_000_000_000.0
    duration_ms: float = 12.5
    throttled: bool = False
    qualifier: str | None = None
    logs: LogView = field(default_factory=LogView)

    @property
    def report(self) -> Report:
        """A REPORT matching the fake invocation."""
        status = "timeout" if self.timed_out else "error" if self.function_error else "success"
        return Report(self.request_id, self.duration_ms, 13, 128, 40, None, status)  # type: ignore[arg-type]


def emf_line(**values: Any) -> str:
    """A one-metric EMF document with the given root members."""
    doc = {
        "_aws": {
            "Timestamp": 1_700_000_000_000,
            "CloudWatchMetrics": [
                {"Namespace": "Shop", "Dimensions": [["service"]], "Metrics": [{"Name": "Orders"}]}
            ],
        },
        "service": "orders",
        **values,
    }
    return json.dumps(doc)


def test_lambda_metric_units_match_cloudwatch() -> None:
    """Lambda's function metrics carry CloudWatch's units."""
    assert LAMBDA_METRIC_UNITS["Invocations"] == "Count"
    assert LAMBDA_METRIC_UNITS["Duration"] == "Milliseconds"
    assert LAMBDA_METRIC_UNITS["IteratorAge"] == "Milliseconds"
    assert LAMBDA_METRIC_UNITS["ConcurrentExecutions"] == "Count"


def test_statistics_on_known_values() -> None:
    """Sum, Average, Minimum, Maximum and SampleCount match hand computation."""
    values = [4.0, 1.0, 3.0, 2.0]
    assert statistic(values, "Sum") == 10
    assert statistic(values, "Average") == 2.5
    assert statistic(values, "Minimum") == 1
    assert statistic(values, "Maximum") == 4
    assert statistic(values, "SampleCount") == 4


def test_percentile_is_nearest_rank() -> None:
    """Percentiles are observed values chosen by nearest rank."""
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99.5) == 100
    assert statistic([10.0, 20.0, 30.0], "p50") == 20
    assert statistic([10.0, 20.0, 30.0], "p0") == 10
    assert statistic([7.0], "p99.9") == 7


def test_unknown_statistic_lists_valid_ones() -> None:
    """An unknown statistic name is rejected with the valid names."""
    with pytest.raises(ValueError, match="use one of Sum, Average"):
        statistic([1.0], "Median")


def test_sum_and_count_of_nothing_are_zero() -> None:
    """Sum and SampleCount of no values are zero, as in CloudWatch."""
    assert statistic([], "Sum") == 0
    assert statistic([], "SampleCount") == 0
    with pytest.raises(ValueError, match="no values"):
        statistic([], "Average")


def test_dimension_sets_for_unqualified_invocation() -> None:
    """An unqualified invocation is published per account and per function."""
    assert lambda_dimension_sets("f") == ({}, {"FunctionName": "f"})


def test_dimension_sets_for_alias() -> None:
    """An alias invocation adds Resource and ExecutedVersion dimension sets."""
    sets = lambda_dimension_sets("f", "live", "3")
    assert {"FunctionName": "f", "Resource": "f:live"} in sets
    assert {"FunctionName": "f", "Resource": "f:live", "ExecutedVersion": "3"} in sets


def test_dimension_sets_for_version_have_no_executed_version() -> None:
    """A version invocation adds Resource but not ExecutedVersion."""
    sets = lambda_dimension_sets("f", "3", "3")
    assert sets[-1] == {"FunctionName": "f", "Resource": "f:3"}


def test_record_invocation_emits_lambda_metrics() -> None:
    """A successful invocation records Invocations 1, Errors 0, its Duration and concurrency."""
    store = MetricStore()
    store.record_invocation(FakeResult())
    assert store.sum("Invocations") == 1
    assert store.sum("Errors") == 0
    assert store.values("Duration") == [12.5]
    assert store.statistic("ConcurrentExecutions", "Maximum") == 1
    assert store.sum("Invocations", dimensions={"FunctionName": "orders"}) == 1
    record = store.select("Duration")[0]
    assert record.namespace == LAMBDA_NAMESPACE
    assert record.unit == "Milliseconds"
    assert record.timestamp == 1_700_000_000_000


def test_errors_count_function_errors_and_timeouts() -> None:
    """Function errors and timeouts both count as Errors."""
    store = MetricStore()
    store.record_invocation(FakeResult("a", function_error="Unhandled"))
    store.record_invocation(FakeResult("b", timed_out=True, start_time=1_700_000_001_000.0))
    store.record_invocation(FakeResult("c", start_time=1_700_000_002_000.0))
    assert store.sum("Errors") == 2
    assert store.sum("Invocations") == 3


def test_concurrency_counts_overlapping_invocations() -> None:
    """Invocations whose run times overlap raise ConcurrentExecutions."""
    store = MetricStore()
    store.record_invocation(FakeResult("a", start_time=1000.0, duration_ms=100))
    store.record_invocation(FakeResult("b", start_time=1050.0, duration_ms=100))
    store.record_invocation(FakeResult("c", start_time=5000.0, duration_ms=100))
    assert store.values("ConcurrentExecutions") == [1, 2, 1]


def test_throttle_is_not_an_invocation() -> None:
    """A throttled request records Throttles and no Invocations."""
    store = MetricStore.from_results([FakeResult(throttled=True)])
    assert store.sum("Throttles") == 1
    with pytest.raises(MetricNotFound, match="'Invocations' was never emitted"):
        store.sum("Invocations")


def test_alias_invocation_queryable_by_executed_version() -> None:
    """Metrics of an alias invocation can be read per ExecutedVersion."""
    store = MetricStore()
    store.record_invocation(FakeResult(qualifier="live", executed_version="2"))
    dims = {"FunctionName": "orders", "Resource": "orders:live", "ExecutedVersion": "2"}
    assert store.sum("Invocations", dimensions=dims) == 1


def test_reserved_async_metrics_can_be_recorded() -> None:
    """The async and stream metrics share the same model."""
    store = MetricStore()
    store.record_lambda_metric("IteratorAge", 250, function_name="f", timestamp=0)
    store.record_lambda_metric("DeadLetterErrors", 1, function_name="f", timestamp=0)
    assert store.values("IteratorAge") == [250]
    assert store.select("DeadLetterErrors")[0].unit == "Count"


def test_unknown_lambda_metric_is_rejected() -> None:
    """Recording a metric Lambda does not publish fails, naming the known ones."""
    with pytest.raises(ValueError, match="not a Lambda metric; known metrics: AsyncEventAge"):
        MetricStore().record_lambda_metric("Invocation", 1, function_name="f", timestamp=0)


def test_missing_metric_lists_recorded_ones() -> None:
    """Querying a metric never emitted says so and lists what was recorded."""
    store = MetricStore()
    store.record_invocation(FakeResult())
    with pytest.raises(MetricNotFound) as info:
        store.values("Orders")
    text = str(info.value)
    assert "metric 'Orders' was never emitted" in text
    assert "AWS/Lambda Invocations [Count] values=[1]" in text


def test_wrong_dimensions_list_the_emitted_ones() -> None:
    """Querying with a dimension set never used lists the sets that were."""
    store = MetricStore()
    store.record_invocation(FakeResult())
    with pytest.raises(
        MetricNotFound, match=r"emitted with: \(no dimensions\); \{FunctionName=orders\}"
    ):
        store.sum("Invocations", dimensions={"FunctionName": "other"})


def test_emf_events_become_metrics() -> None:
    """EMF documents in the logs become custom metrics tagged with the request id."""
    store = MetricStore()
    store.ingest_log_events([LogEvent(1, emf_line(Orders=3), "req-1"), LogEvent(2, "hello")])
    assert store.sum("Orders", dimensions={"service": "orders"}) == 3
    assert store.select("Orders")[0].request_id == "req-1"
    assert store.emf_errors == []


def test_invalid_emf_is_kept_with_reason() -> None:
    """A rejected EMF document is kept with its reason and shown when a metric is missing."""
    store = MetricStore()
    store.ingest_log_events([LogEvent(1, emf_line(), "req-1")])
    assert len(store.emf_errors) == 1
    assert "metric 'Orders' has no value" in str(store.emf_errors[0])
    with pytest.raises(MetricNotFound, match="rejected EMF document: metric 'Orders' has no value"):
        store.values("Orders")


def test_same_name_in_two_namespaces_needs_namespace() -> None:
    """A metric name used in two namespaces must be qualified."""
    store = MetricStore()
    store.record_invocation(FakeResult())
    store.add(MetricRecord("App", "Duration", (5.0,), source="emf"))
    with pytest.raises(MetricNotFound, match="several namespaces"):
        store.values("Duration")
    assert store.values("Duration", namespace="App") == [5.0]


def test_for_request_selects_one_invocation() -> None:
    """``for_request`` keeps only the records of one invocation."""
    store = MetricStore()
    store.record_invocation(FakeResult("a", start_time=0.0))
    store.record_invocation(FakeResult("b", start_time=100.0))
    view = store.for_request("b")
    assert isinstance(view, MetricView)
    assert view.sum("Invocations") == 1
    assert {r.request_id for r in view.records} == {"b"}


def test_record_as_dict_is_json_ready() -> None:
    """A record converts to a JSON-serialisable dict."""
    record = MetricRecord("App", "X", (1.0, 2.0), "Count", ({"a": "b"},), 5)
    assert json.loads(json.dumps(record.as_dict()))["dimension_sets"] == [{"a": "b"}]
