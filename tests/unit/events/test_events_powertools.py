"""Every factory's output validates against the Powertools parser models (the oracle)."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from typing import Any

import powertools_oracle
import pytest

from pytest_lambda import events
from pytest_lambda.events._catalog import CATALOG, Entry

models = powertools_oracle.load_models()

NOW = dt.datetime(2024, 3, 4, 19, 15, 17, 123000, tzinfo=dt.UTC)
Case = tuple[str, Callable[[], Any], str]


def _r() -> random.Random:
    return random.Random(7)


def _without_scopes(event: dict[str, Any]) -> dict[str, Any]:
    del event["request"]["scopes"]
    return event


CASES: list[Case] = [
    ("s3 put", lambda: events.s3_put(bucket="b-1", key="photos/red flower.jpg"), "S3Model"),
    (
        "s3 put versioned",
        lambda: events.s3_put("b.x", "k+1", 0, versioned=True, region="eu-west-1"),
        "S3Model",
    ),
    ("s3 copy", lambda: events.s3_copy("bkt", "a/b", 5), "S3Model"),
    ("s3 delete", lambda: events.s3_delete("bkt", "a b"), "S3Model"),
    ("s3 delete marker", lambda: events.s3_delete("bkt", "x", delete_marker=True), "S3Model"),
    ("s3 multipart", lambda: events.s3_multipart_upload("bkt", "big.bin", 10 * 1024**3), "S3Model"),
    ("s3 expiration", lambda: events.s3_lifecycle_expiration("bkt", "old.log"), "S3Model"),
    (
        "s3 transition",
        lambda: events.s3_lifecycle_transition("bkt", "old.log", 9, storage_class="DEEP_ARCHIVE"),
        "S3Model",
    ),
    ("s3 batch", lambda: events.s3_batch("bkt", ["a", ("b c", 7), "d"], rng=_r()), "S3Model"),
    ("sns", lambda: events.sns_notification(), "SnsModel"),
    (
        "sns attrs",
        lambda: events.sns_notification(
            {"a": [1, 2]},
            subject="Hi",
            topic="t-1",
            message_attributes={"s": "x", "n": 3, "b": b"\x00", "l": ["a"]},
            region="ap-southeast-2",
        ),
        "SnsModel",
    ),
    ("sqs", lambda: events.sqs_message(), "SqsModel"),
    (
        "sqs batch attrs",
        lambda: events.sqs_batch(
            ["a", b"b", {"c": 1}],
            message_attributes={"s": "x", "n": 1.5, "b": b"\x01\x02"},
            trace_header="Root=1-5e1b4151-5ac6c58f5b5daa6532e4f5c3",
            receive_count=3,
        ),
        "SqsModel",
    ),
    (
        "sqs fifo",
        lambda: events.sqs_batch(["a", "b"], fifo=True, message_group_id="g1"),
        "SqsModel",
    ),
    ("kinesis", lambda: events.kinesis_record(), "KinesisDataStreamModel"),
    (
        "kinesis batch",
        lambda: events.kinesis_batch([b"\xff", {"a": 1}, "x"] * 10, partition_key="p"),
        "KinesisDataStreamModel",
    ),
    ("firehose", lambda: events.firehose_transformation(["a", b"b"]), "KinesisFirehoseModel"),
    (
        "firehose kinesis",
        lambda: events.firehose_transformation(["a"], source_stream="src"),
        "KinesisFirehoseModel",
    ),
    ("apigw rest", lambda: events.apigateway_rest(), "APIGatewayProxyEventModel"),
    (
        "apigw rest full",
        lambda: events.apigateway_rest(
            "post",
            "/items/42",
            resource="/items/{id}",
            query={"q": ["a", "b"], "x": "1"},
            headers={"X-Multi": ["1", "2"], "Content-Type": "application/json"},
            body='{"ok": true}',
            stage_variables={"v": "1"},
            authorizer={"claims": {"sub": "abc"}, "scopes": None},
        ),
        "APIGatewayProxyEventModel",
    ),
    (
        "apigw rest binary",
        lambda: events.apigateway_rest("PUT", "/f", body=b"\x00\x01"),
        "APIGatewayProxyEventModel",
    ),
    (
        "apigw proxy+",
        lambda: events.apigateway_rest("GET", "/a/b/c", resource="/{proxy+}"),
        "APIGatewayProxyEventModel",
    ),
    (
        "apigw token authorizer",
        lambda: events.apigateway_authorizer_token(),
        "ApiGatewayAuthorizerToken",
    ),
    (
        "apigw request authorizer",
        lambda: events.apigateway_authorizer_request("GET", "/x"),
        "ApiGatewayAuthorizerRequest",
    ),
    ("http api", lambda: events.http_api(), "APIGatewayProxyEventV2Model"),
    (
        "http api jwt",
        lambda: events.http_api(
            "DELETE",
            "/items/9",
            route="/items/{id}",
            query={"a": ["1", "2"]},
            headers={"Cookie": "a=1; b=2"},
            cookies=["c=3"],
            body={"x": [1]},
            jwt_claims={"sub": "u"},
            jwt_scopes=["read"],
        ),
        "APIGatewayProxyEventV2Model",
    ),
    (
        "http api lambda auth",
        lambda: events.http_api(lambda_context={"user": "u"}),
        "APIGatewayProxyEventV2Model",
    ),
    (
        "http api authorizer",
        lambda: events.http_api_authorizer("GET", "/p"),
        "ApiGatewayAuthorizerRequestV2",
    ),
    ("function url", lambda: events.lambda_function_url(), "LambdaFunctionUrlModel"),
    (
        "function url iam",
        lambda: events.lambda_function_url("POST", "/x", body=b"\x00", auth_type="AWS_IAM"),
        "LambdaFunctionUrlModel",
    ),
    ("alb", lambda: events.alb_request(), "AlbModel"),
    (
        "alb body",
        lambda: events.alb_request("POST", "/p", query={"q": "a b"}, body={"k": 1}),
        "AlbModel",
    ),
    ("eventbridge", lambda: events.eventbridge_event(), "EventBridgeModel"),
    (
        "eventbridge custom",
        lambda: events.eventbridge_event(
            "X", "aws.s3", {"a": [1]}, resources=["arn:aws:s3:::b"], replay_name="r"
        ),
        "EventBridgeModel",
    ),
    ("scheduled", lambda: events.scheduled_event(), "EventBridgeModel"),
    ("scheduler", lambda: events.scheduler_event(), "EventBridgeModel"),
    ("cloudwatch logs", lambda: events.cloudwatch_logs(), "CloudWatchLogsModel"),
    (
        "cloudwatch logs many",
        lambda: events.cloudwatch_logs(["a", {"message": "b", "timestamp": 5}]),
        "CloudWatchLogsModel",
    ),
    (
        "cloudwatch control",
        lambda: events.cloudwatch_logs(control_message=True),
        "CloudWatchLogsModel",
    ),
    ("ses", lambda: events.ses_receipt(), "SesModel"),
    (
        "ses fail",
        lambda: events.ses_receipt(spam="FAIL", dmarc="FAIL", recipients=["a@b.co", "c@d.co"]),
        "SesModel",
    ),
    (
        "cfn create",
        lambda: events.cloudformation_custom_resource("Create", {"N": 1, "B": True, "L": [1]}),
        "CloudFormationCustomResourceCreateModel",
    ),
    (
        "cfn update",
        lambda: events.cloudformation_custom_resource(
            "Update", {"a": "1"}, old_properties={"a": "0"}
        ),
        "CloudFormationCustomResourceUpdateModel",
    ),
    (
        "cfn delete",
        lambda: events.cloudformation_custom_resource("Delete"),
        "CloudFormationCustomResourceDeleteModel",
    ),
    ("appsync", lambda: events.appsync_resolver(), "AppSyncResolverEventModel"),
    (
        "appsync iam",
        lambda: events.appsync_resolver(
            "createPost", {"t": 1}, parent_type="Mutation", identity="iam"
        ),
        "AppSyncResolverEventModel",
    ),
    (
        "appsync cognito",
        lambda: events.appsync_resolver(identity="cognito"),
        "AppSyncResolverEventModel",
    ),
    ("appsync oidc", lambda: events.appsync_resolver(identity="oidc"), "AppSyncResolverEventModel"),
    (
        "appsync lambda",
        lambda: events.appsync_resolver(identity="lambda", source={"id": "1"}),
        "AppSyncResolverEventModel",
    ),
    (
        "kafka msk",
        lambda: events.kafka_event(["a", b"b"], key="k", headers={"h": "v"}),
        "KafkaMskEventModel",
    ),
    (
        "kafka self",
        lambda: events.kafka_event(source="self-managed", partition=3),
        "KafkaSelfManagedEventModel",
    ),
    (
        "s3 batch op 1",
        lambda: events.s3_batch_operation("bkt", ["a b", ("c", "v1")], schema_version="1.0"),
        "S3BatchOperationModel",
    ),
    (
        "s3 batch op 2",
        lambda: events.s3_batch_operation("bkt", user_arguments={"k": "v"}),
        "S3BatchOperationModel",
    ),
    ("cognito pre signup", lambda: events.cognito_pre_signup(), "CognitoPreSignupTriggerModel"),
    (
        "cognito post confirm",
        lambda: events.cognito_post_confirmation(),
        "CognitoPostConfirmationTriggerModel",
    ),
    (
        "cognito pre auth",
        lambda: events.cognito_pre_authentication(),
        "CognitoPreAuthenticationTriggerModel",
    ),
    (
        "cognito post auth",
        lambda: events.cognito_post_authentication(new_device_used=True),
        "CognitoPostAuthenticationTriggerModel",
    ),
    (
        "cognito token v1",
        lambda: events.cognito_pre_token_generation(groups=["admin"]),
        "CognitoPreTokenGenerationTriggerModelV1",
    ),
    (
        # Without request.scopes: the model types it as a dict, AWS sends a list (see
        # test_powertools_cognito_v2_model_still_types_scopes_as_a_dict).
        "cognito token v2",
        lambda: _without_scopes(events.cognito_pre_token_generation(trigger_version="2")),
        "CognitoPreTokenGenerationTriggerModelV2AndV3",
    ),
    ("cognito migrate", lambda: events.cognito_user_migration(), "CognitoMigrateUserTriggerModel"),
    (
        "cognito message",
        lambda: events.cognito_custom_message(source="ForgotPassword"),
        "CognitoCustomMessageTriggerModel",
    ),
    (
        "cognito define",
        lambda: events.cognito_define_auth_challenge(session=[{"challengeName": "SRP_A"}]),
        "CognitoDefineAuthChallengeTriggerModel",
    ),
    (
        "cognito create",
        lambda: events.cognito_create_auth_challenge(challenge_name="SMS_MFA"),
        "CognitoCreateAuthChallengeTriggerModel",
    ),
    (
        "cognito verify",
        lambda: events.cognito_verify_auth_challenge(),
        "CognitoVerifyAuthChallengeTriggerModel",
    ),
]

VIEWS = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
for view in VIEWS:
    CASES += [
        (
            f"ddb insert {view}",
            lambda v=view: events.dynamodb_insert({"pk": "a"}, {"n": 1}, stream_view_type=v),
            "DynamoDBStreamModel",
        ),
        (
            f"ddb modify {view}",
            lambda v=view: events.dynamodb_modify(
                {"pk": 1, "sk": "s"}, {"n": 1}, {"n": 2}, stream_view_type=v
            ),
            "DynamoDBStreamModel",
        ),
        (
            f"ddb remove {view}",
            lambda v=view: events.dynamodb_remove({"pk": b"k"}, {"x": None}, stream_view_type=v),
            "DynamoDBStreamModel",
        ),
    ]
CASES.append(
    ("ddb ttl", lambda: events.dynamodb_remove({"pk": "a"}, ttl=True), "DynamoDBStreamModel")
)
CASES.append(
    (
        "ddb batch",
        lambda: events.dynamodb_batch(
            [
                {"event_name": "INSERT", "keys": {"pk": "a"}},
                {"event_name": "REMOVE", "keys": {"pk": "a"}},
            ]
        ),
        "DynamoDBStreamModel",
    )
)


@pytest.mark.parametrize(("build", "model"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_factory_output_validates(build: Callable[[], Any], model: str) -> None:
    """The generated event is JSON-serializable and accepted by the Powertools model."""
    event = build()
    json.loads(json.dumps(event))
    getattr(models, model).model_validate(event)


CATALOG_MODELS = {
    "alb_request": "AlbModel",
    "apigateway_rest": "APIGatewayProxyEventModel",
    "apigateway_authorizer_token": "ApiGatewayAuthorizerToken",
    "apigateway_authorizer_request": "ApiGatewayAuthorizerRequest",
    "http_api": "APIGatewayProxyEventV2Model",
    "http_api_authorizer": "ApiGatewayAuthorizerRequestV2",
    "lambda_function_url": "LambdaFunctionUrlModel",
    "appsync_resolver": "AppSyncResolverEventModel",
    "cloudwatch_logs": "CloudWatchLogsModel",
    "scheduled_event": "EventBridgeModel",
    "scheduler_event": "EventBridgeModel",
    "eventbridge_event": "EventBridgeModel",
    "firehose_transformation": "KinesisFirehoseModel",
    "kinesis_record": "KinesisDataStreamModel",
    "s3_put": "S3Model",
    "s3_copy": "S3Model",
    "s3_delete": "S3Model",
    "s3_multipart_upload": "S3Model",
    "s3_lifecycle_expiration": "S3Model",
    "s3_lifecycle_transition": "S3Model",
    "s3_batch_operation": "S3BatchOperationModel",
    "ses_receipt": "SesModel",
    "sns_notification": "SnsModel",
    "sqs_message": "SqsModel",
    "dynamodb_insert": "DynamoDBStreamModel",
    "dynamodb_modify": "DynamoDBStreamModel",
    "dynamodb_remove": "DynamoDBStreamModel",
    "cognito_pre_signup": "CognitoPreSignupTriggerModel",
    "cognito_post_confirmation": "CognitoPostConfirmationTriggerModel",
    "cognito_pre_authentication": "CognitoPreAuthenticationTriggerModel",
    "cognito_post_authentication": "CognitoPostAuthenticationTriggerModel",
    "cognito_pre_token_generation": "CognitoPreTokenGenerationTriggerModelV1",
    "cognito_custom_message": "CognitoCustomMessageTriggerModel",
    "cognito_user_migration": "CognitoMigrateUserTriggerModel",
    "cognito_define_auth_challenge": "CognitoDefineAuthChallengeTriggerModel",
    "cognito_create_auth_challenge": "CognitoCreateAuthChallengeTriggerModel",
    "cognito_verify_auth_challenge": "CognitoVerifyAuthChallengeTriggerModel",
}
# Multi-value ALB events are outside AlbModel (single-value only); event_checks covers them.
SEEDED = [
    e
    for e in CATALOG
    if (e.factory in CATALOG_MODELS or e.factory == "kafka_event")
    and e.event != "request-multi-value"
]


@pytest.mark.parametrize("entry", SEEDED, ids=[f"{e.service} {e.event}" for e in SEEDED])
def test_catalog_events_from_seeded_factory_validate(entry: Entry) -> None:
    """Each generate-event entry, built by a seeded factory in another region, validates."""
    factory = events.EventFactory(seed=1, now=NOW, region="eu-central-1", account_id="210987654321")
    event = getattr(factory, entry.factory)(**dict(entry.fixed))
    if entry.factory == "kafka_event":
        model = "KafkaMskEventModel" if entry.event == "msk" else "KafkaSelfManagedEventModel"
    else:
        model = CATALOG_MODELS[entry.factory]
    getattr(models, model).model_validate(event)


@pytest.mark.parametrize("source", ["SignUp", "AdminCreateUser", "ExternalProvider"])
def test_pre_signup_sources_validate_apart_from_literal(source: str) -> None:
    """Pre sign-up variants match the model's shape (the model pins only the SignUp literal)."""
    event = events.cognito_pre_signup(source=source)
    assert event["triggerSource"] == f"PreSignUp_{source}"
    models.CognitoPreSignupTriggerModel.model_validate(
        {**event, "triggerSource": "PreSignUp_SignUp"}
    )


def test_appsync_batch_items_validate() -> None:
    """Each item of an AppSync batch payload (a JSON list) is a valid resolver event."""
    batch = events.appsync_batch([{"id": "1"}, {"id": "2"}])
    assert isinstance(batch, list)
    for item in batch:
        models.AppSyncResolverEventModel.model_validate(item)


def test_powertools_cognito_v2_model_still_types_scopes_as_a_dict() -> None:
    """AWS sends V2/V3 ``request.scopes`` as a list (and Powertools' own data class and
    fixture ``cognitoPreTokenV2GenerationEvent.json`` read one); its parser model wants a dict.
    When this fails, Powertools has fixed the model: validate the event unchanged above."""
    pydantic = pytest.importorskip("pydantic")
    event = events.cognito_pre_token_generation(trigger_version="2")
    with pytest.raises(pydantic.ValidationError, match="scopes"):
        models.CognitoPreTokenGenerationTriggerModelV2AndV3.model_validate(event)
    pool_events = pytest.importorskip(
        "aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event")
    trigger = pool_events.PreTokenGenerationV2TriggerEvent(event)
    assert trigger.request.scopes == ["aws.cognito.signin.user.admin"]
