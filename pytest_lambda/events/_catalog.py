"""The table of ``SERVICE EVENT`` names used by ``pytest-lambda generate-event``."""

from __future__ import annotations

from typing import Any, NamedTuple


class Entry(NamedTuple):
    """One generate-event name: which factory it calls and with which fixed arguments."""

    service: str
    event: str
    factory: str
    fixed: tuple[tuple[str, Any], ...] = ()
    batch: tuple[str, str, str] | None = None
    """(batch factory, its list argument, this factory's item argument) for ``--count``."""


_S3_DEFAULTS = (("bucket", "my-bucket"), ("key", "my-key"))
_CWL_TO_FIREHOSE = {
    "messageType": "DATA_MESSAGE",
    "owner": "123456789012",
    "logGroup": "/aws/lambda/my-function",
    "logStream": "2024/06/01/[$LATEST]0123456789abcdef0123456789abcdef",
    "subscriptionFilters": ["to-firehose"],
    "logEvents": [
        {
            "id": "38375412373218543520519829370584523187839386584393023488",
            "timestamp": 1717243200000,
            "message": "Hello from CloudWatch Logs!",
        }
    ],
}


def _cloudfront(event: str, factory: str, **fixed: Any) -> Entry:
    return Entry("cloudfront", event, factory, tuple(fixed.items()))


