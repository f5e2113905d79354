"""Lambda's own invocation records, as a destination (another function, a queue, a topic,
EventBridge) receives them: asynchronous on-success / on-failure records and the on-failure
records of stream event source mappings.

Shapes: Lambda developer guide, "Capturing records of Lambda asynchronous invocations"
(invocation-async-retain-records.html, example invocation record): ``version`` "1.0",
``timestamp``, ``requestContext`` {requestId, functionArn (with the version), condition,
approximateInvokeCount}, ``requestPayload``, ``responseContext`` {statusCode, executedVersion,
functionError}, ``responsePayload``; conditions Success, RetriesExhausted, EventAgeExceeded.
"Using Lambda with Kinesis" / "... with DynamoDB" ("Configuring destinations for failed
invocations", example records): condition RetryAttemptsExhausted, an unqualified function ARN,
no payloads, and ``KinesisBatchInfo`` / ``DDBStreamBatchInfo`` {shardId, start/end sequence
numbers, approximate arrival of first/last record, batchSize, streamArn}.
"Capturing discarded batches for Amazon MSK and self-managed Apache Kafka event sources"
(kafka-on-failure.html, SNS/SQS and S3 example records): condition RetryAttemptsExhausted or
MaximumPayloadSizeExceeded (then ``responseContext`` is null), ``KafkaBatchInfo`` {batchSize,
eventSourceArn, bootstrapServers, payloadSize in bytes, recordsInfo keyed "<topic>-<partition>"
with first/last record offset (strings) and timestamp}; an S3 destination also gets the whole
event as an escaped JSON string in ``payload``.

:func:`invocation_record` is the one builder of the asynchronous record: the async queue
(``pytest_lambda.service.async_queue``) builds the records it delivers with it too.
"""

from __future__ import annotations

import datetime as _dt
import random
from typing import Any

from pytest_lambda.clock import iso_ms

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    bad,
    check_account,
    check_choice,
    check_region,
    digits,
    hex_id,
    json_text,
    now_or_utc,
    rng_or_new,
    uuid4,
)
from ._validate import checked

__all__ = ["invocation_record", "lambda_destination_record", "lambda_stream_failure_record"]

ASYNC_CONDITIONS = ("Success", "RetriesExhausted", "EventAgeExceeded")
FUNCTION_ERRORS = ("Unhandled", "Handled")
_NO_RESPONSE = object()


def invocation_record(
    *,
    timestamp: str,
    request_id: str,
    function_arn: str,
    condition: str,
    invoke_count: int,
    request_payload: Any,
    status_code: int,
    executed_version: str,
    function_error: str | None = None,
    response_payload: Any = _NO_RESPONSE,
) -> dict[str, Any]:
    """The asynchronous invocation record; *response_payload* left out when never returned."""
    response: dict[str, Any] = {"statusCode": status_code, "executedVersion": executed_version}
    if function_error:
        response["functionError"] = function_error
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": timestamp,
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": request_payload,
        "responseContext": response,
    }
    if response_payload is not _NO_RESPONSE:
        record["responsePayload"] = response_payload
    return record


def _function_name(function: str) -> str:
    if not 1 <= len(function) <= 64 or not all(c.isalnum() or c in "-_" for c in function):
        raise bad("function", function, "function names are 1-64 letters, digits, '-' and '_'")
    return function


