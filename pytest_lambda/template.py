"""Functions from a SAM / CloudFormation ``template.yaml`` or a Serverless Framework
``serverless.yml``: handler, code folder, runtime, memory, timeout, environment and logging.

Intrinsic functions are resolved the way they would be on deployment, with local stand-ins for
what only AWS knows (see docs/templates.md): a resource's name is its logical id (as SAM CLI
does), ``Ref`` / ``Fn::GetAtt`` give the values CloudFormation returns for that name (a table's
name, a queue's URL, an ARN), and anything else must come from ``parameter_overrides``.
Everything is resolved lazily, so one unresolvable value only stops the function that uses it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import DEFAULT_ACCOUNT, DEFAULT_REGION
from .templates.errors import TemplateError, UnknownFunctionError
from .templates.layers import sam_layers, sls_layers
from .templates.resolve import _NO_VALUE, Kind, _dict, _Scope, _stringify, sls_plugins
from .templates.yamlfile import read_yaml

if TYPE_CHECKING:
    from .function import LambdaFunction
    from .observe.event_gate import Declared

__all__ = ["Template", "TemplateError", "TemplateFunction", "UnknownFunctionError",
           "function_from_template", "load_template"]

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
#: The ``Globals`` section of each SAM API type (SAM applies it to the implicit APIs too).
_API_GLOBALS = {"AWS::Serverless::Api": "Api", "AWS::Serverless::HttpApi": "HttpApi"}

@dataclass(frozen=True)
class TemplateFunction:
    """One function of a template; ``LambdaFunction(**fn.kwargs())`` builds it."""

    logical_id: str
    function_name: str
    template: Path
    kind: Kind
    properties: Mapping[str, Any] = field(repr=False, compare=False)
    _scope: _Scope = field(repr=False, compare=False)

    def kwargs(self, *, environment: Mapping[str, str] | None = None,
               **overrides: Any) -> dict[str, Any]:
        """Keyword arguments of :class:`~pytest_lambda.LambdaFunction`, ``handler`` included.

        ``environment`` is merged over the template's variables (its keys are not resolved
        from the template, so it also replaces values that cannot be resolved locally);
        other ``overrides`` replace the template's settings.
        """
        build = _sls_kwargs if self.kind == "serverless" else _sam_kwargs
        out = build(self, set(environment or {}))
        if "layers" not in overrides:  # layers= given: the template's (perhaps ARNs) unused
            props, owner = self.properties, self.logical_id
            if self.kind == "serverless":
                provider = _dict(self._scope.doc.get("provider"))
                out["layers"] = sls_layers(self._scope, f"functions.{owner}",
                                           props.get("layers", provider.get("layers")))
            else:
                out["layers"] = sam_layers(self._scope, owner, props.get("Layers"))
        out["environment"] = {**out["environment"], **(environment or {})}
        out.update(overrides)
        return out

    def declared_events(self) -> list[Declared]:
        """The event sources this function declares (``Events``, ``events``, a Function URL,
        event source mappings pointing at it), for ``lambda_require_events``."""
        # Only lambda_require_events reads declared sources: the template loads without them.
        from .templates.event_sources import declared_events

        return declared_events(self.kind, self.properties, self._scope.resources,
                               self.logical_id, self.function_name)


class Template(dict[str, TemplateFunction]):
    """The functions of one template by logical id (Serverless: the key under ``functions``)."""

    def __init__(self, path: Path, kind: Kind, functions: dict[str, TemplateFunction],
                 scope: _Scope | None = None) -> None:
        super().__init__(functions)
        self.path, self.kind = path, kind
        self._scope = scope

    @property
    def resources(self) -> Mapping[str, Any]:
        """The template's resources by logical id (a serverless.yml's ``resources.Resources``)."""
        return self._scope.resources if self._scope is not None else {}

    @property
    def parameter_overrides(self) -> Mapping[str, Any]:
        """The values given for parameters, resource names and attributes."""
        return self._scope.overrides if self._scope is not None else {}

    def api_properties(self, name: str, rtype: str) -> dict[str, Any]:
        """The (unresolved) properties of the API ``name`` of type ``rtype``, with SAM's
        ``Globals.Api`` / ``Globals.HttpApi`` merged under them as SAM merges ``Globals``;
        ``name`` may be an implicit API (``ServerlessRestApi``), which has only the Globals."""
        resource = _dict(self.resources.get(name))
        props = _dict(resource.get("Properties"))
        section = _API_GLOBALS.get(str(resource.get("Type", rtype)))
        if self.kind != "sam" or self._scope is None or section is None:
            return dict(props)
        return dict(_merge(_dict(_dict(self._scope.doc.get("Globals")).get(section)), props))

    def resolve(self, value: Any, where: str) -> Any:
        """``value`` with its intrinsics (and Serverless variables) resolved, as functions' are."""
        if self._scope is None:
            return value
        return self._scope.resolve(value, where)

    @property
    def region(self) -> str:
        return self._scope.region if self._scope is not None else DEFAULT_REGION

    @property
    def account_id(self) -> str:
        return self._scope.account_id if self._scope is not None else DEFAULT_ACCOUNT

    def function(self, name: str) -> TemplateFunction:
        """The function with this logical id or deployed function name."""
        if name in self:
            return dict.__getitem__(self, name)
        for fn in self.values():
            if fn.function_name == name:
                return fn
        if self._scope is not None and name in self._scope.not_created:
            raise UnknownFunctionError(f"{self.path.name}: {_not_created(self._scope, name)}")
        raise UnknownFunctionError(
            f"no function named {name!r} in {self.path}; it defines: "
            f"{', '.join(self) or '(no functions)'}. Use one of those names (a logical id, or "
            f"the deployed function name).{self._nested_hint()}")

    def _nested_hint(self) -> str:
        """Where else the function may be: the local templates of nested applications."""
        if self._scope is None or self.kind != "sam":
            return ""
        nested = []
        for lid, resource in self._scope.resources.items():
            if _dict(resource).get("Type") not in ("AWS::Serverless::Application",
                                                    "AWS::CloudFormation::Stack"):
                continue
            props = _dict(_dict(resource).get("Properties"))
            location = props.get("Location", props.get("TemplateURL"))
            if isinstance(location, str) and "://" not in location:
                nested.append(f"{lid} ({location})")
        if not nested:
            return ""
        return (" The functions of nested applications are not loaded with it: "
                f"{', '.join(nested)}; for one of theirs, point lambda_template at that "
                "template (function_from_template(<its path>, name) in Python).")

    def __missing__(self, name: str) -> TemplateFunction:
        return self.function(name)


