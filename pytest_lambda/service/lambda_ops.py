"""The Lambda API operations on in-process functions: what each call does and answers.

Each operation takes the :class:`~.lambda_api.LambdaApi`, the function the request names (or
None for account-wide calls) and the request's parameters (named as in the API reference) and
returns a :class:`Reply`. Parameters reach the same ``LambdaFunction`` methods a test calls
in Python, so both ways of driving a function share one state: versions, aliases, policy,
concurrency and configuration.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_lambda.config import DEFAULT_EVENT_AGE, DEFAULT_RETRY_ATTEMPTS
from pytest_lambda.errors import (
    InvalidParameterValueException,
    LambdaError,
    ResourceNotFoundException,
)

from . import lambda_shapes as shapes

if TYPE_CHECKING:
    from pytest_lambda.function import LambdaFunction

    from .lambda_api import LambdaApi


class InvalidRequestContentException(LambdaError):
    """The request body or a header could not be read (Lambda's 400 for bad content)."""

    code = "InvalidRequestContentException"
    status_code = 400


@dataclass
class Reply:
    """An HTTP answer: status, body (a JSON-able value or raw bytes) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Operation = Callable[["LambdaApi", "LambdaFunction | None", dict[str, Any]], Reply]


def _fn(fn: LambdaFunction | None) -> LambdaFunction:
    assert fn is not None, "the router passes a function to per-function operations"
    return fn


def _version(fn: LambdaFunction, qualifier: str | None) -> str:
    """The version a qualifier names for read calls (an alias reads its primary version)."""
    if qualifier in (None, shapes.LATEST):
        return shapes.LATEST
    assert qualifier is not None
    if qualifier in fn.versions:
        return qualifier
    alias = fn.aliases.get(qualifier)
    if alias is None:
        raise ResourceNotFoundException(
            f"Function not found: {fn.arn}:{qualifier}. Publish the version or create the "
            "alias first.")
    return alias.function_version


def client_context(header: str | None) -> dict[str, Any] | None:
    """``X-Amz-Client-Context``: base64 of a JSON object, as the SDKs send it."""
    if header is None:
        return None
    try:
        value = json.loads(base64.b64decode(header, validate=True))
    except (binascii.Error, ValueError):
        value = None
    if not isinstance(value, dict):
        raise InvalidRequestContentException(
            "Client context must be a valid Base64-encoded JSON object. Pass ClientContext="
            "base64.b64encode(json.dumps({'custom': {...}}).encode()).decode().")
    return value


def _json_payload(payload: bytes) -> bytes:
    """The Invoke body, which the API accepts only as JSON: an empty body is the event ``{}``
    (what a handler receives from ``invoke`` without ``Payload``), anything else must parse.
    Lambda's wording, captured in awsdocs/aws-lambda-developer-guide#382: "Could not parse
    request body into json: Could not parse payload into json: ..." (its JSON parser's own
    detail follows; ours is Python's). Invoking without ``Payload`` succeeds
    (aws/aws-sdk-js#1876); the handler's event is then ``{}`` here."""
    if not payload.strip():
        return b"{}"
    try:
        json.loads(payload)
    except ValueError as exc:
        raise InvalidRequestContentException(
            f"Could not parse request body into json: Could not parse payload into json: "
            f"{exc}. Send a JSON document as Payload (json.dumps(event)).") from None
    return payload


def invoke(api: LambdaApi, fn: LambdaFunction | None, p: dict[str, Any]) -> Reply:
    """``Invoke``: run the in-process function and answer as Lambda does."""
    fn = _fn(fn)
    invocation_type = p.get("InvocationType") or "RequestResponse"
    log_type = p.get("LogType") or "None"
    if log_type not in ("None", "Tail"):
        raise InvalidParameterValueException(
            f"1 validation error detected: Value '{log_type}' at 'logType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [Tail, None]. Use LogType='Tail' "
            "or leave it out.")
    result = fn.invoke(_json_payload(p.get("Payload") or b""), invocation_type=invocation_type,
                       qualifier=p.get("Qualifier"),
                       client_context=client_context(p.get("ClientContext")),
                       tenant_id=p.get("TenantId"), trace_header=p.get("TraceHeader"))
    headers = {"x-amzn-RequestId": result.request_id}
    if invocation_type != "RequestResponse":
        return Reply(result.status_code, b"", headers)
    headers["X-Amz-Executed-Version"] = result.executed_version
    if result.function_error:
        headers["X-Amz-Function-Error"] = result.function_error
    if log_type == "Tail":
        headers["X-Amz-Log-Result"] = result.log_result
    return Reply(200, result.raw_payload, headers)


def get_function(api: LambdaApi, fn: LambdaFunction | None, p: dict[str, Any]) -> Reply:
    fn = _fn(fn)
    return Reply(200, shapes.get_function(fn, _version(fn, p.get("Qualifier")),
                                          api.last_modified(fn)))


def get_function_configuration(api: LambdaApi, fn: LambdaFunction | None,
                               p: dict[str, Any]) -> Reply:
    fn = _fn(fn)
    return Reply(200, shapes.configuration(fn, _version(fn, p.get("Qualifier")),
                                           last_modified=api.last_modified(fn)))


def list_versions_by_function(api: LambdaApi, fn: LambdaFunction | None,
                              p: dict[str, Any]) -> Reply:
    fn = _fn(fn)
    versions = [shapes.LATEST, *fn.versions]
    return Reply(200, {"Versions": [
        shapes.configuration(fn, v, last_modified=api.last_modified(fn)) for v in versions]})


def publish_version(api: LambdaApi, fn: LambdaFunction | None, p: dict[str, Any]) -> Reply:
    fn = _fn(fn)
    version = fn.publish_version(p.get("Description") or "")
    return Reply(201, shapes.configuration(fn, version.version,
                                           last_modified=api.last_modified(fn)))


def list_aliases(api: LambdaApi, fn: LambdaFunction | None, p: dict[str, Any]) -> Reply:
    fn = _fn(fn)
    wanted = p.get("FunctionVersion")
    return Reply(200, {"Aliases": [a.as_dict() for a in fn.aliases.values()
                                   if wanted is None or a.function_version == wanted]})


def _routing(p: dict[str, Any]) -> dict[str, float] | None:
    config = p.get("RoutingConfig")
    if config is None:
        return None
    return dict(config.get("AdditionalVersionWeights") or {})


def create_alias(api: LambdaApi, fn: LambdaFunction | None, p: dict[str, Any]) -> Reply:
    fn = _fn(fn)
    alias = fn.create_alias(p["Name"], p["FunctionVersion"], routing=_routing(p),
                            description=p.get("Description") or "")
    return Reply(201, alias.as_dict())


def get_alias(api: LambdaApi, fn: LambdaFunction | None, p: dict[str, Any]) -> Reply:
    fn = _fn(fn)
    alias = fn.aliases.get(p["Name"])
    if alias is None:
        raise ResourceNotFoundException(f"Cannot find alias arn: {fn.arn}:{p['Name']}")
    return Reply(200, alias.as_dict())


def update_alias(api: LambdaApi, fn: LambdaFunction | None, p: dict[str, Any]) -> Reply:
    fn = _fn(fn)
    alias = fn.update_alias(p["Name"], p.get("FunctionVersion"), routing=_routing(p),
                            description=p.get("Description"))
    return Reply(200, alias.as_dict())


def delete_alias(api: LambdaApi, fn: LambdaFunction | None, p: dict[str, Any]) -> Reply:
    _fn(fn).delete_alias(p["Name"])
    return Reply(204)


def put_function_concurrency(api: LambdaApi, fn: LambdaFunction | None,
                             p: dict[str, Any]) -> Reply:
    fn = _fn(fn)
    fn.put_function_concurrency(p["ReservedConcurrentExecutions"])
    return Reply(200, {"ReservedConcurrentExecutions": p["ReservedConcurrentExecutions"]})


def get_function_concurrency(api: LambdaApi, fn: LambdaFunction | None,
                             p: dict[str, Any]) -> Reply:
    reserved = _fn(fn).config.reserved_concurrent_executions
    return Reply(200, {} if reserved is None else {"ReservedConcurrentExecutions": reserved})


def delete_function_concurrency(api: LambdaApi, fn: LambdaFunction | None,
                                p: dict[str, Any]) -> Reply:
    _fn(fn).put_function_concurrency(None)
    return Reply(204)


def _latest_only(fn: LambdaFunction, p: dict[str, Any], what: str) -> None:
    if p.get("Qualifier") not in (None, shapes.LATEST):
        raise InvalidParameterValueException(
            f"{what} on a version or alias ({fn.name}:{p['Qualifier']}) is not modelled: the "
            "in-process function keeps one asynchronous configuration. Leave Qualifier out.")


def _event_invoke_changes(p: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    changes = dict(base)
    if "MaximumRetryAttempts" in p:
        changes["maximum_retry_attempts"] = p["MaximumRetryAttempts"]
    if "MaximumEventAgeInSeconds" in p:
        changes["maximum_event_age_in_seconds"] = p["MaximumEventAgeInSeconds"]
    if "DestinationConfig" in p:
        kept = {k: v for k, v in (p["DestinationConfig"] or {}).items() if v.get("Destination")}
        changes["destination_config"] = kept or None
    return changes


def put_function_event_invoke_config(api: LambdaApi, fn: LambdaFunction | None,
                                     p: dict[str, Any]) -> Reply:
    """``PutFunctionEventInvokeConfig``: replaces the whole configuration (what is left out
    goes back to Lambda's defaults), unlike ``UpdateFunctionEventInvokeConfig``."""
    fn = _fn(fn)
    _latest_only(fn, p, "PutFunctionEventInvokeConfig")

    fn.update_configuration(**_event_invoke_changes(p, _EVENT_INVOKE_DEFAULTS))
    api.event_invoke_configs.add(id(fn))
    return Reply(200, shapes.event_invoke_config(fn, api.touch(fn)))


_EVENT_INVOKE_DEFAULTS = {"maximum_retry_attempts": DEFAULT_RETRY_ATTEMPTS,
                          "maximum_event_age_in_seconds": DEFAULT_EVENT_AGE,
                          "destination_config": None}


def _has_event_invoke_config(api: LambdaApi, fn: LambdaFunction) -> bool:
    """Whether the function has an EventInvokeConfig: one put through the API, or settings
    other than Lambda's defaults (given to ``LambdaFunction``, or by a template)."""
    config = fn.config
    return id(fn) in api.event_invoke_configs or (
        config.maximum_retry_attempts != DEFAULT_RETRY_ATTEMPTS
        or config.maximum_event_age_in_seconds != DEFAULT_EVENT_AGE
        or bool(config.destination_config))


def _no_event_invoke_config(api: LambdaApi, fn: LambdaFunction) -> None:
    # Lambda's answer to Get/Update/Delete of a function with none (moto models the same:
    # moto/awslambda/exceptions.py UnknownEventConfig).
    if not _has_event_invoke_config(api, fn):
        raise ResourceNotFoundException(
            f"The function {fn.config.arn} doesn't have an EventInvokeConfig")


def update_function_event_invoke_config(api: LambdaApi, fn: LambdaFunction | None,
                                        p: dict[str, Any]) -> Reply:
    fn = _fn(fn)
    _latest_only(fn, p, "UpdateFunctionEventInvokeConfig")
    _no_event_invoke_config(api, fn)
    fn.update_configuration(**_event_invoke_changes(p, {}))
    api.event_invoke_configs.add(id(fn))
    return Reply(200, shapes.event_invoke_config(fn, api.touch(fn)))


def get_function_event_invoke_config(api: LambdaApi, fn: LambdaFunction | None,
                                     p: dict[str, Any]) -> Reply:
    fn = _fn(fn)
    _latest_only(fn, p, "GetFunctionEventInvokeConfig")
    _no_event_invoke_config(api, fn)
    return Reply(200, shapes.event_invoke_config(fn, api.last_modified(fn)))


def delete_function_event_invoke_config(api: LambdaApi, fn: LambdaFunction | None,
                                        p: dict[str, Any]) -> Reply:
    """``DeleteFunctionEventInvokeConfig``: back to Lambda's defaults (two retries, six hours,
    no destinations)."""
    fn = _fn(fn)
    _latest_only(fn, p, "DeleteFunctionEventInvokeConfig")
    _no_event_invoke_config(api, fn)
    fn.update_configuration(**_EVENT_INVOKE_DEFAULTS)
    api.event_invoke_configs.discard(id(fn))
    api.touch(fn)
    return Reply(204, None)


def list_function_event_invoke_configs(api: LambdaApi, fn: LambdaFunction | None,
                                       p: dict[str, Any]) -> Reply:
    fn = _fn(fn)
    configs = ([shapes.event_invoke_config(fn, api.last_modified(fn))]
               if _has_event_invoke_config(api, fn) else [])
    return Reply(200, {"FunctionEventInvokeConfigs": configs})


def add_permission(api: LambdaApi, fn: LambdaFunction | None, p: dict[str, Any]) -> Reply:
    statement = _fn(fn).add_permission(
        principal=p["Principal"], action=p["Action"], statement_id=p["StatementId"],
        source_arn=p.get("SourceArn"), source_account=p.get("SourceAccount"),
        qualifier=p.get("Qualifier"))
    return Reply(201, {"Statement": json.dumps(statement, separators=(",", ":"))})


def get_policy(api: LambdaApi, fn: LambdaFunction | None, p: dict[str, Any]) -> Reply:
    return Reply(200, _fn(fn).get_policy(p.get("Qualifier")))


def remove_permission(api: LambdaApi, fn: LambdaFunction | None, p: dict[str, Any]) -> Reply:
    _fn(fn).remove_permission(p["StatementId"], qualifier=p.get("Qualifier"))
    return Reply(204)


#: UpdateFunctionConfiguration's parameters and the settings they change.
_CONFIG_FIELDS: dict[str, Callable[[Any], tuple[str, Any]]] = {
    "Timeout": lambda v: ("timeout", v),
    "MemorySize": lambda v: ("memory_size", v),
    "Handler": lambda v: ("handler", v),
    "Runtime": lambda v: ("runtime", v),
    "Environment": lambda v: ("environment", dict(v.get("Variables") or {})),
    "EphemeralStorage": lambda v: ("ephemeral_storage", v["Size"]),
    "TracingConfig": lambda v: ("tracing", v.get("Mode") == "Active"),
    "DeadLetterConfig": lambda v: ("dead_letter_config",
                                   {"TargetArn": v["TargetArn"]} if v.get("TargetArn")
                                   else None),
}


def update_function_configuration(api: LambdaApi, fn: LambdaFunction | None,
                                  p: dict[str, Any]) -> Reply:
    """``UpdateFunctionConfiguration``: environments started afterwards use the new settings
    (running and idle ones are retired, as Lambda does after an update)."""
    fn = _fn(fn)
    changes = dict(_CONFIG_FIELDS[k](v) for k, v in p.items() if k in _CONFIG_FIELDS)
    logging = p.get("LoggingConfig")
    if logging:
        if "LogFormat" in logging:
            changes["log_format"] = logging["LogFormat"]
        if "ApplicationLogLevel" in logging:
            changes["log_level"] = logging["ApplicationLogLevel"]
        if "LogGroup" in logging:
            changes["log_group"] = logging["LogGroup"]
    unsupported = sorted(k for k in p if k not in _CONFIG_FIELDS and k not in (
        "FunctionName", "LoggingConfig", "Description", "RevisionId", "Role"))
    if unsupported:
        raise InvalidParameterValueException(
            f"UpdateFunctionConfiguration of {', '.join(unsupported)} is not modelled for "
            "in-process functions. Change Timeout, MemorySize, Environment, Handler, Runtime, "
            "EphemeralStorage, TracingConfig, DeadLetterConfig or LoggingConfig.")
    fn.update_configuration(**changes)
    return Reply(200, shapes.configuration(fn, last_modified=api.touch(fn)))


#: CreateEventSourceMapping's parameters and ``create_event_source_mapping``'s keywords.
_MAPPING_PARAMS = {
    "BatchSize": "batch_size", "StartingPosition": "starting_position",
    "StartingPositionTimestamp": "starting_position_timestamp",
    "MaximumBatchingWindowInSeconds": "maximum_batching_window_in_seconds",
    "MaximumRetryAttempts": "maximum_retry_attempts",
    "MaximumRecordAgeInSeconds": "maximum_record_age_in_seconds",
    "BisectBatchOnFunctionError": "bisect_batch_on_function_error",
    "FunctionResponseTypes": "function_response_types",
    "DestinationConfig": "destination_config",
    "ParallelizationFactor": "parallelization_factor", "Enabled": "enabled",
    "FilterCriteria": "filter_criteria",
}


def create_event_source_mapping(api: LambdaApi, fn: LambdaFunction | None,
                                p: dict[str, Any]) -> Reply:
    """``CreateEventSourceMapping``: a poller the test runs with ``drain()``
    (``lambda_aws.lambda_api.mapping(uuid)``)."""
    fn = _fn(fn)
    unsupported = sorted(k for k in p if k not in _MAPPING_PARAMS
                         and k not in ("FunctionName", "EventSourceArn"))
    if unsupported:
        raise InvalidParameterValueException(
            f"CreateEventSourceMapping with {', '.join(unsupported)} is not modelled for "
            f"in-process functions; the mapping takes {', '.join(_MAPPING_PARAMS)}.")
    service = str(p.get("EventSourceArn", "")).split(":")[2:3]
    if service in (["kinesis"], ["dynamodb"]) and "StartingPosition" not in p:
        # "StartingPosition ... Required for Amazon Kinesis, Amazon DynamoDB, and Amazon MSK
        # Streams sources" (Lambda API reference, CreateEventSourceMapping); the exact wording
        # of Lambda's refusal is UNVERIFIED. fn.add_event_source's TRIM_HORIZON default is the
        # plugin's convenience, not the API's.
        raise InvalidParameterValueException(
            "StartingPosition is required for Kinesis and DynamoDB Streams event sources: "
            "pass StartingPosition='TRIM_HORIZON', 'LATEST' or (Kinesis) 'AT_TIMESTAMP'.")
    mapping = fn.add_event_source(
        p["EventSourceArn"], **{_MAPPING_PARAMS[k]: v for k, v in p.items()
                                if k in _MAPPING_PARAMS})
    return Reply(202, shapes.event_source_mapping(mapping, api.add_mapping(mapping)))


def list_event_source_mappings(api: LambdaApi, fn: LambdaFunction | None,
                               p: dict[str, Any]) -> Reply:
    source = p.get("EventSourceArn")
    found = [m for m in api.mappings.values()
             if m.state != "Deleting" and (fn is None or m.function is fn)
             and (source is None or m.event_source_arn == source)]
    return Reply(200, {"EventSourceMappings": [
        shapes.event_source_mapping(m, api.mapping_time(m)) for m in found]})


def get_event_source_mapping(api: LambdaApi, fn: LambdaFunction | None,
                             p: dict[str, Any]) -> Reply:
    mapping = api.mapping(p["UUID"])
    return Reply(200, shapes.event_source_mapping(mapping, api.mapping_time(mapping)))


def delete_event_source_mapping(api: LambdaApi, fn: LambdaFunction | None,
                                p: dict[str, Any]) -> Reply:
    mapping = api.mapping(p["UUID"])
    mapping.delete()
    return Reply(202, shapes.event_source_mapping(mapping, api.mapping_time(mapping)))


#: The operations answered for in-process functions; others go on to moto.
OPERATIONS: dict[str, Operation] = {
    "Invoke": invoke,
    "GetFunction": get_function,
    "GetFunctionConfiguration": get_function_configuration,
    "UpdateFunctionConfiguration": update_function_configuration,
    "ListVersionsByFunction": list_versions_by_function,
    "PublishVersion": publish_version,
    "ListAliases": list_aliases,
    "CreateAlias": create_alias,
    "GetAlias": get_alias,
    "UpdateAlias": update_alias,
    "DeleteAlias": delete_alias,
    "PutFunctionConcurrency": put_function_concurrency,
    "GetFunctionConcurrency": get_function_concurrency,
    "DeleteFunctionConcurrency": delete_function_concurrency,
    "PutFunctionEventInvokeConfig": put_function_event_invoke_config,
    "UpdateFunctionEventInvokeConfig": update_function_event_invoke_config,
    "GetFunctionEventInvokeConfig": get_function_event_invoke_config,
    "DeleteFunctionEventInvokeConfig": delete_function_event_invoke_config,
    "ListFunctionEventInvokeConfigs": list_function_event_invoke_configs,
    "AddPermission": add_permission,
    "GetPolicy": get_policy,
    "RemovePermission": remove_permission,
    "CreateEventSourceMapping": create_event_source_mapping,
    "ListEventSourceMappings": list_event_source_mappings,
    "GetEventSourceMapping": get_event_source_mapping,
    "DeleteEventSourceMapping": delete_event_source_mapping,
}
