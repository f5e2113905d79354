"""Functions from a SAM / CloudFormation ``template.yaml`` or a Serverless Framework
``serverless.yml``: handler, code folder, runtime, memory, timeout, environment and logging.

Intrinsic functions are resolved the way they would be on deployment, with local stand-ins for
what only AWS knows (see docs/templates.md): a resource's name is its logical id (as SAM CLI
does), ``Ref`` / ``Fn::GetAtt`` give the values CloudFormation returns for that name (a table's
name, a queue's URL, an ARN), and anything else must come from ``parameter_overrides``.
Everything is resolved lazily, so one unresolvable value only stops the function that uses it.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .config import DEFAULT_ACCOUNT, DEFAULT_REGION

if TYPE_CHECKING:
    from .function import LambdaFunction

Kind = Literal["sam", "serverless"]
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
_NO_VALUE = object()
_MAX_DEPTH = 32
_SLS_VAR = re.compile(r"\$\{([^${}]+)\}")
_SLS_SOURCE = re.compile(r"\s*(?!AWS::)[a-zA-Z][\w]*(\([^)]*\))?:")
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
# Ref return values CloudFormation documents, by type; other types return the physical name.
_REF = {
    "AWS::SQS::Queue": "https://sqs.{r}.amazonaws.com/{a}/{n}",
    "AWS::SNS::Topic": "arn:aws:sns:{r}:{a}:{n}",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:{r}:{a}:stateMachine:{n}",
    "AWS::Serverless::StateMachine": "arn:aws:states:{r}:{a}:stateMachine:{n}",
    "AWS::SecretsManager::Secret": "arn:aws:secretsmanager:{r}:{a}:secret:{n}",
}
_GETATT = {
    ("AWS::DynamoDB::Table", "Arn"): "arn:aws:dynamodb:{r}:{a}:table/{n}",
    ("AWS::Serverless::SimpleTable", "Arn"): "arn:aws:dynamodb:{r}:{a}:table/{n}",
    ("AWS::DynamoDB::Table", "StreamArn"):
        "arn:aws:dynamodb:{r}:{a}:table/{n}/stream/1970-01-01T00:00:00.000",
    ("AWS::SQS::Queue", "Arn"): "arn:aws:sqs:{r}:{a}:{n}",
    ("AWS::SQS::Queue", "QueueName"): "{n}",
    ("AWS::SQS::Queue", "QueueUrl"): "https://sqs.{r}.amazonaws.com/{a}/{n}",
    ("AWS::SNS::Topic", "TopicArn"): "arn:aws:sns:{r}:{a}:{n}",
    ("AWS::SNS::Topic", "TopicName"): "{n}",
    ("AWS::S3::Bucket", "Arn"): "arn:aws:s3:::{n}",
    ("AWS::S3::Bucket", "DomainName"): "{n}.s3.amazonaws.com",
    ("AWS::S3::Bucket", "RegionalDomainName"): "{n}.s3.{r}.amazonaws.com",
    ("AWS::Lambda::Function", "Arn"): "arn:aws:lambda:{r}:{a}:function:{n}",
    ("AWS::Serverless::Function", "Arn"): "arn:aws:lambda:{r}:{a}:function:{n}",
    ("AWS::StepFunctions::StateMachine", "Arn"): "arn:aws:states:{r}:{a}:stateMachine:{n}",
    ("AWS::Serverless::StateMachine", "Arn"): "arn:aws:states:{r}:{a}:stateMachine:{n}",
    ("AWS::Events::EventBus", "Arn"): "arn:aws:events:{r}:{a}:event-bus/{n}",
    ("AWS::Events::EventBus", "Name"): "{n}",
    ("AWS::Kinesis::Stream", "Arn"): "arn:aws:kinesis:{r}:{a}:stream/{n}",
    ("AWS::IAM::Role", "Arn"): "arn:aws:iam::{a}:role/{n}",
    ("AWS::Logs::LogGroup", "Arn"): "arn:aws:logs:{r}:{a}:log-group:{n}:*",
}
_NAME_PROPS = ("FunctionName", "TableName", "QueueName", "TopicName", "BucketName",
               "StateMachineName", "StreamName", "RoleName", "LogGroupName", "Name")


class TemplateError(ValueError):
    """The template cannot be read, or a function in it cannot be built locally."""


class UnknownFunctionError(TemplateError, KeyError):
    """No function of that name in the template (a ``KeyError`` too, for ``functions[name]``)."""

    def __str__(self) -> str:
        return str(self.args[0])


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
        out["environment"] = {**out["environment"], **(environment or {})}
        out.update(overrides)
        return out


class Template(dict[str, TemplateFunction]):
    """The functions of one template by logical id (Serverless: the key under ``functions``)."""

    def __init__(self, path: Path, kind: Kind, functions: dict[str, TemplateFunction]) -> None:
        super().__init__(functions)
        self.path, self.kind = path, kind

    def function(self, name: str) -> TemplateFunction:
        """The function with this logical id or deployed function name."""
        if name in self:
            return dict.__getitem__(self, name)
        for fn in self.values():
            if fn.function_name == name:
                return fn
        raise UnknownFunctionError(
            f"no function named {name!r} in {self.path}; it defines: "
            f"{', '.join(self) or '(no functions)'}. Use one of those names (a logical id, or "
            "the deployed function name).")

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
    doc = _read_yaml(source)
    overrides = dict(parameter_overrides or {})
    if isinstance(doc, dict) and "service" in doc and ("functions" in doc or "provider" in doc):
        scope = _Scope(source, "serverless", doc, overrides, region or DEFAULT_REGION,
                       account_id, stack_name, stage or "dev")
        scope.resources = _dict(_dict(doc.get("resources")).get("Resources"))
        return _load_serverless(scope, explicit_region=region, explicit_stage=stage)
    if not isinstance(doc, dict) or not any(k in doc for k in (
            "Resources", "AWSTemplateFormatVersion", "Transform")):
        raise TemplateError(
            f"{source} is neither a SAM / CloudFormation template (no 'Resources') nor a "
            "serverless.yml (no 'service' and 'functions'). Point lambda_template at the file "
            "that defines your functions.")
    scope = _Scope(source, "sam", doc, overrides, region or DEFAULT_REGION, account_id,
                   stack_name, "")
    scope.resources = _dict(doc.get("Resources"))
    return _load_sam(scope)


def function_from_template(path: str | os.PathLike[str], name: str, *,
                           parameter_overrides: Mapping[str, Any] | None = None,
                           region: str | None = None, account_id: str = DEFAULT_ACCOUNT,
                           stack_name: str = "local", stage: str | None = None,
                           **overrides: Any) -> LambdaFunction:
    """``LambdaFunction`` for the template's function ``name``; ``overrides`` win."""
    from .function import LambdaFunction

    fn = load_template(path, parameter_overrides=parameter_overrides, region=region,
                       account_id=account_id, stack_name=stack_name, stage=stage).function(name)
    return LambdaFunction(**fn.kwargs(**overrides))


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise TemplateError(f"template {path} does not exist. Check the path (ini "
                            "lambda_template is relative to the rootdir).")
    try:
        yaml: Any = importlib.import_module("yaml")
    except ImportError:
        raise TemplateError("reading templates needs PyYAML: pip install "
                            "'pytest-aws-lambda[yaml]'.") from None
    loader: Any = type("CloudFormationLoader", (yaml.SafeLoader,), {})
    loader.add_multi_constructor("!", _short_form)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise TemplateError(f"{path}{where}: invalid YAML: {exc.problem or exc}. Fix the "
                            "syntax there.") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: invalid YAML: {exc}") from None


