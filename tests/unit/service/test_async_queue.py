"""Asynchronous invocation: queue, virtual clock, retries, event age, DLQ and destinations."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import (
    InvalidParameterValueException,
    RequestTooLargeException,
    ValidationException,
)
from pytest_lambda.service.account import Account

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture

APP = """
CALLS = []
def flaky(event, context):
    CALLS.append(context.aws_request_id)
    if len(CALLS) <= 2:
        raise ValueError(f"attempt {len(CALLS)} failed")
    return {"done": len(CALLS)}
def fail(event, context):
    raise RuntimeError("always broken")
def echo(event, context):
    return event
def raw(event, context):
    return b"not json"
"""
REGION = "us-east-1"


@pytest.fixture
def aws(share_boto_models: Callable[[], None]) -> Iterator[Any]:
    """An active moto mock (boto3 and moto imported only for these tests)."""
    pytest.importorskip("moto")
    from pytest_lambda.service.aws import MockedAws

    with MockedAws(REGION):
        share_boto_models()
        yield __import__("boto3")


def queue(boto3: Any, name: str) -> tuple[str, str]:
    """Create an SQS queue on moto; return (url, arn)."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def receive(boto3: Any, url: str) -> list[dict[str, Any]]:
    """Every message waiting on the queue, with attributes."""
    sqs = boto3.client("sqs", region_name=REGION)
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,  # type: ignore[no-any-return]
                               MessageAttributeNames=["All"]).get("Messages", [])


def make(code: CodeWriter, handler: str, **kwargs: Any) -> LambdaFunction:
    """A function over the handlers above."""
    return LambdaFunction(f"app.{handler}", code_dir=code(app=APP), name=handler, **kwargs)


def test_event_is_accepted_with_202_and_queued(code: CodeWriter) -> None:
    """An Event invoke answers 202 with no body and runs nothing until the queue runs."""
    fn = make(code, "echo")
    r = fn.invoke({"a": 1}, invocation_type="Event")
    assert (r.status_code, r.raw_payload, r.report) == (202, b"", None)
    assert not fn.logs and fn.account.queue.pending == 1
    assert r.queued_event is fn.async_events[0] and r.attempt is None
    results = fn.account.drain()
    assert [x.payload for x in results] == [{"a": 1}]
    assert r.queued_event.condition == "Success" and r.queued_event.results == results
    assert results[0].request_id == r.request_id and results[0].invocation_type == "Event"
    assert fn.metrics.sum("AsyncEventsReceived") == 1


def test_retries_then_success_keep_request_id(code: CodeWriter) -> None:
    """Two failures then a success: three invocations, one request id, 1 and 2 minute delays."""
    fn = make(code, "flaky")
    request_id = fn.invoke({}, invocation_type="Event").request_id
    results = fn.account.drain()
    assert [r.function_error for r in results] == ["Unhandled", "Unhandled", None]
    assert {r.request_id for r in results} == {request_id}
    assert [r.attempt for r in results] == [1, 2, 3]
    times = [r.virtual_time for r in results]
    assert times[1] - times[0] == pytest.approx(60, abs=1)
    assert times[2] - times[1] == pytest.approx(120, abs=1)
    assert fn.logs.text.count(f"START RequestId: {request_id}") == 3
    assert fn.metrics.values("Errors") == [1, 1, 0]
    assert fn.async_events[0].condition == "Success"


def test_advance_steps_the_clock(code: CodeWriter) -> None:
    """Stepping the clock runs only the attempts that fall due."""
    fn = make(code, "flaky")
    fn.invoke({}, invocation_type="Event")
    assert len(fn.account.advance(0)) == 1
    assert fn.account.advance(30) == []
    assert len(fn.account.advance(31)) == 1
    assert fn.account.clock.now == 61 and fn.account.clock is fn.account.queue.clock
    assert len(fn.account.drain()) == 1
    with pytest.raises(ValueError, match="backwards"):
        fn.account.advance(-1)


