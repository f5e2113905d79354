"""Bad input raises EventError naming the argument, the value and what is allowed."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from pytest_lambda import events

BAD: list[tuple[str, Callable[[], Any], str]] = [
    ("s3 negative size", lambda: events.s3_put("bkt", "k", -1), "size=-1"),
    ("s3 put too big", lambda: events.s3_put("bkt", "k", 6 * 1024**3), "s3_multipart_upload"),
    ("s3 bucket", lambda: events.s3_put("Bad_Bucket", "k"), "bucket="),
    ("s3 empty key", lambda: events.s3_put("bkt", ""), "key="),
    (
        "s3 event name",
        lambda: events.s3_event("bkt", "k", event_name="s3:ObjectCreated:Put"),
        "ObjectCreated:Put",
    ),
    (
        "s3 storage class",
        lambda: events.s3_lifecycle_transition("bkt", "k", storage_class="COLD"),
        "storage_class=",
    ),
    ("http method", lambda: events.apigateway_rest("FETCH", "/"), "method='FETCH'"),
    ("http method v2", lambda: events.http_api("CONNECT"), "GET"),
    ("path no slash", lambda: events.apigateway_rest("GET", "items"), "path="),
    (
        "path vs resource",
        lambda: events.apigateway_rest("GET", "/a", resource="/b/{id}"),
        "resource template",
    ),
    (
        "non-json body",
        lambda: events.apigateway_rest(
            "POST", "/", headers={"Content-Type": "application/json"}, body="{oops"
        ),
        "body=",
    ),
    (
        "non-json body v2",
        lambda: events.http_api(
            "POST", "/", headers={"content-type": "application/json"}, body="nope"
        ),
        "JSON",
    ),
    ("ddb nan", lambda: events.dynamodb_insert({"pk": "a"}, {"x": math.nan}), "new_image['x']"),
    ("ddb object", lambda: events.dynamodb_insert({"pk": "a"}, {"x": object()}), "DynamoDB holds"),
    ("ddb empty set", lambda: events.marshal_value(set()), "empty sets"),
    ("ddb mixed set", lambda: events.marshal_value({1, "a"}), "only str"),
    ("ddb key type", lambda: events.dynamodb_insert({"pk": [1]}), "keys['pk']"),
    (
        "ddb image on insert",
        lambda: events.dynamodb_record("INSERT", {"pk": "a"}, old_image={}),
        "old_image",
    ),
    ("ddb view", lambda: events.dynamodb_insert({"pk": "a"}, stream_view_type="ALL"), "KEYS_ONLY"),
    ("ddb key mismatch", lambda: events.dynamodb_insert({"pk": "a"}, {"pk": "b"}), "differs"),
    ("ddb digits", lambda: events.marshal_value(10**40 + 1), "38 significant"),
    ("sqs fifo name", lambda: events.sqs_message(queue="q.fifo"), "queue="),
    ("sqs group without fifo", lambda: events.sqs_message(message_group_id="g"), "FIFO"),
    (
        "sqs attribute type",
        lambda: events.sqs_message(
            message_attributes={"a": {"dataType": "Weird", "stringValue": "x"}}
        ),
        "String, Number, Binary",
    ),
    (
        "sqs attribute value",
        lambda: events.sqs_message(message_attributes={"a": object()}),
        "message_attributes['a']",
    ),
    ("sqs empty body", lambda: events.sqs_message(""), "body="),
    ("sqs fifo batch size", lambda: events.sqs_batch(["a"] * 11, fifo=True), "1-10"),
    (
        "sns attribute type",
        lambda: events.sns_notification(message_attributes={"a": {"Type": "Foo", "Value": "x"}}),
        "String",
    ),
    ("sns subject", lambda: events.sns_notification(subject="x" * 101), "subject="),
    ("region", lambda: events.sqs_message(region="mars"), "region='mars'"),
    ("account", lambda: events.sns_notification(account_id="123"), "12-digit"),
    ("kinesis shard", lambda: events.kinesis_record(shard_id="shard-1"), "shardId-"),
    ("kinesis bad data", lambda: events.kinesis_record(1.5), "data=1.5"),  # type: ignore[arg-type]
    ("eventbridge detail", lambda: events.eventbridge_event(detail=[1]), "detail="),  # type: ignore[arg-type]
    (
        "eventbridge detail json",
        lambda: events.eventbridge_event(detail={"a": object()}),
        "JSON-serializable",
    ),
    ("cognito source", lambda: events.cognito_pre_signup(source="Nope"), "SignUp"),
    ("alexa locale", lambda: events.alexa_launch(locale="xx-XX"), "en-US"),
    ("lex state", lambda: events.lex_v2(intent_state="Done"), "InProgress"),
    ("cfn type", lambda: events.cloudformation_custom_resource("Upsert"), "Create"),
    (
        "cfn resource type",
        lambda: events.cloudformation_custom_resource(resource_type="AWS::S3::Bucket"),
        "Custom::",
    ),
    ("kafka source", lambda: events.kafka_event(source="kinesis"), "msk"),
    ("secrets step", lambda: events.secretsmanager_rotation("rotate"), "createSecret"),
    ("alb both", lambda: events.alb_request(target_group="x" * 40), "target_group="),
    ("authorizer token", lambda: events.apigateway_authorizer_token(""), "authorization_token"),
    (
        "http api jwt+lambda",
        lambda: events.http_api(jwt_claims={}, lambda_context={}),
        "one authorizer",
    ),
    ("function url auth", lambda: events.lambda_function_url(auth_type="COGNITO"), "AWS_IAM"),
    ("ses verdict", lambda: events.ses_receipt(spam="MAYBE"), "PASS"),
    (
        "s3 batch op args",
        lambda: events.s3_batch_operation(schema_version="1.0", user_arguments={"a": "b"}),
        "2.0",
    ),
    ("task token clash", lambda: events.stepfunctions_task_token({"taskToken": 1}), "token_field"),
    ("iot wildcard", lambda: events.iot_rule(topic="a/#", include_metadata=True), "wildcards"),
]


@pytest.mark.parametrize(("call", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_rejected_clearly(call: Callable[[], Any], fragment: str) -> None:
    """The error is an EventError (a ValueError) whose message names what went wrong."""
    with pytest.raises(events.EventError) as info:
        call()
    assert isinstance(info.value, ValueError)
    assert fragment in str(info.value)


def test_unmarshal_rejects_unknown_tag() -> None:
    """An unknown DynamoDB type tag is reported with the allowed tags."""
    with pytest.raises(events.EventError, match="S, N, B, BOOL"):
        events.unmarshal_value({"X": "1"})


def test_decode_kinesis_rejects_non_base64() -> None:
    """Decoding a record whose data is not base64 fails clearly."""
    with pytest.raises(events.EventError, match="base64"):
        events.decode_kinesis_data({"kinesis": {"data": "not base64!"}})


@pytest.mark.parametrize(("call", "message"), [
    (lambda: events.kinesis_record(partition_key=5),
     "partition_key=5 is not valid (kinesis_record() argument): expected str or None, got int"),
    (lambda: events.sqs_message(region=5),
     "region=5 is not valid (sqs_message() argument): expected str, got int"),
    (lambda: events.EventFactory(seed=1).sqs_message(region=5),
     "region=5 is not valid (sqs_message() argument): expected str, got int"),
], ids=["kinesis_record", "sqs_message", "bound sqs_message"])
def test_errors_name_the_factory_called_not_its_delegate(call: Callable[[], Any],
                                                          message: str) -> None:
    """A factory that hands its keywords to another is the one named as taking the argument."""
    with pytest.raises(events.EventError) as info:
        call()
    assert str(info.value) == message


def test_a_delegate_called_directly_is_named_itself() -> None:
    """After a delegating call, the batch factory called on its own is named again."""
    with pytest.raises(events.EventError, match=r"\(sqs_message\(\) argument\)"):
        events.sqs_message(region=5)
    with pytest.raises(events.EventError, match=r"\(sqs_batch\(\) argument\)"):
        events.sqs_batch(["a"], region=5)
