"""Function configuration and its validation, with AWS's limits and wording."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

from .arn import Arn
from .errors import InvalidParameterValueException, validation_error
from .layers import check_layers, check_unzipped_size

Architecture = Literal["x86_64", "arm64"]
LogFormat = Literal["Text", "JSON"]

MIN_MEMORY, MAX_MEMORY = 128, 10240
MIN_TIMEOUT, MAX_TIMEOUT = 1, 900
DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY = 128
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
ENV_VARS_LIMIT = 4096
DEFAULT_RETRY_ATTEMPTS = 2
DEFAULT_EVENT_AGE = 21600

PYTHON_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
NODE_RUNTIMES = ("nodejs20.x", "nodejs22.x", "nodejs24.x")
DEPRECATED_RUNTIMES = ("python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
                       "nodejs14.x", "nodejs16.x", "nodejs18.x")
PACKAGE_CHECKS = ("off", "warn", "strict")
APP_LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")

_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_ENV_KEY = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")
_REGION = REGION_PATTERN = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d")
_ACCOUNT = re.compile(r"\d{12}")
RESERVED_ENV_KEYS = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})


def default_runtime() -> str:
    """The Python runtime matching the interpreter that runs the tests."""
    return f"python3.{sys.version_info.minor}"


class FunctionSettings(TypedDict, total=False):
    """A function's settings as keyword arguments: of ``LambdaFunction(handler, ...)`` and
    ``FunctionConfig.create``. Their defaults are :class:`FunctionConfig`'s field defaults."""

    #: The folder holding the handler's code (Lambda's ``/var/task``); default: the cwd.
    code_dir: str | os.PathLike[str] | None
    #: The function name; default: from the handler's module (``app.handler`` -> ``app``).
    name: str | None
    #: ``python3.12``, ``nodejs22.x``, ...; default: the Python of the interpreter running tests.
    runtime: str | None
    memory_size: int
    timeout: int
    environment: Mapping[str, str] | None
    architecture: str
    log_format: str
    log_level: str | None
    log_group: str | None
    region: str
    account_id: str
    ephemeral_storage: int
    tracing: bool
    maximum_retry_attempts: int
    maximum_event_age_in_seconds: int
    dead_letter_config: Mapping[str, str] | None
    #: ``{"OnSuccess": {"Destination": arn}, "OnFailure": ...}``; ``LambdaFunction`` also
    #: takes a ``LambdaFunction`` object as a destination.
    destination_config: Mapping[str, Mapping[str, Any]] | None
    reserved_concurrent_executions: int | None
    #: ``"PER_TENANT"``: tenant isolation (Lambda's ``TenancyConfig``): every invocation names a
    #: tenant (``tenant_id=``), and each tenant has execution environments of its own.
    tenancy: str | None
    #: Local folders holding the function's layers, in order (Lambda's ``Layers``).
    layers: Sequence[str | os.PathLike[str]] | None
    #: Extra top-level packages every environment shares with the test process.
    shared_modules: Sequence[str]
    #: The deployment-package check: ``off``, ``warn`` or ``strict``.
    package_check: str
    #: Globs of the code folder's files the deployment package keeps (``!`` leaves out).
    package_patterns: Sequence[str]


#: Lambda's LoggingConfig.LogGroup (API reference: pattern and length 1-512).
_LOG_GROUP = re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")
#: Settings that ``create`` turns into fields itself (resolving defaults and paths).
_DERIVED = frozenset({"code_dir", "name", "runtime", "environment"})


#: Names people reach for that are other settings' (the CLI's --env, the marker's memory).
_ALIASES = {"env": "environment", "environment_variables": "environment",
            "memory": "memory_size", "memory_mb": "memory_size", "timeout_seconds": "timeout"}


