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

import importlib
import sys
import types
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ._common import EventError
from ._factory import BoundFactories

if TYPE_CHECKING:  # what the names below are, for type checkers and IDEs
    from ._dynamodb_types import marshal_image, marshal_value, unmarshal_image, unmarshal_value
    from .alb import alb_request
    from .alexa import alexa_intent, alexa_launch, alexa_session_ended
    from .alexa_smart_home import alexa_smart_home
    from .amazon_mq import activemq_event, rabbitmq_event
    from .apigateway import (
        apigateway_authorizer_request,
        apigateway_authorizer_token,
        apigateway_rest,
    )
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

#: Each factory's module. A factory's module is imported when the factory is first used:
#: importing this package costs nothing for the ninety-odd it does not need.
_FACTORY_MODULES: dict[str, str] = {
    "activemq_event": "amazon_mq",
    "alb_request": "alb",
    "alexa_intent": "alexa",
    "alexa_launch": "alexa",
    "alexa_session_ended": "alexa",
    "alexa_smart_home": "alexa_smart_home",
    "apigateway_authorizer_request": "apigateway",
    "apigateway_authorizer_token": "apigateway",
    "apigateway_rest": "apigateway",
    "apigateway_websocket": "apigateway_websocket",
    "appsync_authorizer": "appsync_authorizer",
    "appsync_batch": "appsync",
    "appsync_events": "appsync_events",
    "appsync_resolver": "appsync",
    "batch_get_job": "aws_batch",
    "batch_submit_job": "aws_batch",
    "bedrock_agent_api": "bedrock_agent",
    "bedrock_agent_function": "bedrock_agent",
    "cloudformation_custom_resource": "cloudformation",
    "cloudfront_request": "cloudfront",
    "cloudfront_response": "cloudfront",
    "cloudwatch_alarm": "cloudwatch_alarm",
    "cloudwatch_logs": "cloudwatch",
    "codecommit_trigger": "codecommit",
    "codedeploy_lifecycle_hook": "codedeploy",
    "codepipeline_job": "codepipeline",
    "cognito_create_auth_challenge": "cognito",
    "cognito_custom_email_sender": "cognito_senders",
    "cognito_custom_message": "cognito",
    "cognito_custom_sms_sender": "cognito_senders",
    "cognito_define_auth_challenge": "cognito",
    "cognito_post_authentication": "cognito",
    "cognito_post_confirmation": "cognito",
    "cognito_pre_authentication": "cognito",
    "cognito_pre_signup": "cognito",
    "cognito_pre_token_generation": "cognito",
    "cognito_sync_trigger": "cognito_sync",
    "cognito_user_migration": "cognito",
    "cognito_verify_auth_challenge": "cognito",
    "config_rule": "awsconfig",
    "connect_contact_flow": "connect",
    "documentdb_change_event": "documentdb",
    "dynamodb_batch": "dynamodb",
    "dynamodb_insert": "dynamodb",
    "dynamodb_modify": "dynamodb",
    "dynamodb_record": "dynamodb",
    "dynamodb_remove": "dynamodb",
    "eventbridge_event": "eventbridge",
    "firehose_transformation": "firehose",
    "http_api": "apigatewayv2",
    "http_api_authorizer": "apigatewayv2",
    "iot_button": "iot",
    "iot_registry_thing_event": "iot_registry",
    "iot_registry_thing_group_event": "iot_registry",
    "iot_rule": "iot",
    "kafka_event": "kafka",
    "kinesis_analytics_preprocessing": "kinesis_analytics",
    "kinesis_batch": "kinesis",
    "kinesis_dynamodb_batch": "kinesis_dynamodb",
    "kinesis_dynamodb_record": "kinesis_dynamodb",
    "kinesis_record": "kinesis",
    "lambda_destination_record": "lambda_destination",
    "lambda_function_url": "apigatewayv2",
    "lambda_stream_failure_record": "lambda_destination",
    "lex_v1": "lex",
    "lex_v2": "lex",
    "rabbitmq_event": "amazon_mq",
    "s3_batch": "s3",
    "s3_batch_operation": "s3_batch_operations",
    "s3_copy": "s3",
    "s3_delete": "s3",
    "s3_event": "s3",
    "s3_eventbridge_event": "s3_eventbridge",
    "s3_lifecycle_expiration": "s3",
    "s3_lifecycle_transition": "s3",
    "s3_multipart_upload": "s3",
    "s3_object_lambda": "s3_object_lambda",
    "s3_put": "s3",
    "sagemaker_annotation_consolidation": "sagemaker",
    "sagemaker_pre_human_task": "sagemaker",
    "scheduled_event": "eventbridge",
    "scheduler_event": "eventbridge",
    "secretsmanager_rotation": "secretsmanager",
    "ses_receipt": "ses",
    "sns_notification": "sns",
    "sqs_batch": "sqs",
    "sqs_message": "sqs",
    "stepfunctions_error": "stepfunctions",
    "stepfunctions_task_token": "stepfunctions",
    "transfer_family_auth": "transfer_family",
    "vpc_lattice_request": "vpc_lattice",
    "workmail_message": "workmail",
}

#: The encoding helpers' modules, imported the same way.
_HELPER_MODULES: dict[str, str] = {
    "marshal_image": "_dynamodb_types",
    "marshal_value": "_dynamodb_types",
    "unmarshal_image": "_dynamodb_types",
    "unmarshal_value": "_dynamodb_types",
    "item_identifier": "batch_response",
    "partial_batch_response": "batch_response",
    "cloudwatch_logs_payload": "cloudwatch",
    "decode_cloudwatch_logs": "cloudwatch",
    "decode_kinesis_data": "kinesis",
    "decode_kinesis_json": "kinesis",
    "decode_s3_key": "s3",
    "encode_s3_key": "s3",
}


def __getattr__(name: str) -> Any:
    module = _FACTORY_MODULES.get(name) or _HELPER_MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_FACTORY_MODULES, *_HELPER_MODULES})


class _Package(types.ModuleType):
    """This package: importing a submodule named like its factory (``appsync_events``, ...)
    does not replace the factory under that name (the import system sets the attribute)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FACTORY_MODULES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


class _Factories(Mapping[str, Callable[..., Any]]):
    """Every factory by name, each imported on first access (a read-only mapping)."""

    def __getitem__(self, name: str) -> Callable[..., Any]:
        if name not in _FACTORY_MODULES:
            raise KeyError(name)
        factory: Callable[..., Any] = __getattr__(name)
        return factory

    def __iter__(self) -> Iterator[str]:
        return iter(_FACTORY_MODULES)

    def __len__(self) -> int:
        return len(_FACTORY_MODULES)

    def __repr__(self) -> str:
        return f"<event factories: {len(self)}>"


FACTORIES: Mapping[str, Callable[..., Any]] = _Factories()
"""Every event factory by name (what :class:`EventFactory` binds)."""


class EventFactory(BoundFactories):
    """All event factories bound to this object's RNG, clock, region and account id.

    Two factories built with the same seed produce identical events for the same calls. With a
    seed (or ``now``) the clock starts at ``now`` (default 2024-06-01 12:00 UTC) and moves
    forward a little after each event; without either, events carry the current time.
    """

    factories = FACTORIES


__all__ = ["FACTORIES", "EventError", "EventFactory", *_HELPER_MODULES, *_FACTORY_MODULES]
