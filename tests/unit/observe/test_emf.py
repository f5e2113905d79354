"""Unit tests for Embedded Metric Format parsing and validation against the specification."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import pytest

from pytest_lambda.observe.emf import (
    LAMBDA_PIECE_BYTES,
    MAX_EVENT_BYTES,
    EmfError,
    looks_like_emf,
    parse,
    validate,
)
from pytest_lambda.observe.metrics import MetricRecord

#: The example document of the CloudWatch "Specification: Embedded metric format" page.
SPEC_EXAMPLE: dict[str, Any] = {
    "_aws": {
        "Timestamp": 1574109732004,
        "CloudWatchMetrics": [
            {
                "Namespace": "lambda-function-metrics",
                "Dimensions": [["functionVersion"]],
                "Metrics": [{"Name": "time", "Unit": "Milliseconds", "StorageResolution": 60}],
            }
        ],
    },
    "functionVersion": "$LATEST",
    "time": 100,
    "requestId": "989ffbf8-9ace-4817-a57c-e4dd734019ee",
}


def doc_with(**changes: Any) -> dict[str, Any]:
    """A deep copy of the spec example with root members replaced."""
    doc = copy.deepcopy(SPEC_EXAMPLE)
    doc.update(changes)
    return doc


def reasons(doc: dict[str, Any]) -> str:
    """The rejection reasons of ``doc`` joined into one string."""
    outcome = parse(json.dumps(doc))
    assert isinstance(outcome, EmfError), outcome
    return "; ".join(outcome.reasons)


def test_spec_example_is_parsed() -> None:
    """The specification's example yields one metric with its unit, resolution and dimension."""
    outcome = parse(json.dumps(SPEC_EXAMPLE), request_id="r")
    assert isinstance(outcome, list)
    (record,) = outcome
    assert record == MetricRecord(
        namespace="lambda-function-metrics",
        name="time",
        values=(100.0,),
        unit="Milliseconds",
        dimension_sets=({"functionVersion": "$LATEST"},),
        timestamp=1574109732004,
        storage_resolution=60,
        request_id="r",
        source="emf",
    )


def test_plain_text_and_json_without_aws_are_not_emf() -> None:
    """Only JSON objects with an ``_aws`` member are EMF candidates."""
    assert parse("hello") is None
    assert parse('{"level": "INFO", "message": "x"}') is None
    assert parse('[INFO]\t2024-01-01T00:00:00.000Z\tid\t{"_aws": {}}') is None
    assert looks_like_emf(json.dumps(SPEC_EXAMPLE) + "\n") is not None


def test_defaults_for_unit_and_resolution() -> None:
    """Unit defaults to None and StorageResolution to 60."""
    doc = copy.deepcopy(SPEC_EXAMPLE)
    doc["_aws"]["CloudWatchMetrics"][0]["Metrics"] = [{"Name": "time"}]
    (record,) = parse(json.dumps(doc))  # type: ignore[misc]
    assert (record.unit, record.storage_resolution) == ("None", 60)


def test_high_resolution_and_multiple_values() -> None:
    """A StorageResolution of 1 and an array of values are kept."""
    doc = doc_with(time=[1, 2.5, 3])
    doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["StorageResolution"] = 1
    (record,) = parse(json.dumps(doc))  # type: ignore[misc]
    assert record.values == (1.0, 2.5, 3.0)
    assert record.storage_resolution == 1


def test_multiple_dimension_sets_and_directives() -> None:
    """Every dimension set and every directive is extracted."""
    doc = doc_with(service="orders")
    directive = doc["_aws"]["CloudWatchMetrics"][0]
    directive["Dimensions"] = [["functionVersion"], ["functionVersion", "service"], []]
    doc["_aws"]["CloudWatchMetrics"].append(
        {"Namespace": "other", "Dimensions": [[]], "Metrics": [{"Name": "time"}]}
    )
    records = parse(json.dumps(doc))
    assert isinstance(records, list)
    assert [r.namespace for r in records] == ["lambda-function-metrics", "other"]
    assert records[0].dimension_sets[1] == {"functionVersion": "$LATEST", "service": "orders"}
    assert records[0].dimension_sets[2] == {}


def test_dotted_target_is_a_literal_top_level_key() -> None:
    """A target named ``A.a`` refers to a root key literally called ``A.a``."""
    doc = copy.deepcopy(SPEC_EXAMPLE)
    doc["_aws"]["CloudWatchMetrics"][0]["Metrics"] = [{"Name": "A.a"}]
    doc["A"] = {"a": 5}
    assert "metric 'A.a' has no value" in reasons(doc)
    doc["A.a"] = 5
    assert isinstance(parse(json.dumps(doc)), list)