def test_retry_attempts_zero_gives_up_at_once(code: CodeWriter) -> None:
    """With MaximumRetryAttempts 0 a failed event is not retried."""
    fn = make(code, "fail", maximum_retry_attempts=0)
    fn.invoke({}, invocation_type="Event")
    assert len(fn.account.drain()) == 1
    assert fn.async_events[0].condition == "RetriesExhausted"
    assert fn.metrics.sum("AsyncEventsDropped") == 1


def test_event_older_than_max_age_is_dropped(code: CodeWriter, aws: Any) -> None:
    """An event whose retry would come after its maximum age goes to on-failure as expired."""
    url, arn = queue(aws, "expired")
    fn = make(code, "fail", maximum_event_age_in_seconds=60,
              destination_config={"OnFailure": {"Destination": arn}})
    fn.invoke({"k": "v"}, invocation_type="Event")
    assert len(fn.account.drain()) == 1
    [message] = receive(aws, url)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"k": "v"}


def test_always_failing_event_goes_to_sqs_dlq(code: CodeWriter, aws: Any) -> None:
    """After three failed attempts the event lands on the DLQ with Lambda's attributes."""
    url, arn = queue(aws, "dlq")
    fn = make(code, "fail", dead_letter_config={"TargetArn": arn})
    request_id = fn.invoke({"order": 7}, invocation_type="Event").request_id
    assert len(fn.account.drain()) == 3
    [message] = receive(aws, url)
    assert json.loads(message["Body"]) == {"order": 7}
    attrs = message["MessageAttributes"]
    assert attrs["RequestID"] == {"StringValue": request_id, "DataType": "String"}
    assert attrs["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert attrs["ErrorMessage"] == {"StringValue": "always broken", "DataType": "String"}


def test_sns_dlq_and_destination(code: CodeWriter, aws: Any) -> None:
    """An SNS topic works as DLQ and as a destination (checked through an SQS subscription)."""
    url, queue_arn = queue(aws, "sub")
    sns = aws.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"RawMessageDelivery": "true"})
    fn = make(code, "fail", maximum_retry_attempts=0, dead_letter_config={"TargetArn": topic},
              destination_config={"OnFailure": {"Destination": topic}})
    fn.invoke({"n": 1}, invocation_type="Event")
    fn.account.drain()
    bodies = sorted(m["Body"] for m in receive(aws, url))
    assert len(bodies) == 2 and '{"n": 1}' in bodies
    assert all(d.ok for d in fn.deliveries)


def test_success_destination_record_shape(code: CodeWriter, aws: Any) -> None:
    """The on-success record has Lambda's fields, qualified ARN and response payload."""
    url, arn = queue(aws, "ok")
    fn = make(code, "flaky", destination_config={"OnSuccess": {"Destination": arn}})
    request_id = fn.invoke({"x": 1}, invocation_type="Event").request_id
    fn.account.drain()
    [message] = receive(aws, url)
    record = json.loads(message["Body"])
    assert set(record) == {"version", "timestamp", "requestContext", "requestPayload",
                           "responseContext", "responsePayload"}
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:flaky:$LATEST",
        "condition": "Success", "approximateInvokeCount": 3}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"done": 3}


def test_a_response_that_is_not_json_reaches_the_destination_as_text(
        code: CodeWriter, aws: Any) -> None:
    """A handler returning bytes that are not JSON: the record carries them as text (drain
    raised ``TypeError: Object of type bytes is not JSON serializable`` and stopped)."""
    url, arn = queue(aws, "raw")
    fn = make(code, "raw", destination_config={"OnSuccess": {"Destination": arn}})
    fn.invoke({}, invocation_type="Event")
    fn.account.drain()
    [message] = receive(aws, url)
    assert json.loads(message["Body"])["responsePayload"] == "not json"
    assert [d.ok for d in fn.deliveries] == [True]