# Every `sam local generate-event` service/event pair (samcli/lib/generated_sample_events/
# event-mapping.json: 26 services, 68 events), under SAM's names.
SAM_CATALOG: tuple[Entry, ...] = (
    Entry("alexa-skills-kit", "end-session", "alexa_session_ended"),
    Entry(
        "alexa-skills-kit",
        "intent-answer",
        "alexa_intent",
        (("intent", "AnswerIntent"), ("slots", {"Answer": "1"})),
    ),
    Entry(
        "alexa-skills-kit", "intent-getnewfact", "alexa_intent", (("intent", "GetNewFactIntent"),)
    ),
    Entry(
        "alexa-skills-kit",
        "intent-mycoloris",
        "alexa_intent",
        (("intent", "MyColorIsIntent"), ("slots", {"Color": "blue"})),
    ),
    Entry(
        "alexa-skills-kit",
        "intent-recipe",
        "alexa_intent",
        (("intent", "RecipeIntent"), ("slots", {"Item": "snow golem"})),
    ),
    Entry("alexa-skills-kit", "start-session", "alexa_launch"),
    Entry(
        "alexa-smart-home",
        "smart-home-control-turn-off-request",
        "alexa_smart_home",
        (("name", "TurnOff"),),
    ),
    Entry(
        "alexa-smart-home",
        "smart-home-control-turn-on-request",
        "alexa_smart_home",
        (("name", "TurnOn"),),
    ),
    Entry(
        "alexa-smart-home",
        "smart-home-discovery-request",
        "alexa_smart_home",
        (("name", "Discover"),),
    ),
    Entry("alb", "request", "alb_request"),
    Entry("apigateway", "authorizer", "apigateway_authorizer_token"),
    Entry("apigateway", "request-authorizer", "apigateway_authorizer_request"),
    Entry("apigateway", "aws-proxy", "apigateway_rest"),
    Entry("apigateway", "http-api-proxy", "http_api"),
    Entry("appsync", "resolver", "appsync_resolver"),
    Entry("batch", "get-job", "batch_get_job"),
    Entry("batch", "submit-job", "batch_submit_job"),
    Entry(
        "cloudformation",
        "create-request",
        "cloudformation_custom_resource",
        (("request_type", "Create"),),
    ),
    _cloudfront("ab-test", "cloudfront_request", headers={"Cookie": "X-Experiment-Name=B"}),
    _cloudfront(
        "access-request-in-response",
        "cloudfront_response",
        event_type="viewer-response",
        request_headers={"User-Name": "aws-cloudfront"},
    ),
    _cloudfront("http-redirect", "cloudfront_request"),
    _cloudfront("modify-querystring", "cloudfront_request", querystring="auth=test&foo=bar"),
    _cloudfront(
        "modify-response-header",
        "cloudfront_response",
        headers={"Last-Modified": "Fri, 25 Nov 2016 00:00:00 GMT"},
    ),
    _cloudfront(
        "multiple-remote-calls-aggregate-response",
        "cloudfront_request",
        event_type="origin-request",
    ),
    _cloudfront(
        "normalize-querystring-to-improve-cache-hit",
        "cloudfront_request",
        querystring="size=LARGE&color=RED",
    ),
    _cloudfront(
        "redirect-on-viewer-country",
        "cloudfront_request",
        event_type="origin-request",
        headers={"CloudFront-Viewer-Country": "US"},
    ),
    _cloudfront("redirect-unauthenticated-users", "cloudfront_request", querystring="foo=bar"),
    _cloudfront("response-generation", "cloudfront_request", event_type="origin-request"),
    _cloudfront(
        "serve-object-on-viewer-device",
        "cloudfront_request",
        event_type="origin-request",
        headers={
            "CloudFront-Is-Desktop-Viewer": "true",
            "CloudFront-Is-Mobile-Viewer": "false",
            "CloudFront-Is-SmartTV-Viewer": "false",
            "CloudFront-Is-Tablet-Viewer": "false",
        },
    ),
    _cloudfront("simple-remote-call", "cloudfront_request", event_type="origin-request"),
    Entry("cloudwatch", "logs", "cloudwatch_logs"),
    Entry("cloudwatch", "scheduled-event", "scheduled_event"),
    Entry("codecommit", "repository", "codecommit_trigger"),
    Entry("codepipeline", "job", "codepipeline_job"),
    Entry("cognito", "sync-trigger", "cognito_sync_trigger"),
    Entry("config", "item-change-notification", "config_rule"),
    Entry(
        "config",
        "oversized-item-change-notification",
        "config_rule",
        (("message_type", "OversizedConfigurationItemChangeNotification"),),
    ),
    Entry("config", "periodic-rule", "config_rule", (("message_type", "ScheduledNotification"),)),
    Entry("connect", "contact-flow-event", "connect_contact_flow"),
    Entry(
        "dynamodb",
        "update",
        "dynamodb_batch",
        (
            (
                "changes",
                (
                    {
                        "event_name": "INSERT",
                        "keys": {"Id": 101},
                        "new_image": {"Message": "New item!"},
                    },
                    {
                        "event_name": "MODIFY",
                        "keys": {"Id": 101},
                        "old_image": {"Message": "New item!"},
                        "new_image": {"Message": "This item has changed"},
                    },
                    {
                        "event_name": "REMOVE",
                        "keys": {"Id": 101},
                        "old_image": {"Message": "This item has changed"},
                    },
                ),
            ),
        ),
    ),
    Entry("kinesis", "get-records", "kinesis_record", batch=("kinesis_batch", "records", "data")),
    Entry("kinesis", "kinesis-firehose", "firehose_transformation"),
    Entry("kinesis", "analytics", "kinesis_analytics_preprocessing"),
    Entry(
        "kinesis",
        "analytics-compressed",
        "kinesis_analytics_preprocessing",
        (("compressed", True),),
    ),
    Entry(
        "kinesis",
        "analytics-dynamodb",
        "kinesis_analytics_preprocessing",
        (("records", ('{"Id": {"N": "101"}, "Message": {"S": "New item!"}}',)),),
    ),
    Entry("kinesis", "analytics-kpl", "kinesis_analytics_preprocessing", (("source", "stream"),)),
    Entry(
        "kinesis",
        "apachelog",
        "firehose_transformation",
        (
            (
                "records",
                ('192.0.2.10 - - [01/Jun/2024:12:00:00 +0000] "GET /index.html HTTP/1.1" 200 512',),
            ),
        ),
    ),
    Entry(
        "kinesis",
        "cloudwatch-logs-processor",
        "firehose_transformation",
        (("records", (_CWL_TO_FIREHOSE,)), ("compressed", True)),
    ),
    Entry(
        "kinesis", "streams-as-source", "firehose_transformation", (("source_stream", "my-stream"),)
    ),
    Entry(
        "kinesis",
        "syslog",
        "firehose_transformation",
        (("records", ("<13>Jun  1 12:00:00 host app[42]: Hello from syslog",)),),
    ),
    Entry(
        "lex",
        "book-car",
        "lex_v1",
        (
            ("intent", "BookCar"),
            ("bot", "BookTrip"),
            (
                "slots",
                {
                    "PickUpCity": "Chicago",
                    "PickUpDate": "2030-11-08",
                    "ReturnDate": "2030-11-08",
                    "CarType": "economy",
                    "DriverAge": "21",
                },
            ),
        ),
    ),
    Entry(
        "lex",
        "book-hotel",
        "lex_v1",
        (
            ("intent", "BookHotel"),
            ("bot", "BookTrip"),
            (
                "slots",
                {
                    "Location": "Chicago",
                    "CheckInDate": "2030-11-08",
                    "Nights": "4",
                    "RoomType": "queen",
                },
            ),
        ),
    ),
    Entry(
        "lex",
        "make-appointment",
        "lex_v1",
        (
            ("intent", "MakeAppointment"),
            ("bot", "MakeAppointment"),
            ("slots", {"AppointmentType": "whitening", "Date": "2030-11-08", "Time": "10:00"}),
        ),
    ),
    Entry("lex", "order-flowers", "lex_v1"),
    Entry(
        "lex-v2",
        "banking-bot",
        "lex_v2",
        (
            ("intent", "CheckBalance"),
            ("slots", {"accountType": "Savings", "dateofBirth": "1990-01-01"}),
            ("bot_name", "BankingBot"),
        ),
    ),
    Entry(
        "lex-v2",
        "book-car",
        "lex_v2",
        (
            ("intent", "BookCar"),
            ("slots", {"PickUpCity": "Chicago", "CarType": None}),
            ("bot_name", "BookTrip"),
        ),
    ),
    Entry(
        "lex-v2",
        "book-hotel",
        "lex_v2",
        (
            ("intent", "BookHotel"),
            ("slots", {"Location": "Chicago", "Nights": None}),
            ("bot_name", "BookTrip"),
        ),
    ),
    Entry("rekognition", "s3-request", "s3_put", (("bucket", "my-bucket"), ("key", "photo.jpg"))),
    Entry("s3", "batch-invocation", "s3_batch_operation"),
    Entry("s3", "delete", "s3_delete", _S3_DEFAULTS),
    Entry("s3", "put", "s3_put", _S3_DEFAULTS),
    Entry("sagemaker", "ground-truth-pre-human", "sagemaker_pre_human_task"),
    Entry(
        "sagemaker", "ground-truth-annotation-consolidation", "sagemaker_annotation_consolidation"
    ),
    Entry("ses", "email-receiving", "ses_receipt"),
    Entry("sns", "notification", "sns_notification"),
    Entry("sqs", "receive-message", "sqs_message", batch=("sqs_batch", "bodies", "body")),
    Entry("stepfunctions", "error", "stepfunctions_error"),
    Entry("workmail", "email", "workmail_message"),
)
"""SAM's pairs in SAM's order; the catalog below adds the events SAM does not have."""


