"""Event source mappings (Kinesis, DynamoDB Streams, SQS) and push triggers (S3, SNS) on moto.

>>> mapping = create_event_source_mapping(fn, stream_arn, batch_size=100)  # doctest: +SKIP
>>> mapping.drain()                          # every batch, retries included  # doctest: +SKIP
>>> trigger = connect_s3_notifications(fn, "uploads", prefix="in/")  # doctest: +SKIP
>>> trigger.drain()                          # one async invocation per object  # doctest: +SKIP

Parameters are validated as ``CreateEventSourceMapping`` validates them, with Lambda's
wording followed by the fix. Everything is read from, and written to, the active moto mock.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pytest_lambda.arn import Arn
from pytest_lambda.errors import InvalidParameterValueException, ResourceNotFoundException
from pytest_lambda.sources.common import client
from pytest_lambda.sources.filtering import FilterCriteria
from pytest_lambda.sources.mapping import EventSourceMapping
from pytest_lambda.sources.push import PushTrigger, S3Trigger, SnsTrigger

if TYPE_CHECKING:
    from pytest_lambda.function import LambdaFunction

__all__ = [
    "EventSourceMapping",
    "PushTrigger",
    "connect_s3_notifications",
    "create_event_source_mapping",
    "subscribe_sns",
]

STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
RESPONSE_TYPES = ("ReportBatchItemFailures",)
_STREAM_ONLY = ("maximum_retry_attempts", "maximum_record_age_in_seconds",
                "bisect_batch_on_function_error", "destination_config", "parallelization_factor")
_STREAM_DEFAULTS: dict[str, Any] = {
    "maximum_retry_attempts": -1, "maximum_record_age_in_seconds": -1,
    "bisect_batch_on_function_error": False, "destination_config": None,
    "parallelization_factor": 1,
}


def _invalid(message: str, fix: str) -> InvalidParameterValueException:
    return InvalidParameterValueException(f"{message} {fix}")


def _source_kind(arn: str) -> str:
    parsed = Arn.parse(arn)
    service = parsed.service if parsed is not None else ""
    if parsed is not None and service == "kinesis" and parsed.resource.startswith("stream/"):
        return "kinesis"
    if parsed is not None and service == "dynamodb" and "/stream/" in parsed.resource:
        return "dynamodb"
    if service == "sqs":
        return "sqs"
    raise _invalid(f"Unsupported event source type or ARN: {arn!r}.",
                   "Pass the ARN of a Kinesis stream, a DynamoDB table's stream "
                   "(LatestStreamArn) or an SQS queue.")


def _int_in(name: str, value: object, low: int, high: int, fix: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(f"{name} must be between {low} and {high} (got {value!r}).",
                       fix or f"Use a value from {low} to {high}.")
    return value


def _check_common(kind: str, p: dict[str, Any]) -> None:
    default_batch = 10 if kind == "sqs" else 100
    if p["batch_size"] is None:
        p["batch_size"] = default_batch
    _int_in("BatchSize", p["batch_size"], 1, 10_000)
    _int_in("MaximumBatchingWindowInSeconds", p["maximum_batching_window_in_seconds"], 0, 300)
    given = p["function_response_types"]
    if isinstance(given, str):
        raise _invalid(f"function_response_types={given!r} is a str, not a list.",
                       f"Pass a list: function_response_types=[{given!r}].")
    types = tuple(given)
    for item in types:
        if item not in RESPONSE_TYPES:
            raise _invalid(f"Unsupported FunctionResponseType: {item!r}.",
                           "The only value is 'ReportBatchItemFailures'.")
    p["function_response_types"] = types


def _check_stream(kind: str, p: dict[str, Any]) -> None:
    position = p["starting_position"] or "TRIM_HORIZON"
    if position not in STARTING_POSITIONS:
        raise _invalid(f"Unsupported starting position {position!r}.",
                       "Use TRIM_HORIZON, LATEST or AT_TIMESTAMP.")
    if kind == "dynamodb" and position == "AT_TIMESTAMP":
        raise _invalid("Unsupported starting position for DynamoDB Streams: AT_TIMESTAMP.",
                       "DynamoDB streams start at TRIM_HORIZON or LATEST.")
    at = p["starting_position_timestamp"]
    if (position == "AT_TIMESTAMP") != (at is not None):
        raise _invalid("StartingPositionTimestamp is required with AT_TIMESTAMP, and only "
                       "with it.", "Pass starting_position_timestamp (epoch seconds or a "
                       "datetime) together with starting_position='AT_TIMESTAMP'.")
    if isinstance(at, _dt.datetime):
        at = at.timestamp()
    p["starting_position"], p["starting_position_timestamp"] = position, at
    _int_in("MaximumRetryAttempts", p["maximum_retry_attempts"], -1, 10_000,
            "Use -1 (retry until the records expire) or 0 to 10000.")
    age = p["maximum_record_age_in_seconds"]
    if age != -1:
        _int_in("MaximumRecordAgeInSeconds", age, 60, 604_800,
                "Use -1 (no limit) or 60 to 604800 seconds.")
    _int_in("ParallelizationFactor", p["parallelization_factor"], 1, 10)
    if not isinstance(p["bisect_batch_on_function_error"], bool):
        raise _invalid("BisectBatchOnFunctionError must be a boolean.", "Pass True or False.")
    dest = p["destination_config"]
    if dest is not None:
        target = (dest.get("OnFailure") or {}).get("Destination") if isinstance(
            dest, Mapping) else None
        target_arn = Arn.parse(target)
        if set(dest or {}) - {"OnFailure"} or target_arn is None or \
                target_arn.service not in ("sqs", "sns", "s3"):
            raise _invalid(f"Unsupported DestinationConfig {dest!r}.",
                           "Stream mappings take {'OnFailure': {'Destination': <ARN of an "
                           "SQS queue, SNS topic or S3 bucket>}} (no OnSuccess).")


def _check_sqs(fn: LambdaFunction, arn: str, p: dict[str, Any]) -> tuple[str, int]:
    if p["starting_position"] is not None or p["starting_position_timestamp"] is not None:
        raise _invalid("StartingPosition is not valid for SQS event sources.",
                       "Leave starting_position out: Lambda reads whatever the queue holds.")
    for name in _STREAM_ONLY:
        if p[name] != _STREAM_DEFAULTS[name]:
            raise _invalid(f"Unsupported parameter for SQS event sources: {name}.",
                           "SQS retries through the queue: use its visibility timeout and a "
                           "redrive policy (maxReceiveCount + dead-letter queue).")
    parsed = Arn.require(arn)
    region, account, name = parsed.region, parsed.account, parsed.resource
    sqs = client("sqs", region)
    try:
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    except Exception:
        raise ResourceNotFoundException(
            f"Queue not found: {arn}. Create it in moto (sqs.create_queue) before the "
            "mapping.") from None
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    fifo = attributes.get("FifoQueue") == "true"
    if fifo and p["batch_size"] > 10:
        raise _invalid(f"BatchSize must be between 1 and 10 for FIFO queues (got "
                       f"{p['batch_size']}).", "Use batch_size <= 10 with a .fifo queue.")
    if fifo and p["maximum_batching_window_in_seconds"]:
        raise _invalid("MaximumBatchingWindowInSeconds is not supported for FIFO queues.",
                       "Leave maximum_batching_window_in_seconds at 0 for a .fifo queue.")
    if p["batch_size"] > 10 and p["maximum_batching_window_in_seconds"] < 1:
        raise _invalid("Maximum batch window in seconds must be greater than 0 if maximum "
                       "batch size is greater than 10.",
                       "Set maximum_batching_window_in_seconds=1 (or more), or batch_size<=10.")
    visibility = int(attributes.get("VisibilityTimeout", "30"))
    timeout = fn.config.timeout
    if visibility < timeout:
        raise _invalid(f"Queue visibility timeout: {visibility} seconds is less than Function "
                       f"timeout: {timeout} seconds",
                       f"- raise the queue's VisibilityTimeout to at least {timeout} (AWS "
                       "recommends 6 x the function timeout) or lower the function timeout.")
    return url, visibility


def create_event_source_mapping(
    fn: LambdaFunction,
    arn: str,
    *,
    batch_size: int | None = None,
    starting_position: str | None = None,
    starting_position_timestamp: float | _dt.datetime | None = None,
    maximum_batching_window_in_seconds: int = 0,
    maximum_retry_attempts: int = -1,
    maximum_record_age_in_seconds: int = -1,
    bisect_batch_on_function_error: bool = False,
    function_response_types: Iterable[str] = (),
    destination_config: Mapping[str, Any] | None = None,
    parallelization_factor: int = 1,
    enabled: bool = True,
    filter_criteria: Mapping[str, Any] | None = None,
) -> EventSourceMapping:
    """``CreateEventSourceMapping``: poll ``arn`` (Kinesis, DynamoDB stream, SQS) into ``fn``.

    ``batch_size`` defaults to 100 for streams and 10 for SQS; ``starting_position`` to
    ``TRIM_HORIZON`` for streams (SQS takes none). ``filter_criteria``
    (``{"Filters": [{"Pattern": "<JSON>"}]}``) delivers only matching records
    (:mod:`pytest_lambda.sources.filtering`).
    """
    p: dict[str, Any] = {
        "batch_size": batch_size, "starting_position": starting_position,
        "starting_position_timestamp": starting_position_timestamp,
        "maximum_batching_window_in_seconds": maximum_batching_window_in_seconds,
        "maximum_retry_attempts": maximum_retry_attempts,
        "maximum_record_age_in_seconds": maximum_record_age_in_seconds,
        "bisect_batch_on_function_error": bisect_batch_on_function_error,
        "function_response_types": function_response_types,
        "destination_config": destination_config,
        "parallelization_factor": parallelization_factor, "enabled": bool(enabled),
    }
    kind = _source_kind(arn)
    _check_common(kind, p)
    p["filter_criteria"] = FilterCriteria(filter_criteria, kind)
    if kind == "sqs":
        # Only the poller of this source's kind is loaded.
        from pytest_lambda.sources.sqs import SqsMapping

        url, visibility = _check_sqs(fn, arn, p)
        return SqsMapping(fn, arn, p, url, visibility)
    _check_stream(kind, p)
    # Only the poller of this source's kind is loaded.
    from pytest_lambda.sources.streams import DynamoDBMapping, KinesisMapping

    try:
        return (KinesisMapping if kind == "kinesis" else DynamoDBMapping)(fn, arn, p)
    except Exception as exc:
        if type(exc).__name__ != "ResourceNotFoundException" and "ResourceNotFound" not in str(
                exc):
            raise
        raise ResourceNotFoundException(
            f"Stream not found: {arn}. Create it in moto first (for DynamoDB, a table with "
            "StreamSpecification, and pass its LatestStreamArn).") from None


def connect_s3_notifications(
    fn: LambdaFunction,
    bucket: str,
    events: Iterable[str] = ("s3:ObjectCreated:*",),
    prefix: str | None = None,
    suffix: str | None = None,
    *,
    configuration_id: str | None = None,
) -> PushTrigger:
    """A bucket notification to ``fn``: ``drain()`` delivers what S3 sent (asynchronously)."""
    if isinstance(events, str):
        raise _invalid(f"events={events!r} is a str, not a list of S3 event types.",
                       f"Pass a list: events=[{events!r}].")
    names = tuple(events)
    if not names or not all(isinstance(e, str) and e.startswith("s3:") for e in names):
        raise _invalid(f"Unsupported S3 event types {names!r}.",
                       "Name S3 event types with their prefix, e.g. 's3:ObjectCreated:*'.")
    try:
        return S3Trigger(fn, bucket, names, prefix, suffix, configuration_id)
    except Exception as exc:
        if "NoSuchBucket" in str(exc):
            raise ResourceNotFoundException(
                f"Bucket not found: {bucket}. Create it in moto (s3.create_bucket) first."
            ) from None
        raise


def subscribe_sns(
    fn: LambdaFunction,
    topic_arn: str,
    filter_policy: Mapping[str, Any] | None = None,
    *,
    filter_policy_scope: str = "MessageAttributes",
) -> PushTrigger:
    """``Subscribe(Protocol="lambda")``: ``drain()`` delivers what was published to ``fn``."""
    if topic_arn.endswith(".fifo"):
        raise _invalid(f"Invalid parameter: Invalid protocol type: lambda for FIFO topic "
                       f"{topic_arn}.", "Subscribe an SQS FIFO queue to the topic and map "
                       "that queue to the function instead.")
    if filter_policy_scope not in ("MessageAttributes", "MessageBody"):
        raise _invalid(f"Invalid FilterPolicyScope {filter_policy_scope!r}.",
                       "Use 'MessageAttributes' or 'MessageBody'.")
    policy = json.loads(json.dumps(filter_policy)) if filter_policy is not None else None
    try:
        return SnsTrigger(fn, topic_arn, policy, filter_policy_scope)
    except Exception as exc:
        if "NotFound" in str(exc):
            raise ResourceNotFoundException(
                f"Topic not found: {topic_arn}. Create it in moto (sns.create_topic) first."
            ) from None
        raise