def _check_handler(handler: str) -> None:
    """CreateFunction's checks of Handler (API reference: length at most 128, pattern
    ``[^\\s]+``): a space or a newline in it, or a long one, is refused there."""
    if len(handler) > 128:
        raise validation_error(handler, "handler", "Member must have length less than or equal "
                               "to 128", "Shorten the handler string (module path and function).")
    if any(c.isspace() for c in handler):
        raise validation_error(handler, "handler", "Member must satisfy regular expression "
                               "pattern: [^\\s]+", f"Remove the whitespace: "
                               f"{''.join(handler.split())!r}.")


def check_setting_names(settings: Mapping[str, object], extra: Sequence[str] = (),
                        what: str = "a Lambda function") -> None:
    """Refuse a misspelt setting with the closest valid name (Python's own message lists none);
    ``extra`` are the caller's own keyword arguments, valid too."""
    known = [*FunctionSettings.__annotations__, *extra]
    for key in settings:
        if key not in known:
            import difflib  # only to word this error: off the start-up path

            close = ([_ALIASES[key]] if key in _ALIASES
                     else difflib.get_close_matches(key, known, n=1))
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise TypeError(f"unexpected keyword argument {key!r} for {what}: {hint}"
                            f"the arguments are {', '.join(known)}.")


