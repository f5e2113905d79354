"""Event filtering (FilterCriteria) of SQS, Kinesis and DynamoDB Streams mappings on moto."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import InvalidParameterValueException
from pytest_lambda.sources import create_event_source_mapping
from pytest_lambda.sources.filtering import FilterCriteria

if TYPE_CHECKING:
    from conftest import CodeWriter

REGION = "us-east-1"
ECHO = "def handler(event, context):\n    return event\n"


def _filters(*patterns: dict[str, Any]) -> dict[str, Any]:
    return {"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}


@pytest.fixture
def aws(share_boto_models: Callable[[], None]) -> Iterator[Any]:
    """An active moto mock; yields the boto3 module."""
    from pytest_lambda.service.aws import MockedAws

    with MockedAws(REGION):
        share_boto_models()
        yield __import__("boto3")


@pytest.fixture
def fn(code: CodeWriter) -> Iterator[LambdaFunction]:
    """A function returning its event."""
    with LambdaFunction("app.handler", code_dir=code(app=ECHO), name="echo") as function:
        yield function


def test_sqs_delivers_matching_bodies_and_deletes_the_rest(aws: Any, fn: LambdaFunction) -> None:
    """A JSON body is matched as parsed JSON, a text body as text; the messages no filter
    matches leave the queue without reaching the function."""
    sqs = aws.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    mapping = create_event_source_mapping(fn, arn, filter_criteria=_filters(
        {"body": {"kind": ["order"], "total": [{"numeric": [">", 10]}]}}, {"body": ["ping"]}))
    for body in ({"kind": "order", "total": 25}, {"kind": "order", "total": 5},
                 {"kind": "refund", "total": 50}, "ping", "pong"):
        sqs.send_message(QueueUrl=url, MessageBody=body if isinstance(body, str)
                         else json.dumps(body))
    results = mapping.drain()
    bodies = [r["body"] for result in results for r in result.payload["Records"]]
    assert sorted(bodies) == sorted([json.dumps({"kind": "order", "total": 25}), "ping"])
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert mapping.describe()["FilterCriteria"] == _filters(
        {"body": {"kind": ["order"], "total": [{"numeric": [">", 10]}]}}, {"body": ["ping"]})


def test_sqs_with_nothing_matching_invokes_nothing(aws: Any, fn: LambdaFunction) -> None:
    """A queue whose messages all fail the filters is emptied without an invocation."""
    sqs = aws.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="quiet")["QueueUrl"]
    for n in range(12):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))
    mapping = create_event_source_mapping(
        fn, f"arn:aws:sqs:{REGION}:123456789012:quiet",
        filter_criteria=_filters({"body": {"n": [{"numeric": [">=", 100]}]}}))
    assert mapping.drain() == []
    assert fn.logs.text == ""  # never invoked
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None


def test_kinesis_filters_on_decoded_data(aws: Any, fn: LambdaFunction) -> None:
    """Kinesis data is decoded and parsed for the pattern; skipped records are not retried."""
    kinesis = aws.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName="temps", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="temps")["StreamDescriptionSummary"][
        "StreamARN"]
    mapping = create_event_source_mapping(fn, arn, filter_criteria=_filters(
        {"data": {"temp": [{"numeric": [">", 30]}], "site": [{"prefix": "north"}]}}))
    for temp, site in ((35, "north-1"), (20, "north-2"), (40, "south-1"), (31, "north-3")):
        kinesis.put_record(StreamName="temps", PartitionKey=site,
                           Data=json.dumps({"temp": temp, "site": site}).encode())
    kinesis.put_record(StreamName="temps", PartitionKey="raw", Data=b"\xff\xfe not text")
    [result] = mapping.drain()
    delivered = [json.loads(base64.b64decode(r["kinesis"]["data"]))
                 for r in result.payload["Records"]]
    assert delivered == [{"temp": 35, "site": "north-1"}, {"temp": 31, "site": "north-3"}]
    assert mapping.drain() == []  # the shard moved past the skipped records


def test_dynamodb_filters_on_the_record(aws: Any, fn: LambdaFunction) -> None:
    """A DynamoDB stream pattern sees the record: eventName and the typed images."""
    ddb = aws.client("dynamodb", region_name=REGION)
    table = ddb.create_table(
        TableName="orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    mapping = create_event_source_mapping(
        fn, table["TableDescription"]["LatestStreamArn"], starting_position="LATEST",
        filter_criteria=_filters({"eventName": ["INSERT"],
                                  "dynamodb": {"NewImage": {"status": {"S": ["PAID"]}}}}))
    ddb.put_item(TableName="orders", Item={"pk": {"S": "a"}, "status": {"S": "PAID"}})
    ddb.put_item(TableName="orders", Item={"pk": {"S": "b"}, "status": {"S": "NEW"}})
    ddb.update_item(TableName="orders", Key={"pk": {"S": "b"}},
                    UpdateExpression="SET #s = :v", ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":v": {"S": "PAID"}})
    [result] = mapping.drain()
    [record] = result.payload["Records"]
    assert record["eventName"] == "INSERT" and record["dynamodb"]["Keys"] == {"pk": {"S": "a"}}


@pytest.mark.parametrize(("criteria", "message"), [
    ({"Filters": [{"Pattern": "{not json"}]}, r"Filters\[0\].*Write a JSON object"),
    ({"Filters": [{"Pattern": '{"body": "order"}'}]}, r"Filters\[0\].*must be an object or an "
                                                      r"array"),
    ({"Filters": [{"Pattern": "{}"}] * 6}, "6 filters; an event source mapping takes at most 5"),
    ({"Filters": [{"Pattern": '{"body": {"ip": [{"cidr": "10.0.0.0/8"}]}}'}]},
     r"Filters\[0\].*unsupported comparison operator 'cidr'"),
    ({"Filters": [{"pattern": "{}"}]}, r"Filters\[0\] is .*each filter is \{'Pattern'"),
    ({"Patterns": []}, "Invalid FilterCriteria .* Pass \\{'Filters'"),
])
def test_bad_criteria_are_refused_with_the_fix(criteria: Any, message: str) -> None:
    """A malformed FilterCriteria names the filter, the problem and the form to use."""
    with pytest.raises(InvalidParameterValueException, match=message):
        FilterCriteria(criteria, "sqs")


@pytest.mark.parametrize("pattern", [
    {"body": {"n": [{"numeric": [">", "a"]}]}},
    {"body": {"n": [{"numeric": ["<"]}]}},
    {"body": {"n": [{"numeric": ["~", 1]}]}},
    {"body": {"s": [{"prefix": 1}]}},
    {"body": {"s": [{"exists": "yes"}]}},
    {"body": {"s": [{"equals-ignore-case": ["a"]}]}},
    {"body": {"s": [{"anything-but": []}]}},
])
def test_operands_an_operator_cannot_take_are_refused(pattern: dict[str, Any]) -> None:
    """CreateEventSourceMapping refuses an invalid pattern: it must not be accepted here and
    fail later, at the first drain, with a bare TypeError."""
    with pytest.raises(InvalidParameterValueException, match=r"invalid operand"):
        FilterCriteria(_filters(pattern), "sqs")


def test_sqs_body_and_pattern_formats_must_agree() -> None:
    """A JSON pattern (an object under body) never matches a plain-text body, even with
    ``exists: false``, and a plain pattern (a list) never matches a JSON body: Lambda drops
    the message when the formats differ (the guide's SQS table)."""
    absent = FilterCriteria(_filters({"body": {"priority": [{"exists": False}]}}), "sqs")
    assert absent.matches({"body": '{"other": 1}'})
    assert not absent.matches({"body": "plain text"})
    plain = FilterCriteria(_filters({"body": ["ping"]}), "sqs")
    assert plain.matches({"body": "ping"})
    assert not plain.matches({"body": '"ping"'})  # a JSON string is JSON


def test_kinesis_data_must_be_json_on_both_sides() -> None:
    """A Kinesis data pattern must be a JSON object; records whose data is not JSON match no
    data pattern (Lambda drops them)."""
    with pytest.raises(InvalidParameterValueException, match="valid JSON format"):
        FilterCriteria(_filters({"data": ["order"]}), "kinesis")
    absent = FilterCriteria(_filters({"data": {"kind": [{"exists": False}]}}), "kinesis")

    def record(data: bytes) -> dict[str, Any]:
        return {"kinesis": {"data": base64.b64encode(data).decode()}}

    assert absent.matches(record(b'{"other": 1}'))
    assert not absent.matches(record(b"order"))


def test_no_criteria_matches_everything() -> None:
    """Without filters every record is delivered."""
    criteria = FilterCriteria(None, "sqs")
    assert not criteria and criteria.matches({"body": "anything"}) and criteria.raw is None


def test_lambda_api_create_event_source_mapping_takes_filter_criteria(
        aws: Any, fn: LambdaFunction) -> None:
    """boto3's CreateEventSourceMapping with FilterCriteria filters, and shows them back."""
    from pytest_lambda.service.lambda_api import active

    sqs = aws.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="api-jobs")["QueueUrl"]
    criteria = _filters({"body": {"kind": ["order"]}})
    client = aws.client("lambda", region_name=REGION)
    created = client.create_event_source_mapping(
        FunctionName="echo", EventSourceArn=f"arn:aws:sqs:{REGION}:123456789012:api-jobs",
        FilterCriteria=criteria)
    assert created["FilterCriteria"] == criteria
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "refund"}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "order"}))
    api = active()
    assert api is not None
    [result] = api.mapping(created["UUID"]).drain()
    assert [r["body"] for r in result.payload["Records"]] == [json.dumps({"kind": "order"})]


def test_an_sqs_pattern_without_body_filters_on_the_metadata() -> None:
    """A pattern on the message's metadata (no ``body`` key) filters on it, as the guide's
    SQS table says ("Lambda filters (on the other metadata properties only)"), instead of
    matching nothing and deleting every message."""
    criteria = FilterCriteria(_filters(
        {"messageAttributes": {"kind": {"stringValue": ["order"]}}}), "sqs")
    order = {"body": "x", "messageAttributes": {"kind": {"stringValue": "order",
                                                         "dataType": "String"}}}
    refund = {"body": "x", "messageAttributes": {"kind": {"stringValue": "refund",
                                                          "dataType": "String"}}}
    assert criteria.matches(order) and not criteria.matches(refund)