def load_template(path: str | os.PathLike[str], *, parameter_overrides: Mapping[str, Any]
                  | None = None, region: str | None = None, account_id: str = DEFAULT_ACCOUNT,
                  stack_name: str = "local", stage: str | None = None) -> Template:
    """Read a SAM / CloudFormation template or a serverless.yml and return its functions.

    ``parameter_overrides`` supplies template Parameters, resource names (``{"Table":
    "orders"}``), attributes (``{"Table.StreamArn": ...}``), exports and Serverless variables
    (``{"ssm:/orders/key": ...}``). ``region`` defaults to the serverless.yml's
    ``provider.region``, else us-east-1; ``stage`` is Serverless's ``--stage``.
    """
    source = Path(path).resolve()
    doc = read_yaml(source)
    overrides = dict(parameter_overrides or {})
    if isinstance(doc, dict) and "service" in doc and ("functions" in doc or "provider" in doc):
        doc = read_yaml(source, yaml12=True)  # as the Framework reads it (see yamlfile)
        scope = _Scope(source, "serverless", doc, overrides, region or DEFAULT_REGION,
                       account_id, stack_name, stage or "dev")
        scope.resources = _created(scope, _dict(_dict(doc.get("resources")).get("Resources")))
        return _load_serverless(scope, explicit_region=region, explicit_stage=stage)
    if not isinstance(doc, dict) or not any(k in doc for k in (
            "Resources", "AWSTemplateFormatVersion", "Transform")):
        raise TemplateError(
            f"{source} is neither a SAM / CloudFormation template (no 'Resources') nor a "
            "serverless.yml (no 'service' and 'functions'). Point lambda_template at the file "
            "that defines your functions.")
    scope = _Scope(source, "sam", doc, overrides, region or DEFAULT_REGION, account_id,
                   stack_name, "")
    resources = doc.get("Resources", {})
    if not isinstance(resources, dict):
        raise TemplateError(
            f"{source.name}: Resources is a {type(resources).__name__}, not a mapping of "
            "logical ids to resources (e.g. 'Resources:\n  MyFunction:\n    Type: "
            "AWS::Serverless::Function').")
    if "Fn::ForEach::" in repr(resources):  # rare: the walk only when a loop is there
        resources = _for_each_nested(scope, resources, "Resources")
    scope.resources = _created(scope, resources)
    return _load_sam(scope)


