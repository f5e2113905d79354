"""Event source mappings (Kinesis, DynamoDB Streams, SQS) and push triggers (S3, SNS) on moto."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import InvalidParameterValueException, ResourceNotFoundException
from pytest_lambda.sources import (
    connect_s3_notifications,
    create_event_source_mapping,
    subscribe_sns,
)

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture

REGION = "us-east-1"
ACCOUNT = "123456789012"
APP = """
import base64
SEEN = set()
def _data(record):
    return base64.b64decode(record["kinesis"]["data"]).decode()
def kinesis(event, context):
    data = [_data(r) for r in event["Records"]]
    if "bad" in data:
        raise ValueError("bad record")
    return {"data": data}
def partial(event, context):
    failures = []
    for r in event["Records"]:
        if _data(r) == "bad" and "bad" not in SEEN:
            SEEN.add("bad")
            failures.append({"itemIdentifier": r["kinesis"]["sequenceNumber"]})
    return {"batchItemFailures": failures, "data": [_data(r) for r in event["Records"]]}
def malformed(event, context):
    return {"batchItemFailures": [{"itemIdentifier": ""}]}
def fail(event, context):
    raise RuntimeError("always broken")
def echo(event, context):
    return event
def backoff(event, context):
    import boto3
    sqs = boto3.client("sqs")
    for record in event["Records"]:
        url = sqs.get_queue_url(QueueName=record["eventSourceARN"].rsplit(":", 1)[1])["QueueUrl"]
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=record["receiptHandle"],
                                      VisibilityTimeout=int(record["body"]))
    raise RuntimeError("retry later")
def sqs_partial(event, context):
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                  for r in event["Records"] if r["body"] == "bad"],
            "bodies": [r["body"] for r in event["Records"]]}