@pytest.mark.parametrize(
    ("aws", "expected"),
    [
        ("nope", "_aws must be an object, got str"),
        ({"CloudWatchMetrics": []}, "_aws.Timestamp is missing"),
        ({"Timestamp": "2020", "CloudWatchMetrics": []}, "_aws.Timestamp must be a non-negative"),
        ({"Timestamp": 1}, "_aws.CloudWatchMetrics must be an array"),
        ({"Timestamp": 1, "CloudWatchMetrics": [1]}, "CloudWatchMetrics[0] must be an object"),
    ],
)
def test_bad_aws_block_is_rejected(aws: Any, expected: str) -> None:
    """A malformed ``_aws`` block is rejected with the reason."""
    assert expected in reasons(doc_with(_aws=aws))


def test_metric_without_value_is_rejected() -> None:
    """A metric whose target member is absent is rejected."""
    doc = copy.deepcopy(SPEC_EXAMPLE)
    del doc["time"]
    assert "metric 'time' has no value: the document has no root member 'time'" in reasons(doc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("100", "value must be a number or an array of numbers"),
        (True, "value must be a number"),
        ([], "empty array of values"),
        ([1, "x"], "non-numeric value in its array"),
        (list(range(101)), "has 101 values; at most 100 are allowed"),
    ],
)
def test_bad_metric_values_are_rejected(value: Any, expected: str) -> None:
    """Metric targets must be numbers or arrays of at most 100 numbers."""
    assert expected in reasons(doc_with(time=value))


def test_one_hundred_values_are_accepted() -> None:
    """Exactly 100 values is within the limit."""
    assert isinstance(parse(json.dumps(doc_with(time=list(range(100))))), list)


def test_dimension_limits() -> None:
    """A dimension set may hold 30 dimensions, not 31, and values must be short strings."""
    names = [f"d{i}" for i in range(31)]
    doc = doc_with(**{n: "v" for n in names})
    doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = [names[:30]]
    assert isinstance(parse(json.dumps(doc)), list)
    doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = [names]
    assert "has 31 dimensions; at most 30 are allowed" in reasons(doc)
    assert "dimension 'functionVersion' value must be a string" in reasons(
        doc_with(functionVersion=1)
    )
    assert "value is 1025 characters long" in reasons(doc_with(functionVersion="x" * 1025))


def test_dimension_without_value_is_rejected() -> None:
    """A dimension whose root member is missing is rejected."""
    doc = copy.deepcopy(SPEC_EXAMPLE)
    del doc["functionVersion"]
    assert "dimension 'functionVersion' has no value" in reasons(doc)


def test_metric_definition_limit() -> None:
    """A directive may define 100 metrics, not 101."""
    names = [f"m{i}" for i in range(101)]
    doc = doc_with(**dict.fromkeys(names, 1))
    doc["_aws"]["CloudWatchMetrics"][0]["Metrics"] = [{"Name": n} for n in names[:100]]
    assert len(parse(json.dumps(doc))) == 100  # type: ignore[arg-type]
    doc["_aws"]["CloudWatchMetrics"][0]["Metrics"] = [{"Name": n} for n in names]
    assert "has 101 definitions; at most 100 are allowed" in reasons(doc)


def test_bad_unit_resolution_and_namespace() -> None:
    """Unknown units, resolutions other than 1/60 and empty namespaces are rejected."""
    doc = copy.deepcopy(SPEC_EXAMPLE)
    directive = doc["_aws"]["CloudWatchMetrics"][0]
    directive["Namespace"] = ""
    directive["Metrics"] = [{"Name": "time", "Unit": "Millis", "StorageResolution": 5}]
    text = reasons(doc)
    assert "Namespace must be a string of 1-255 characters" in text
    assert "Unit 'Millis', which is not a CloudWatch unit" in text
    assert "StorageResolution 5; it must be 1 or 60" in text


def _directive(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["_aws"]["CloudWatchMetrics"][0]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(functionVersion=""), "must be ASCII and hold a non-whitespace"),
        (lambda d: d.update(functionVersion="  "), "must be ASCII and hold a non-whitespace"),
        (lambda d: d.update(functionVersion="café"), "must be ASCII and hold a non-whitespace"),
        (lambda d: (d.update({":v": "x"}), _directive(d).update(Dimensions=[[":v"]])),
         "names must be ASCII, hold a non-whitespace character and not start with ':'"),
        (lambda d: _directive(d).update(Namespace="N" * 256),
         "Namespace must be a string of 1-255 characters"),
        (lambda d: _directive(d).update(Namespace="Café"), "must be ASCII without control"),
        (lambda d: d.update(time=1e200), "outside -2^360..2^360"),
        (lambda d: d.update(time=[1, -1e200]), "outside -2^360..2^360"),
    ],
)
def test_documents_cloudwatch_cannot_turn_into_metrics_are_rejected(
        change: Any, expected: str) -> None:
    """Dimension names and values, namespaces and values CloudWatch refuses (CloudWatch API
    reference: Dimension, Metric, PutMetricData) are reasons, not metrics."""
    doc = copy.deepcopy(SPEC_EXAMPLE)
    change(doc)
    assert expected in reasons(doc)


