"""Which event source sent an event, told from the event's shape alone.

``lambda_require_events`` compares what a template declares (``Events:``) with what the suite
sent; an invocation only carries its payload, so the source is recognised the way a handler
router would: by the fields each service puts in its events, checked in an order that avoids
false matches (``Records`` first, Function URLs before HTTP APIs, authorizers before APIs).

Names follow SAM's event ``Type`` where SAM has one (``SQS``, ``Api``, ``HttpApi``,
``Schedule``, ``EventBridgeRule``, ...); sources SAM does not declare as events get a name in
the same style (``FunctionUrl``, ``ALB``, ``WebSocket``, ``CloudFront``, ``Firehose``, ...).
An event no source's shape matches (an IoT rule's SELECT result, a schedule's custom ``Input``,
a direct invoke) is :data:`CUSTOM`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["CUSTOM", "SOURCES", "detect_payload", "detect_source"]

#: What an event whose shape is no known source's counts as.
CUSTOM = "custom"

#: ``Records[].eventSource`` values (SNS spells the key ``EventSource``).
_RECORD_SOURCES = {
    "aws:sqs": "SQS",
    "aws:kinesis": "Kinesis",
    "aws:dynamodb": "DynamoDB",
    "aws:s3": "S3",
    "aws:sns": "SNS",
    "aws:ses": "SES",
    "aws:codecommit": "CodeCommit",
}

#: Top-level ``eventSource`` values of the batch pollers that do not use ``Records``.
_TOP_SOURCES = {
    "aws:kafka": "MSK",
    "SelfManagedKafka": "SelfManagedKafka",
    "aws:mq": "MQ",  # Amazon MQ for ActiveMQ (the developer guide's with-mq sample)
    "aws:amq": "MQ",
    "aws:rmq": "MQ",
    "aws:docdb": "DocumentDB",
}

#: Every name :func:`detect_source` can return.
SOURCES = frozenset({
    *_RECORD_SOURCES.values(), *_TOP_SOURCES.values(), "CloudFront", "CloudWatchLogs",
    "CodePipeline", "Cognito", "CognitoSync", "ALB", "FunctionUrl", "HttpApi",
    "HttpApiAuthorizer", "Api", "ApiAuthorizer", "WebSocket", "Schedule", "ScheduleV2",
    "EventBridgeRule", "CloudWatchAlarm", "Firehose", "KinesisAnalytics", "S3BatchOperations",
    "CloudFormation", "SecretsManager", "Config", "AlexaSkill", "AlexaSmartHome", "Lex",
    "AppSync", "AppSyncAuthorizer", "AppSyncEvents", "Connect", "SageMaker", "WorkMail",
    "IoTButton", "BedrockAgent", "CodeDeploy", "S3ObjectLambda", "TransferFamily",
    "VpcLattice", CUSTOM,
})


def _get(mapping: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def _records(event: Mapping[str, Any]) -> str | None:
    records = event.get("Records")
    if not isinstance(records, list) or not records or not isinstance(records[0], Mapping):
        return None
    first = records[0]
    source = first.get("eventSource", first.get("EventSource"))
    if isinstance(source, str) and source in _RECORD_SOURCES:
        return _RECORD_SOURCES[source]
    if "cf" in first:
        return "CloudFront"
    return None


def _http(event: Mapping[str, Any]) -> str | None:
    context = event.get("requestContext")
    if isinstance(_get(context, "elb"), Mapping):
        return "ALB"
    if event.get("version") == "2.0" and ("rawPath" in event or "routeArn" in event):
        if event.get("type") == "REQUEST" and "routeArn" in event:
            return "HttpApiAuthorizer"
        domain = _get(context, "domainName")
        if isinstance(domain, str) and ".lambda-url." in domain:
            return "FunctionUrl"
        return "HttpApi"
    if isinstance(event.get("methodArn"), str) and event.get("type") in ("TOKEN", "REQUEST"):
        return "ApiAuthorizer"
    if isinstance(context, Mapping):
        if "eventType" in context and "connectionId" in context:
            return "WebSocket"
        if "httpMethod" in event:
            # An HTTP API's payload format 1.0 is the REST shape plus "version": "1.0" (REST
            # APIs' own events do not carry "version" at the top level).
            return "HttpApi" if event.get("version") == "1.0" else "Api"
    return None


def _eventbridge(event: Mapping[str, Any]) -> str | None:
    if "detail-type" not in event or "source" not in event:
        return None
    if event.get("source") == "aws.scheduler":
        return "ScheduleV2"
    if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
        return "Schedule"
    return "EventBridgeRule"


def _other(event: Mapping[str, Any]) -> str | None:
    if "awslogs" in event:
        return "CloudWatchLogs"
    if "CodePipeline.job" in event:
        return "CodePipeline"
    if "triggerSource" in event and "userPoolId" in event:
        return "Cognito"
    if event.get("eventType") == "SyncTrigger" and "identityPoolId" in event:
        return "CognitoSync"
    if event.get("source") == "aws.cloudwatch" and "alarmData" in event:
        return "CloudWatchAlarm"
    if "deliveryStreamArn" in event and "records" in event:
        return "Firehose"
    if "applicationArn" in event and "records" in event:
        return "KinesisAnalytics"
    if "invocationSchemaVersion" in event and "tasks" in event:
        return "S3BatchOperations"
    if "RequestType" in event and "ResponseURL" in event:
        return "CloudFormation"
    if "Step" in event and "SecretId" in event:
        return "SecretsManager"
    if "configRuleName" in event and "invokingEvent" in event:
        return "Config"
    source = event.get("eventSource")
    if isinstance(source, str) and source in _TOP_SOURCES:
        return _TOP_SOURCES[source]
    if "session" in event and isinstance(_get(event, "request", "type"), str):
        return "AlexaSkill"
    if isinstance(_get(event, "directive", "header"), Mapping):
        return "AlexaSmartHome"
    if "invocationSource" in event and ("currentIntent" in event or "sessionState" in event
                                        or "interpretations" in event):
        return "Lex"
    if event.get("Name") == "ContactFlowEvent" and "Details" in event:
        return "Connect"
    if "labelingJobArn" in event:
        return "SageMaker"
    if "summaryVersion" in event and "envelope" in event:
        return "WorkMail"
    if "serialNumber" in event and "clickType" in event:
        return "IoTButton"
    if isinstance(event.get("info"), Mapping) and "fieldName" in event["info"]:
        return "AppSync"
    return _other_services(event)


def _other_services(event: Mapping[str, Any]) -> str | None:
    """Services that invoke a function directly with a shape of their own (no SAM event)."""
    if "authorizationToken" in event and isinstance(_get(event, "requestContext", "apiId"),
                                                    str):
        return "AppSyncAuthorizer"
    if isinstance(event.get("events"), list) and isinstance(_get(event, "info", "channel"),
                                                           Mapping):
        return "AppSyncEvents"
    if "messageVersion" in event and "actionGroup" in event and "agent" in event:
        return "BedrockAgent"
    if "DeploymentId" in event and "LifecycleEventHookExecutionId" in event:
        return "CodeDeploy"
    if "getObjectContext" in event and "userRequest" in event:
        return "S3ObjectLambda"
    if {"username", "serverId", "protocol", "sourceIp"} <= event.keys():
        return "TransferFamily"
    if "method" in event and (
            isinstance(_get(event, "requestContext", "serviceNetworkArn"), str)  # 2.0
            or {"raw_path", "is_base64_encoded"} <= event.keys()):  # 1.0: snake_case keys
        return "VpcLattice"
    return None


def detect_source(event: Any) -> str:
    """The name of the source whose events look like ``event`` (:data:`CUSTOM` if none does).

    >>> detect_source({"Records": [{"eventSource": "aws:sqs", "body": "hi"}]})
    'SQS'
    """
    if isinstance(event, list):  # AppSync's batch invoke is the only list event
        ok = bool(event) and all(detect_source(e) == "AppSync" for e in event)
        return "AppSync" if ok else CUSTOM
    if not isinstance(event, Mapping):
        return CUSTOM
    return (_records(event) or _http(event) or _eventbridge(event) or _other(event)
            or CUSTOM)


def detect_payload(payload: bytes) -> str:
    """:func:`detect_source` of a JSON payload as the function received it."""
    if not payload or payload.lstrip()[:1] not in (b"{", b"["):
        return CUSTOM  # no event, a JSON string or number: not a service's event
    try:
        event = json.loads(payload)
    except ValueError:
        return CUSTOM
    return detect_source(event)
