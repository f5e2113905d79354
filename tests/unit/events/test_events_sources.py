"""Round-2 sources: each validates against its Powertools model and our realism rules."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Callable
from typing import Any

import event_checks as checks
import event_checks_sources as more
import powertools_oracle
import pytest

from pytest_lambda import events
from pytest_lambda.events.cognito_senders import EMAIL_SOURCES, SMS_SOURCES
from pytest_lambda.events.s3_eventbridge import S3_EVENTBRIDGE_TYPES

models = powertools_oracle.load_models()
NOW = dt.datetime(2024, 3, 4, 19, 15, 17, 123000, tzinfo=dt.UTC)
Check = Callable[[dict[str, Any]], None]


def _r() -> random.Random:
    return random.Random(7)


# (id, build, Powertools parser model or None, realism check)
CASES: list[tuple[str, Callable[[], Any], str | None, Check]] = [
    (
        "lattice v2",
        lambda: events.vpc_lattice_request(),
        "VpcLatticeV2Model",
        more.check_vpc_lattice,
    ),
    (
        "lattice v2 iam body",
        lambda: events.vpc_lattice_request(
            "POST",
            "/orders",
            query={"a": ["1", "2"]},
            headers={"X-A": ["1", "2"]},
            body={"k": 1},
            auth_type="AWS_IAM",
            region="eu-west-1",
        ),
        "VpcLatticeV2Model",
        more.check_vpc_lattice,
    ),
    (
        "lattice v1",
        lambda: events.vpc_lattice_request("PUT", "/x", version="1.0", body=b"\x00\x01"),
        "VpcLatticeModel",
        more.check_vpc_lattice,
    ),
    (
        "object lambda",
        lambda: events.s3_object_lambda(),
        "S3ObjectLambdaEvent",
        more.check_s3_object_lambda,
    ),
    (
        "object lambda key",
        lambda: events.s3_object_lambda(
            "a b/ü.txt", payload='{"mask": true}', region="ap-southeast-2"
        ),
        "S3ObjectLambdaEvent",
        more.check_s3_object_lambda,
    ),
    (
        "activemq",
        lambda: events.activemq_event(["a", b"\xff", {"x": 1}], properties={"p": "1"}),
        None,
        more.check_activemq,
    ),
    (
        "rabbitmq",
        lambda: events.rabbitmq_event(["a", b"\xff"], headers={"h": "v", "n": 3}),
        None,
        more.check_rabbitmq,
    ),
    (
        "docdb insert",
        lambda: events.documentdb_change_event([{"a": 1}, {"b": 2}]),
        None,
        more.check_documentdb,
    ),
    (
        "docdb update",
        lambda: events.documentdb_change_event(
            [{"_id": "k", "a": 1}], operation="update", removed_fields=["z"]
        ),
        None,
        more.check_documentdb,
    ),
    (
        "docdb delete",
        lambda: events.documentdb_change_event(operation="delete"),
        None,
        more.check_documentdb,
    ),
    (
        "kinesis ddb",
        lambda: events.kinesis_dynamodb_batch(
            [
                {"event_name": "INSERT", "keys": {"pk": "a"}, "new_image": {"n": 1}},
                {
                    "event_name": "MODIFY",
                    "keys": {"pk": "a"},
                    "old_image": {"n": 1},
                    "new_image": {"n": 2},
                },
                {"event_name": "REMOVE", "keys": {"pk": "b"}, "ttl": True},
            ],
            precision="MILLISECOND",
        ),
        "KinesisDataStreamModel",
        more.check_kinesis_dynamodb,
    ),
    (
        "kinesis ddb one",
        lambda: events.kinesis_dynamodb_record(),
        "KinesisDataStreamModel",
        more.check_kinesis_dynamodb,
    ),
]
CASES += [
    (
        "email sender",
        lambda: events.cognito_custom_email_sender(client_metadata={"a": "b"}),
        "CognitoCustomEmailSenderTriggerModel",
        more.check_cognito_sender,
    ),
    (
        "sms sender",
        lambda: events.cognito_custom_sms_sender(phone_number="+447700900123"),
        "CognitoCustomSMSSenderTriggerModel",
        more.check_cognito_sender,
    ),
    (
        "appsync authorizer",
        lambda: events.appsync_authorizer(),
        None,
        more.check_appsync_authorizer,
    ),
    (
        "appsync authorizer anonymous op",
        lambda: events.appsync_authorizer("t", "{ a }", operation_name=None, variables={}),
        None,
        more.check_appsync_authorizer,
    ),
    (
        "appsync events publish",
        lambda: events.appsync_events([{"a": 1}] * 5),
        "AppSyncEventsModel",
        more.check_appsync_events,
    ),
    (
        "appsync events subscribe",
        lambda: events.appsync_events(channel="/chat/room-1/x", operation="SUBSCRIBE"),
        "AppSyncEventsModel",
        more.check_appsync_events,
    ),
    ("alarm", lambda: events.cloudwatch_alarm(), None, more.check_cloudwatch_alarm),
    (
        "alarm ok",
        lambda: events.cloudwatch_alarm("OK", "INSUFFICIENT_DATA", description="d", period=300),
        None,
        more.check_cloudwatch_alarm,
    ),
    ("codedeploy", lambda: events.codedeploy_lifecycle_hook(), None, more.check_codedeploy_hook),
    (
        "bedrock api",
        lambda: events.bedrock_agent_api(),
        "BedrockAgentEventModel",
        more.check_bedrock_agent,
    ),
    (
        "bedrock api body",
        lambda: events.bedrock_agent_api(
            "/claims", "POST", body={"n": 1, "x": 1.5, "ok": True, "l": [1]}
        ),
        "BedrockAgentEventModel",
        more.check_bedrock_agent,
    ),
    (
        "bedrock function",
        lambda: events.bedrock_agent_function(),
        "BedrockAgentFunctionEventModel",
        more.check_bedrock_agent,
    ),
    (
        "transfer",
        lambda: events.transfer_family_auth(),
        "TransferFamilyAuthorizer",
        more.check_transfer_family,
    ),
    (
        "transfer key",
        lambda: events.transfer_family_auth("jane.doe", None),
        "TransferFamilyAuthorizer",
        more.check_transfer_family,
    ),
    (
        "iot thing",
        lambda: events.iot_registry_thing_event(
            "UPDATED", attributes={"a": "1"}, thing_type="sensor"
        ),
        None,
        more.check_iot_registry,
    ),
    (
        "iot group",
        lambda: events.iot_registry_thing_group_event(parents=["root", "mid"]),
        None,
        more.check_iot_registry,
    ),
    (
        "destination success",
        lambda: events.lambda_destination_record({"a": 1}, {"ok": True}),
        None,
        more.check_destination_record,
    ),
    (
        "destination failure",
        lambda: events.lambda_destination_record(condition="RetriesExhausted", version="3"),
        None,
        more.check_destination_record,
    ),
    (
        "destination expired",
        lambda: events.lambda_destination_record(
            condition="EventAgeExceeded", throttled=True, attempts=5
        ),
        None,
        more.check_destination_record,
    ),
    (
        "stream failure kinesis",
        lambda: events.lambda_stream_failure_record(),
        None,
        more.check_stream_failure_record,
    ),
    (
        "stream failure ddb",
        lambda: events.lambda_stream_failure_record("dynamodb", batch_size=10),
        "DynamoDBStreamLambdaOnFailureDestinationModel",
        more.check_stream_failure_record,
    ),
    (
        "stream failure kafka",
        lambda: events.lambda_stream_failure_record("kafka", batch_size=25, topic="orders"),
        None,
        more.check_stream_failure_record,
    ),
    (
        "stream failure kafka to s3, too large",
        lambda: events.lambda_stream_failure_record(
            "kafka", condition="MaximumPayloadSizeExceeded", include_payload=True),
        None,
        more.check_stream_failure_record,
    ),
]
for _kind in S3_EVENTBRIDGE_TYPES:
    CASES.append(
        (
            f"s3 eventbridge {_kind}",
            lambda k=_kind: events.s3_eventbridge_event(k, "bkt", "a/b.txt", 5, rng=_r(), now=NOW),
            "S3EventNotificationEventBridgeModel",
            more.check_s3_eventbridge,
        )
    )


@pytest.mark.parametrize(
    ("build", "model", "check"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_source_validates_and_is_realistic(
    build: Callable[[], Any], model: str | None, check: Check
) -> None:
    """The event is JSON-ready, accepted by its Powertools model, and passes our realism rules."""
    event = build()
    assert json.loads(json.dumps(event)) == event
    found = powertools_oracle.model(models, model) if model is not None else None
    if found is not None:
        found.model_validate(more.for_powertools(model, event))
    check(event)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: events.vpc_lattice_request(version="3.0"), "version"),
        (lambda: events.vpc_lattice_request(principal="arn:aws:iam::1:role/x"), "principal"),
        (lambda: events.vpc_lattice_request(service="Bad_Name"), "service"),
        (lambda: events.s3_object_lambda(access_point="AP"), "access_point"),
        (lambda: events.s3_eventbridge_event("Object Put"), "detail_type"),
        (lambda: events.s3_eventbridge_event("Object Tags Added", reason="PutObject"), "reason"),
        (
            lambda: events.s3_eventbridge_event("Object Created", storage_class="GLACIER"),
            "storage_class",
        ),
        (lambda: events.rabbitmq_event(queue="a::b"), "queue"),
        (lambda: events.rabbitmq_event(headers={"h": [1]}), "headers['h']"),
        (lambda: events.activemq_event(properties={"p": 1}), "properties['p']"),
        (lambda: events.documentdb_change_event(operation="upsert"), "operation"),
        (lambda: events.documentdb_change_event(updated_fields={"a": 1}), "updated_fields"),
        (lambda: events.documentdb_change_event(database="a.b"), "database"),
        (lambda: events.kinesis_dynamodb_record("INSERT", old_image={"a": 1}), "old_image"),
        (lambda: events.kinesis_dynamodb_record("MODIFY", ttl=True), "ttl"),
        (
            lambda: events.kinesis_dynamodb_batch(
                [{"event_name": "INSERT", "keys": {"pk": "a"}, "x": 1}]
            ),
            "changes[0]",
        ),
        (lambda: events.kinesis_dynamodb_record(precision="SECOND"), "precision"),
        (lambda: events.cognito_custom_email_sender("AccountTakeOver"), "source"),
        (lambda: events.cognito_custom_sms_sender(phone_number="555-0100"), "phone_number"),
        (
            lambda: events.cognito_custom_sms_sender(client_metadata={"a": 1}),
            "client_metadata['a']",
        ),
        (lambda: events.appsync_authorizer(""), "authorization_token"),
        (lambda: events.appsync_events(channel="no-slash"), "channel"),
        (lambda: events.appsync_events([{}] * 6), "payloads"),
        (lambda: events.appsync_events([{}], operation="SUBSCRIBE"), "payloads"),
        (lambda: events.cloudwatch_alarm("OK", "OK"), "previous_state"),
        (lambda: events.cloudwatch_alarm(period=45), "period"),
        (lambda: events.codedeploy_lifecycle_hook(deployment_id="d-abc"), "deployment_id"),
        (lambda: events.bedrock_agent_api("/x", "GET", body={"a": 1}), "body"),
        (lambda: events.bedrock_agent_function("get weather"), "function"),
        (lambda: events.bedrock_agent_function(parameters={"a": None}), "parameters['a']"),
        (lambda: events.transfer_family_auth(protocol="FTP", password=None), "password"),
        (lambda: events.transfer_family_auth(server_id="s-1"), "server_id"),
        (lambda: events.iot_registry_thing_event("CREATED", version=2), "version"),
        (lambda: events.iot_registry_thing_group_event(parents=list("abcdefgh")), "parents"),
        (lambda: events.lambda_destination_record(function_error="Handled"), "condition"),
        (
            lambda: events.lambda_destination_record(condition="RetriesExhausted", throttled=True),
            "throttled",
        ),
        (lambda: events.lambda_destination_record(attempts=4), "attempts"),
        (lambda: events.lambda_stream_failure_record("sqs"), "source"),
        (lambda: events.lambda_stream_failure_record(condition="MaximumPayloadSizeExceeded"),
         "condition"),
        (lambda: events.lambda_stream_failure_record("dynamodb", include_payload=True),
         "include_payload"),
        (lambda: events.lambda_stream_failure_record("kafka", condition="RetriesExhausted"),
         "condition"),
    ],
)
def test_impossible_input_names_the_argument(call: Callable[[], Any], argument: str) -> None:
    """Input AWS could not send raises EventError naming the argument."""
    with pytest.raises(events.EventError, match=rf"^{re.escape(argument)}"):
        call()


def test_sources_never_date_events_after_delivery() -> None:
    """No timestamp in any round-2 event is later than the clock that built it."""
    names = (
        "appsync_authorizer",
        "appsync_events",
        "bedrock_agent_api",
        "bedrock_agent_function",
        "cloudwatch_alarm",
        "codedeploy_lifecycle_hook",
        "cognito_custom_email_sender",
        "cognito_custom_sms_sender",
        "iot_registry_thing_event",
        "iot_registry_thing_group_event",
        "lambda_destination_record",
        "lambda_stream_failure_record",
        "transfer_family_auth",
        "vpc_lattice_request",
        "activemq_event",
        "rabbitmq_event",
        "documentdb_change_event",
        "kinesis_dynamodb_record",
        "s3_eventbridge_event",
        "s3_object_lambda",
    )
    for seed in range(5):
        for name in names:
            checks.check_not_after(getattr(events.EventFactory(seed=seed, now=NOW), name)(), NOW)


@pytest.mark.parametrize(
    ("kind", "source"),
    [("Email", s) for s in EMAIL_SOURCES] + [("SMS", s) for s in SMS_SOURCES],
)
def test_sender_sources_validate_apart_from_literal(kind: str, source: str) -> None:
    """Every sender trigger source matches the model's shape (it pins only the SignUp literal)."""
    build = (
        events.cognito_custom_email_sender if kind == "Email" else events.cognito_custom_sms_sender
    )
    event = build(source)
    assert event["triggerSource"] == f"Custom{kind}Sender_{source}"
    more.check_cognito_sender(event)
    model = getattr(models, f"CognitoCustom{kind}SenderTriggerModel")
    model.model_validate({**event, "triggerSource": f"Custom{kind}Sender_SignUp"})
