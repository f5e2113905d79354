"""Realistic AWS Lambda event payloads, one module per event source.

Every factory returns a JSON-ready dict (AppSync batches: a list), takes keyword-only
``rng``/``now`` for reproducibility, and raises :class:`EventError` (a ``ValueError``) for input
AWS could never send. :class:`EventFactory` binds them all to one seed::

    from pytest_lambda import events
    events.s3_put(bucket="b", key="photos/red flower.jpg")
    f = events.EventFactory(seed=1)
    f.sqs_batch(["a", "b"])
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from ._common import EventError
from ._dynamodb_types import marshal_image, marshal_value, unmarshal_image, unmarshal_value
from ._factory import BoundFactories
from .alb import alb_request
from .alexa import alexa_intent, alexa_launch, alexa_session_ended
from .alexa_smart_home import alexa_smart_home
from .amazon_mq import activemq_event, rabbitmq_event
from .apigateway import apigateway_authorizer_request, apigateway_authorizer_token, apigateway_rest
from .apigateway_websocket import apigateway_websocket
from .apigatewayv2 import http_api, http_api_authorizer, lambda_function_url
from .appsync import appsync_batch, appsync_resolver
from .appsync_authorizer import appsync_authorizer
from .appsync_events import appsync_events
from .aws_batch import batch_get_job, batch_submit_job
from .awsconfig import config_rule
from .batch_response import item_identifier, partial_batch_response
from .bedrock_agent import bedrock_agent_api, bedrock_agent_function
from .cloudformation import cloudformation_custom_resource
from .cloudfront import cloudfront_request, cloudfront_response
from .cloudwatch import cloudwatch_logs, cloudwatch_logs_payload, decode_cloudwatch_logs
from .cloudwatch_alarm import cloudwatch_alarm
from .codecommit import codecommit_trigger
from .codedeploy import codedeploy_lifecycle_hook
from .codepipeline import codepipeline_job
from .cognito import (
    cognito_create_auth_challenge,
    cognito_custom_message,
    cognito_define_auth_challenge,
    cognito_post_authentication,
    cognito_post_confirmation,
    cognito_pre_authentication,
    cognito_pre_signup,
    cognito_pre_token_generation,
    cognito_user_migration,
    cognito_verify_auth_challenge,
)
from .cognito_senders import cognito_custom_email_sender, cognito_custom_sms_sender
from .cognito_sync import cognito_sync_trigger
from .connect import connect_contact_flow
from .documentdb import documentdb_change_event
from .dynamodb import (
    dynamodb_batch,
    dynamodb_insert,
    dynamodb_modify,
    dynamodb_record,
    dynamodb_remove,
)
from .eventbridge import eventbridge_event, scheduled_event, scheduler_event
from .firehose import firehose_transformation
from .iot import iot_button, iot_rule
from .iot_registry import iot_registry_thing_event, iot_registry_thing_group_event
from .kafka import kafka_event
from .kinesis import decode_kinesis_data, decode_kinesis_json, kinesis_batch, kinesis_record
from .kinesis_analytics import kinesis_analytics_preprocessing
from .kinesis_dynamodb import kinesis_dynamodb_batch, kinesis_dynamodb_record
from .lambda_destination import lambda_destination_record, lambda_stream_failure_record
from .lex import lex_v1, lex_v2
from .s3 import (
    decode_s3_key,
    encode_s3_key,
    s3_batch,
    s3_copy,
    s3_delete,
    s3_event,
    s3_lifecycle_expiration,
    s3_lifecycle_transition,
    s3_multipart_upload,
    s3_put,
)
from .s3_batch_operations import s3_batch_operation
from .s3_eventbridge import s3_eventbridge_event
from .s3_object_lambda import s3_object_lambda
from .sagemaker import sagemaker_annotation_consolidation, sagemaker_pre_human_task
from .secretsmanager import secretsmanager_rotation
from .ses import ses_receipt
from .sns import sns_notification
from .sqs import sqs_batch, sqs_message
from .stepfunctions import stepfunctions_error, stepfunctions_task_token
from .transfer_family import transfer_family_auth
from .vpc_lattice import vpc_lattice_request
from .workmail import workmail_message

FACTORIES: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (
        activemq_event,
        alb_request,
        alexa_intent,
        alexa_launch,
        alexa_session_ended,
        alexa_smart_home,
        apigateway_authorizer_request,
        apigateway_authorizer_token,
        apigateway_rest,
        apigateway_websocket,
        appsync_authorizer,
        appsync_batch,
        appsync_events,
        appsync_resolver,
        batch_get_job,
        batch_submit_job,
        bedrock_agent_api,
        bedrock_agent_function,
        cloudformation_custom_resource,
        cloudfront_request,
        cloudfront_response,
        cloudwatch_alarm,
        cloudwatch_logs,
        codecommit_trigger,
        codedeploy_lifecycle_hook,
        codepipeline_job,
        cognito_create_auth_challenge,
        cognito_custom_email_sender,
        cognito_custom_message,
        cognito_custom_sms_sender,
        cognito_define_auth_challenge,
        cognito_post_authentication,
        cognito_post_confirmation,
        cognito_pre_authentication,
        cognito_pre_signup,
        cognito_pre_token_generation,
        cognito_sync_trigger,
        cognito_user_migration,
        cognito_verify_auth_challenge,
        config_rule,
        connect_contact_flow,
        documentdb_change_event,
        dynamodb_batch,
        dynamodb_insert,
        dynamodb_modify,
        dynamodb_record,
        dynamodb_remove,
        eventbridge_event,
        firehose_transformation,
        http_api,
        http_api_authorizer,
        iot_button,
        iot_registry_thing_event,
        iot_registry_thing_group_event,
        iot_rule,
        kafka_event,
        kinesis_analytics_preprocessing,
        kinesis_batch,
        kinesis_dynamodb_batch,
        kinesis_dynamodb_record,
        kinesis_record,
        lambda_destination_record,
        lambda_function_url,
        lambda_stream_failure_record,
        lex_v1,
        lex_v2,
        rabbitmq_event,
        s3_batch,
        s3_batch_operation,
        s3_copy,
        s3_delete,
        s3_event,
        s3_eventbridge_event,
        s3_lifecycle_expiration,
        s3_lifecycle_transition,
        s3_multipart_upload,
        s3_object_lambda,
        s3_put,
        sagemaker_annotation_consolidation,
        sagemaker_pre_human_task,
        scheduled_event,
        scheduler_event,
        secretsmanager_rotation,
        ses_receipt,
        sns_notification,
        sqs_batch,
        sqs_message,
        stepfunctions_error,
        stepfunctions_task_token,
        transfer_family_auth,
        vpc_lattice_request,
        workmail_message,
    )
}

"""Every event factory by name (what :class:`EventFactory` binds)."""


class EventFactory(BoundFactories):
    """All event factories bound to this object's RNG, clock, region and account id.

    Two factories built with the same seed produce identical events for the same calls. With a
    seed (or ``now``) the clock starts at ``now`` (default 2024-06-01 12:00 UTC) and moves
    forward a little after each event; without either, events carry the current time.
    """

    factories = MappingProxyType(FACTORIES)


__all__ = [
    "FACTORIES",
    "EventError",
    "EventFactory",
    "cloudwatch_logs_payload",
    "decode_cloudwatch_logs",
    "decode_kinesis_data",
    "decode_kinesis_json",
    "decode_s3_key",
    "encode_s3_key",
    "item_identifier",
    "marshal_image",
    "marshal_value",
    "partial_batch_response",
    "unmarshal_image",
    "unmarshal_value",
    *FACTORIES,
]