def test_eventbridge_destination(code: CodeWriter, aws: Any) -> None:
    """An EventBridge bus receives the record with Lambda's detail type."""
    url, queue_arn = queue(aws, "bus-target")
    events = aws.client("events", region_name=REGION)
    bus = events.create_event_bus(Name="b")["EventBusArn"]
    events.put_rule(Name="r", EventBusName="b", EventPattern=json.dumps({"source": ["lambda"]}))
    events.put_targets(Rule="r", EventBusName="b", Targets=[{"Id": "q", "Arn": queue_arn}])
    fn = make(code, "echo", destination_config={"OnSuccess": {"Destination": bus}})
    fn.invoke({"e": 1}, invocation_type="Event")
    fn.account.drain()
    [message] = receive(aws, url)
    event = json.loads(message["Body"])
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["detail"]["responsePayload"] == {"e": 1}


def test_lambda_destination_by_object(code: CodeWriter) -> None:
    """A LambdaFunction destination is invoked asynchronously with the record; drain runs it."""
    sink = make(code, "echo")
    fn = make(code, "fail", maximum_retry_attempts=1,
              destination_config={"OnFailure": {"Destination": sink}})
    fn.invoke({"z": 1}, invocation_type="Event")
    results = fn.account.drain()
    assert [r.function_name for r in results].count("echo") == 1
    received = sink.async_events[0]
    record = json.loads(received.payload)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "always broken"


def test_lambda_destination_by_arn_in_shared_account(code: CodeWriter) -> None:
    """Functions of one Account reach each other by ARN and share one queue."""
    account = Account()
    sink = make(code, "echo", account=account)
    fn = make(code, "flaky", account=account,
              destination_config={"OnSuccess": {"Destination": sink.arn}})
    fn.invoke({}, invocation_type="Event")
    account.drain()
    assert sink.async_events[0].condition == "Success"


def test_failed_delivery_counts_metrics(code: CodeWriter) -> None:
    """Without a receiving moto mock, DLQ and destination failures are counted, not raised."""
    fn = make(code, "fail", maximum_retry_attempts=0,
              dead_letter_config={"TargetArn": "arn:aws:sqs:us-east-1:123456789012:gone"},
              destination_config={"OnFailure": {
                  "Destination": "arn:aws:sqs:us-east-1:123456789012:gone"}})
    fn.invoke({}, invocation_type="Event")
    fn.account.drain()
    assert fn.metrics.sum("DeadLetterErrors") == 1
    assert fn.metrics.sum("DestinationDeliveryFailures") == 1
    assert [d.ok for d in fn.deliveries] == [False, False]
    assert "moto" in (fn.deliveries[0].error or "")


def test_missing_sqs_queue_is_a_dead_letter_error(code: CodeWriter, aws: Any) -> None:
    """A DLQ that does not exist on moto counts as DeadLetterErrors."""
    fn = make(code, "fail", maximum_retry_attempts=0,
              dead_letter_config={"TargetArn": "arn:aws:sqs:us-east-1:123456789012:missing"})
    fn.invoke({}, invocation_type="Event")
    fn.account.drain()
    assert fn.metrics.sum("DeadLetterErrors") == 1


def test_throttled_async_events_are_retried_with_backoff(code: CodeWriter) -> None:
    """Events over reserved concurrency are throttled, then retried until they run."""
    fn = make(code, "echo", reserved_concurrent_executions=1)
    for i in range(4):
        fn.invoke({"i": i}, invocation_type="Event")
    results = fn.account.drain()
    ran = [r.payload["i"] for r in results if r.ok]
    assert sorted(ran) == [0, 1, 2, 3]
    throttles = [r for r in results if r.throttled]
    assert len(throttles) == fn.metrics.sum("Throttles") > 0
    assert all(e.condition == "Success" for e in fn.async_events)