@dataclass(frozen=True)
class FunctionConfig:
    """Everything Lambda knows about a function's configuration.

    Build it through :meth:`create` (or ``LambdaFunction(...)``), which validates every field
    with the limits and wording of the Lambda API.
    """

    handler: str
    code_dir: Path
    name: str
    runtime: str
    memory_size: int = DEFAULT_MEMORY
    timeout: int = DEFAULT_TIMEOUT
    environment: Mapping[str, str] = field(default_factory=dict)
    architecture: Architecture = "x86_64"
    log_format: LogFormat = "Text"
    log_level: str | None = None
    log_group: str | None = None
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT
    ephemeral_storage: int = 512
    tracing: bool = False
    maximum_retry_attempts: int = DEFAULT_RETRY_ATTEMPTS
    maximum_event_age_in_seconds: int = DEFAULT_EVENT_AGE
    dead_letter_config: Mapping[str, str] | None = None
    destination_config: Mapping[str, Mapping[str, str]] | None = None
    reserved_concurrent_executions: int | None = None
    #: Lambda's ``TenancyConfig.TenantIsolationMode``: ``"PER_TENANT"`` or None.
    tenancy: str | None = None
    #: Local folders of the function's layers, in order (see ``layers.py``).
    layers: tuple[Path, ...] = ()
    #: Emulation settings, not Lambda's: extra top-level modules every environment shares with
    #: the test process, and the deployment-package check (``off``, ``warn`` or ``strict``).
    shared_modules: tuple[str, ...] = ()
    package_check: str = "off"
    #: The deployment package's patterns (serverless.yml ``package.patterns``): files of the
    #: code folder they leave out cannot be imported (``runtime/package_files.py``).
    package_patterns: tuple[str, ...] = ()

    @classmethod
    def create(cls, handler: str, **settings: Unpack[FunctionSettings]) -> FunctionConfig:
        """Validate the arguments and build the configuration."""
        check_setting_names(settings)
        code_dir, name = settings.get("code_dir"), settings.get("name")
        environment, runtime = settings.get("environment"), settings.get("runtime")
        if not isinstance(handler, str):
            raise InvalidParameterValueException(
                f"handler={handler!r} is not a string ({type(handler).__name__}): pass it as a "
                "string such as 'app.handler' (module.function).")
        if not handler:
            raise validation_error(handler, "handler", "Member must have length greater than or "
                                   "equal to 1", "Pass a handler string such as 'app.handler'.")
        _check_handler(handler)
        if code_dir is not None and not isinstance(code_dir, str | os.PathLike):
            raise InvalidParameterValueException(
                f"code_dir={code_dir!r} is a {type(code_dir).__name__}: pass the path of the "
                "folder that holds the handler's code (a str or pathlib.Path).")
        given: object = environment  # typed as a Mapping, but callers pass anything
        if given is not None and not isinstance(given, Mapping):
            example = "{'A1': 'b'}"
            if isinstance(given, str) and "=" in given:
                key, _, value = given.partition("=")
                example = "{" + repr(key) + ": " + repr(value) + "}"
            raise InvalidParameterValueException(
                f"environment={given!r} is a {type(given).__name__}: pass a dict of "
                f"variable names to string values, e.g. environment={example}.")
        root = Path(code_dir if code_dir is not None else os.getcwd()).resolve()
        if not root.is_dir():
            raise InvalidParameterValueException(
                f"code directory {str(root)!r} does not exist or is not a directory. Pass "
                "code_dir= (or ini lambda_code_dir) pointing at the folder that holds the "
                "handler's code (Lambda's /var/task)."
            )
        # The other settings go through as given; the dataclass's fields hold their defaults.
        rest: dict[str, Any] = {k: v for k, v in settings.items() if k not in _DERIVED}
        if "layers" in rest:
            rest["layers"] = check_layers(rest["layers"])
        if "shared_modules" in rest:
            rest["shared_modules"] = shared_module_names(rest["shared_modules"])
        if isinstance(rest.get("package_patterns"), list | tuple):
            rest["package_patterns"] = tuple(rest["package_patterns"])
        cfg = cls(handler=handler, code_dir=root,
                  name=_name_from_handler(handler) if name is None else name,
                  runtime=runtime or default_runtime(), environment=dict(environment or {}),
                  **rest)
        cfg.validate()
        if cfg.layers:
            check_unzipped_size(cfg.code_dir, cfg.layers)
        return cfg

    def with_changes(self, **changes: Any) -> FunctionConfig:
        """A validated copy with some fields changed (``UpdateFunctionConfiguration``)."""
        check_setting_names(changes, extra=("handler",), what="update_configuration")
        fixed = sorted(set(changes) & {"name", "region", "account_id"})
        if fixed:
            # UpdateFunctionConfiguration has no such members: a function keeps its ARN.
            raise InvalidParameterValueException(
                f"update_configuration({fixed[0]}=...): a function's {fixed[0]} cannot be "
                "changed; create another LambdaFunction with it instead.")
        if "handler" in changes:
            handler = changes["handler"]
            if not isinstance(handler, str) or not handler:
                raise InvalidParameterValueException(
                    f"update_configuration(handler={handler!r}): pass a handler string such "
                    "as 'app.handler' (module.function).")
            _check_handler(handler)
        if "code_dir" in changes:
            given = changes["code_dir"]
            root = (Path(given).resolve() if isinstance(given, str | os.PathLike) else None)
            if root is None or not root.is_dir():
                raise InvalidParameterValueException(
                    f"update_configuration(code_dir={given!r}): not a folder. Pass the path of "
                    "the folder that holds the handler's code (a str or pathlib.Path).")
            changes["code_dir"] = root
        if "environment" in changes and changes["environment"] is not None and not isinstance(
                changes["environment"], Mapping):
            raise InvalidParameterValueException(
                f"update_configuration(environment={changes['environment']!r}): pass a dict of "
                "variable names to string values.")
        if isinstance(changes.get("package_patterns"), list):
            changes["package_patterns"] = tuple(changes["package_patterns"])
        if "layers" in changes:
            changes["layers"] = check_layers(changes["layers"])
        if "shared_modules" in changes:
            changes["shared_modules"] = shared_module_names(changes["shared_modules"])
        if changes.get("tenancy", self.tenancy) != self.tenancy:
            # AWS docs, API_TenancyConfig: "cannot be modified after function creation".
            raise InvalidParameterValueException(
                "Tenant isolation configuration cannot be modified after function creation.",
                advice="Create another function with tenancy= set instead.")
        cfg = replace(self, **changes)
        cfg.validate()
        if "layers" in changes and cfg.layers:
            check_unzipped_size(cfg.code_dir, cfg.layers)
        return cfg

    def validate(self) -> None:
        """Raise ``ValidationException`` / ``InvalidParameterValueException`` like Lambda."""
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            constraint = (
                "Member must have length less than or equal to 64"
                if isinstance(self.name, str) and len(self.name) > 64
                else "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"
            )
            raise validation_error(self.name, "functionName", constraint,
                                   "Use 1-64 letters, digits, hyphens or underscores.")
        if self.log_group is not None and (
                not isinstance(self.log_group, str) or not _LOG_GROUP.fullmatch(self.log_group)):
            raise validation_error(self.log_group, "loggingConfig.logGroup",
                                   "Member must satisfy regular expression pattern: "
                                   "[\\.\\-_/#A-Za-z0-9]+ and have length 1 to 512",
                                   "Pass log_group as a CloudWatch log group name (a str), "
                                   "e.g. '/aws/lambda/orders'.")
        _check_int(self.memory_size, "memorySize", MIN_MEMORY, MAX_MEMORY,
                   "Pass memory_size in MB between 128 and 10240.")
        _check_int(self.timeout, "timeout", MIN_TIMEOUT, MAX_TIMEOUT,
                   "Pass timeout as whole seconds between 1 and 900.")
        _check_int(self.ephemeral_storage, "ephemeralStorage.size", 512, 10240,
                   "Pass ephemeral_storage in MB between 512 and 10240.")
        if self.architecture not in ("x86_64", "arm64"):
            raise validation_error(f"[{self.architecture}]", "architectures",
                                   "Member must satisfy constraint: [Member must satisfy enum "
                                   "value set: [x86_64, arm64]]",
                                   "Use architecture='x86_64' or 'arm64'.")
        if self.log_format not in ("Text", "JSON"):
            raise validation_error(self.log_format, "loggingConfig.logFormat",
                                   "Member must satisfy enum value set: [JSON, Text]",
                                   "Use log_format='Text' or 'JSON'.")
        if self.log_level is not None:
            if self.log_format != "JSON":
                raise InvalidParameterValueException(
                    "Application log level can only be set when the log format is JSON. "
                    "Pass log_format='JSON' together with log_level."
                )
            if self.log_level not in APP_LOG_LEVELS:
                raise validation_error(self.log_level, "loggingConfig.applicationLogLevel",
                                       "Member must satisfy enum value set: "
                                       f"[{', '.join(APP_LOG_LEVELS)}]",
                                       "Use one of those levels.")
        self._validate_runtime()
        if not isinstance(self.region, str) or not _REGION.fullmatch(self.region):
            raise InvalidParameterValueException(
                f"region {self.region!r} is not an AWS Region name. Use a name such as "
                "'us-east-1' (a str; ini lambda_region)."
            )
        if not isinstance(self.account_id, str) or not _ACCOUNT.fullmatch(self.account_id):
            raise InvalidParameterValueException(
                f"account id {self.account_id!r} must be 12 digits in a str, e.g. "
                "'123456789012'."
            )
        self._validate_environment()
        _validate_async(self)
        if self.tenancy is not None and self.tenancy != "PER_TENANT":
            raise validation_error(self.tenancy, "tenancyConfig.tenantIsolationMode",
                                   "Member must satisfy enum value set: [PER_TENANT]",
                                   "Use tenancy='PER_TENANT' (tenant isolation) or None.")
        patterns: object = self.package_patterns  # typed as a tuple; callers pass anything
        if isinstance(patterns, str) or not isinstance(patterns, tuple) or not all(
                isinstance(p, str) for p in patterns):
            raise InvalidParameterValueException(
                f"package_patterns={self.package_patterns!r} is not valid: pass a list of globs "
                "of the code folder, e.g. ['!tests/**'] (a leading '!' leaves files out).")
        if self.package_check not in PACKAGE_CHECKS:
            raise InvalidParameterValueException(
                f"package_check={self.package_check!r} is not valid: use 'off' (the default), "
                "'warn' (log imports the deployment package would not have) or 'strict' (fail "
                "them with Runtime.ImportModuleError, as Lambda would).")

    def _validate_runtime(self) -> None:
        if self.runtime in DEPRECATED_RUNTIMES:
            # Lambda recommends the newest runtime of the same language (captured messages:
            # nodejs12.x -> nodejs18.x in 2023, python2.7 -> python3.9 in 2022).
            newest = (NODE_RUNTIMES if self.runtime.startswith("nodejs") else PYTHON_RUNTIMES)[-1]
            raise InvalidParameterValueException(
                f"The runtime parameter of {self.runtime} is no longer supported for creating or "
                f"updating AWS Lambda functions. We recommend you use the new runtime "
                f"({newest}) while creating or updating functions."
            )
        if self.runtime not in PYTHON_RUNTIMES + NODE_RUNTIMES:
            allowed = ", ".join(PYTHON_RUNTIMES + NODE_RUNTIMES)
            raise validation_error(self.runtime, "runtime",
                                   f"Member must satisfy enum value set: [{allowed}]",
                                   "Pass one of those runtimes.")

    def _validate_environment(self) -> None:
        env = self.environment
        if not isinstance(env, Mapping):
            raise InvalidParameterValueException(
                f"environment={env!r} is a {type(env).__name__}: pass a dict of variable names "
                "to string values, e.g. environment={'A1': 'b'}.")
        if not isinstance(self.tracing, bool):
            raise InvalidParameterValueException(
                f"tracing={self.tracing!r} is not valid: pass True (Active tracing) or False "
                "(PassThrough).")
        for key, value in env.items():
            if not isinstance(key, str):
                raise InvalidParameterValueException(
                    f"environment variable name {key!r} is not a str ({type(key).__name__}): "
                    "names are strings (a letter first, then letters, digits or '_').")
            if not _ENV_KEY.fullmatch(key):
                raise validation_error(
                    "{" + ", ".join(env) + "}", "environment.variables",
                    "Map keys must satisfy constraint: [Member must satisfy regular expression "
                    "pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
                    f"Rename {key!r}: at least 2 characters, a letter first, then letters, "
                    "digits or '_'.")
            given: object = value  # typed as str, but callers pass anything
            if not isinstance(given, str):
                fix = (f"Pass {given.decode(errors='replace')!r} (decoded)"
                       if isinstance(given, bytes) else "Leave the variable out"
                       if given is None else f"Pass str({given!r})")
                raise InvalidParameterValueException(
                    f"environment variable {key!r} has a {type(given).__name__} value; Lambda "
                    f"only stores strings. {fix}.")
        reserved = sorted(k for k in env if k in RESERVED_ENV_KEYS)
        if reserved:
            raise InvalidParameterValueException(
                "Lambda was unable to configure your environment variables because the "
                "environment variables you have provided contains reserved keys that are "
                f"currently not supported for modification. Reserved keys used in this request: "
                f"{', '.join(reserved)}")
        measured = json.dumps(dict(env), separators=(",", ":"))
        if len(measured.encode()) > ENV_VARS_LIMIT:
            raise InvalidParameterValueException(
                "Lambda was unable to configure your environment variables because the "
                "environment variables you have provided exceeded the 4KB limit. String "
                f"measured: {measured}")

    @property
    def is_node(self) -> bool:
        return self.runtime.startswith("nodejs")

    @property
    def arn(self) -> str:
        """The unqualified function ARN."""
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.name}"

    @property
    def log_group_name(self) -> str:
        return self.log_group or f"/aws/lambda/{self.name}"