def _for_each(scope: _Scope, section: dict[str, Any], where: str) -> dict[str, Any]:
    """``Fn::ForEach::<Loop>: [Identifier, Collection, {OutputKey: OutputValue}]`` expanded, as
    the ``AWS::LanguageExtensions`` transform expands it (CloudFormation user guide,
    "Fn::ForEach"): one entry per value of the collection, ``${Identifier}`` and
    ``&{Identifier}`` (non-alphanumeric characters dropped) replaced in keys and strings, and
    ``{"Ref": Identifier}`` replaced by the value; loops nest."""
    out: dict[str, Any] = {}
    for key, value in section.items():
        if not key.startswith("Fn::ForEach::"):
            out[key] = value
            continue
        here = f"{where}.{key}"
        if not isinstance(value, list) or len(value) != 3 or not isinstance(value[2], dict):
            raise TemplateError(f"{scope.path.name}: {here} is not [Identifier, Collection, "
                                "{OutputKey: OutputValue}], the form Fn::ForEach takes.")
        name, collection, template = value
        items = scope.resolve(collection, here, 0)
        if not isinstance(items, list):
            raise TemplateError(f"{scope.path.name}: {here}: the collection resolves to "
                                f"{items!r}, not a list.")
        for item in items:
            text = str(item)
            bare = "".join(c for c in text if c.isalnum())
            expanded = _substitute(template, str(name), text, bare)
            out.update(_for_each(scope, expanded, where))
    return out


