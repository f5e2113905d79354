"""Invocation semantics as a user sees them through pytester: async, DLQ, throttles, aliases."""

from __future__ import annotations

import pytest

HANDLER = """
import os
CALLS = []
def flaky(event, context):
    CALLS.append(context.aws_request_id)
    if len(CALLS) <= 2:
        raise ValueError(f"attempt {len(CALLS)} failed")
    return {"attempts": len(CALLS)}
def broken(event, context):
    raise RuntimeError("payment service down")
def echo(event, context):
    return {"event": event, "version": context.function_version, "code": "v1"}
"""


@pytest.fixture(scope="module")
def _moto_loaded() -> None:
    """Load moto's SQS, SNS and EventBridge here, outside the in-process pytester runs.

    pytester drops the modules a run imported; moto and botocore imported inside a run would
    be re-imported fresh by later tests while their patches still point at the old copies.
    """
    moto = pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    with moto.mock_aws():
        for service in ("sqs", "sns", "events"):
            client = boto3.client(service, region_name="us-east-1")
            getattr(client, {"sqs": "list_queues", "sns": "list_topics",
                             "events": "list_event_buses"}[service])()


@pytest.fixture
def project(pytester: pytest.Pytester, _moto_loaded: None) -> pytest.Pytester:
    """A user project with handlers in ``src/app.py`` and a seed for reproducible routing."""
    pytester.mkdir("src")
    pytester.path.joinpath("src", "app.py").write_text(HANDLER)
    pytester.makeini("[pytest]\nlambda_code_dir = src\nlambda_seed = 42\n")
    return pytester


def run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run the project's tests in process."""
    return project.runpytest("-p", "no:cacheprovider", *args)


def test_fails_twice_then_succeeds_with_one_success_record(project: pytest.Pytester) -> None:
    """Three invocations with one request id, then a single on-success record on SQS."""
    project.makepyfile("""
        import json
        import boto3
        from moto import mock_aws

        def test_retry(lambda_function, lambda_logs, lambda_metrics):
            with mock_aws():
                sqs = boto3.client("sqs", region_name="us-east-1")
                url = sqs.create_queue(QueueName="ok")["QueueUrl"]
                fn = lambda_function("app.flaky", destination_config={
                    "OnSuccess": {"Destination": "arn:aws:sqs:us-east-1:123456789012:ok"}})
                accepted = fn.invoke({"order": 1}, invocation_type="Event")
                assert accepted.status_code == 202
                attempts = fn.account.drain()
                assert len(attempts) == 3
                assert {a.request_id for a in attempts} == {accepted.request_id}
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
                assert len(messages) == 1
                record = json.loads(messages[0]["Body"])
                assert record["requestContext"]["condition"] == "Success"
                assert record["requestContext"]["approximateInvokeCount"] == 3
                assert record["responsePayload"] == {"attempts": 3}
            assert lambda_logs.text.count("START RequestId: " + accepted.request_id) == 3
            assert lambda_metrics.values("Errors") == [1, 1, 0]
    """)
    run(project).assert_outcomes(passed=1)


def test_always_failing_event_reaches_moto_dlq(project: pytest.Pytester) -> None:
    """Three failed attempts, then the original event on the DLQ with Lambda's attributes."""
    project.makepyfile("""
        import boto3
        from moto import mock_aws

        def test_dlq(lambda_function):
            with mock_aws():
                sqs = boto3.client("sqs", region_name="us-east-1")
                url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
                arn = sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                fn = lambda_function("app.broken", dead_letter_config={"TargetArn": arn})
                request_id = fn.invoke({"order": 2}, invocation_type="Event").request_id
                assert [r.function_error for r in fn.account.drain()] == ["Unhandled"] * 3
                [msg] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])[
                    "Messages"]
                assert msg["Body"] == '{"order": 2}'
                attrs = {k: v["StringValue"] for k, v in msg["MessageAttributes"].items()}
                assert attrs == {"RequestID": request_id, "ErrorCode": "200",
                                 "ErrorMessage": "payment service down"}
                assert msg["MessageAttributes"]["ErrorCode"]["DataType"] == "Number"
    """)
    run(project).assert_outcomes(passed=1)