def _short_form(loader: Any, suffix: str, node: Any) -> dict[str, Any]:
    """``!Ref X`` -> ``{"Ref": "X"}``, ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``, ..."""
    value: Any
    if node.id == "scalar":
        value = loader.construct_scalar(node)
    elif node.id == "sequence":
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _merge(base: Any, over: Any) -> Any:
    """SAM's Globals rules: maps merge key by key, lists add up, anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: _merge(base[k], v) if k in base else v for k, v in over.items()}}
    if isinstance(base, list) and isinstance(over, list):
        return base + over
    return over


class _Scope:
    """What intrinsic functions and Serverless variables resolve against."""

    def __init__(self, path: Path, kind: Kind, doc: dict[str, Any],
                 overrides: dict[str, Any], region: str, account_id: str, stack_name: str,
                 stage: str) -> None:
        self.path, self.kind, self.doc, self.overrides = path, kind, doc, overrides
        self.region, self.account_id, self.stack_name, self.stage = (region, account_id,
                                                                     stack_name, stage)
        self.resources: dict[str, Any] = {}
        self.explicit_stage = self.explicit_region = False
        self.environ = dict(os.environ)

    def fail(self, expr: str, where: str, why: str, key: str) -> TemplateError:
        return TemplateError(
            f"{self.path.name}: cannot resolve {expr} in {where}: {why}. Pass "
            f"parameter_overrides={{{key!r}: ...}} (or environment={{...}} for an environment "
            "variable).")

    def resolve(self, value: Any, where: str, depth: int = 0) -> Any:
        """``value`` with Serverless variables and intrinsic functions replaced."""
        if depth > _MAX_DEPTH:
            raise TemplateError(f"{self.path.name}: circular reference in {where}.")
        if isinstance(value, str):
            return self._variables(value, where, depth) if self.kind == "serverless" else value
        if isinstance(value, list):
            resolved = [self.resolve(v, where, depth + 1) for v in value]
            return [v for v in resolved if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._intrinsic(key, arg, where, depth + 1)
        items = {k: self.resolve(v, f"{where}.{k}", depth + 1) for k, v in value.items()}
        return {k: v for k, v in items.items() if v is not _NO_VALUE}

    def _intrinsic(self, key: str, arg: Any, where: str, depth: int) -> Any:
        if key == "Ref":
            return self.ref(str(self.resolve(arg, where, depth)), where, depth)
        if key == "Fn::If":
            cond, yes, no = arg
            return self.resolve(yes if self.condition(cond, where, depth) else no, where, depth)
        arg = self.resolve(arg, where, depth)
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else list(arg)
            return self.getatt(str(parts[0]), str(parts[1]), where, depth)
        if key == "Fn::Sub":
            text, names = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            return self.sub(text, names, where, depth)
        if key == "Fn::Join":
            return str(arg[0]).join(str(v) for v in arg[1])
        if key == "Fn::Select":
            return arg[1][int(arg[0])]
        if key == "Fn::Split":
            return str(arg[1]).split(str(arg[0]))
        if key == "Fn::FindInMap":
            found = _dict(_dict(_dict(self.doc.get("Mappings")).get(arg[0])).get(arg[1]))
            if arg[2] in found:
                return found[arg[2]]
            if len(arg) > 3 and "DefaultValue" in _dict(arg[3]):
                return arg[3]["DefaultValue"]
            raise self.fail(f"Fn::FindInMap {arg[:3]}", where, "no such key in Mappings",
                            str(arg[0]))
        if key == "Fn::Equals":
            return str(arg[0]) == str(arg[1])
        if key == "Fn::Base64":
            return base64.b64encode(str(arg).encode()).decode()
        if key == "Fn::GetAZs":
            return [f"{self.region}{z}" for z in "abc"]
        if key == "Fn::ToJsonString":
            return json.dumps(arg, separators=(",", ":"))
        if key == "Fn::Length":
            return len(arg)
        if key == "Fn::ImportValue" and str(arg) in self.overrides:
            return self.overrides[str(arg)]
        raise self.fail(f"{key} {arg!r}", where, "its value exists only in a deployed stack",
                        str(arg))

    def condition(self, name: Any, where: str, depth: int) -> bool:
        if isinstance(name, str):
            conditions = _dict(self.doc.get("Conditions"))
            if name not in conditions:
                raise TemplateError(f"{self.path.name}: {where} uses condition {name!r}, which "
                                    "is not under Conditions.")
            return self.condition(conditions[name], where, depth + 1)
        (key, arg), = _dict(name).items()
        if key == "Condition":
            return self.condition(arg, where, depth + 1)
        if key == "Fn::Not":
            return not self.condition(arg[0], where, depth + 1)
        if key in ("Fn::And", "Fn::Or"):
            results = [self.condition(c, where, depth + 1) for c in arg]
            return all(results) if key == "Fn::And" else any(results)
        return bool(self.resolve(name, where, depth + 1))

    def ref(self, name: str, where: str, depth: int) -> Any:
        pseudo = {"AWS::Region": self.region, "AWS::AccountId": self.account_id,
                  "AWS::StackName": self.stack_name, "AWS::Partition": "aws",
                  "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": _NO_VALUE,
                  "AWS::NotificationARNs": [],
                  "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:"
                                  f"stack/{self.stack_name}/00000000-0000-0000-0000-000000000000"}
        if name in self.overrides and name not in self.resources:
            return self.overrides[name]
        if name in pseudo:
            return pseudo[name]
        param = _dict(_dict(self.doc.get("Parameters")).get(name)) if self.kind == "sam" else {}
        if param:
            if "Default" not in param:
                raise self.fail(f"Ref {name}", where, f"parameter {name!r} has no Default", name)
            if param.get("Type") == "CommaDelimitedList":
                return [s.strip() for s in str(param["Default"]).split(",")]
            return param["Default"]
        if name in self.resources:
            rtype = str(_dict(self.resources[name]).get("Type"))
            physical = self.physical_name(name, depth)
            return _REF.get(rtype, "{n}").format(r=self.region, a=self.account_id, n=physical)
        raise self.fail(f"Ref {name}", where, f"{name!r} is not a parameter or resource of "
                        "the template", name)

    def getatt(self, name: str, attr: str, where: str, depth: int) -> Any:
        key = f"{name}.{attr}"
        if key in self.overrides:
            return self.overrides[key]
        rtype = str(_dict(self.resources.get(name)).get("Type"))
        pattern = _GETATT.get((rtype, attr))
        if pattern is None:
            why = (f"no local stand-in for {rtype}'s {attr} attribute" if name in self.resources
                   else f"{name!r} is not a resource of the template")
            raise self.fail(f"Fn::GetAtt {key}", where, why, key)
        return pattern.format(r=self.region, a=self.account_id,
                              n=self.physical_name(name, depth))

    def physical_name(self, logical_id: str, depth: int) -> str:
        """The resource's name: an override, its literal name property, else its logical id."""
        if logical_id in self.overrides:
            return str(self.overrides[logical_id])
        props = _dict(_dict(self.resources.get(logical_id)).get("Properties"))
        for prop in _NAME_PROPS:
            if prop in props:
                try:
                    value = self.resolve(props[prop], f"{logical_id}.{prop}", depth + 1)
                except TemplateError:
                    break
                if isinstance(value, str):
                    return value
        return logical_id

    def sub(self, text: str, names: Mapping[str, Any], where: str, depth: int) -> str:
        def one(m: re.Match[str]) -> str:
            ref = m.group(1)
            if ref.startswith("!"):
                return "${" + ref[1:] + "}"
            if ref in names:
                return str(names[ref])
            if "." in ref and not ref.startswith("AWS::"):
                resource, attr = ref.split(".", 1)
                return str(self.getatt(resource, attr, where, depth + 1))
            return str(self.ref(ref, where, depth + 1))

        return _SUB_VAR.sub(one, text)

    def _variables(self, text: str, where: str, depth: int) -> Any:
        """Serverless ``${source:address, fallback}`` variables, innermost first."""
        for _ in range(_MAX_DEPTH):
            spans = [m for m in _SLS_VAR.finditer(text) if _SLS_SOURCE.match(m.group(1))]
            if not spans:
                return text
            m = spans[0]
            value = self._variable(m.group(1), where, depth)
            if m.span() == (0, len(text)):
                if not isinstance(value, str):
                    return value
                text = value
            else:
                text = text[:m.start()] + _stringify(value) + text[m.end():]
        raise TemplateError(f"{self.path.name}: variables in {where} do not settle: {text!r}.")

    def _variable(self, body: str, where: str, depth: int) -> Any:
        options = _split_fallbacks(body)
        for option in options:
            if option[:1] in "'\"" and option[-1:] == option[:1] and len(option) > 1:
                return option[1:-1]
            if re.fullmatch(r"-?\d+(\.\d+)?", option):
                return float(option) if "." in option else int(option)
            if option in ("true", "false"):
                return option == "true"
            value = self._source(option, where, depth)
            if value is not None:
                return value
        first = options[0]
        source = first.split(":", 1)[0]
        why = (f"{source}: variables are looked up in AWS or other files, which a test "
               "cannot read"
               if source not in ("self", "opt", "env", "sls", "aws", "param")
               else "it has no value and no fallback")
        raise self.fail("${" + body + "}", where, why, first)

    def _source(self, ref: str, where: str, depth: int) -> Any:
        if ref in self.overrides:
            return self.overrides[ref]
        source, _, address = ref.partition(":")
        if source == "self":
            node: Any = self.doc
            for part in filter(None, address.split(".")):
                node = (node.get(part) if isinstance(node, dict) else
                        node[int(part)] if isinstance(node, list) and part.isdigit()
                        and int(part) < len(node) else None)
            if node is None and address == "provider.stage":
                return self.stage
            if node is None and address == "provider.region":
                return self.region
            return None if node is None else self.resolve(node, where, depth + 1)
        if source == "opt":
            given = {"stage": self.stage if self.explicit_stage else None,
                     "region": self.region if self.explicit_region else None}
            return given.get(address)
        if source == "env":
            return self.environ.get(address)
        if source == "sls" and address == "stage":
            return self.stage
        if source == "aws":
            return {"region": self.region, "accountId": self.account_id}.get(address)
        if source == "param":
            params = _dict(self.doc.get("params"))
            for group in (self.stage, "default"):
                if address in _dict(params.get(group)):
                    return self.resolve(params[group][address], where, depth + 1)
        return None


