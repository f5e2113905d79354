"""Parity with `sam local generate-event`, and an oracle for every generate-event entry."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import re
from collections.abc import Callable
from typing import Any

import event_checks as checks
import event_checks_sources as more
import powertools_oracle
import pytest

from pytest_lambda import events
from pytest_lambda.events._catalog import CATALOG, SAM_CATALOG, Entry

models = powertools_oracle.load_models()
data_classes = pytest.importorskip("aws_lambda_powertools.utilities.data_classes")

NOW = dt.datetime(2024, 3, 4, 19, 15, 17, 123000, tzinfo=dt.UTC)
DOC = pathlib.Path(__file__).parents[3] / "docs" / "events-sam.md"

# aws/aws-sam-cli samcli/lib/generated_sample_events/event-mapping.json (26 services, 68 events).
SAM_PAIRS = (
    ("alexa-skills-kit", "end-session"),
    ("alexa-skills-kit", "intent-answer"),
    ("alexa-skills-kit", "intent-getnewfact"),
    ("alexa-skills-kit", "intent-mycoloris"),
    ("alexa-skills-kit", "intent-recipe"),
    ("alexa-skills-kit", "start-session"),
    ("alexa-smart-home", "smart-home-control-turn-off-request"),
    ("alexa-smart-home", "smart-home-control-turn-on-request"),
    ("alexa-smart-home", "smart-home-discovery-request"),
    ("alb", "request"),
    ("apigateway", "authorizer"),
    ("apigateway", "request-authorizer"),
    ("apigateway", "aws-proxy"),
    ("apigateway", "http-api-proxy"),
    ("appsync", "resolver"),
    ("batch", "get-job"),
    ("batch", "submit-job"),
    ("cloudformation", "create-request"),
    ("cloudfront", "ab-test"),
    ("cloudfront", "access-request-in-response"),
    ("cloudfront", "http-redirect"),
    ("cloudfront", "modify-querystring"),
    ("cloudfront", "modify-response-header"),
    ("cloudfront", "multiple-remote-calls-aggregate-response"),
    ("cloudfront", "normalize-querystring-to-improve-cache-hit"),
    ("cloudfront", "redirect-on-viewer-country"),
    ("cloudfront", "redirect-unauthenticated-users"),
    ("cloudfront", "response-generation"),
    ("cloudfront", "serve-object-on-viewer-device"),
    ("cloudfront", "simple-remote-call"),
    ("codecommit", "repository"),
    ("codepipeline", "job"),
    ("cognito", "sync-trigger"),
    ("config", "item-change-notification"),
    ("config", "oversized-item-change-notification"),
    ("config", "periodic-rule"),
    ("connect", "contact-flow-event"),
    ("dynamodb", "update"),
    ("cloudwatch", "logs"),
    ("cloudwatch", "scheduled-event"),
    ("kinesis", "get-records"),
    ("kinesis", "kinesis-firehose"),
    ("kinesis", "analytics"),
    ("kinesis", "analytics-compressed"),
    ("kinesis", "analytics-dynamodb"),
    ("kinesis", "analytics-kpl"),
    ("kinesis", "apachelog"),
    ("kinesis", "cloudwatch-logs-processor"),
    ("kinesis", "streams-as-source"),
    ("kinesis", "syslog"),
    ("lex", "book-car"),
    ("lex", "book-hotel"),
    ("lex", "make-appointment"),
    ("lex", "order-flowers"),
    ("lex-v2", "banking-bot"),
    ("lex-v2", "book-car"),
    ("lex-v2", "book-hotel"),
    ("rekognition", "s3-request"),
    ("s3", "batch-invocation"),
    ("s3", "delete"),
    ("s3", "put"),
    ("sagemaker", "ground-truth-pre-human"),
    ("sagemaker", "ground-truth-annotation-consolidation"),
    ("ses", "email-receiving"),
    ("sns", "notification"),
    ("sqs", "receive-message"),
    ("stepfunctions", "error"),
    ("workmail", "email"),
)

# The Powertools model (the main oracle) for each factory that has one.
MODELS: dict[str, str] = {
    "alb_request": "AlbModel",
    "apigateway_authorizer_request": "ApiGatewayAuthorizerRequest",
    "apigateway_authorizer_token": "ApiGatewayAuthorizerToken",
    "apigateway_rest": "APIGatewayProxyEventModel",
    "appsync_resolver": "AppSyncResolverEventModel",
    "cloudformation_custom_resource": "CloudFormationCustomResourceCreateModel",
    "cloudwatch_logs": "CloudWatchLogsModel",
    "dynamodb_batch": "DynamoDBStreamModel",
    "dynamodb_insert": "DynamoDBStreamModel",
    "dynamodb_modify": "DynamoDBStreamModel",
    "dynamodb_remove": "DynamoDBStreamModel",
    "eventbridge_event": "EventBridgeModel",
    "firehose_transformation": "KinesisFirehoseModel",
    "http_api": "APIGatewayProxyEventV2Model",
    "http_api_authorizer": "ApiGatewayAuthorizerRequestV2",
    "kinesis_record": "KinesisDataStreamModel",
    "lambda_function_url": "LambdaFunctionUrlModel",
    "s3_batch_operation": "S3BatchOperationModel",
    "s3_copy": "S3Model",
    "s3_delete": "S3Model",
    "s3_lifecycle_expiration": "S3Model",
    "s3_lifecycle_transition": "S3Model",
    "s3_multipart_upload": "S3Model",
    "s3_put": "S3Model",
    "scheduled_event": "EventBridgeModel",
    "scheduler_event": "EventBridgeModel",
    "ses_receipt": "SesModel",
    "sns_notification": "SnsModel",
    "sqs_message": "SqsModel",
    "s3_object_lambda": "S3ObjectLambdaEvent",
    "s3_eventbridge_event": "S3EventNotificationEventBridgeModel",
    "kinesis_dynamodb_record": "KinesisDataStreamModel",
    "appsync_events": "AppSyncEventsModel",
    "bedrock_agent_api": "BedrockAgentEventModel",
    "bedrock_agent_function": "BedrockAgentFunctionEventModel",
    "transfer_family_auth": "TransferFamilyAuthorizer",
}


def _iot_button(event: dict[str, Any]) -> None:
    # AWS IoT 1-Click / IoT button payload: serialNumber, clickType, batteryVoltage.
    assert event["clickType"] in ("SINGLE", "DOUBLE", "LONG")
    assert event["batteryVoltage"].endswith("mV") and event["serialNumber"]


# The plugin's own realism checks (event_checks.py cites each rule's AWS source).
CHECKS: dict[str, Callable[[Any], None]] = {
    "alb_request": checks.check_alb,
    "alexa_intent": checks.check_alexa,
    "alexa_launch": checks.check_alexa,
    "alexa_session_ended": checks.check_alexa,
    "alexa_smart_home": checks.check_alexa_smart_home,
    "apigateway_rest": checks.check_rest_v1,
    "apigateway_websocket": checks.check_websocket,
    "batch_get_job": checks.check_batch_job,
    "batch_submit_job": checks.check_batch_job,
    "cloudfront_request": checks.check_cloudfront,
    "cloudfront_response": checks.check_cloudfront,
    "codecommit_trigger": checks.check_codecommit,
    "codepipeline_job": checks.check_codepipeline,
    "cognito_sync_trigger": checks.check_cognito_sync,
    "config_rule": checks.check_config,
    "connect_contact_flow": checks.check_connect,
    "dynamodb_batch": checks.check_dynamodb,
    "http_api": checks.check_http_v2,
    "iot_button": _iot_button,
    "kinesis_analytics_preprocessing": checks.check_kinesis_analytics,
    "lambda_function_url": checks.check_http_v2,
    "lex_v1": checks.check_lex_v1,
    "lex_v2": checks.check_lex_v2,
    "s3_put": checks.check_s3,
    "s3_delete": checks.check_s3,
    "sagemaker_annotation_consolidation": checks.check_sagemaker,
    "sagemaker_pre_human_task": checks.check_sagemaker,
    "secretsmanager_rotation": checks.check_secretsmanager,
    "sns_notification": checks.check_sns,
    "sqs_message": checks.check_sqs,
    "stepfunctions_error": checks.check_stepfunctions_error,
    "workmail_message": checks.check_workmail,
    "vpc_lattice_request": more.check_vpc_lattice,
    "s3_object_lambda": more.check_s3_object_lambda,
    "s3_eventbridge_event": more.check_s3_eventbridge,
    "activemq_event": more.check_activemq,
    "rabbitmq_event": more.check_rabbitmq,
    "documentdb_change_event": more.check_documentdb,
    "kinesis_dynamodb_record": more.check_kinesis_dynamodb,
    "cognito_custom_email_sender": more.check_cognito_sender,
    "cognito_custom_sms_sender": more.check_cognito_sender,
    "appsync_authorizer": more.check_appsync_authorizer,
    "appsync_events": more.check_appsync_events,
    "cloudwatch_alarm": more.check_cloudwatch_alarm,
    "codedeploy_lifecycle_hook": more.check_codedeploy_hook,
    "bedrock_agent_api": more.check_bedrock_agent,
    "bedrock_agent_function": more.check_bedrock_agent,
    "transfer_family_auth": more.check_transfer_family,
    "iot_registry_thing_event": more.check_iot_registry,
    "iot_registry_thing_group_event": more.check_iot_registry,
    "lambda_destination_record": more.check_destination_record,
    "lambda_stream_failure_record": more.check_stream_failure_record,
}
# Payloads that are whatever the caller configured (no AWS-defined envelope to check).
FREE_FORM = {"iot_rule", "stepfunctions_task_token"}


def _model(entry: Entry) -> str | None:
    fixed = dict(entry.fixed)
    if entry.factory == "kafka_event":
        return "KafkaMskEventModel" if entry.event == "msk" else "KafkaSelfManagedEventModel"
    if entry.factory == "cloudformation_custom_resource":
        return f"CloudFormationCustomResource{fixed['request_type']}Model"
    if entry.factory == "apigateway_websocket":
        kind = {"$connect": "Connect", "$disconnect": "Disconnect"}.get(fixed["route"], "Message")
        return f"APIGatewayWebSocket{kind}EventModel"
    if entry.factory == "lambda_stream_failure_record" and fixed.get("source") == "dynamodb":
        return "DynamoDBStreamLambdaOnFailureDestinationModel"
    if entry.factory == "vpc_lattice_request":
        return "VpcLatticeModel" if fixed.get("version") == "1.0" else "VpcLatticeV2Model"
    if fixed.get("multi_value_headers"):
        return None  # AlbModel knows only single-value mode; check_alb covers multi-value
    return MODELS.get(entry.factory)


def _build(entry: Entry, seed: int = 1) -> Any:
    factory = events.EventFactory(
        seed=seed, now=NOW, region="eu-central-1", account_id="210987654321"
    )
    return getattr(factory, entry.factory)(**dict(entry.fixed))


def test_catalog_offers_every_sam_pair() -> None:
    """Each `sam local generate-event` service/event pair is a generate-event name here."""
    ours = {(e.service, e.event) for e in CATALOG}
    assert [p for p in SAM_PAIRS if p not in ours] == []
    assert len(SAM_PAIRS) == 68 and len({s for s, _ in SAM_PAIRS}) == 26
    assert sorted((e.service, e.event) for e in SAM_CATALOG) == sorted(SAM_PAIRS)


def test_catalog_names_are_unique() -> None:
    """No service/event name is listed twice."""
    names = [(e.service, e.event) for e in CATALOG]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("entry", CATALOG, ids=[f"{e.service} {e.event}" for e in CATALOG])
def test_catalog_entry_passes_its_oracles(entry: Entry) -> None:
    """Each entry is checked by its Powertools model and/or the plugin's realism checks."""
    oracles = 0
    for seed in (1, 2):
        event = json.loads(json.dumps(_build(entry, seed)))
        model = _model(entry)
        found = powertools_oracle.model(models, model) if model is not None else None
        if found is not None:
            found.model_validate(more.for_powertools(model, event))
            oracles += 1
        if entry.factory in CHECKS:
            CHECKS[entry.factory](event)
            oracles += 1
        checks.check_not_after(event, NOW)
    assert oracles or entry.factory in FREE_FORM or entry.factory.startswith("cognito_")


