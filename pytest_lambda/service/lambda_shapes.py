"""The Lambda API's response shapes for in-process functions (``FunctionConfiguration`` & co).

Field names, nesting and formats follow the Lambda API reference (``FunctionConfiguration``,
``GetFunctionResponse``, ``FunctionEventInvokeConfig``, ``EventSourceMappingConfiguration``);
values that only a deployed function has (a role, a code location) are fixed placeholders
of the same form.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING, Any

from ..clock import real_time
from ..errors import InvalidParameterValueException
from .versions import _files, code_sha256

if TYPE_CHECKING:
    from pytest_lambda.config import FunctionConfig
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.sources.mapping import EventSourceMapping

LATEST = "$LATEST"


def lambda_time(epoch: float) -> str:
    """``2024-05-01T12:00:00.000+0000``: the API's ``LastModified`` format (ISO 8601 with a
    numeric offset, unlike the ``Z`` of log timestamps)."""
    import datetime as _dt

    moment = _dt.datetime.fromtimestamp(epoch, _dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def revision_id(config: FunctionConfig, version: str) -> str:
    """A revision id that changes exactly when the configuration does (a UUID, as Lambda's)."""
    digest = hashlib.sha256(f"{version}\0{config!r}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def code_size(config: FunctionConfig) -> int:
    """Bytes of code in the function's folder (Lambda reports the zip's size; ours is the sum
    of the files, which is what changes when the code does)."""

    try:
        return sum(p.stat().st_size for p in _files(config.code_dir))
    except OSError:
        return 0


def code_digest(config: FunctionConfig) -> str:
    """``CodeSha256`` of the code folder (a digest of the configuration when the folder is
    over Lambda's unzipped limit, which a test's code folder may well be)."""


    try:
        return code_sha256(config.code_dir)
    except InvalidParameterValueException:
        import base64

        return base64.b64encode(hashlib.sha256(repr(config).encode()).digest()).decode()


def configuration(fn: LambdaFunction, version: str = LATEST, *,
                  last_modified: float | None = None) -> dict[str, Any]:
    """``FunctionConfiguration`` of ``fn``'s ``version`` (``$LATEST`` or a published one)."""
    description = ""
    if version == LATEST:
        config = fn.config
        sha = code_digest(config)
    else:
        published = fn.versions[version]
        config, sha, description = published.config, published.code_sha256, published.description
    arn = config.arn if version == LATEST else f"{config.arn}:{version}"
    out: dict[str, Any] = {
        "FunctionName": config.name,
        "FunctionArn": arn,
        "Runtime": config.runtime,
        "Role": f"arn:aws:iam::{config.account_id}:role/{config.name}-role",
        "Handler": config.handler,
        "CodeSize": code_size(config),
        "Description": description,
        "Timeout": config.timeout,
        "MemorySize": config.memory_size,
        "LastModified": lambda_time(last_modified if last_modified is not None
                                    else real_time()),
        "CodeSha256": sha,
        "Version": version,
        "TracingConfig": {"Mode": "Active" if config.tracing else "PassThrough"},
        "RevisionId": revision_id(config, version),
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": [config.architecture],
        "EphemeralStorage": {"Size": config.ephemeral_storage},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": _logging(config),
    }
    if config.environment:
        out["Environment"] = {"Variables": dict(config.environment)}
    if config.dead_letter_config:
        out["DeadLetterConfig"] = {"TargetArn": config.dead_letter_config["TargetArn"]}
    return out


def _logging(config: FunctionConfig) -> dict[str, Any]:
    out: dict[str, Any] = {"LogFormat": config.log_format, "LogGroup": config.log_group_name}
    if config.log_format == "JSON":
        # Lambda fills both levels in once the format is JSON (INFO by default).
        out["ApplicationLogLevel"] = config.log_level or "INFO"
        out["SystemLogLevel"] = "INFO"
    return out


def get_function(fn: LambdaFunction, version: str, last_modified: float) -> dict[str, Any]:
    """``GetFunction``: the configuration, where the code is, and the reserved concurrency."""
    config = fn.config
    out: dict[str, Any] = {
        "Configuration": configuration(fn, version, last_modified=last_modified),
        # Lambda answers a presigned S3 URL of the deployment package; in-process code has
        # none, so the location names the folder the handler runs from.
        "Code": {"RepositoryType": "S3", "Location": config.code_dir.as_uri()},
        "Tags": {},
    }
    if config.reserved_concurrent_executions is not None:
        out["Concurrency"] = {
            "ReservedConcurrentExecutions": config.reserved_concurrent_executions}
    return out


def event_invoke_config(fn: LambdaFunction, last_modified: float) -> dict[str, Any]:
    """``FunctionEventInvokeConfig`` of ``$LATEST`` (what Put/Get/Update return)."""
    config = fn.config
    destinations = config.destination_config or {}
    return {
        "LastModified": last_modified,
        "FunctionArn": f"{config.arn}:{LATEST}",
        "MaximumRetryAttempts": config.maximum_retry_attempts,
        "MaximumEventAgeInSeconds": config.maximum_event_age_in_seconds,
        "DestinationConfig": {
            key: ({"Destination": destinations[key]["Destination"]} if key in destinations
                  else {})
            for key in ("OnSuccess", "OnFailure")},
    }


def event_source_mapping(mapping: EventSourceMapping, last_modified: float) -> dict[str, Any]:
    """``EventSourceMappingConfiguration`` of a mapping (its own fields, and Lambda's)."""
    out = mapping.describe()
    out.update({"LastModified": last_modified, "LastProcessingResult": "No records processed",
                "StateTransitionReason": "USER_INITIATED",
                "EventSourceMappingArn": (
                    f"arn:aws:lambda:{mapping.function.config.region}:"
                    f"{mapping.function.config.account_id}:event-source-mapping:{mapping.uuid}")})
    return out
