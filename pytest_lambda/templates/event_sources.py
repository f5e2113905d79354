"""The event sources a template function declares, for ``lambda_require_events``.

SAM: the function's ``Events`` (by ``Type``) and ``FunctionUrlConfig``; plain CloudFormation:
``AWS::Lambda::EventSourceMapping`` and ``AWS::Lambda::Url`` resources pointing at the function;
serverless.yml: the function's ``events`` (by key) and ``url``. Only types and a few keys are
read, so nothing here needs intrinsic functions resolved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..arn import Arn
from ..observe.event_gate import Declared
from ..observe.event_shapes import CUSTOM

__all__ = ["declared_events"]

#: SAM event Type -> detected source names that exercise it.
_SAM = {
    "S3": "S3", "SNS": "SNS", "Kinesis": "Kinesis", "DynamoDB": "DynamoDB", "SQS": "SQS",
    "Api": "Api", "HttpApi": "HttpApi", "Schedule": "Schedule", "ScheduleV2": "ScheduleV2",
    "CloudWatchEvent": "EventBridgeRule", "EventBridgeRule": "EventBridgeRule",
    "CloudWatchLogs": "CloudWatchLogs", "AlexaSkill": "AlexaSkill", "Cognito": "Cognito",
    "MSK": "MSK", "MQ": "MQ", "SelfManagedKafka": "SelfManagedKafka",
    "DocumentDB": "DocumentDB", "IoTRule": CUSTOM,
}

#: serverless.yml event key -> detected source.
_SLS = {
    "http": "Api", "httpApi": "HttpApi", "websocket": "WebSocket", "s3": "S3",
    "schedule": "Schedule", "sns": "SNS", "sqs": "SQS", "activemq": "MQ", "rabbitmq": "MQ",
    "kafka": "SelfManagedKafka", "msk": "MSK", "alexaSkill": "AlexaSkill",
    "alexaSmartHome": "AlexaSmartHome", "iot": CUSTOM, "iotFleetProvisioning": CUSTOM,
    "cloudwatchEvent": "EventBridgeRule", "eventBridge": "EventBridgeRule",
    "cloudwatchLog": "CloudWatchLogs", "cognitoUserPool": "Cognito", "alb": "ALB",
    "cloudFront": "CloudFront",
}

#: Properties that replace a rule's or schedule's event with the user's own JSON.
_CUSTOM_INPUT = ("Input", "InputPath", "InputTransformer", "input", "inputPath",
                 "inputTransformer")

#: An event source mapping's ARN service -> detected source.
_ARN_SERVICES = {"sqs": "SQS", "kinesis": "Kinesis", "dynamodb": "DynamoDB", "kafka": "MSK",
                 "mq": "MQ", "rds": "DocumentDB"}


def _declared(name: str, source: str, props: Any = None) -> Declared:
    custom = isinstance(props, Mapping) and any(k in props for k in _CUSTOM_INPUT)
    accepts = frozenset({CUSTOM}) if custom else frozenset({source})
    return Declared(name, source, accepts)


def _stream_source(value: Any, resources: Mapping[str, Any]) -> frozenset[str]:
    """Kinesis or DynamoDB, from a serverless ``stream`` event's type or ARN."""
    both = frozenset({"Kinesis", "DynamoDB"})
    spec = value if isinstance(value, Mapping) else {"arn": value}
    kind = spec.get("type")
    if kind in ("dynamodb", "kinesis"):
        return frozenset({"DynamoDB" if kind == "dynamodb" else "Kinesis"})
    arn = spec.get("arn")
    if isinstance(arn, str):
        return frozenset({"DynamoDB"}) if ":dynamodb:" in arn else (
            frozenset({"Kinesis"}) if ":kinesis:" in arn else both)
    target = arn.get("Fn::GetAtt") if isinstance(arn, Mapping) else None
    if isinstance(target, list) and target:
        rtype = (resources.get(str(target[0])) or {}).get("Type")
        if rtype == "AWS::DynamoDB::Table":
            return frozenset({"DynamoDB"})
        if rtype == "AWS::Kinesis::Stream":
            return frozenset({"Kinesis"})
    return both


