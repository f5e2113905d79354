"""The table of ``SERVICE EVENT`` names used by ``pytest-lambda generate-event``."""

from __future__ import annotations

from typing import Any, NamedTuple


class Entry(NamedTuple):
    """One generate-event name: which factory it calls and with which fixed arguments."""

    service: str
    event: str
    factory: str
    fixed: tuple[tuple[str, Any], ...] = ()


CATALOG: tuple[Entry, ...] = (
    Entry("alb", "request", "alb_request"),
    Entry("alb", "request-multi-value", "alb_request", (("multi_value_headers", True),)),
    Entry("alexa-skills-kit", "launch", "alexa_launch"),
    Entry("alexa-skills-kit", "intent", "alexa_intent"),
    Entry("alexa-skills-kit", "session-ended", "alexa_session_ended"),
    Entry("apigateway", "aws-proxy", "apigateway_rest"),
    Entry("apigateway", "authorizer", "apigateway_authorizer_token"),
    Entry("apigateway", "request-authorizer", "apigateway_authorizer_request"),
    Entry("apigateway", "http-api-proxy", "http_api"),
    Entry("apigateway", "http-api-authorizer", "http_api_authorizer"),
    Entry("appsync", "resolver", "appsync_resolver"),
    Entry(
        "cloudformation",
        "create-request",
        "cloudformation_custom_resource",
        (("request_type", "Create"),),
    ),
    Entry(
        "cloudformation",
        "update-request",
        "cloudformation_custom_resource",
        (("request_type", "Update"),),
    ),
    Entry(
        "cloudformation",
        "delete-request",
        "cloudformation_custom_resource",
        (("request_type", "Delete"),),
    ),
    Entry("cloudwatch", "logs", "cloudwatch_logs"),
    Entry("cloudwatch", "scheduled-event", "scheduled_event"),
    Entry("codepipeline", "job", "codepipeline_job"),
    Entry("cognito", "pre-signup", "cognito_pre_signup"),
    Entry("cognito", "post-confirmation", "cognito_post_confirmation"),
    Entry("cognito", "pre-authentication", "cognito_pre_authentication"),
    Entry("cognito", "post-authentication", "cognito_post_authentication"),
    Entry("cognito", "pre-token-generation", "cognito_pre_token_generation"),
    Entry("cognito", "custom-message", "cognito_custom_message"),
    Entry("cognito", "user-migration", "cognito_user_migration"),
    Entry("cognito", "define-auth-challenge", "cognito_define_auth_challenge"),
    Entry("cognito", "create-auth-challenge", "cognito_create_auth_challenge"),
    Entry("cognito", "verify-auth-challenge", "cognito_verify_auth_challenge"),
    Entry("dynamodb", "insert", "dynamodb_insert", (("keys", {"pk": "item-1"}),)),
    Entry("dynamodb", "modify", "dynamodb_modify", (("keys", {"pk": "item-1"}),)),
    Entry("dynamodb", "remove", "dynamodb_remove", (("keys", {"pk": "item-1"}),)),
    Entry("eventbridge", "event", "eventbridge_event"),
    Entry("eventbridge", "scheduled-event", "scheduled_event"),
    Entry("eventbridge", "scheduler", "scheduler_event"),
    Entry("firehose", "transformation", "firehose_transformation"),
    Entry("iot", "rule", "iot_rule"),
    Entry("iot", "button", "iot_button"),
    Entry("kafka", "msk", "kafka_event", (("source", "msk"),)),
    Entry("kafka", "self-managed", "kafka_event", (("source", "self-managed"),)),
    Entry("kinesis", "get-records", "kinesis_record"),
    Entry("lambda", "function-url", "lambda_function_url"),
    Entry("lex-v2", "code-hook", "lex_v2"),
    Entry("s3", "put", "s3_put", (("bucket", "my-bucket"), ("key", "my-key"))),
    Entry("s3", "copy", "s3_copy", (("bucket", "my-bucket"), ("key", "my-key"))),
    Entry("s3", "delete", "s3_delete", (("bucket", "my-bucket"), ("key", "my-key"))),
    Entry(
        "s3",
        "multipart-upload",
        "s3_multipart_upload",
        (("bucket", "my-bucket"), ("key", "my-key")),
    ),
    Entry(
        "s3",
        "lifecycle-expiration",
        "s3_lifecycle_expiration",
        (("bucket", "my-bucket"), ("key", "my-key")),
    ),
    Entry(
        "s3",
        "lifecycle-transition",
        "s3_lifecycle_transition",
        (("bucket", "my-bucket"), ("key", "my-key")),
    ),
    Entry("s3", "batch-invocation", "s3_batch_operation"),
    Entry("secretsmanager", "rotation", "secretsmanager_rotation"),
    Entry("ses", "email-receiving", "ses_receipt"),
    Entry("sns", "notification", "sns_notification"),
    Entry("sqs", "receive-message", "sqs_message"),
    Entry("sqs", "receive-message-fifo", "sqs_message", (("fifo", True),)),
    Entry("stepfunctions", "task-token", "stepfunctions_task_token"),
)
"""Names follow ``sam local generate-event`` where SAM has the event; ``fixed`` values are defaults
the CLI user may override (e.g. ``--bucket``)."""