def test_reserved_zero_sends_async_straight_to_failure(code: CodeWriter) -> None:
    """With reserved concurrency 0 an event is never run and is given up at once."""
    fn = make(code, "echo", reserved_concurrent_executions=0)
    fn.invoke({}, invocation_type="Event")
    results = fn.account.drain()
    assert [r.throttled for r in results] == [True]
    assert fn.async_events[0].condition == "RetriesExhausted"


def test_async_payload_limit(code: CodeWriter) -> None:
    """An Event payload over 1 MB is refused; the same size synchronously is fine."""
    fn = make(code, "echo")
    big = "x" * 1_100_000
    with pytest.raises(RequestTooLargeException) as caught:
        fn.invoke(big, invocation_type="Event")
    assert caught.value.message.startswith(
        "1100002 byte payload is too large for the Event invocation type (limit 1048576 bytes)")
    assert (caught.value.code, caught.value.status_code) == ("RequestEntityTooLargeException", 413)
    assert fn.invoke(big).ok


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"maximum_retry_attempts": 3}, ValidationException, "maximumRetryAttempts"),
    ({"maximum_event_age_in_seconds": 59}, ValidationException, "maximumEventAgeInSeconds"),
    ({"maximum_event_age_in_seconds": 21601}, ValidationException, "less than or equal"),
    ({"dead_letter_config": {"TargetArn": "arn:aws:s3:::b"}}, InvalidParameterValueException,
     "target arn is invalid"),
    ({"destination_config": {"OnSuccess": {"Destination": "arn:aws:s3:::b"}}},
     InvalidParameterValueException, "invalid for OnSuccess"),
    ({"destination_config": {"OnFailure": {
        "Destination": "arn:aws:lambda:us-east-1:123456789012:function:echo"}}},
     InvalidParameterValueException, "destination for itself"),
])
def test_bad_async_settings_are_refused(code: CodeWriter, kwargs: dict[str, Any],
                                        error: type[Exception], match: str) -> None:
    """Out-of-range retry and age settings and invalid targets are refused like Lambda."""
    with pytest.raises(error, match=match):
        make(code, "echo", **kwargs)


def test_unknown_invocation_type(code: CodeWriter) -> None:
    """An invocation type outside the enum fails validation."""
    with pytest.raises(ValidationException, match="invocationType"):
        make(code, "echo").invoke({}, invocation_type="Later")


def test_published_version_keeps_its_dlq_and_destination(code: CodeWriter, aws: Any) -> None:
    """A version's failures go to the DLQ and destination it was published with, not $LATEST's."""
    old_url, old_arn = queue(aws, "old-dlq")
    new_url, new_arn = queue(aws, "new-dlq")
    old_dest_url, old_dest = queue(aws, "old-dest")
    new_dest_url, new_dest = queue(aws, "new-dest")
    fn = make(code, "fail", maximum_retry_attempts=0, dead_letter_config={"TargetArn": old_arn},
              destination_config={"OnFailure": {"Destination": old_dest}})
    version = fn.publish_version().version
    fn.update_configuration(dead_letter_config={"TargetArn": new_arn},
                            destination_config={"OnFailure": {"Destination": new_dest}})
    fn.invoke({"v": version}, invocation_type="Event", qualifier=version)
    fn.invoke({"v": "latest"}, invocation_type="Event")
    fn.account.drain()
    assert [json.loads(m["Body"]) for m in receive(aws, old_url)] == [{"v": version}]
    assert [json.loads(m["Body"]) for m in receive(aws, new_url)] == [{"v": "latest"}]
    [old_record] = [json.loads(m["Body"]) for m in receive(aws, old_dest_url)]
    [new_record] = [json.loads(m["Body"]) for m in receive(aws, new_dest_url)]
    assert old_record["requestPayload"] == {"v": version}
    assert old_record["responseContext"]["executedVersion"] == version
    assert new_record["requestPayload"] == {"v": "latest"}
