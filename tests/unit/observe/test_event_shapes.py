"""Unit tests for telling an event's source from its shape (observe/event_shapes.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_lambda import events
from pytest_lambda.observe.event_shapes import CUSTOM, SOURCES, detect_payload, detect_source

#: Arguments for the factories that have required ones.
_ARGS: dict[str, tuple[Any, ...]] = {
    "appsync_batch": ([{"id": "1"}, {"id": "2"}],),
    "dynamodb_batch": ([{"event_name": "INSERT", "keys": {"id": "1"}}],),
    "dynamodb_insert": ({"id": "1"},),
    "dynamodb_modify": ({"id": "1"},),
    "dynamodb_record": ("INSERT", {"id": "1"}),
    "dynamodb_remove": ({"id": "1"},),
    "kinesis_batch": (["a", "b"],),
    "kinesis_dynamodb_batch": ([{"event_name": "INSERT", "keys": {"id": "1"}}],),
    "s3_batch": ("b", ["k1", "k2"]),
    "s3_copy": ("b", "k"),
    "s3_delete": ("b", "k"),
    "s3_event": ("b", "k"),
    "s3_lifecycle_expiration": ("b", "k"),
    "s3_lifecycle_transition": ("b", "k"),
    "s3_multipart_upload": ("b", "k"),
    "s3_put": ("b", "k"),
    "sqs_batch": (["a", "b"],),
}

#: The source each factory's event must be recognised as.
EXPECTED = {
    "activemq_event": "MQ",
    "appsync_authorizer": "AppSyncAuthorizer",
    "appsync_events": "AppSyncEvents",
    "bedrock_agent_api": "BedrockAgent",
    "bedrock_agent_function": "BedrockAgent",
    "cloudwatch_alarm": "CloudWatchAlarm",
    "codedeploy_lifecycle_hook": "CodeDeploy",
    "cognito_custom_email_sender": "Cognito",
    "cognito_custom_sms_sender": "Cognito",
    "documentdb_change_event": "DocumentDB",
    # IoT registry events reach a function through an IoT rule: the user's JSON.
    "iot_registry_thing_event": "custom",
    "iot_registry_thing_group_event": "custom",
    "kinesis_dynamodb_batch": "Kinesis",
    "kinesis_dynamodb_record": "Kinesis",
    # Lambda's own invocation records, sent to a destination function asynchronously.
    "lambda_destination_record": "custom",
    "lambda_stream_failure_record": "custom",
    "rabbitmq_event": "MQ",
    "s3_eventbridge_event": "EventBridgeRule",
    "s3_object_lambda": "S3ObjectLambda",
    "transfer_family_auth": "TransferFamily",
    "vpc_lattice_request": "VpcLattice",
    "alb_request": "ALB",
    "alexa_intent": "AlexaSkill",
    "alexa_launch": "AlexaSkill",
    "alexa_session_ended": "AlexaSkill",
    "alexa_smart_home": "AlexaSmartHome",
    "apigateway_authorizer_request": "ApiAuthorizer",
    "apigateway_authorizer_token": "ApiAuthorizer",
    "apigateway_rest": "Api",
    "apigateway_websocket": "WebSocket",
    "appsync_batch": "AppSync",
    "appsync_resolver": "AppSync",
    "batch_get_job": CUSTOM,  # AWS Batch passes the job's own parameters
    "batch_submit_job": CUSTOM,
    "cloudformation_custom_resource": "CloudFormation",
    "cloudfront_request": "CloudFront",
    "cloudfront_response": "CloudFront",
    "cloudwatch_logs": "CloudWatchLogs",
    "codecommit_trigger": "CodeCommit",
    "codepipeline_job": "CodePipeline",
    "cognito_create_auth_challenge": "Cognito",
    "cognito_custom_message": "Cognito",
    "cognito_define_auth_challenge": "Cognito",
    "cognito_post_authentication": "Cognito",
    "cognito_post_confirmation": "Cognito",
    "cognito_pre_authentication": "Cognito",
    "cognito_pre_signup": "Cognito",
    "cognito_pre_token_generation": "Cognito",
    "cognito_sync_trigger": "CognitoSync",
    "cognito_user_migration": "Cognito",
    "cognito_verify_auth_challenge": "Cognito",
    "config_rule": "Config",
    "connect_contact_flow": "Connect",
    "dynamodb_batch": "DynamoDB",
    "dynamodb_insert": "DynamoDB",
    "dynamodb_modify": "DynamoDB",
    "dynamodb_record": "DynamoDB",
    "dynamodb_remove": "DynamoDB",
    "eventbridge_event": "EventBridgeRule",
    "firehose_transformation": "Firehose",
    "http_api": "HttpApi",
    "http_api_authorizer": "HttpApiAuthorizer",
    "iot_button": "IoTButton",
    "iot_rule": CUSTOM,  # a rule action gets whatever its SELECT produces
    "kafka_event": "MSK",
    "kinesis_analytics_preprocessing": "KinesisAnalytics",
    "kinesis_batch": "Kinesis",
    "kinesis_record": "Kinesis",
    "lambda_function_url": "FunctionUrl",
    "lex_v1": "Lex",
    "lex_v2": "Lex",
    "s3_batch": "S3",
    "s3_batch_operation": "S3BatchOperations",
    "s3_copy": "S3",
    "s3_delete": "S3",
    "s3_event": "S3",
    "s3_lifecycle_expiration": "S3",
    "s3_lifecycle_transition": "S3",
    "s3_multipart_upload": "S3",
    "s3_put": "S3",
    "sagemaker_annotation_consolidation": "SageMaker",
    "sagemaker_pre_human_task": "SageMaker",
    "scheduled_event": "Schedule",
    "scheduler_event": "ScheduleV2",
    "secretsmanager_rotation": "SecretsManager",
    "ses_receipt": "SES",
    "sns_notification": "SNS",
    "sqs_batch": "SQS",
    "sqs_message": "SQS",
    "stepfunctions_error": CUSTOM,  # a state machine's own input
    "stepfunctions_task_token": CUSTOM,
    "workmail_message": "WorkMail",
}


def test_every_factory_has_an_expected_source() -> None:
    """The table below names every event factory, and only names the classifier knows."""
    assert set(EXPECTED) == set(events.FACTORIES)
    assert set(EXPECTED.values()) <= SOURCES


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_factory_event_is_recognised(name: str) -> None:
    """Each factory's event (sent as JSON, as an invocation would) is told apart by its shape."""
    event = events.FACTORIES[name](*_ARGS.get(name, ()))
    assert detect_source(event) == EXPECTED[name]
    assert detect_payload(json.dumps(event).encode()) == EXPECTED[name]


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"source": "self-managed"}, "SelfManagedKafka"),
    ({"source": "msk"}, "MSK"),
])
def test_kafka_flavours(kwargs: dict[str, Any], expected: str) -> None:
    """MSK and self-managed Kafka events are different sources."""
    assert detect_source(events.kafka_event(**kwargs)) == expected