def shared_module_names(names: Sequence[str]) -> tuple[str, ...]:
    """Validated extra shared modules (``shared_modules=``, ini ``lambda_shared_modules``)."""
    if isinstance(names, str):
        names = names.split()
    out = []
    for name in names:
        if not isinstance(name, str) or not name.strip().isidentifier():
            raise InvalidParameterValueException(
                f"shared_modules entry {name!r} is not a top-level import name: list packages "
                "as you import them (e.g. 'pydantic', not 'pydantic.main' or 'pydantic-core').")
        out.append(name.strip())
    return tuple(out)


def _check_int(value: object, member: str, low: int, high: int, fix: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise validation_error(value, member, "Member must be a whole number", fix)
    if value < low:
        raise validation_error(value, member,
                               f"Member must have value greater than or equal to {low}", fix)
    if value > high:
        raise validation_error(value, member,
                               f"Member must have value less than or equal to {high}", fix)


def _name_from_handler(handler: str) -> str:
    """A default function name: the module part with separators made legal."""
    module = handler.rsplit(".", 1)[0] if "." in handler else handler
    name = re.sub(r"[^a-zA-Z0-9_-]", "-", module).strip("-") or "function"
    return name[:64]


_ARN = re.compile(r"arn:aws[a-zA-Z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)")


def arn_service(arn: object) -> str | None:
    """The service part of an ARN (``sqs``, ``sns``, ``lambda``, ``events``, ``s3``), or None."""
    m = _ARN.fullmatch(arn) if isinstance(arn, str) else None
    return m.group(1) if m else None


def _validate_async(cfg: FunctionConfig) -> None:
    """Asynchronous invocation settings: retries, event age, DLQ, destinations, concurrency."""
    _check_int(cfg.maximum_retry_attempts, "maximumRetryAttempts", 0, 2,
               "Pass maximum_retry_attempts between 0 and 2.")
    _check_int(cfg.maximum_event_age_in_seconds, "maximumEventAgeInSeconds", 60, 21600,
               "Pass maximum_event_age_in_seconds between 60 and 21600 (6 hours).")
    if cfg.reserved_concurrent_executions is not None:
        _check_int(cfg.reserved_concurrent_executions, "reservedConcurrentExecutions", 0,
                   10**9, "Pass reserved_concurrent_executions as a whole number >= 0, or None.")
    dlq = cfg.dead_letter_config
    if dlq is not None:
        target = dlq.get("TargetArn") if isinstance(dlq, Mapping) else None
        if not target:
            raise InvalidParameterValueException(
                "dead_letter_config must be {'TargetArn': '<SQS queue or SNS topic ARN>'}.")
        if arn_service(target) not in ("sqs", "sns"):
            raise InvalidParameterValueException(
                f"The provided target arn is invalid: {target}", advice="A dead-letter queue "
                "must be a standard SQS queue or SNS topic ARN (arn:aws:sqs:... or "
                "arn:aws:sns:...).")
    dest = cfg.destination_config
    if dest is None:
        return
    if not isinstance(dest, Mapping) or set(dest) - {"OnSuccess", "OnFailure"}:
        raise InvalidParameterValueException(
            "destination_config takes the keys 'OnSuccess' and 'OnFailure', each "
            "{'Destination': '<ARN>'} (the FunctionEventInvokeConfig shape).")
    for key, entry in dest.items():
        if not isinstance(entry, Mapping):
            raise InvalidParameterValueException(
                f"destination_config[{key!r}]={entry!r} is not valid: each destination is "
                f"{{'Destination': '<ARN>'}}, e.g. {{{key!r}: {{'Destination': {entry!r}}}}}.")
        arn = entry.get("Destination")
        service = arn_service(arn)
        allowed = ("sqs", "sns", "lambda", "events") + (("s3",) if key == "OnFailure" else ())
        if service not in allowed:
            raise InvalidParameterValueException(
                f"The destination ARN {arn} is invalid for {key}: use an SQS queue, SNS topic, "
                "Lambda function or EventBridge event bus ARN"
                f"{' (or an S3 bucket)' if key == 'OnFailure' else ''}.")
        parsed = Arn.parse(arn)
        if parsed is not None and parsed.function_name == cfg.name \
                and (parsed.region, parsed.account) == (cfg.region, cfg.account_id):
            raise InvalidParameterValueException(
                "You can't specify the function as a destination for itself.")