"""


@pytest.fixture
def aws(share_boto_models: Callable[[], None]) -> Iterator[Any]:
    """An active moto mock; yields the boto3 module."""
    pytest.importorskip("moto")
    from pytest_lambda.service.aws import MockedAws

    with MockedAws(REGION):
        share_boto_models()
        yield __import__("boto3")


@pytest.fixture
def make(code: CodeWriter) -> Iterator[Callable[..., LambdaFunction]]:
    """A factory of functions over the handlers above, closed after the test."""
    made: list[LambdaFunction] = []

    def factory(handler: str, **kwargs: Any) -> LambdaFunction:
        fn = LambdaFunction(f"app.{handler}", code_dir=code(app=APP), name=handler, **kwargs)
        made.append(fn)
        return fn

    yield factory
    for fn in made:
        fn.close()


def stream(aws: Any, data: list[str], shards: int = 1) -> str:
    """A Kinesis stream holding ``data`` (one partition key, so one shard); its ARN."""
    kinesis = aws.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName="orders", ShardCount=shards)
    put(aws, data)
    return kinesis.describe_stream_summary(  # type: ignore[no-any-return]
        StreamName="orders")["StreamDescriptionSummary"]["StreamARN"]


def put(aws: Any, data: list[str]) -> None:
    """Append records to the ``orders`` stream."""
    kinesis = aws.client("kinesis", region_name=REGION)
    for start in range(0, len(data), 500):
        kinesis.put_records(StreamName="orders", Records=[
            {"Data": d.encode(), "PartitionKey": "pk"} for d in data[start:start + 500]])


def queue(aws: Any, name: str, **attributes: Any) -> tuple[str, str]:
    """An SQS queue on moto: (url, arn)."""
    sqs = aws.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=name, Attributes={
        k: v if isinstance(v, str) else json.dumps(v) for k, v in attributes.items()})["QueueUrl"]
    return url, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def messages(aws: Any, url: str) -> list[dict[str, Any]]:
    """Every visible message on a queue (received and left in flight)."""
    sqs = aws.client("sqs", region_name=REGION)
    out: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        out.extend(batch)
    return out


def test_kinesis_250_records_in_batches_of_100(aws: Any, make: Any) -> None:
    """250 records with BatchSize 100 arrive as three invocations of 100, 100 and 50, in order."""
    arn = stream(aws, [f"r{i}" for i in range(250)])
    fn = make("echo")
    mapping = create_event_source_mapping(fn, arn, batch_size=100)
    results = mapping.drain()
    batches = [r.payload["Records"] for r in results]
    assert [len(b) for b in batches] == [100, 100, 50]
    data = [base64.b64decode(r["kinesis"]["data"]).decode() for b in batches for r in b]
    assert data == [f"r{i}" for i in range(250)]
    record = batches[0][0]
    assert record["eventID"] == f"shardId-000000000000:{record['kinesis']['sequenceNumber']}"
    assert isinstance(record["kinesis"]["approximateArrivalTimestamp"], float)
    assert (record["eventSource"], record["eventName"], record["eventSourceARN"]) == (
        "aws:kinesis", "aws:kinesis:record", arn)
    assert len(fn.metrics.values("IteratorAge")) == 3
    assert mapping.poll() == [] and mapping.state == "Enabled"


def test_kinesis_sequence_numbers_are_kinesis_s(aws: Any, make: Any) -> None:
    """Records carry 56-digit sequence numbers that rise within the shard, as Kinesis gives
    (moto's own are 1, 2, 3...), the same ones PutRecord answered and GetRecords returns, so a
    handler sorting them as strings sees Kinesis's order."""
    arn = stream(aws, [])
    kinesis = aws.client("kinesis", region_name=REGION)
    put_answers = [kinesis.put_record(StreamName="orders", Data=f"r{i}".encode(),
                                      PartitionKey="k")["SequenceNumber"] for i in range(12)]
    [batch] = [r.payload["Records"] for r in create_event_source_mapping(
        make("echo"), arn, batch_size=100).drain()]
    numbers = [r["kinesis"]["sequenceNumber"] for r in batch]
    assert numbers == put_answers
    assert all(len(n) == 56 and n.isdigit() and n.startswith("49") for n in numbers)
    assert numbers == sorted(numbers) == sorted(numbers, key=int) and len(set(numbers)) == 12
    iterator = kinesis.get_shard_iterator(
        StreamName="orders", ShardId="shardId-000000000000",
        ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=numbers[10])
    records = kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert [r["SequenceNumber"] for r in records] == numbers[10:]


def test_moto_numbers_kinesis_records_its_own_way_outside_the_embedded_aws() -> None:
    """The numbering lasts while the embedded AWS runs; installs nest."""
    pytest.importorskip("moto")
    from moto.kinesis.models import Shard

    from pytest_lambda.service import kinesis_numbers
    from pytest_lambda.service.aws import MockedAws

    own = Shard.__dict__["put_record"]
    with MockedAws(REGION):
        assert Shard.put_record is not own
        kinesis_numbers.install()
        kinesis_numbers.uninstall()
        assert Shard.put_record is not own
    assert Shard.__dict__["put_record"] is own
    kinesis_numbers.uninstall()  # one too many does nothing
    assert Shard.__dict__["put_record"] is own


def test_bisect_isolates_the_failing_record(aws: Any, make: Any) -> None:
    """Bisecting splits failing batches until the bad record fails alone and is discarded."""
    arn = stream(aws, ["a", "b", "c", "d", "e", "bad", "g", "h"])
    url, dest = queue(aws, "failures")
    fn = make("kinesis")
    mapping = create_event_source_mapping(
        fn, arn, bisect_batch_on_function_error=True, maximum_retry_attempts=0,
        destination_config={"OnFailure": {"Destination": dest}})
    results = mapping.drain()
    sizes = [(len(r.payload["data"]) if r.ok else "error") for r in results]
    assert sizes == ["error", 4, "error", "error", 1, "error", 2]
    [failure] = [json.loads(m["Body"]) for m in messages(aws, url)]
    info = failure["KinesisBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_report_batch_item_failures_checkpoints_at_lowest_failure(aws: Any, make: Any) -> None:
    """A reported failure checkpoints before it: the retry starts at the failed record."""
    arn = stream(aws, ["a", "b", "bad", "c", "d"])
    fn = make("partial")
    mapping = create_event_source_mapping(
        fn, arn, function_response_types=["ReportBatchItemFailures"])
    results = mapping.drain()
    assert [r.payload["data"] for r in results] == [["a", "b", "bad", "c", "d"],
                                                    ["bad", "c", "d"]]


def test_malformed_batch_response_fails_the_whole_batch(aws: Any, make: Any) -> None:
    """An empty itemIdentifier fails the whole batch: it is retried up to MaximumRetryAttempts."""
    arn = stream(aws, ["a", "b"])
    fn = make("malformed")
    mapping = create_event_source_mapping(
        fn, arn, function_response_types=["ReportBatchItemFailures"], maximum_retry_attempts=1)
    results = mapping.drain()
    assert len(results) == 2 and all(r.ok for r in results)


def test_batch_response_ignored_without_report_batch_item_failures(aws: Any, make: Any) -> None:
    """Without ReportBatchItemFailures a returned batchItemFailures list means nothing."""
    fn = make("malformed")
    results = create_event_source_mapping(fn, stream(aws, ["a", "b"])).drain()
    assert len(results) == 1


def test_retries_exhausted_send_kinesis_batch_info_to_sqs(aws: Any, make: Any) -> None:
    """After MaximumRetryAttempts the batch is discarded with a KinesisBatchInfo record."""
    arn = stream(aws, ["x", "y", "z"])
    url, dest = queue(aws, "failures")
    fn = make("fail")
    mapping = create_event_source_mapping(
        fn, arn, maximum_retry_attempts=2,
        destination_config={"OnFailure": {"Destination": dest}})
    results = mapping.drain()
    assert len(results) == 3 and not any(r.ok for r in results)
    [body] = [json.loads(m["Body"]) for m in messages(aws, url)]
    assert body["requestContext"] == {
        "requestId": results[-1].request_id, "functionArn": fn.arn,
        "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 3}
    assert body["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                       "functionError": "Unhandled"}
    info = body["KinesisBatchInfo"]
    assert set(info) == {"shardId", "startSequenceNumber", "endSequenceNumber",
                         "approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord",
                         "batchSize", "streamArn"}
    assert (info["batchSize"], info["streamArn"], info["shardId"]) == (
        3, arn, "shardId-000000000000")
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")
    assert body["version"] == "1.0" and mapping.deliveries[0].ok


def test_maximum_record_age_discards_on_the_virtual_clock(aws: Any, make: Any) -> None:
    """Retries back off on the virtual clock until the records pass MaximumRecordAgeInSeconds."""
    arn = stream(aws, ["x"])
    fn = make("fail")
    mapping = create_event_source_mapping(fn, arn, maximum_record_age_in_seconds=60)
    results = mapping.drain()
    assert 5 <= len(results) <= 8
    assert fn.account.clock.now >= 60
    assert mapping.poll() == [] and mapping.describe()["MaximumRecordAgeInSeconds"] == 60


def test_drain_refuses_to_spin_forever(aws: Any, make: Any) -> None:
    """A batch that can never succeed stops a drain with a message naming the fix."""
    fn = make("fail")
    mapping = create_event_source_mapping(fn, stream(aws, ["x"]))
    with pytest.raises(RuntimeError, match="maximum_retry_attempts"):
        mapping.drain(max_invocations=5)


def test_starting_position_latest_skips_older_records(aws: Any, make: Any) -> None:
    """LATEST reads only what was written after the mapping was created."""
    arn = stream(aws, ["old"])
    fn = make("kinesis")
    mapping = create_event_source_mapping(fn, arn, starting_position="LATEST")
    put(aws, ["new"])
    assert [r.payload["data"] for r in mapping.drain()] == [["new"]]


def test_starting_position_at_timestamp(aws: Any, make: Any) -> None:
    """AT_TIMESTAMP starts at the first record that arrived at or after the timestamp."""
    arn = stream(aws, ["old"])
    fn = make("kinesis")
    mapping = create_event_source_mapping(fn, arn, starting_position="AT_TIMESTAMP",
                                          starting_position_timestamp=4_000_000_000)
    assert mapping.drain() == []
    early = create_event_source_mapping(fn, arn, starting_position="AT_TIMESTAMP",
                                        starting_position_timestamp=0)
    assert [r.payload["data"] for r in early.drain()] == [["old"]]


def test_disabled_mapping_does_not_poll(aws: Any, make: Any) -> None:
    """A disabled mapping reads nothing until it is enabled."""
    fn = make("kinesis")
    mapping = create_event_source_mapping(fn, stream(aws, ["a"]), enabled=False)
    assert mapping.drain() == [] and mapping.state == "Disabled"
    mapping.enable()
    assert len(mapping.drain()) == 1
    assert mapping.describe()["UUID"] == mapping.uuid


def test_dynamodb_stream_insert_modify_remove(aws: Any, make: Any) -> None:
    """put_item, update_item and delete_item on moto arrive as INSERT, MODIFY and REMOVE."""
    ddb = aws.client("dynamodb", region_name=REGION)
    table = ddb.create_table(
        TableName="orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    arn = table["TableDescription"]["LatestStreamArn"]
    fn = make("echo")
    mapping = create_event_source_mapping(fn, arn, starting_position="LATEST")
    ddb.put_item(TableName="orders", Item={"pk": {"S": "o1"}, "n": {"N": "1"},
                                           "blob": {"B": b"\x00\x01"}})
    ddb.update_item(TableName="orders", Key={"pk": {"S": "o1"}},
                    UpdateExpression="SET n = :v", ExpressionAttributeValues={":v": {"N": "2"}})
    ddb.delete_item(TableName="orders", Key={"pk": {"S": "o1"}})
    [result] = mapping.drain()
    insert, modify, remove = result.payload["Records"]
    assert [r["eventName"] for r in (insert, modify, remove)] == ["INSERT", "MODIFY", "REMOVE"]
    # DynamoDB's item sizes, not moto's JSON length: keys pk (4) + image pk, n, blob (4+3+6).
    assert insert["dynamodb"]["SizeBytes"] == 17
    assert insert["dynamodb"]["NewImage"] == {"pk": {"S": "o1"}, "n": {"N": "1"},
                                              "blob": {"B": "AAE="}}
    assert "OldImage" not in insert["dynamodb"] and "NewImage" not in remove["dynamodb"]
    assert modify["dynamodb"]["OldImage"]["n"] == {"N": "1"}
    assert modify["dynamodb"]["NewImage"]["n"] == {"N": "2"}
    assert remove["dynamodb"]["Keys"] == {"pk": {"S": "o1"}}
    assert isinstance(insert["dynamodb"]["ApproximateCreationDateTime"], int)
    assert insert["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert (insert["eventSource"], insert["eventVersion"], insert["eventSourceARN"]) == (
        "aws:dynamodb", "1.1", arn)


@pytest.mark.parametrize("view", ["NEW_AND_OLD_IMAGES", "KEYS_ONLY"])
def test_a_write_that_changes_nothing_writes_no_stream_record(aws: Any, make: Any,
                                                              view: str) -> None:
    """Saving an item again unchanged (PutItem, or UpdateItem setting the same value) writes
    no stream record on DynamoDB; a real change does."""
    ddb = aws.client("dynamodb", region_name=REGION)
    table = ddb.create_table(
        TableName="orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
    mapping = create_event_source_mapping(
        make("echo"), table["TableDescription"]["LatestStreamArn"], starting_position="LATEST")
    item = {"pk": {"S": "o1"}, "n": {"N": "1"}}
    ddb.put_item(TableName="orders", Item=item)
    ddb.put_item(TableName="orders", Item=item)  # the same again: nothing changed
    ddb.update_item(TableName="orders", Key={"pk": {"S": "o1"}},
                    UpdateExpression="SET n = :v", ExpressionAttributeValues={":v": {"N": "1"}})
    ddb.put_item(TableName="orders", Item={**item, "n": {"N": "2"}})
    [result] = mapping.drain()
    assert [r["eventName"] for r in result.payload["Records"]] == ["INSERT", "MODIFY"]


def test_dynamodb_on_failure_record_has_ddb_stream_batch_info(aws: Any, make: Any) -> None:
    """A discarded DynamoDB batch is reported with DDBStreamBatchInfo, arrival in seconds."""
    ddb = aws.client("dynamodb", region_name=REGION)
    arn = ddb.create_table(
        TableName="t1", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )["TableDescription"]["LatestStreamArn"]
    ddb.put_item(TableName="t1", Item={"pk": {"S": "a"}})
    url, dest = queue(aws, "ddb-failures")
    mapping = create_event_source_mapping(
        make("fail"), arn, maximum_retry_attempts=0,
        destination_config={"OnFailure": {"Destination": dest}})
    mapping.drain()
    [body] = [json.loads(m["Body"]) for m in messages(aws, url)]
    info = body["DDBStreamBatchInfo"]
    assert info["streamArn"] == arn and info["batchSize"] == 1
    assert len(info["approximateArrivalOfFirstRecord"]) == len("2019-11-14T00:13:19Z")


def test_sqs_batches_are_deleted_after_success(aws: Any, make: Any) -> None:
    """25 messages with BatchSize 10 make three invocations; every message is then deleted."""
    url, arn = queue(aws, "jobs")
    sqs = aws.client("sqs", region_name=REGION)
    for i in range(25):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "job"}})
    fn = make("echo")
    results = create_event_source_mapping(fn, arn).drain()
    assert [len(r.payload["Records"]) for r in results] == [10, 10, 5]
    record = results[0].payload["Records"][0]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert all(isinstance(v, str) for v in record["attributes"].values())
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "job", "stringListValues": [], "binaryListValues": [],
        "dataType": "String"}
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs", arn, REGION)
    assert len(record["md5OfBody"]) == 32 and "md5OfMessageAttributes" in record
    assert messages(aws, url) == []


def test_sqs_partial_failure_then_redrive_to_dlq(aws: Any, make: Any) -> None:
    """Only reported messages come back, after the visibility timeout, then go to the DLQ."""
    dlq_url, dlq_arn = queue(aws, "jobs-dlq")
    url, arn = queue(aws, "jobs", VisibilityTimeout="30", RedrivePolicy={
        "deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    sqs = aws.client("sqs", region_name=REGION)
    for body in ("ok1", "bad", "ok2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    fn = make("sqs_partial")
    mapping = create_event_source_mapping(fn, arn,
                                          function_response_types=["ReportBatchItemFailures"])
    results = mapping.drain()
    assert [sorted(r.payload["bodies"]) for r in results] == [["bad", "ok1", "ok2"], ["bad"]]
    assert fn.account.clock.now >= 30
    assert [m["Body"] for m in messages(aws, dlq_url)] == ["bad"]
    assert messages(aws, url) == []


def test_sqs_function_error_returns_the_whole_batch(aws: Any, make: Any) -> None:
    """A handler exception leaves every message of the batch on the queue for a retry."""
    dlq_url, dlq_arn = queue(aws, "dlq")
    url, arn = queue(aws, "jobs", RedrivePolicy={"deadLetterTargetArn": dlq_arn,
                                                 "maxReceiveCount": 3})
    sqs = aws.client("sqs", region_name=REGION)
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    results = create_event_source_mapping(make("fail"), arn).drain()
    assert len(results) == 3
    assert sorted(m["Body"] for m in messages(aws, dlq_url)) == ["a", "b"]


@pytest.mark.parametrize(("second", "overlaps"), [
    ({"events": ("s3:ObjectCreated:Put",), "suffix": ".jpg"}, True),
    ({"events": ("s3:ObjectCreated:*",), "prefix": "raw/", "suffix": ".png"}, True),
    ({"events": ("s3:ObjectRemoved:*",)}, False)])
def test_overlapping_s3_notifications_are_refused_as_s3_refuses_them(
        aws: Any, make: Any, second: dict[str, Any], overlaps: bool) -> None:
    """Two notification configurations of one bucket sharing an event type with overlapping
    filters (no filter overlaps all) are refused, as S3 refuses them: the template would not
    deploy. Both were saved and both functions ran."""
    aws.client("s3", region_name=REGION).create_bucket(Bucket="uploads")
    make("echo").connect_s3("uploads", events=("s3:ObjectCreated:*",))
    other = make("fail")
    if overlaps:
        with pytest.raises(ValueError, match="Configurations overlap"):
            other.connect_s3("uploads", **second)
        assert len(aws.client("sqs", region_name=REGION).list_queues()["QueueUrls"]) == 1
    else:
        other.connect_s3("uploads", **second)


@pytest.mark.parametrize(("timeout", "early", "retried"), [(600, 31, 600), (0, 0, 0)])
def test_a_visibility_timeout_the_handler_sets_decides_the_retry(
        aws: Any, make: Any, timeout: int, early: int, retried: int) -> None:
    """A handler that sets its message's visibility timeout before failing (a custom backoff,
    or 0 for an immediate retry) gets it back when that timeout ends, not the queue's: it came
    back after the queue's 30 s whatever the handler set."""
    url, arn = queue(aws, "jobs", VisibilityTimeout="30")
    aws.client("sqs", region_name=REGION).send_message(QueueUrl=url, MessageBody=str(timeout))
    fn = make("backoff")
    mapping = create_event_source_mapping(fn, arn)
    assert len(mapping.poll()) == 1
    if early:
        fn.account.advance(early)
        assert mapping.poll() == []
    fn.account.advance(retried - early)
    assert len(mapping.poll()) == 1


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"batch_size": 20}, "greater than 0 if maximum batch size is greater than 10"),
    ({"starting_position": "LATEST"}, "StartingPosition is not valid for SQS"),
    ({"bisect_batch_on_function_error": True}, "Unsupported parameter for SQS"),
    ({"batch_size": 0}, "BatchSize must be between 1 and 10000"),
])
def test_sqs_parameters_are_validated(aws: Any, make: Any, kwargs: dict[str, Any],
                                      match: str) -> None:
    """SQS mappings reject what Lambda rejects, with its wording."""
    arn = queue(aws, "jobs")[1]
    with pytest.raises(InvalidParameterValueException, match=match):
        create_event_source_mapping(make("echo"), arn, **kwargs)


def test_sqs_fifo_and_visibility_limits(aws: Any, make: Any) -> None:
    """FIFO batches stop at 10 and the visibility timeout must cover the function timeout."""
    fifo = queue(aws, "jobs.fifo", FifoQueue="true")[1]
    with pytest.raises(InvalidParameterValueException, match="FIFO"):
        create_event_source_mapping(make("echo"), fifo, batch_size=11,
                                    maximum_batching_window_in_seconds=1)
    short = queue(aws, "short", VisibilityTimeout="5")[1]
    with pytest.raises(InvalidParameterValueException,
                       match="Queue visibility timeout: 5 seconds is less than Function "
                             "timeout: 10 seconds"):
        create_event_source_mapping(make("fail", timeout=10), short)
    with pytest.raises(ResourceNotFoundException, match="Queue not found"):
        create_event_source_mapping(make("echo"), f"arn:aws:sqs:{REGION}:{ACCOUNT}:missing")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"maximum_retry_attempts": 10_001}, "MaximumRetryAttempts must be between -1 and 10000"),
    ({"maximum_record_age_in_seconds": 30}, "between 60 and 604800"),
    ({"parallelization_factor": 11}, "ParallelizationFactor"),
    ({"starting_position": "AT_TIMESTAMP"}, "StartingPositionTimestamp is required"),
    ({"function_response_types": ["Partial"]}, "Unsupported FunctionResponseType"),
    ({"function_response_types": "ReportBatchItemFailures"},
     r"function_response_types='ReportBatchItemFailures' is a str, not a list"),
    ({"destination_config": {"OnSuccess": {"Destination": "arn:aws:sqs:x:1:q"}}},
     "Unsupported DestinationConfig"),
])
def test_stream_parameters_are_validated(aws: Any, make: Any, kwargs: dict[str, Any],
                                         match: str) -> None:
    """Stream mappings reject out-of-range values and impossible combinations."""
    arn = stream(aws, [])
    with pytest.raises(InvalidParameterValueException, match=match):
        create_event_source_mapping(make("echo"), arn, **kwargs)