def test_event_outlives_its_maximum_age(project: pytest.Pytester) -> None:
    """With a 60 s maximum age the first retry is too late: the event expires after 1 attempt."""
    project.makepyfile("""
        def test_age(lambda_function):
            sink = lambda_function("app.echo", name="sink")
            fn = lambda_function("app.broken", maximum_event_age_in_seconds=60,
                                 destination_config={"OnFailure": {"Destination": sink}})
            fn.invoke({}, invocation_type="Event")
            fn.account.drain()
            assert len([r for r in fn.async_events[0].results]) == 1
            assert fn.async_events[0].condition == "EventAgeExceeded"
            record = sink.async_events[0].results[0].payload["event"]
            assert record["requestContext"]["condition"] == "EventAgeExceeded"
            assert fn.account.clock.now < 120
    """)
    run(project).assert_outcomes(passed=1)


def test_throttling_at_reserved_concurrency_one(project: pytest.Pytester) -> None:
    """invoke_many at reserved concurrency 1 throttles; the summary counts the throttles."""
    project.makepyfile("""
        def test_burst(lambda_function, lambda_metrics):
            fn = lambda_function("app.echo", name="burst", reserved_concurrent_executions=1)
            results = fn.invoke_many([{"i": i} for i in range(6)], concurrency=3)
            assert [r.status_code for r in results] == [200, 429, 429, 200, 429, 429]
            assert results[1].payload["Reason"] == (
                "ReservedFunctionConcurrentInvocationLimitExceeded")
            assert lambda_metrics.sum("Throttles") == 4
            assert lambda_metrics.sum("Invocations") == 2
    """)
    result = run(project)
    result.assert_outcomes(passed=1)
    result.stdout.re_match_lines([r".*burst\s+2\s+0\s+0\s+4\s+1\b.*"])


def test_alias_routing_90_10_over_1000_invokes(project: pytest.Pytester) -> None:
    """A seeded 90/10 alias sends 10 % (within 3 standard deviations, 2.85 points) of 1 000
    invokes to the new version."""
    project.makepyfile("""
        def test_canary(lambda_function):
            fn = lambda_function("app.echo", name="canary", measure_memory=False)
            fn.publish_version()
            fn.update_configuration(environment={"RELEASE": "two"})
            fn.publish_version()
            fn.create_alias("live", "1", routing={"2": 0.1})
            versions = [fn.invoke({}, qualifier="live").executed_version
                        for _ in range(1_000)]
            share = versions.count("2") / len(versions)
            assert 0.0715 <= share <= 0.1285, share
            fn.update_alias("live", "2", routing={})
            assert fn.invoke({}, qualifier="live").payload["version"] == "2"
    """)
    run(project).assert_outcomes(passed=1)


def test_published_version_unaffected_by_code_edit(project: pytest.Pytester) -> None:
    """Editing the handler after publish changes $LATEST but not version 1."""
    project.makepyfile("""
        from pathlib import Path

        def test_freeze(lambda_function):
            fn = lambda_function("app.echo", name="frozen")
            fn.publish_version()
            src = Path("src/app.py")
            src.write_text(src.read_text().replace('"v1"', '"v2"'))
            fn.cold_start()
            assert fn.invoke({}).payload["code"] == "v2"
            assert fn.invoke({}, qualifier="1").payload["code"] == "v1"
    """)
    run(project).assert_outcomes(passed=1)


def test_dry_run_and_denied_principal(project: pytest.Pytester) -> None:
    """DryRun answers 204 without running; an unknown principal gets AccessDeniedException."""
    project.makepyfile("""
        import pytest
        from pytest_lambda.errors import AccessDeniedException

        def test_access(lambda_function, lambda_logs):
            fn = lambda_function("app.echo", name="private")
            assert fn.invoke({}, invocation_type="DryRun").status_code == 204
            assert len(lambda_logs) == 0
            with pytest.raises(AccessDeniedException, match="sns.amazonaws.com is not authorized"):
                fn.invoke({}, principal="sns.amazonaws.com")
            fn.add_permission(principal="sns.amazonaws.com", statement_id="topic",
                              source_arn="arn:aws:sns:us-east-1:123456789012:t")
            assert fn.invoke({}, principal="sns.amazonaws.com",
                             source_arn="arn:aws:sns:us-east-1:123456789012:t").ok
            assert fn.policy["Statement"][0]["Sid"] == "topic"
    """)
    run(project).assert_outcomes(passed=1)