@pytest.mark.parametrize(("event", "expected"), [
    ({"eventSource": "aws:amq", "messages": []}, "MQ"),
    ({"eventSource": "aws:rmq", "rmqMessagesByQueue": {}}, "MQ"),
    ({"eventSource": "aws:docdb", "events": []}, "DocumentDB"),
    ({"version": "1.0", "httpMethod": "GET", "resource": "/", "requestContext": {}}, "HttpApi"),
    ({"source": "aws.s3", "detail-type": "Object Created", "detail": {}}, "EventBridgeRule"),
    ({"source": "aws.cloudwatch", "alarmArn": "arn", "alarmData": {}}, "CloudWatchAlarm"),
    ({"Records": [{"eventSource": "aws:unknown"}]}, CUSTOM),
    ({"temperature": 21}, CUSTOM),
    ([], CUSTOM),
    ("a string", CUSTOM),
])
def test_shapes_without_a_factory(event: Any, expected: str) -> None:
    """Sources without a factory (MQ, DocumentDB, HTTP API 1.0) and unknown shapes."""
    assert detect_source(event) == expected


@pytest.mark.parametrize("payload", [b"", b"null", b'"text"', b"42", b"{not json"])
def test_payloads_that_are_no_event(payload: bytes) -> None:
    """An empty, scalar or malformed payload is a custom event, not an error."""
    assert detect_payload(payload) == CUSTOM