def test_dynamodb_rejects_at_timestamp_and_unknown_sources(aws: Any, make: Any) -> None:
    """DynamoDB streams have no AT_TIMESTAMP; ARNs of other services are refused."""
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t/stream/2024-01-01T00:00:00.000"
    with pytest.raises(InvalidParameterValueException, match="AT_TIMESTAMP"):
        create_event_source_mapping(make("echo"), arn, starting_position="AT_TIMESTAMP",
                                    starting_position_timestamp=0)
    with pytest.raises(InvalidParameterValueException, match="Unsupported event source"):
        create_event_source_mapping(make("echo"), "arn:aws:s3:::bucket")


def test_s3_put_delivers_event_with_encoded_key(aws: Any, make: Any) -> None:
    """An object put under the prefix arrives as Lambda's S3 event, key form-encoded."""
    s3 = aws.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="uploads")
    fn = make("echo")
    trigger = connect_s3_notifications(fn, "uploads", prefix="in/")
    s3.put_object(Bucket="uploads", Key="in/red flower+x.jpg", Body=b"abc")
    s3.put_object(Bucket="uploads", Key="out/skipped.jpg", Body=b"abc")
    [result] = trigger.drain()
    assert result.invocation_type == "Event"
    [record] = result.payload["Records"]
    assert record["s3"]["object"]["key"] == "in/red+flower%2Bx.jpg"
    assert record["s3"]["object"]["size"] == 3
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::uploads"
    assert record["eventName"] == "ObjectCreated:Put" and record["eventTime"].endswith("Z")
    assert "x-amz-request-id" in record["responseElements"]
    trigger.close()
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(
        Bucket="uploads") or not s3.get_bucket_notification_configuration(
        Bucket="uploads")["QueueConfigurations"]


def test_sns_publish_delivers_lambda_shaped_event(aws: Any, make: Any) -> None:
    """A published message that passes the filter policy arrives in Lambda's SNS shape."""
    sns = aws.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="orders")["TopicArn"]
    fn = make("echo")
    trigger = subscribe_sns(fn, topic, filter_policy={"kind": ["order"]})
    sns.publish(TopicArn=topic, Message=json.dumps({"id": 1}), Subject="New", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "order"}})
    sns.publish(TopicArn=topic, Message="ignored", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "refund"}})
    [result] = trigger.drain()
    [record] = result.payload["Records"]
    assert (record["EventSource"], record["EventVersion"]) == ("aws:sns", "1.0")
    assert record["EventSubscriptionArn"].startswith(topic + ":")
    message = record["Sns"]
    assert json.loads(message["Message"]) == {"id": 1} and message["Subject"] == "New"
    assert message["MessageAttributes"] == {"kind": {"Type": "String", "Value": "order"}}
    assert {"SigningCertUrl", "UnsubscribeUrl"} <= set(message)
    assert "SigningCertURL" not in message and message["TopicArn"] == topic
    with pytest.raises(InvalidParameterValueException, match="FIFO"):
        subscribe_sns(fn, topic + ".fifo")
