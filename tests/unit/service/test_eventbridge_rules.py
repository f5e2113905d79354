"""EventBridge as AWS keeps it under the embedded AWS: a DISABLED rule delivers nothing, and a
function cannot publish events with a reserved ``aws.`` source (a test still can)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("moto")

from pytest_lambda import LambdaFunction
from pytest_lambda.service.aws import MockedAws

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture

PUBLISHER = """
import boto3, json

def handler(event, context):
    client = boto3.client("events")
    answer = client.put_events(Entries=[
        {"Source": source, "DetailType": "t", "Detail": "{}"} for source in event["sources"]])
    return {"failed": answer["FailedEntryCount"],
            "codes": [e.get("ErrorCode") for e in answer["Entries"]],
            "messages": [e.get("ErrorMessage") for e in answer["Entries"]]}
"""


def test_a_disabled_rule_delivers_nothing(code: CodeWriter) -> None:
    with MockedAws("us-east-1") as aws, LambdaFunction("app.handler", code_dir=code(
            app="def handler(e, c):\n    return e['source']\n")) as fn:
        trigger = fn.connect_eventbridge({"source": ["shop"]}, enabled=False)
        bridge = aws.client("events")
        entry = {"Source": "shop", "DetailType": "t", "Detail": json.dumps({})}
        bridge.put_events(Entries=[entry])
        assert trigger.drain() == []
        bridge.enable_rule(Name=trigger.rule_name)
        bridge.put_events(Entries=[entry])
        assert [r.payload for r in trigger.drain()] == ["shop"]
        trigger.close()


def test_a_function_cannot_publish_a_reserved_source(code: CodeWriter) -> None:
    """A handler's ``aws.*`` entry fails with NotAuthorizedForSourceException and the others
    go through; the test itself may put ``aws.*`` events, standing in for the service."""
    import boto3

    with MockedAws("us-east-1"), LambdaFunction("app.handler",
                                                code_dir=code(app=PUBLISHER)) as fn:
        answer = fn.invoke({"sources": ["com.shop", "aws.s3", "com.other"]}).payload
        assert answer == {"failed": 1, "codes": [None, "NotAuthorizedForSourceException", None],
                          "messages": [None, "Not authorized for the source.", None]}
        test_side = boto3.client("events", region_name="us-east-1").put_events(
            Entries=[{"Source": "aws.ec2", "DetailType": "t", "Detail": "{}"}])
        assert test_side["FailedEntryCount"] == 0


def test_a_workers_request_through_the_bridge_is_a_functions() -> None:
    """Process and Node.js workers reach the embedded AWS through the bridge, which marks
    their requests as a function's: an ``aws.*`` source is refused for them too."""
    import boto3

    with MockedAws("us-east-1") as aws:
        endpoint = aws.lambda_api.bridge_url()
        worker_like = boto3.client("events", region_name="us-east-1", endpoint_url=endpoint,
                                   aws_access_key_id="AKIAEXAMPLE",
                                   aws_secret_access_key="secret")
        answer = worker_like.put_events(Entries=[
            {"Source": "aws.s3", "DetailType": "t", "Detail": "{}"}])
        assert answer["Entries"][0]["ErrorCode"] == "NotAuthorizedForSourceException"
