"""The Lambda API through boto3 as a user's tests drive it: lambda_aws + lambda_function."""

from __future__ import annotations

import pytest

HANDLERS = """
import json, os, boto3

def fanout(event, context):
    client = boto3.client("lambda")
    before = context.get_remaining_time_in_millis()
    thumbs = client.invoke(FunctionName="resize", Payload=json.dumps({"key": event["key"]}))
    queued = client.invoke(FunctionName="audit", InvocationType="Event",
                           Payload=json.dumps({"key": event["key"]}))
    return {"thumb": json.loads(thumbs["Payload"].read()),
            "version": thumbs["ExecutedVersion"], "queued": queued["StatusCode"],
            "spent_ms": before - context.get_remaining_time_in_millis()}

def resize(event, context):
    print("resizing", event["key"])
    return {"thumb": "thumbs/" + event["key"]}

def audit(event, context):
    print("audited", event["key"])

def loop(event, context):
    print("trace", os.environ["_X_AMZN_TRACE_ID"], event["Records"][0]["attributes"])
    sqs = boto3.client("sqs")
    for record in event["Records"]:
        sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=record["body"])
"""


@pytest.fixture(scope="module")
def _moto_loaded() -> None:
    """Load moto's Lambda and SQS outside the in-process pytester runs (see conftest)."""
    moto = pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    with moto.mock_aws():
        boto3.client("lambda", region_name="us-east-1").list_functions()
        boto3.client("sqs", region_name="us-east-1").list_queues()


@pytest.fixture
def project(pytester: pytest.Pytester, _moto_loaded: None) -> pytest.Pytester:
    """A user project with handlers in ``src/app.py``."""
    pytester.mkdir("src")
    pytester.path.joinpath("src", "app.py").write_text(HANDLERS)
    pytester.makeini("[pytest]\nlambda_code_dir = src\n")
    return pytester


def test_fan_out_through_boto3(project: pytest.Pytester) -> None:
    """A handler fans out to two functions through boto3, synchronously and asynchronously."""
    project.makepyfile("""
        import json

        def test_fan_out(lambda_aws, lambda_function, lambda_logs):
            fanout = lambda_function("app.fanout", name="fanout")
            resize = lambda_function("app.resize", name="resize")
            audit = lambda_function("app.audit", name="audit")
            client = lambda_aws.client("lambda")
            response = client.invoke(FunctionName="fanout", Payload=json.dumps({"key": "a.png"}))
            body = json.loads(response["Payload"].read())
            assert body["thumb"] == {"thumb": "thumbs/a.png"}
            assert (body["version"], body["queued"]) == ("$LATEST", 202)
            assert "resizing a.png" in resize.logs.text
            assert "audited" not in audit.logs.text          # queued, not run yet
            [queued] = fanout.account.drain()
            assert queued.function_name == "audit" and queued.ok
            assert "audited a.png" in audit.logs.text
            # The nested call counts in the caller's time and in both functions' metrics.
            [inner] = resize.metrics.values("Duration")
            assert fanout.metrics.values("Duration")[0] >= inner
            assert body["spent_ms"] >= 0
            assert len(lambda_logs.invocations) == 3
            lambda_logs.assert_report_for_every_invocation()
            assert "resizing a.png" in lambda_logs.for_function("resize").text
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_log_type_tail_from_a_test(project: pytest.Pytester) -> None:
    """LogType=Tail decodes to the invocation's log, ending with its REPORT line."""
    project.makepyfile("""
        import base64

        def test_tail(lambda_aws, lambda_function):
            lambda_function("app.resize", name="resize")
            response = lambda_aws.client("lambda").invoke(
                FunctionName="resize", Payload=b'{"key": "b.png"}', LogType="Tail")
            log = base64.b64decode(response["LogResult"]).decode().splitlines()
            assert log[1] == "resizing b.png"
            assert log[-1].startswith("REPORT RequestId: ")
            assert "\\tBilled Duration: " in log[-1]
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_recursive_sqs_loop_is_stopped(project: pytest.Pytester) -> None:
    """A function that sends its own messages back to its queue is stopped after 16 runs."""
    project.makepyfile("""
        def test_loop(lambda_aws, lambda_function, lambda_metrics):
            sqs = lambda_aws.client("sqs")
            url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
            arn = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            # A generous timeout: a timed-out hop would be redelivered with the same trace
            # (the same hop again, as on Lambda), which a loaded machine must not cause.
            fn = lambda_function("app.loop", name="loop", environment={"QUEUE_URL": url},
                                 timeout=30)
            mapping = lambda_aws.client("lambda").create_event_source_mapping(
                EventSourceArn=arn, FunctionName="loop", BatchSize=1)
            sqs.send_message(QueueUrl=url, MessageBody="again")
            poller = lambda_aws.lambda_api.mapping(mapping["UUID"])
            results = []
            for _ in range(20):  # bounded: a loop that is not stopped fails here, not hangs
                batch = poller.poll()
                if not batch:
                    break
                results += batch
            assert len(results) == 16 and all(r.ok for r in results), \\
                "\\n".join(r.logs.text for r in results[:3])
            assert lambda_metrics.sum("Invocations") == 16
            assert fn.metrics.values("RecursiveInvocationsDropped") == [1.0]
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