@checked
def lambda_destination_record(
    request_payload: Any = None,
    response_payload: Any = None,
    *,
    condition: str = "Success",
    function_error: str | None = None,
    throttled: bool = False,
    attempts: int | None = None,
    function: str = "my-function",
    version: str = "$LATEST",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The record of one asynchronous invocation, as its destination receives it.

    *request_payload* is the event the function was invoked with (default ``{"orderId": 1}``),
    *response_payload* what it returned (an error document when it failed).

    ``condition="Success"`` is an on-success record; ``"RetriesExhausted"`` (the function
    failed every attempt, *function_error* defaults to "Unhandled") and ``"EventAgeExceeded"``
    (``throttled=True``: never ran, status 429, no response) are on-failure records.
    """
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    check_choice("condition", condition, ASYNC_CONDITIONS)
    check_region(region)
    check_account(account_id)
    _function_name(function)
    if not (version == "$LATEST" or version.isdigit()):
        raise bad("version", version, "expected '$LATEST' or a published version number")
    if function_error is not None:
        check_choice("function_error", function_error, FUNCTION_ERRORS)
    if condition == "Success" and (function_error is not None or throttled):
        raise bad("condition", condition, "a successful invocation has no error and ran")
    if condition == "RetriesExhausted" and throttled:
        raise bad(
            "throttled",
            throttled,
            "retries are exhausted by function errors; throttled "
            "events expire instead (condition='EventAgeExceeded')",
        )
    if throttled and response_payload is not None:
        raise bad("response_payload", response_payload, "a throttled event never ran")
    if condition == "RetriesExhausted" and function_error is None:
        function_error = "Unhandled"
    # Lambda tries an event up to three times by default (two retries).
    count = attempts if attempts is not None else (3 if condition == "RetriesExhausted" else 1)
    # Throttled events are retried for up to six hours, so only runs are capped at three.
    if isinstance(count, bool) or count < 1 or (count > 3 and not throttled):
        raise bad("attempts", attempts, "a function runs an event 1-3 times")
    json_text("request_payload", request_payload)
    request_id = uuid4(rng)
    response: Any = response_payload
    if function_error is not None and response_payload is None:
        # The Python runtime's error document for an unhandled exception.
        response = {
            "errorMessage": "Something went wrong",
            "errorType": "Exception",
            "requestId": request_id,
            "stackTrace": [
                '  File "/var/task/app.py", line 4, in handler\n'
                '    raise Exception("Something went wrong")\n'
            ],
        }
    json_text("response_payload", response)
    return invocation_record(
        timestamp=iso_ms(when),
        request_id=request_id,
        function_arn=arn("lambda", region, account_id, f"function:{function}:{version}"),
        condition=condition,
        invoke_count=count,
        request_payload=request_payload if request_payload is not None else {"orderId": 1},
        status_code=429 if throttled else 200,
        executed_version=version,
        function_error=function_error,
        **({} if throttled else {"response_payload": response}),
    )


@checked
def lambda_stream_failure_record(
    source: str = "kinesis",
    *,
    batch_size: int = 100,
    function_error: str = "Unhandled",
    attempts: int = 3,
    stream: str = "my-stream",
    table: str = "my-table",
    topic: str = "my-topic",
    cluster: str = "my-cluster",
    condition: str = "RetryAttemptsExhausted",
    include_payload: bool = False,
    function: str = "my-function",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The on-failure record of a Kinesis, DynamoDB Streams or Amazon MSK (``"kafka"``) batch
    whose retries ran out, as an SQS queue or SNS topic destination receives it.

    Kafka only: ``condition="MaximumPayloadSizeExceeded"`` (the batch was too large to invoke
    with; no response context) and ``include_payload=True`` (what an S3 destination gets: the
    whole event, as a JSON string, in ``payload``).
    """
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    check_choice("source", source, ("kinesis", "dynamodb", "kafka"))
    check_choice("function_error", function_error, FUNCTION_ERRORS)
    check_region(region)
    check_account(account_id)
    _function_name(function)
    if isinstance(batch_size, bool) or not 1 <= batch_size <= 10_000:
        raise bad("batch_size", batch_size, "stream batches hold 1-10000 records")
    if isinstance(attempts, bool) or attempts < 1:
        raise bad("attempts", attempts, "expected at least one attempt")
    if source == "kafka":
        return _kafka_failure_record(batch_size, function_error, attempts, topic, cluster,
                                     condition, include_payload, function, region, account_id,
                                     rng, when)
    if condition != "RetryAttemptsExhausted":
        raise bad("condition", condition, "Kinesis and DynamoDB Streams records are "
                  "'RetryAttemptsExhausted' (MaximumPayloadSizeExceeded is Kafka's)")
    if include_payload:
        raise bad("include_payload", include_payload, "the S3 destination's payload is "
                  "modelled for Kafka records only (source='kafka')")
    first = int(
        ("4959" if source == "kinesis" else "") + digits(rng, 52 if source == "kinesis" else 21)
    )
    last = first + rng.randrange(batch_size, 10**6)
    # Records reached the stream before the failed batch was read; read before the record.
    arrived_last = when - _dt.timedelta(seconds=rng.randrange(5, 120))
    arrived_first = arrived_last - _dt.timedelta(milliseconds=rng.randrange(0, 60_000))
    if source == "kinesis":
        key, stream_arn = "KinesisBatchInfo", arn("kinesis", region, account_id, f"stream/{stream}")
    else:
        label = iso_ms(when - _dt.timedelta(days=rng.randrange(1, 400)))[:-1]
        key = "DDBStreamBatchInfo"
        stream_arn = arn("dynamodb", region, account_id, f"table/{table}/stream/{label}")
    return {
        "requestContext": {
            "requestId": uuid4(rng),
            "functionArn": arn("lambda", region, account_id, f"function:{function}"),
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": attempts,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": function_error,
        },
        "version": "1.0",
        "timestamp": iso_ms(when),
        key: {
            # Shard ids as the services name them (Lambda developer guide's on-failure record
            # examples): Kinesis numbers a stream's shards from 0, DynamoDB Streams writes 20
            # digits and 8 hex characters.
            "shardId": f"shardId-{rng.randrange(0, 4):012d}"
            if source == "kinesis"
            else f"shardId-{rng.randrange(10**11, 10**13):020d}-{hex_id(rng, 8)}",
            "startSequenceNumber": str(first),
            "endSequenceNumber": str(last),
            "approximateArrivalOfFirstRecord": iso_ms(arrived_first),
            "approximateArrivalOfLastRecord": iso_ms(arrived_last),
            "batchSize": batch_size,
            "streamArn": stream_arn,
        },
    }


def _kafka_failure_record(batch_size: int, function_error: str, attempts: int, topic: str,
                          cluster: str, condition: str, include_payload: bool, function: str,
                          region: str, account_id: str, rng: random.Random,
                          when: _dt.datetime) -> dict[str, Any]:
    """The Amazon MSK on-failure record, derived from the batch that failed."""
    # Only the MSK record is derived from a Kafka batch: the other records skip that factory.
    from .kafka import kafka_event

    check_choice("condition", condition, ("RetryAttemptsExhausted", "MaximumPayloadSizeExceeded"))
    # The batch was read before the record was written.
    read = when - _dt.timedelta(milliseconds=rng.randrange(200, 5_000))
    start = rng.randrange(0, 10**6)
    event = kafka_event([f"record {start + i}" for i in range(batch_size)], topic=topic,
                        cluster=cluster, start_offset=start, region=region,
                        account_id=account_id, rng=rng, now=read)
    records_info = {}
    for key, records in event["records"].items():
        records_info[key] = {
            "firstRecordOffset": str(records[0]["offset"]),
            "lastRecordOffset": str(records[-1]["offset"]),
            "firstRecordTimestamp": iso_ms(_from_ms(records[0]["timestamp"])),
            "lastRecordTimestamp": iso_ms(_from_ms(records[-1]["timestamp"])),
        }
    payload = json_text("event", event)
    ran = condition == "RetryAttemptsExhausted"
    record: dict[str, Any] = {
        "requestContext": {
            "requestId": uuid4(rng),
            "functionArn": arn("lambda", region, account_id, f"function:{function}"),
            "condition": condition,
            "approximateInvokeCount": attempts if ran else 1,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": function_error,
        } if ran else None,
        "version": "1.0",
        "timestamp": iso_ms(when),
        "KafkaBatchInfo": {
            "batchSize": batch_size,
            "eventSourceArn": event["eventSourceArn"],
            "bootstrapServers": event["bootstrapServers"],
            "payloadSize": len(payload.encode()),
            "recordsInfo": records_info,
        },
    }
    if include_payload:
        record["payload"] = payload
    return record


def _from_ms(ms: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ms / 1000, _dt.UTC)