_MORE: tuple[Entry, ...] = (
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
    Entry("apigateway", "websocket-connect", "apigateway_websocket", (("route", "$connect"),)),
    Entry(
        "apigateway",
        "websocket-message",
        "apigateway_websocket",
        (("route", "sendmessage"), ("body", '{"action": "sendmessage", "data": "hello"}')),
    ),
    Entry(
        "apigateway", "websocket-disconnect", "apigateway_websocket", (("route", "$disconnect"),)
    ),
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
    Entry("vpc-lattice", "request-v2", "vpc_lattice_request"),
    Entry("vpc-lattice", "request-v1", "vpc_lattice_request", (("version", "1.0"),)),
    Entry("s3", "object-lambda-get-object", "s3_object_lambda"),
    Entry("s3", "eventbridge-object-created", "s3_eventbridge_event"),
    Entry(
        "s3",
        "eventbridge-object-deleted",
        "s3_eventbridge_event",
        (("detail_type", "Object Deleted"),),
    ),
    Entry(
        "s3",
        "eventbridge-object-restore-completed",
        "s3_eventbridge_event",
        (("detail_type", "Object Restore Completed"),),
    ),
    Entry("mq", "activemq", "activemq_event"),
    Entry("mq", "rabbitmq", "rabbitmq_event"),
    Entry("documentdb", "change-stream", "documentdb_change_event"),
    Entry(
        "documentdb", "change-stream-update", "documentdb_change_event", (("operation", "update"),)
    ),
    Entry("kinesis", "dynamodb-change", "kinesis_dynamodb_record"),
    Entry("cognito", "custom-email-sender", "cognito_custom_email_sender"),
    Entry("cognito", "custom-sms-sender", "cognito_custom_sms_sender"),
    Entry("appsync", "lambda-authorizer", "appsync_authorizer"),
    Entry("appsync", "events-publish", "appsync_events"),
    Entry("appsync", "events-subscribe", "appsync_events", (("operation", "SUBSCRIBE"),)),
    Entry("cloudwatch", "alarm-action", "cloudwatch_alarm"),
    Entry("codedeploy", "lifecycle-hook", "codedeploy_lifecycle_hook"),
    Entry("bedrock-agent", "action-group-api", "bedrock_agent_api"),
    Entry("bedrock-agent", "action-group-function", "bedrock_agent_function"),
    Entry("transfer-family", "identity-provider", "transfer_family_auth"),
    Entry("iot", "registry-thing", "iot_registry_thing_event"),
    Entry("iot", "registry-thing-group", "iot_registry_thing_group_event"),
    Entry("lambda", "destination-on-success", "lambda_destination_record"),
    Entry(
        "lambda",
        "destination-on-failure",
        "lambda_destination_record",
        (("condition", "RetriesExhausted"),),
    ),
    Entry("lambda", "stream-on-failure-kinesis", "lambda_stream_failure_record"),
    Entry(
        "lambda",
        "stream-on-failure-dynamodb",
        "lambda_stream_failure_record",
        (("source", "dynamodb"),),
    ),
    Entry(
        "lambda",
        "stream-on-failure-kafka",
        "lambda_stream_failure_record",
        (("source", "kafka"),),
    ),
)
"""Names follow ``sam local generate-event`` where SAM has the event; ``fixed`` values are defaults
the CLI user may override (e.g. ``--bucket``)."""

_SAM_NAMES = {(e.service, e.event) for e in SAM_CATALOG}
CATALOG: tuple[Entry, ...] = SAM_CATALOG + tuple(
    e for e in _MORE if (e.service, e.event) not in _SAM_NAMES
)
"""Every generate-event name: SAM's pairs first, then the sources and variants SAM lacks."""