def _serverless(spec: Mapping[str, Any], resources: Mapping[str, Any]) -> list[Declared]:
    out = []
    for i, entry in enumerate(spec.get("events") or []):
        if not isinstance(entry, Mapping) or len(entry) != 1:
            continue
        (key, value), = entry.items()
        name = f"events[{i}]"
        if key == "stream":
            accepts = _stream_source(value, resources)
            source = next(iter(accepts)) if len(accepts) == 1 else "Kinesis/DynamoDB"
            out.append(Declared(name, source, accepts))
        elif (key == "schedule" and isinstance(value, Mapping)
              and value.get("method") == "scheduler"):
            out.append(_declared(name, "ScheduleV2", value))
        else:
            source = _SLS.get(key, CUSTOM)
            out.append(Declared(name, key, frozenset({CUSTOM})) if source == CUSTOM else
                       _declared(name, source, value))
    if spec.get("url"):
        out.append(Declared("url", "FunctionUrl", frozenset({"FunctionUrl"})))
    return out


def _points_at(value: Any, logical_id: str, function_name: str) -> bool:
    """True when a FunctionName / TargetFunctionArn value names this function."""
    if isinstance(value, str):
        return value in (logical_id, function_name) or value.endswith(f":{function_name}")
    if isinstance(value, Mapping):
        if value.get("Ref") == logical_id:
            return True
        target = value.get("Fn::GetAtt")
        return isinstance(target, list) and bool(target) and target[0] == logical_id
    return False


def _cloudformation(resources: Mapping[str, Any], logical_id: str,
                    function_name: str) -> list[Declared]:
    out = []
    for rid, resource in resources.items():
        if not isinstance(resource, Mapping):
            continue
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Lambda::EventSourceMapping" and _points_at(
                props.get("FunctionName"), logical_id, function_name):
            arn = props.get("EventSourceArn")
            if "SelfManagedEventSource" in props:
                out.append(Declared(rid, "SelfManagedKafka", frozenset({"SelfManagedKafka"})))
                continue
            parsed = Arn.parse(arn) if isinstance(arn, str) else None
            service = parsed.service if parsed is not None else None
            if isinstance(arn, Mapping):  # Fn::GetAtt [Queue, Arn] -> the resource's type
                target = arn.get("Fn::GetAtt")
                rtype = (resources.get(str(target[0])) or {}).get("Type", "") if (
                    isinstance(target, list) and target) else ""
                service = rtype.split("::")[1].lower() if rtype.count("::") == 2 else None
            source = _ARN_SERVICES.get(service or "")
            out.append(Declared(rid, source, frozenset({source})) if source else
                       Declared(rid, "EventSourceMapping",
                                frozenset(_ARN_SERVICES.values())))
        elif resource.get("Type") == "AWS::Lambda::Url" and _points_at(
                props.get("TargetFunctionArn"), logical_id, function_name):
            out.append(Declared(rid, "FunctionUrl", frozenset({"FunctionUrl"})))
    return out


def declared_events(kind: str, properties: Mapping[str, Any], resources: Mapping[str, Any],
                    logical_id: str, function_name: str) -> list[Declared]:
    """The event sources one function of a template declares, in template order."""
    if kind == "serverless":
        return _serverless(properties, resources)
    out = []
    events = properties.get("Events")
    for name, event in (events.items() if isinstance(events, Mapping) else []):
        etype = event.get("Type") if isinstance(event, Mapping) else None
        if not isinstance(etype, str):
            continue
        props = event.get("Properties")
        source = _SAM.get(etype)
        if source in (CUSTOM, None):  # IoTRule, or a type this version does not know
            out.append(Declared(str(name), etype, frozenset({CUSTOM})))
        else:
            out.append(_declared(str(name), source, props))
    if properties.get("FunctionUrlConfig"):
        out.append(Declared("FunctionUrlConfig", "FunctionUrl", frozenset({"FunctionUrl"})))
    return out + _cloudformation(resources, logical_id, function_name)