def _for_each_nested(scope: _Scope, value: Any, where: str) -> Any:
    """``value`` with every ``Fn::ForEach`` in it expanded, in ``Resources`` and inside a
    resource's properties alike (CloudFormation user guide, "Fn::ForEach": "in the Resources
    section and in a resource's properties")."""
    if isinstance(value, list):
        return [_for_each_nested(scope, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if any(isinstance(k, str) and k.startswith("Fn::ForEach::") for k in value):
        value = _for_each(scope, value, where)
    return {k: _for_each_nested(scope, v, f"{where}.{k}") for k, v in value.items()}


def _substitute(value: Any, name: str, text: str, bare: str) -> Any:
    if isinstance(value, str):
        return value.replace("${" + name + "}", text).replace("&{" + name + "}", bare)
    if isinstance(value, list):
        return [_substitute(v, name, text, bare) for v in value]
    if isinstance(value, dict):
        if value == {"Ref": name}:
            return text
        return {_substitute(k, name, text, bare): _substitute(v, name, text, bare)
                for k, v in value.items()}
    return value


def _created(scope: _Scope, resources: dict[str, Any]) -> dict[str, Any]:
    """The resources CloudFormation creates: one whose ``Condition`` is false is not created
    (CloudFormation user guide, "Conditions": "resources that are associated with a false
    condition are ignored"), so it is neither made nor wired, and a ``!Ref`` to it fails. A
    condition that cannot be decided locally (a parameter without a value) keeps it."""
    kept: dict[str, Any] = {}
    for lid, resource in resources.items():
        condition = _dict(resource).get("Condition")
        if condition is not None:
            try:
                if not scope.condition(condition, f"Resources.{lid}.Condition", 0):
                    scope.not_created[lid] = str(condition)
                    continue
            except TemplateError:
                pass
        kept[lid] = resource
    return kept


def _refs(value: Any) -> list[str]:
    """The names ``value`` (a condition's definition) refers to with ``Ref``, in order."""
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return [str(value["Ref"])]
        return [name for item in value.values() for name in _refs(item)]
    if isinstance(value, list):
        return [name for item in value for name in _refs(item)]
    return []


def _not_created(scope: _Scope, lid: str) -> str:
    """Why the resource ``lid`` is not created: its condition, and the parameters it reads."""
    condition = scope.not_created[lid]
    sections = scope.doc if scope.kind == "sam" else _dict(scope.doc.get("resources"))
    definition = _dict(sections.get("Conditions")).get(condition)
    parameters = _dict(sections.get("Parameters"))
    values = []
    for name in dict.fromkeys(_refs(definition)):
        if name in parameters:
            with contextlib.suppress(TemplateError):
                values.append(f"{name}={scope.resolve({'Ref': name}, 'Parameters', 0)}")
    given = f" ({', '.join(values)})" if values else ""
    example = values[0].split("=", 1)[0] if values else "Param"
    return (f"{lid} is not created: its Condition {condition!r} is false for the parameters "
            f"given{given}, so CloudFormation does not create it. Give parameters that make it "
            f"true: ini lambda_parameter_overrides = {example}=... (parameter_overrides= in "
            "Python).")


def function_from_template(path: str | os.PathLike[str], name: str, *,
                           parameter_overrides: Mapping[str, Any] | None = None,
                           region: str | None = None, account_id: str = DEFAULT_ACCOUNT,
                           stack_name: str = "local", stage: str | None = None,
                           **overrides: Any) -> LambdaFunction:
    """``LambdaFunction`` for the template's function ``name``; ``overrides`` win."""
    # The runtime loads when a function is made, not with the template reader.
    from .function import LambdaFunction

    fn = load_template(path, parameter_overrides=parameter_overrides, region=region,
                       account_id=account_id, stack_name=stack_name, stage=stage).function(name)
    return LambdaFunction(**fn.kwargs(**overrides))


def _merge(base: Any, over: Any) -> Any:
    """SAM's Globals rules: maps merge key by key, lists add up, anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: _merge(base[k], v) if k in base else v for k, v in over.items()}}
    if isinstance(base, list) and isinstance(over, list):
        return base + over
    return over


def _load_sam(scope: _Scope) -> Template:
    globals_fn = _dict(_dict(scope.doc.get("Globals")).get("Function"))
    functions: dict[str, TemplateFunction] = {}
    for logical_id, resource in scope.resources.items():
        rtype = _dict(resource).get("Type")
        if rtype not in FUNCTION_TYPES:
            continue
        props = _dict(resource.get("Properties"))
        if rtype == "AWS::Serverless::Function":
            props = _merge(globals_fn, props)
        # The deployed name as !Ref and !GetAtt give it (FunctionName resolved, e.g.
        # !Sub "${AWS::StackName}-worker"; the logical id when it has none or cannot resolve).
        functions[logical_id] = TemplateFunction(
            logical_id, scope.physical_name(logical_id, 0), scope.path, "sam",
            {"Type": rtype, **props}, scope)
    return Template(scope.path, "sam", functions, scope)


def _check_built(scope: _Scope, lid: str, code: str, handler: str, runtime: str) -> None:
    """A Node.js function ``sam build`` bundles with esbuild (``Metadata: BuildMethod:
    esbuild``) has no JavaScript file for its handler before that build (its EntryPoints are
    TypeScript, say): refused naming the build, instead of the runtime's "Cannot find module"
    on every invocation."""
    metadata = _dict(_dict(scope.resources.get(lid)).get("Metadata"))
    if metadata.get("BuildMethod") != "esbuild" or not runtime.startswith("nodejs"):
        return
    module = handler.rpartition(".")[0]
    if any((Path(code) / f"{module}{suffix}").is_file() for suffix in (".js", ".mjs", ".cjs")):
        return
    entries = _dict(metadata.get("BuildProperties")).get("EntryPoints")
    raise TemplateError(
        f"{scope.path.name}: {lid} is built by sam build with esbuild (Metadata BuildMethod: "
        f"esbuild{f', EntryPoints {entries}' if entries else ''}), and {code} has no "
        f"{module}.js for its Handler {handler!r} before that build. Run sam build and point "
        "lambda_template at .aws-sam/build/template.yaml, which names the bundled code.")


def _sam_kwargs(fn: TemplateFunction, skip_env: set[str]) -> dict[str, Any]:
    scope, props, lid = fn._scope, fn.properties, fn.logical_id
    serverless = props["Type"] == "AWS::Serverless::Function"

    def get(prop: str, default: Any = None) -> Any:
        value = props.get(prop, default)
        return scope.resolve(value, f"{lid}.{prop}")

    if get("PackageType") == "Image":
        context = _dict(_dict(scope.resources.get(lid)).get("Metadata")).get("DockerContext")
        folder = f"'{context}'" if isinstance(context, str) else "'<the image's code folder>'"
        raise TemplateError(
            f"{scope.path.name}: {lid} is a container image function (PackageType: Image): "
            "there is no image runtime here, only zip functions with local code run. Test the "
            "code the image runs as a zip function of the same runtime: lambda_function("
            f"'<module.function of the image's CMD>', code_dir={folder}, runtime='python3.X') "
            "(LambdaFunction(...) in Python).")
    for prop in ("Handler", "Runtime"):
        value = get(prop)
        if value and not isinstance(value, str):
            raise TemplateError(
                f"{scope.path.name}: resource {lid} has {prop}: {value!r}, a "
                f"{type(value).__name__}; it must be one string, e.g. {prop}: "
                f"{'app.handler' if prop == 'Handler' else 'python3.12'}.")
        if not value:
            raise TemplateError(
                f"{scope.path.name}: resource {lid} ({props['Type']}) has no {prop} property"
                f"{' (nor Globals.Function)' if serverless else ''}. Add {prop}: "
                f"{'app.handler' if prop == 'Handler' else 'python3.12'} to it.")
    code = _sam_code(scope, lid, "CodeUri" if serverless else "Code",
                     get("CodeUri") if serverless else get("Code"), "InlineCode" in props,
                     default="." if serverless else None)
    _check_built(scope, lid, code, str(get("Handler")), str(get("Runtime")))
    variables = _dict(_dict(props.get("Environment")).get("Variables"))
    logging = _dict(get("LoggingConfig"))
    tracing = get("Tracing") if serverless else _dict(get("TracingConfig")).get("Mode")
    return {
        "handler": str(get("Handler")), "code_dir": code, "name": fn.function_name,
        "runtime": str(get("Runtime")),
        "memory_size": _int(scope, lid, "MemorySize", get("MemorySize", 128)),
        "timeout": _int(scope, lid, "Timeout", get("Timeout", 3)),
        "environment": _environment(scope, lid, "Environment.Variables", variables, skip_env),
        "architecture": str((get("Architectures") or ["x86_64"])[0]),
        "log_format": str(logging.get("LogFormat", "Text")),
        "log_level": logging.get("ApplicationLogLevel"),
        "log_group": logging.get("LogGroup"),
        "ephemeral_storage": _int(scope, lid, "EphemeralStorage.Size",
                                  _dict(get("EphemeralStorage")).get("Size", 512)),
        "tracing": tracing in ("Active", True), "region": scope.region,
        "account_id": scope.account_id,
        **_sam_async(get, serverless, lid, scope),
        **_tenancy(get),
    }


def _tenancy(get: Any) -> dict[str, Any]:
    """``TenancyConfig: {TenantIsolationMode: PER_TENANT}`` (CloudFormation and SAM)."""
    mode = _dict(get("TenancyConfig")).get("TenantIsolationMode")
    return {"tenancy": str(mode)} if mode is not None else {}


def sam_generated_destinations(lid: str, config: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """The queues (``SQS``) and topics (``SNS``) SAM creates for the ``EventInvokeConfig``
    destinations of function ``lid`` given only a ``Type``, by ``OnSuccess``/``OnFailure``:
    (type, logical id). The id is the function's, ``EventInvokeConfig``, the destination and
    ``Queue``/``Topic`` (aws-sam-translator's naming); locally it is the name too."""
    out = {}
    for which, target in _dict(config.get("DestinationConfig")).items():
        kind = str(_dict(target).get("Type"))
        if not _dict(target).get("Destination") and kind in ("SQS", "SNS"):
            suffix = "Queue" if kind == "SQS" else "Topic"
            out[str(which)] = (kind, f"{lid}EventInvokeConfig{which}{suffix}")
    return out


def _sam_async(get: Any, serverless: bool, lid: str, scope: _Scope) -> dict[str, Any]:
    """Asynchronous invocation settings: SAM ``EventInvokeConfig`` and ``DeadLetterQueue``,
    CloudFormation ``DeadLetterConfig``; ``ReservedConcurrentExecutions`` for both."""
    out: dict[str, Any] = {}
    config = _dict(get("EventInvokeConfig")) if serverless else {}
    if "MaximumRetryAttempts" in config:
        out["maximum_retry_attempts"] = _int(scope, lid, "EventInvokeConfig.MaximumRetryAttempts",
                                             config["MaximumRetryAttempts"])
    if "MaximumEventAgeInSeconds" in config:
        out["maximum_event_age_in_seconds"] = _int(
            scope, lid, "EventInvokeConfig.MaximumEventAgeInSeconds",
            config["MaximumEventAgeInSeconds"])
    destinations = {which: {"Destination": _dict(target).get("Destination")}
                    for which, target in _dict(config.get("DestinationConfig")).items()
                    if _dict(target).get("Destination")}
    for which, (kind, generated) in sam_generated_destinations(lid, config).items():
        destinations[which] = {"Destination": f"arn:aws:{kind.lower()}:{scope.region}:"
                                              f"{scope.account_id}:{generated}"}
    if destinations:
        out["destination_config"] = destinations
    dlq = _dict(get("DeadLetterQueue") if serverless else get("DeadLetterConfig"))
    if dlq.get("TargetArn"):
        out["dead_letter_config"] = {"TargetArn": dlq["TargetArn"]}
    reserved = get("ReservedConcurrentExecutions")
    if reserved is not None:
        out["reserved_concurrent_executions"] = _int(scope, lid, "ReservedConcurrentExecutions",
                                                     reserved)
    return out


def _sam_code(scope: _Scope, lid: str, prop: str, code: Any, inline: bool,
              default: str | None = None) -> str:
    asset = cdk_asset(scope.resources.get(lid), prop)
    if asset is not None and not isinstance(code, str):
        # cdk.out/asset.<hash>, next to the synthesized template; or, with no CodeUri, the
        # folder the function's Metadata names (as sam local reads it)
        code = asset
    elif code is None:
        code = default
    if inline or (isinstance(code, dict) and "ZipFile" in code):
        raise TemplateError(
            f"{scope.path.name}: {lid} has inline code ({'InlineCode' if inline else 'ZipFile'})"
            "; write it to a file and point CodeUri (SAM) or Code (CloudFormation) at its "
            "folder so the handler can be imported.")
    if code is None:
        raise TemplateError(
            f"{scope.path.name}: {lid} has no {prop} property. Point {prop} at the folder that "
            "holds the handler (e.g. Code: src/ for AWS::Lambda::Function), or pass code_dir=.")
    if not isinstance(code, str) or code.startswith("s3://"):
        raise TemplateError(
            f"{scope.path.name}: {lid}'s {prop} is {code!r}, code stored in S3; local code is "
            "needed. Point it at the folder that holds the handler (e.g. CodeUri: src/), or "
            "pass code_dir=.")
    folder = (scope.path.parent / code).resolve()
    if folder.is_file():
        # sam deploy / aws cloudformation package upload a .zip as it is and zip any other
        # file on its own (FORCE_ZIP for functions): the package holds just that file.
        return str(_file_package(folder))
    if not folder.is_dir():
        raise TemplateError(f"{scope.path.name}: {lid}'s code folder {code!r} ({folder}) does "
                            "not exist. Fix the path, relative to the template's folder.")
    return str(folder)


def cdk_asset(resource: Any, prop: str) -> str | None:
    """The local folder of a CDK asset (a synthesized template's ``Metadata``:
    ``aws:asset:path``, for the ``aws:asset:property`` ``prop``), as ``sam local`` reads it; its
    code or content in the template is an S3 location."""
    meta = _dict(_dict(resource).get("Metadata"))
    path = meta.get("aws:asset:path")
    if not isinstance(path, str) or meta.get("aws:asset:property", prop) != prop:
        return None
    return path


def _file_package(path: Path) -> Path:
    """The task root of a function whose code is one file: a folder (under the temp dir, one
    per file and version) holding that file, or the contents of a .zip."""
    import hashlib
    import shutil
    import tempfile
    import zipfile

    stat = path.stat()
    key = hashlib.sha256(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()[:16]
    parent = Path(tempfile.gettempdir()) / "pytest-lambda-packages"
    root = parent / key
    if root.is_dir():
        return root
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=parent))
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            archive.extractall(staging)  # names are sanitised: nothing lands outside
    else:
        (staging / path.name).symlink_to(path)
    try:
        staging.rename(root)
    except OSError:  # another process (an xdist worker) made it first
        shutil.rmtree(staging, ignore_errors=True)
    return root


def _int(scope: _Scope, owner: str, prop: str, value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TemplateError(f"{scope.path.name}: {owner}'s {prop} is {value!r}; use a whole "
                        "number.")


def _environment(scope: _Scope, owner: str, where: str, variables: Mapping[str, Any],
                 skip: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, raw in variables.items():
        if key in skip:
            continue
        value = scope.resolve(raw, f"{owner} {where}.{key}")
        if value is _NO_VALUE:
            continue
        if isinstance(value, (dict, list)):
            raise TemplateError(f"{scope.path.name}: {owner} {where}.{key} resolves to "
                                f"{value!r}, not a string. Pass environment={{{key!r}: ...}}.")
        if value is not None:
            out[str(key)] = _stringify(value)
    return out


def _load_serverless(scope: _Scope, *, explicit_region: str | None,
                     explicit_stage: str | None) -> Template:
    scope.explicit_stage, scope.explicit_region = explicit_stage is not None, bool(explicit_region)
    provider = _dict(scope.doc.get("provider"))
    if explicit_stage is None:
        scope.stage = str(scope.resolve(provider.get("stage", "dev"), "provider.stage"))
    _load_dotenv(scope)
    if explicit_region is None and "region" in provider:
        scope.region = str(scope.resolve(provider["region"], "provider.region"))
    functions: dict[str, TemplateFunction] = {}
    for key, spec in scope.sls_functions().items():
        functions[key] = TemplateFunction(key, scope.sls_function_name(key, spec), scope.path,
                                          "serverless", spec, scope)
    return Template(scope.path, "serverless", functions, scope)


def _sls_kwargs(fn: TemplateFunction, skip_env: set[str]) -> dict[str, Any]:
    scope, spec, key = fn._scope, fn.properties, f"functions.{fn.logical_id}"
    provider = _dict(scope.doc.get("provider"))

    def get(prop: str, default: Any = None) -> Any:
        if prop in spec:
            return scope.resolve(spec[prop], f"{key}.{prop}")
        return scope.resolve(provider.get(prop, default), f"provider.{prop}")

    if "image" in spec:
        raise TemplateError(
            f"{scope.path.name}: {key} is a container image function (image:): there is no "
            "image runtime here, only functions with local code run. Test the code the image "
            "runs as a zip function of the same runtime: lambda_function('<module.function of "
            "the image's CMD>', code_dir='<the image's code folder>', runtime='python3.X') "
            "(LambdaFunction(...) in Python).")
    artifact = _dict(spec.get("package")).get("artifact") or _dict(
        provider.get("package")).get("artifact")
    if artifact:
        raise TemplateError(f"{scope.path.name}: {key} is deployed from the prebuilt artifact "
                            f"{artifact!r}; local code is needed. Remove package.artifact or "
                            "pass code_dir= pointing at the unpacked code.")
    handler = spec.get("handler") and scope.resolve(spec["handler"], f"{key}.handler")
    if not handler:
        raise TemplateError(f"{scope.path.name}: {key} has no handler; add handler: "
                            "handler.main (file handler.py, function main).")
    runtime = get("runtime")
    if not runtime:
        raise TemplateError(f"{scope.path.name}: {key} has no runtime; set provider.runtime "
                            f"or {key}.runtime (e.g. python3.12).")
    variables = {**scope.dotenv,
                 **_sls_mapping(scope, provider.get("environment"), "provider.environment"),
                 **_sls_mapping(scope, spec.get("environment"), f"{key}.environment")}
    tracing = spec.get("tracing", _dict(provider.get("tracing")).get("lambda"))
    # Lambda's logging settings: the service's ``provider.logs.lambda``, then the function's
    # own ``logs``, which override them key by key (serverless.com docs, "Functions":
    # "Logging Configuration").
    logs = {**_sls_mapping(scope, _dict(provider.get("logs")).get("lambda"),
                           "provider.logs.lambda"),
            **_sls_mapping(scope, spec.get("logs"), f"{key}.logs")}
    return {
        "handler": str(handler), "code_dir": str(scope.path.parent), "name": fn.function_name,
        "runtime": str(runtime),
        "memory_size": _int(scope, key, "memorySize", get("memorySize", 1024)),
        "timeout": _int(scope, key, "timeout", get("timeout", 6)),
        "environment": _environment(scope, key, "environment", variables, skip_env),
        "architecture": str(get("architecture", "x86_64")),
        "log_format": str(scope.resolve(logs.get("logFormat", "Text"), f"{key}.logs")),
        "log_level": scope.resolve(logs.get("applicationLogLevel"), f"{key}.logs"),
        "log_group": scope.resolve(logs.get("logGroup"), f"{key}.logs"),
        "ephemeral_storage": _int(scope, key, "ephemeralStorageSize",
                                  get("ephemeralStorageSize", 512)),
        "tracing": scope.resolve(tracing, f"{key}.tracing") in (True, "Active", "true"),
        "region": scope.region, "account_id": scope.account_id,
        "package_patterns": _sls_package_patterns(scope, provider, spec, key),
        **_sls_async(get, key, scope),
    }


_DOTENV_PLUGIN = "serverless-dotenv-plugin"
_DOTENV_LINE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)")


def _dotenv_values(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a dotenv file: ``export`` allowed, ``#`` comments, single- or
    double-quoted values (``\\n`` in double quotes is a newline), as dotenv reads them."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateError(f"{path}: the Framework reads this dotenv file and it cannot be "
                            f"read as UTF-8 text ({error}); fix or remove it.") from None
    for line in text.splitlines():
        found = _DOTENV_LINE.fullmatch(line)
        if found is None or line.lstrip().startswith("#"):
            continue
        key, value = found.group(1), found.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"`":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = value.replace("\\n", "\n")
        else:
            value = value.split(" #", 1)[0].strip()
        values[key] = value
    return values


def _load_dotenv(scope: _Scope) -> None:
    """The service folder's ``.env.<stage>``, else ``.env``, as the Framework loads it before
    resolving ``${env:...}`` (with ``useDotenv: true``; always from v4 on; serverless.com docs,
    "Environment variables"); variables already set win, as dotenv's do. With
    serverless-dotenv-plugin the files' variables also reach every function's environment
    (the plugin's ``custom.dotenv.include`` / ``exclude`` apply): ``scope.dotenv``."""
    doc = scope.doc
    version = str(doc.get("frameworkVersion", "")).lstrip("^~>=< ")
    plugin = _DOTENV_PLUGIN in sls_plugins(doc)
    if not (doc.get("useDotenv") is True or version.startswith("4") or plugin):
        return
    folder = scope.path.parent
    files = [folder / f".env.{scope.stage}", folder / ".env"]
    found: dict[str, str] = {}
    if plugin:  # the plugin reads them all, the stage's first
        for file in reversed(files):
            if file.is_file():
                found.update(_dotenv_values(file))
    else:
        for file in files:
            if file.is_file():
                found = _dotenv_values(file)
                break
    for key, value in found.items():
        scope.environ.setdefault(key, value)
    if plugin:
        options = _dict(_dict(doc.get("custom")).get("dotenv"))
        include, exclude = options.get("include"), options.get("exclude") or []
        scope.dotenv = {k: v for k, v in found.items()
                        if (not isinstance(include, list) or k in include) and k not in exclude}


def _sls_mapping(scope: _Scope, value: Any, where: str) -> dict[str, Any]:
    """A serverless.yml section that must be a mapping, written as one (``environment:
    {TABLE: ...}``) or as a variable that gives one (``environment:
    ${file(./env.yml):${self:provider.stage}}``, ``${self:custom.env}``: the Framework resolves
    variables anywhere, whole sections included). Such a variable was read as no section at
    all: the function ran with no environment, silently."""
    if isinstance(value, str):
        value = scope.resolve(value, where)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TemplateError(f"{scope.path.name}: {where} is {value!r}, not a mapping of names "
                            "to values; write it as one, or as a variable that gives one.")
    return dict(value)


def _sls_package_patterns(scope: _Scope, provider: Mapping[str, Any], spec: Mapping[str, Any],
                          key: str) -> tuple[str, ...]:
    """The service's and the function's ``package`` patterns, in the order the Framework
    applies them: ``exclude`` (as ``!`` patterns), ``include``, then ``patterns``; the
    service's first (serverless.com docs, "Packaging")."""
    found: list[str] = []
    for where, package in (("package", _dict(scope.doc.get("package"))),
                           ("provider.package", _dict(provider.get("package"))),
                           (f"{key}.package", _dict(spec.get("package")))):
        for member, prefix in (("exclude", "!"), ("include", ""), ("patterns", "")):
            values = scope.resolve(package.get(member) or [], f"{where}.{member}")
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, list):
                raise TemplateError(f"{scope.path.name}: {where}.{member} must be a list of "
                                    "globs, e.g. ['!tests/**'].")
            found += [prefix + str(v) for v in values]
    return tuple(found)


def _sls_function_arn(scope: _Scope, key: str) -> str | None:
    """The ARN of the service's function ``key`` (under ``functions:``), or None."""
    spec = scope.sls_functions().get(key)
    if spec is None:
        return None
    name = scope.sls_function_name(key, spec)
    return f"arn:aws:lambda:{scope.region}:{scope.account_id}:function:{name}"


def _sls_async(get: Any, key: str, scope: _Scope) -> dict[str, Any]:
    """serverless.yml ``maximumRetryAttempts``, ``maximumEventAge``, ``destinations``,
    ``onError`` (a dead-letter topic) and ``reservedConcurrency``."""
    out: dict[str, Any] = {}
    if get("maximumRetryAttempts") is not None:
        out["maximum_retry_attempts"] = _int(scope, key, "maximumRetryAttempts",
                                             get("maximumRetryAttempts"))
    if get("maximumEventAge") is not None:
        out["maximum_event_age_in_seconds"] = _int(scope, key, "maximumEventAge",
                                                   get("maximumEventAge"))
    destinations = {}
    for name, which in (("onSuccess", "OnSuccess"), ("onFailure", "OnFailure")):
        target = _dict(get("destinations")).get(name)
        arn = _dict(target).get("arn") if isinstance(target, dict) else target
        if isinstance(arn, str) and not arn.startswith("arn:"):
            # A function of the service, by its key: the Framework makes it that one's ARN.
            arn = _sls_function_arn(scope, arn) or arn
        if arn:
            destinations[which] = {"Destination": arn}
    if destinations:
        out["destination_config"] = destinations
    if get("onError"):
        out["dead_letter_config"] = {"TargetArn": get("onError")}
    if get("reservedConcurrency") is not None:
        out["reserved_concurrent_executions"] = _int(scope, key, "reservedConcurrency",
                                                     get("reservedConcurrency"))
    return out
