"""Recursive loop detection: the Lineage count, and loops through SQS and Lambda stopped at 16."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import RecursiveInvocationException
from pytest_lambda.service import recursion
from pytest_lambda.service.account import Account
from pytest_lambda.service.aws import MockedAws

if TYPE_CHECKING:
    from conftest import CodeWriter

ARN = "arn:aws:lambda:us-east-1:123456789012:function:loop"
ROOT = "Root=1-5759e988-bd862e3fe1be46a994272793"
LOOP = """
import json, os, boto3
def handler(event, context):
    for record in event["Records"]:
        hop = json.loads(record["body"])["hop"]
        boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"],
                                         MessageBody=json.dumps({"hop": hop + 1}))
    return os.environ["_X_AMZN_TRACE_ID"]
"""


@pytest.fixture
def aws() -> Iterator[MockedAws]:
    """moto with the Lambda API installed."""
    with MockedAws("us-east-1") as mocked:
        yield mocked


def test_lineage_parses_every_entry() -> None:
    """Lineage entries are function id -> count, joined by '|'."""
    header = f"{ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5"
    assert recursion.lineage(header) == {"a87bd80c": 1, "68fd508a": 5}
    assert recursion.lineage(ROOT) == {} and recursion.lineage(None) == {}


def test_continue_trace_keeps_the_root_and_counts_the_function() -> None:
    """A continued trace keeps Root and Sampled, takes a new Parent and counts this function."""
    key = recursion.function_key(ARN)
    first = recursion.continue_trace(f"{ROOT};Parent=1;Sampled=1", ARN, "0" * 16 + "a" * 16)
    assert first == f"{ROOT};Parent={'a' * 16};Sampled=1;Lineage={key}:0"
    second = recursion.continue_trace(first, ARN, "b" * 32)
    assert recursion.lineage(second) == {key: 1}


def test_the_seventeenth_invocation_stops() -> None:
    """A chain that ran the function 16 times stops the next invocation, not before."""
    key = recursion.function_key(ARN)
    assert not recursion.stops(f"{ROOT};Lineage={key}:14", ARN)
    assert recursion.stops(f"{ROOT};Lineage={key}:15", ARN)
    assert not recursion.stops(f"{ROOT};Lineage=0000ffff:15", ARN)
    assert not recursion.stops(None, ARN)


def test_invoke_with_a_looping_trace_raises(code: CodeWriter) -> None:
    """invoke() with a 17th-hop trace raises RecursiveInvocationException and counts it."""
    fn = LambdaFunction("app.handler", name="loop",
                        code_dir=code(app="def handler(e, c):\n    return 1\n"))
    header = f"{ROOT};Sampled=0;Lineage={recursion.function_key(ARN)}:15"
    with pytest.raises(RecursiveInvocationException):
        fn.invoke({}, trace_header=header)
    assert fn.metrics.values("RecursiveInvocationsDropped") == [1.0]
    assert fn.logs.text == ""  # the handler never ran
    queued = fn.invoke({}, invocation_type="Event", trace_header=header)
    assert queued.status_code == 202 and fn.account.drain() == []


def test_sqs_loop_is_stopped_after_16_invocations(aws: MockedAws, code: CodeWriter) -> None:
    """Lambda -> SQS -> Lambda: 16 invocations run, the 17th message goes to the DLQ."""
    sqs = aws.client("sqs")
    dlq = sqs.create_queue(QueueName="loop-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="loop", Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    # A generous timeout: a timed-out hop is redelivered with the same trace (the same hop
    # again, as on Lambda), which a loaded machine must not cause.
    fn = LambdaFunction("loop.handler", code_dir=code(loop=LOOP), timeout=30,
                        environment={"QUEUE_URL": url})
    mapping = fn.add_event_source(arn, batch_size=1)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"hop": 0}))
    results: list[Any] = []
    for _ in range(20):  # bounded: a loop that is not stopped fails here instead of running on
        batch = mapping.poll()
        if not batch:
            break
        results += batch
    assert len(results) == 16 and all(r.ok for r in results)
    key = recursion.function_key(fn.arn)
    assert [recursion.lineage(r.payload).get(key) for r in results] == [None, *range(1, 16)]
    roots = {r.payload.split(";")[0] for r in results[1:]}
    assert len(roots) == 1  # one trace through the whole loop
    assert fn.metrics.values("RecursiveInvocationsDropped") == [1.0]
    [dead] = sqs.receive_message(QueueUrl=dlq)["Messages"]
    assert json.loads(dead["Body"]) == {"hop": 16}
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None


def test_lambda_to_lambda_loop_is_stopped(aws: MockedAws, code: CodeWriter) -> None:
    """A function invoking itself through boto3 gets RecursiveInvocationException at hop 17."""
    root = code(me="""
        import json, boto3
        from botocore.config import Config
        def handler(event, context):
            client = boto3.client("lambda", config=Config(retries={"max_attempts": 0}))
            try:
                client.invoke(FunctionName="me", Payload=json.dumps({"depth": event["depth"] + 1}))
            except client.exceptions.RecursiveInvocationException as exc:
                return {"stopped_at": event["depth"] + 1, "code": exc.response["Error"]["Code"]}
            return {"depth": event["depth"]}
        """)
    fn = LambdaFunction("me.handler", code_dir=root, timeout=60, account=Account())
    results: list[Any] = []
    fn.add_listener(results.append)
    assert fn.invoke({"depth": 1}).raise_for_error().payload == {"depth": 1}
    assert len(results) == 16 and fn.metrics.sum("Invocations") == 16
    assert results[0].payload == {"stopped_at": 17, "code": "RecursiveInvocationException"}
    assert fn.metrics.values("RecursiveInvocationsDropped") == [1.0]


def test_client_error_shape_of_a_stopped_invoke(aws: MockedAws, code: CodeWriter) -> None:
    """The stopped Invoke is a ClientError with Lambda's code and status 400."""
    fn = LambdaFunction("app.handler", name="loop",
                        code_dir=code(app="def handler(e, c):\n    return 1\n"))
    client = aws.client("lambda", config=Config(retries={"max_attempts": 0}))
    header = f"{ROOT};Sampled=0;Lineage={recursion.function_key(fn.arn)}:15"

    def put_header(request: Any, **_: Any) -> None:
        del request.headers["X-Amzn-Trace-Id"]  # one header (a tracer may have set its own)
        request.headers["X-Amzn-Trace-Id"] = header

    client.meta.events.register("before-sign.lambda.Invoke", put_header)
    with pytest.raises(ClientError) as info:
        client.invoke(FunctionName="loop")
    assert info.value.response["Error"]["Code"] == "RecursiveInvocationException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_sns_loop_is_stopped_after_16_invocations(aws: MockedAws, code: CodeWriter) -> None:
    """Lambda -> SNS -> Lambda: the 17th notification to the function is dropped."""
    sns = aws.client("sns")
    topic = sns.create_topic(Name="loop")["TopicArn"]
    fn = LambdaFunction("echo.handler", environment={"TOPIC": topic}, timeout=60,
                        code_dir=code(echo="""
        import os, boto3
        def handler(event, context):
            boto3.client("sns").publish(TopicArn=os.environ["TOPIC"], Message="again")
        """))
    trigger = fn.subscribe_sns(topic)
    sns.publish(TopicArn=topic, Message="start")
    runs = 0
    for _ in range(20):  # bounded, as above
        batch = trigger.drain()
        if not batch:
            break
        runs += len(batch)
    assert runs == 16 and fn.metrics.sum("Invocations") == 16
    assert fn.metrics.values("RecursiveInvocationsDropped") == [1.0]


def test_trace_header_is_read_as_sent() -> None:
    """botocore percent-encodes the '|' between Lineage entries; both entries are read back."""
    from botocore.awsrequest import AWSPreparedRequest
    from botocore.compat import HTTPHeaders

    from pytest_lambda.service.lambda_api import trace_header

    headers = HTTPHeaders()
    headers["X-Amzn-Trace-Id"] = f"{ROOT};Sampled=0;Lineage=a87bd80c:1%7C68fd508a:5"
    request = AWSPreparedRequest("POST", "https://sqs.us-east-1.amazonaws.com/", headers,
                                 b"", False)
    assert recursion.lineage(trace_header(request)) == {"a87bd80c": 1, "68fd508a": 5}