def test_connect_event_reads_through_powertools_data_class() -> None:
    """Powertools' ConnectContactFlowEvent reads our contact data and parameters."""
    event = events.connect_contact_flow(parameters={"a": "1"}, attributes={"b": "2"})
    view = data_classes.ConnectContactFlowEvent(event)
    assert view.parameters == {"a": "1"} and view.contact_data.attributes == {"b": "2"}
    assert view.contact_data.customer_endpoint.address == "+15555550100"


def test_config_event_reads_through_powertools_data_class() -> None:
    """Powertools' AWSConfigRuleEvent decodes our invokingEvent and rule parameters."""
    event = events.config_rule(configuration={"state": "running"}, rule_parameters={"k": "v"})
    view = data_classes.AWSConfigRuleEvent(event)
    assert view.rule_parameters == {"k": "v"}
    assert view.invoking_event.configuration_item.configuration == {"state": "running"}


def test_sam_mapping_doc_matches_catalog() -> None:
    """docs/events-sam.md has one row per SAM pair, naming the factory the catalog uses."""
    rows = re.findall(r"^\| `([a-z0-9-]+) ([a-z0-9-]+)` \| `([a-z0-9_]+)`", DOC.read_text(), re.M)
    assert sorted(rows) == sorted((e.service, e.event, e.factory) for e in SAM_CATALOG)
