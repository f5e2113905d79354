"""Event source mappings and push triggers as a user writes them: lambda_aws + lambda_function."""

from __future__ import annotations

import pytest

HANDLER = """
import base64
def orders(event, context):
    return [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
def jobs(event, context):
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                  for r in event["Records"] if r["body"] == "poison"]}
def uploads(event, context):
    return [r["s3"]["object"]["key"] for r in event["Records"]]
"""


@pytest.fixture(scope="module")
def _moto_loaded() -> None:
    """Load moto's Kinesis, SQS and S3 outside the in-process pytester runs (see conftest)."""
    moto = pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    with moto.mock_aws():
        boto3.client("kinesis", region_name="us-east-1").list_streams()
        boto3.client("sqs", region_name="us-east-1").list_queues()
        boto3.client("s3", region_name="us-east-1").list_buckets()
        boto3.client("dynamodb", region_name="us-east-1").list_tables()
        boto3.client("dynamodbstreams", region_name="us-east-1").list_streams()


@pytest.fixture
def project(pytester: pytest.Pytester, _moto_loaded: None) -> pytest.Pytester:
    """A user project with handlers in ``src/app.py``."""
    pytester.mkdir("src")
    pytester.path.joinpath("src", "app.py").write_text(HANDLER)
    pytester.makeini("[pytest]\nlambda_code_dir = src\n")
    return pytester


def test_kinesis_mapping_with_fixtures(project: pytest.Pytester) -> None:
    """A Kinesis mapping in a user's test drains its stream in batches through the fixtures."""
    project.makepyfile("""
        def test_orders(lambda_aws, lambda_function, lambda_metrics):
            kinesis = lambda_aws.client("kinesis")
            kinesis.create_stream(StreamName="orders", ShardCount=1)
            kinesis.put_records(StreamName="orders", Records=[
                {"Data": f"o{i}".encode(), "PartitionKey": "k"} for i in range(5)])
            arn = kinesis.describe_stream_summary(
                StreamName="orders")["StreamDescriptionSummary"]["StreamARN"]
            fn = lambda_function("app.orders")
            results = fn.add_event_source(arn, batch_size=2).drain()
            assert [r.payload for r in results] == [["o0", "o1"], ["o2", "o3"], ["o4"]]
            assert len(fn.metrics.values("IteratorAge")) == 3
            assert len(lambda_metrics.values("IteratorAge")) == 3
            assert lambda_metrics.sum("Invocations") == 3
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_sqs_partial_failure_and_s3_trigger_with_fixtures(project: pytest.Pytester) -> None:
    """SQS partial failures stay on the queue; an S3 upload reaches the function as an event."""
    project.makepyfile("""
        from pytest_lambda.sources import connect_s3_notifications, create_event_source_mapping

        def test_jobs(lambda_aws, lambda_function):
            sqs = lambda_aws.client("sqs")
            url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
            for body in ("fine", "poison"):
                sqs.send_message(QueueUrl=url, MessageBody=body)
            fn = lambda_function("app.jobs")
            mapping = create_event_source_mapping(
                fn, "arn:aws:sqs:us-east-1:123456789012:jobs",
                function_response_types=["ReportBatchItemFailures"])
            mapping.poll()
            assert mapping.in_flight and len(mapping.in_flight) == 1

        def test_uploads(lambda_aws, lambda_function):
            s3 = lambda_aws.client("s3")
            s3.create_bucket(Bucket="uploads")
            trigger = connect_s3_notifications(lambda_function("app.uploads"), "uploads")
            s3.put_object(Bucket="uploads", Key="a b.txt", Body=b"x")
            assert [r.payload for r in trigger.drain()] == [["a+b.txt"]]
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_dynamodb_streams_clients_work_under_lambda_aws(project: pytest.Pytester) -> None:
    """A handler's and a test's own DynamoDB Streams clients reach moto under lambda_aws.

    botocore 1.35+ sends DescribeStream to an account-ID host moto does not serve; lambda_aws
    keeps clients on the regional endpoint.
    """
    project.path.joinpath("src", "streams.py").write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    client = boto3.client('dynamodbstreams')\n"
        "    return client.describe_stream(StreamArn=event['arn'])"
        "['StreamDescription']['StreamStatus']\n")
    project.makepyfile("""
        import boto3

        def test_streams(lambda_aws, lambda_function):
            ddb = lambda_aws.client("dynamodb")
            arn = ddb.create_table(
                TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
            )["TableDescription"]["LatestStreamArn"]
            own = boto3.client("dynamodbstreams", region_name="us-east-1")
            assert own.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"]
            r = lambda_function("streams.handler").invoke({"arn": arn})
            assert r.payload == "ENABLED", r.payload
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