def _split_fallbacks(body: str) -> list[str]:
    parts, current, quote = [], "", ""
    for ch in body:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == ",":
            parts.append(current.strip())
            current = ""
            continue
        current += ch
    return [*parts, current.strip()]


def _stringify(value: Any) -> str:
    """Template scalars as Lambda stores environment values (``true``, not ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
        name = props.get("FunctionName")
        functions[logical_id] = TemplateFunction(
            logical_id, name if isinstance(name, str) else logical_id, scope.path, "sam",
            {"Type": rtype, **props}, scope)
    return Template(scope.path, "sam", functions)


def _sam_kwargs(fn: TemplateFunction, skip_env: set[str]) -> dict[str, Any]:
    scope, props, lid = fn._scope, fn.properties, fn.logical_id
    serverless = props["Type"] == "AWS::Serverless::Function"

    def get(prop: str, default: Any = None) -> Any:
        value = props.get(prop, default)
        return scope.resolve(value, f"{lid}.{prop}")

    if get("PackageType") == "Image":
        raise TemplateError(f"{scope.path.name}: {lid} is a container image function "
                            "(PackageType: Image); only zip functions with local code can run "
                            "in-process.")
    for prop in ("Handler", "Runtime"):
        if not get(prop):
            raise TemplateError(
                f"{scope.path.name}: resource {lid} ({props['Type']}) has no {prop} property"
                f"{' (nor Globals.Function)' if serverless else ''}. Add {prop}: "
                f"{'app.handler' if prop == 'Handler' else 'python3.12'} to it.")
    code = _sam_code(scope, lid, "CodeUri" if serverless else "Code",
                     get("CodeUri", ".") if serverless else get("Code"), "InlineCode" in props)
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
    }


def _sam_code(scope: _Scope, lid: str, prop: str, code: Any, inline: bool) -> str:
    if inline or (isinstance(code, dict) and "ZipFile" in code):
        raise TemplateError(
            f"{scope.path.name}: {lid} has inline code ({'InlineCode' if inline else 'ZipFile'})"
            "; write it to a file and point CodeUri (SAM) or Code (CloudFormation) at its "
            "folder so the handler can be imported.")
    if not isinstance(code, str) or code.startswith("s3://"):
        raise TemplateError(
            f"{scope.path.name}: {lid}'s {prop} is {code!r}, code stored in S3; local code is "
            "needed. Point it at the folder that holds the handler (e.g. CodeUri: src/), or "
            "pass code_dir=.")
    folder = (scope.path.parent / code).resolve()
    if not folder.is_dir():
        raise TemplateError(f"{scope.path.name}: {lid}'s code folder {code!r} ({folder}) does "
                            "not exist. Fix the path, relative to the template's folder.")
    return str(folder)


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
    if explicit_region is None and "region" in provider:
        scope.region = str(scope.resolve(provider["region"], "provider.region"))
    service = scope.doc["service"]
    service = scope.resolve(_dict(service).get("name") if isinstance(service, dict)
                            else service, "service")
    raw = scope.doc.get("functions") or {}
    entries = ({k: v for d in raw for k, v in _dict(d).items()} if isinstance(raw, list)
               else _dict(raw))
    functions: dict[str, TemplateFunction] = {}
    for key, spec in entries.items():
        spec = _dict(spec)
        name = scope.resolve(spec["name"], f"functions.{key}.name") if "name" in spec else (
            f"{service}-{scope.stage}-{key}")
        functions[key] = TemplateFunction(key, str(name), scope.path, "serverless", spec, scope)
    return Template(scope.path, "serverless", functions)


def _sls_kwargs(fn: TemplateFunction, skip_env: set[str]) -> dict[str, Any]:
    scope, spec, key = fn._scope, fn.properties, f"functions.{fn.logical_id}"
    provider = _dict(scope.doc.get("provider"))

    def get(prop: str, default: Any = None) -> Any:
        if prop in spec:
            return scope.resolve(spec[prop], f"{key}.{prop}")
        return scope.resolve(provider.get(prop, default), f"provider.{prop}")

    if "image" in spec:
        raise TemplateError(f"{scope.path.name}: {key} is a container image function; only "
                            "functions with local code can run in-process.")
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
    variables = {**_dict(provider.get("environment")), **_dict(spec.get("environment"))}
    tracing = spec.get("tracing", _dict(provider.get("tracing")).get("lambda"))
    logs = _dict(_dict(provider.get("logs")).get("lambda"))
    return {
        "handler": str(handler), "code_dir": str(scope.path.parent), "name": fn.function_name,
        "runtime": str(runtime),
        "memory_size": _int(scope, key, "memorySize", get("memorySize", 1024)),
        "timeout": _int(scope, key, "timeout", get("timeout", 6)),
        "environment": _environment(scope, key, "environment", variables, skip_env),
        "architecture": str(get("architecture", "x86_64")),
        "log_format": str(scope.resolve(logs.get("logFormat", "Text"), "provider.logs")),
        "log_level": scope.resolve(logs.get("applicationLogLevel"), "provider.logs"),
        "log_group": None,
        "ephemeral_storage": _int(scope, key, "ephemeralStorageSize",
                                  get("ephemeralStorageSize", 512)),
        "tracing": scope.resolve(tracing, f"{key}.tracing") in (True, "Active", "true"),
        "region": scope.region, "account_id": scope.account_id,
    }
