"""Optional export of captured logs and metrics into CloudWatch Logs and CloudWatch (moto).

Code under test that reads its own logs or metrics through boto3 (``filter_log_events``,
``get_metric_statistics``) then sees what the handler produced. Use it inside a moto mock
(``moto.mock_aws`` or the ``lambda_aws`` fixture); boto3 is imported only when exporting.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pytest_lambda.observe.logs import LogEvent
from pytest_lambda.observe.metrics import MetricRecord, MetricStore
from pytest_lambda.service.boto import client as make_client

_MAX_LOG_BATCH = 10_000
_MAX_METRIC_BATCH = 1_000
_MAX_VALUES_PER_DATUM = 150
_DEFAULT_STREAM = "pytest-lambda"


def _client(service: str, region: str | None, client: Any) -> Any:
    if client is not None:
        return client
    return make_client(service, region or "us-east-1")


def _ensure(call: Any, **kwargs: Any) -> None:
    """Create a log group or stream, accepting that it already exists."""
    try:
        call(**kwargs)
    except Exception as exc:  # botocore's ClientError; not imported to keep boto3 lazy
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code != "ResourceAlreadyExistsException":
            raise


def export_logs(
    events: Iterable[LogEvent],
    *,
    log_group: str,
    region: str | None = None,
    client: Any = None,
) -> int:
    """Put ``events`` into ``log_group`` (one stream per event stream); return the count."""
    logs = _client("logs", region, client)
    by_stream: dict[str, list[LogEvent]] = {}
    for event in events:
        by_stream.setdefault(event.stream or _DEFAULT_STREAM, []).append(event)
    _ensure(logs.create_log_group, logGroupName=log_group)
    count = 0
    for stream, stream_events in by_stream.items():
        _ensure(logs.create_log_stream, logGroupName=log_group, logStreamName=stream)
        ordered = sorted(stream_events, key=lambda e: e.timestamp)
        for start in range(0, len(ordered), _MAX_LOG_BATCH):
            batch = ordered[start : start + _MAX_LOG_BATCH]
            logs.put_log_events(
                logGroupName=log_group,
                logStreamName=stream,
                logEvents=[
                    {"timestamp": e.timestamp, "message": e.message.rstrip("\n") or " "}
                    for e in batch
                ],
            )
            count += len(batch)
    return count


def metric_data(record: MetricRecord) -> list[dict[str, Any]]:
    """The ``PutMetricData`` datums of one record: one per dimension set and 150 values."""
    stamp = datetime.fromtimestamp(record.timestamp / 1000, tz=UTC)
    out: list[dict[str, Any]] = []
    for dimension_set in record.dimension_sets:
        for start in range(0, len(record.values), _MAX_VALUES_PER_DATUM):
            out.append(
                {
                    "MetricName": record.name,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dimension_set.items()],
                    "Timestamp": stamp,
                    "Values": list(record.values[start : start + _MAX_VALUES_PER_DATUM]),
                    "Unit": record.unit,
                    "StorageResolution": record.storage_resolution,
                }
            )
    return out


def export_metrics(
    records: Iterable[MetricRecord], *, region: str | None = None, client: Any = None
) -> int:
    """Put every record into CloudWatch under its namespace; return the number of datums."""
    cloudwatch = _client("cloudwatch", region, client)
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_namespace.setdefault(record.namespace, []).extend(metric_data(record))
    count = 0
    for namespace, data in by_namespace.items():
        for start in range(0, len(data), _MAX_METRIC_BATCH):
            batch = data[start : start + _MAX_METRIC_BATCH]
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=batch)
            count += len(batch)
    return count


def _log_group(config: Any, function_name: str) -> str:
    return str(getattr(config, "log_group", None) or f"/aws/lambda/{function_name}")


def export_function(fn: Any, *, region: str | None = None) -> None:
    """Export everything a ``LambdaFunction`` has logged and measured so far."""
    config = fn.config
    region = region or getattr(config, "region", None)
    group = getattr(fn, "log_group", None)
    if not isinstance(group, str):
        group = _log_group(config, fn.name)
    export_logs(fn.logs, log_group=group, region=region)
    export_metrics(fn.metrics.records, region=region)


class CloudWatchExporter:
    """A ``LambdaFunction`` listener exporting each invocation's logs and metrics as it ends.

    ``fn.add_listener(CloudWatchExporter())`` inside a moto mock keeps CloudWatch Logs and
    CloudWatch in step with the function, the asynchronous-invocation and event-source metrics
    included.
    """

    def __init__(self, *, region: str | None = None) -> None:
        self.region = region

    def attach(self, fn: Any) -> None:
        """Also export the metrics no invocation result carries (AsyncEventAge, IteratorAge,
        DeadLetterErrors, ...) as ``fn`` records them (``add_listener`` calls this)."""
        region = self.region or getattr(fn.config, "region", None)
        fn.metrics.on_direct_record(lambda record: export_metrics([record], region=region))

    def __call__(self, result: Any) -> None:
        config = getattr(result, "config", None)
        region = self.region or getattr(config, "region", None)
        if not getattr(result, "throttled", False):
            export_logs(
                result.logs, log_group=_log_group(config, result.function_name), region=region
            )
        export_metrics(MetricStore.from_results([result]).records, region=region)