def test_a_document_cut_into_log_events_is_a_reason_not_silence() -> None:
    """An EMF line longer than a Lambda log event arrives as pieces that are not JSON: the
    first piece is reported (it was dropped without a word), the pieces of plain text not."""
    from pytest_lambda.runtime.capture import MAX_EVENT_BYTES as CAPTURE_PIECE

    assert LAMBDA_PIECE_BYTES == CAPTURE_PIECE
    line = json.dumps(doc_with(padding="x" * LAMBDA_PIECE_BYTES))
    piece = line.encode()[:LAMBDA_PIECE_BYTES].decode()
    outcome = parse(piece, request_id="r-1")
    assert isinstance(outcome, EmfError)
    assert "longer than one Lambda log event" in outcome.reasons[0]
    assert parse("x" * LAMBDA_PIECE_BYTES) is None
    assert parse(line.encode()[LAMBDA_PIECE_BYTES:].decode()) is None


def test_missing_dimensions_array_is_rejected() -> None:
    """A directive needs a non-empty Dimensions array."""
    doc = copy.deepcopy(SPEC_EXAMPLE)
    del doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    assert "Dimensions must be a non-empty array" in reasons(doc)


def test_event_size_limit() -> None:
    """A document larger than the CloudWatch Logs event limit is rejected."""
    big = doc_with(padding="x" * MAX_EVENT_BYTES)
    assert f"the limit is {MAX_EVENT_BYTES} bytes" in reasons(big)
    assert validate(SPEC_EXAMPLE, size=MAX_EVENT_BYTES) == []


def test_error_str_names_reason_and_request() -> None:
    """An EmfError reads as its reasons, the request id and the document."""
    error = EmfError(("bad thing",), '{"_aws": 1}', "req-9")
    assert str(error) == 'bad thing (request req-9): {"_aws": 1}'


def test_powertools_metrics_output_is_parsed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Powertools for AWS Lambda Metrics output parses into the metrics it added."""
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricResolution, MetricUnit

    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    metrics = Metrics(namespace="Shop", service="orders")
    metrics.add_dimension(name="env", value="test")
    metrics.add_metric(name="Orders", unit=MetricUnit.Count, value=2)
    metrics.add_metric(name="Orders", unit=MetricUnit.Count, value=3)
    metrics.add_metric(
        name="Latency", unit=MetricUnit.Milliseconds, value=7, resolution=MetricResolution.High
    )
    metrics.flush_metrics()
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.strip()]
    records = parse(line)
    assert isinstance(records, list)
    by_name = {r.name: r for r in records}
    assert by_name["Orders"].values == (2.0, 3.0)
    assert by_name["Orders"].unit == "Count"
    assert by_name["Orders"].dimension_sets == ({"service": "orders", "env": "test"},)
    assert by_name["Latency"].storage_resolution == 1
    assert {r.namespace for r in records} == {"Shop"}


def test_aws_embedded_metrics_output_is_parsed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """aws-embedded-metrics output from its Lambda environment parses into its metrics."""
    from aws_embedded_metrics.environment.lambda_environment import LambdaEnvironment
    from aws_embedded_metrics.logger.metrics_context import MetricsContext
    from aws_embedded_metrics.logger.metrics_logger import MetricsLogger
    from aws_embedded_metrics.storage_resolution import StorageResolution

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")

    async def environment() -> LambdaEnvironment:
        return LambdaEnvironment()

    async def emit() -> None:
        logger = MetricsLogger(environment, MetricsContext.empty())
        logger.set_namespace("Shop")
        logger.put_dimensions({"Operation": "Create"})
        logger.put_metric("Orders", 1, "Count")
        logger.put_metric("Orders", 4, "Count")
        logger.put_metric("Bytes", 512, "Bytes", StorageResolution.HIGH)
        await logger.flush()

    asyncio.run(emit())
    lines = [x for x in capsys.readouterr().out.splitlines() if x.strip()]
    records = [r for line in lines for r in parse(line) or []]  # type: ignore[union-attr]
    by_name = {r.name: r for r in records}
    assert by_name["Orders"].values == (1.0, 4.0)
    assert by_name["Bytes"].storage_resolution == 1
    assert {"Operation": "Create"} in [
        {k: v for k, v in ds.items() if k == "Operation"} for ds in by_name["Orders"].dimension_sets
    ]
    assert by_name["Orders"].namespace == "Shop"
