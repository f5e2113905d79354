"""Resolution of CloudFormation intrinsics and Serverless variables for the template loader."""

from __future__ import annotations

import base64
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from .errors import TemplateError
from .routes import api_id
from .yamlfile import read_yaml

Kind = Literal["sam", "serverless"]
_NO_VALUE = object()
_MAX_DEPTH = 32
# The Framework runs these to get the value (``module.exports``); a test cannot.
_JS_SUFFIXES = (".js", ".cjs", ".mjs", ".ts")
_SLS_VAR = re.compile(r"\$\{([^${}]+)\}")
# ``source:address`` (``self:a.b``, ``file(x.yml):a``), or a whole file: ``${file(x.yml)}``.
_SLS_SOURCE = re.compile(r"\s*(?!AWS::)(?:[a-zA-Z][\w]*(\([^)]*\))?:|file\([^)]*\)\s*(?:,|$))")
_FILE_REF = re.compile(r"file\(\s*([^)]*?)\s*\)(?::(.*))?")
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
# Ref return values CloudFormation documents, by type; other types return the physical name.
#: API resources: their Ref is the API id.
_API_TYPES = ("AWS::Serverless::Api", "AWS::Serverless::HttpApi", "AWS::ApiGateway::RestApi",
              "AWS::ApiGatewayV2::Api")
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


_USAGE = {
    "Fn::Join": "Write !Join [delimiter, [value, ...]].",
    "Fn::Select": "Write !Select [index, [value, ...]] with 0 <= index < the list's length.",
    "Fn::If": "Write !If [condition_name, value_if_true, value_if_false].",
    "Fn::Split": "Write !Split [delimiter, string].",
    "Fn::Sub": "Write !Sub 'text' or !Sub ['text', {name: value}].",
    "Fn::GetAtt": "Write !GetAtt Resource.Attribute.",
    "Fn::FindInMap": "Write !FindInMap [MapName, TopKey, SecondKey].",
    "Fn::Equals": "Write !Equals [value1, value2].",
}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def sls_plugins(doc: Any) -> list[str]:
    """A serverless.yml's ``plugins``: the list, or the long form's ``modules``."""
    plugins = doc.get("plugins") if isinstance(doc, Mapping) else None
    if isinstance(plugins, Mapping):  # the long form: {modules: [...], localPath: ...}
        plugins = plugins.get("modules")
    return [str(p) for p in plugins] if isinstance(plugins, list) else []


class _Absent:
    """A ``file(...)`` variable without a value: null to its fallbacks, ``why`` if none has one."""

    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        self.why = why


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
        #: serverless.yml: the .env variables serverless-dotenv-plugin gives every function.
        self.dotenv: dict[str, str] = {}
        #: Resources whose Condition is false (not created), with the condition's name.
        self.not_created: dict[str, str] = {}

    def fail(self, expr: str, where: str, why: str, key: str) -> TemplateError:
        return TemplateError(
            f"{self.path.name}: cannot resolve {expr} in {where}: {why}. Give the value "
            f"locally: ini lambda_parameter_overrides = {key}=... (or "
            f"--lambda-parameter-override {key}=..., pytest-lambda --parameter-override, "
            f"parameter_overrides={{{key!r}: ...}} in Python; environment={{...}} for an "
            "environment variable).")

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
        try:
            return self._apply(key, arg, where, depth)
        except (IndexError, KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, TemplateError):
                raise
            short = key.removeprefix("Fn::")
            usage = _USAGE.get(key, "")
            raise TemplateError(
                f"{self.path.name}: {key} in {where} is malformed ({arg!r}: "
                f"{type(exc).__name__}: {exc}). {usage or f'Check the !{short} arguments.'}"
            ) from None

    def _apply(self, key: str, arg: Any, where: str, depth: int) -> Any:
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
            if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[1], list):
                raise TypeError("expected [delimiter, [values...]]")
            return str(arg[0]).join(str(v) for v in arg[1])
        if key == "Fn::Select":
            if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[1], list):
                raise TypeError("expected [index, [values...]]")
            index = int(arg[0])
            if not 0 <= index < len(arg[1]):
                raise IndexError(f"index {index} is outside the list of {len(arg[1])}")
            return arg[1][index]
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
        if depth > _MAX_DEPTH:
            raise TemplateError(f"{self.path.name}: circular condition in {where} (a condition "
                                "that refers back to itself through Conditions).")
        if isinstance(name, str):
            conditions = _dict(self.doc.get("Conditions") if self.kind == "sam" else
                               _dict(self.doc.get("resources")).get("Conditions"))
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
        param = _dict(_dict(self.doc.get("Parameters")).get(name)) if self.kind == "sam" else {}
        if name in self.overrides and name not in self.resources:
            value = self.overrides[name]
            kind = str(param.get("Type", "String")) if param else ""
            if kind.startswith("AWS::SSM::Parameter::Value<") and isinstance(value, str):
                # sam deploy's form names the stored parameter; a value given directly is
                # taken as it is (a test rarely has the parameter stored).
                stored = _parameter_store(value, self.region)
                value = stored if stored is not None else value
                return value.split(",") if "List" in kind and isinstance(value, str) else value
            return self.parameter(name, param, value, where) if param else value
        if name in pseudo:
            return pseudo[name]
        if param:
            if "Default" not in param:
                raise self.fail(f"Ref {name}", where, f"parameter {name!r} has no Default", name)
            kind = str(param.get("Type", "String"))
            if kind.startswith("AWS::SSM::Parameter::Value<"):
                # CloudFormation reads the value from Parameter Store at deploy time; the
                # Default is the parameter's name, never what !Ref gives.
                stored = _parameter_store(str(param["Default"]), self.region)
                if stored is None:
                    raise self.fail(
                        f"Ref {name}", where, f"parameter {name!r} is a {kind}: CloudFormation "
                        f"gives the value stored in Parameter Store under "
                        f"{param['Default']!r}, not that name, and the embedded AWS has no "
                        "such parameter: put it there before the application starts "
                        "(lambda_aws.client('ssm').put_parameter(...))", name)
                return stored.split(",") if "List" in kind else stored
            return self.parameter(name, param, param["Default"], where)
        if name in self.resources:
            rtype = str(_dict(self.resources[name]).get("Type"))
            if rtype in _API_TYPES:  # the API id, the one its events carry as apiId
                return api_id(name)
            physical = self.physical_name(name, depth)
            if rtype == "AWS::Events::Rule":
                # A rule on a custom bus: "<bus>|<rule>" (CloudFormation, AWS::Events::Rule
                # return values); a rule without a Name gets CloudFormation's kind of name.
                props = _dict(_dict(self.resources[name]).get("Properties"))
                if physical == name and "Name" not in props:
                    physical = self.generated_name(name)
                bus = props.get("EventBusName")
                bus = self.resolve(bus, f"{name}.EventBusName", depth + 1) if bus else "default"
                if bus != "default" and not str(bus).startswith("arn:"):
                    return f"{bus}|{physical}"
            return _REF.get(rtype, "{n}").format(r=self.region, a=self.account_id, n=physical)
        function = self.sls_logical_function(name)  # a serverless.yml function's own id
        if function is not None:
            return function
        base, _, prop = name.partition(".")
        referenced = self.sam_property(base, prop, where, depth)
        if referenced is not None:
            return referenced
        generated = self.sam_generated(name, None, depth)
        if generated is not None:
            return generated
        raise self.fail(f"Ref {name}", where, f"{name!r} is not a parameter or resource of "
                        "the template", name)

    def generated_name(self, logical_id: str) -> str:
        """The name CloudFormation gives a resource without one: ``<stack>-<logical id>-<13
        characters>`` (at most 64), here the same on every run of one template, so that two
        applications (two stacks) on one embedded AWS do not share it."""
        import hashlib

        digest = hashlib.sha256(f"{self.path}|{self.stack_name}|{logical_id}".encode())
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        suffix = "".join(alphabet[b % 36] for b in digest.digest()[:13])
        return f"{self.stack_name[:20]}-{logical_id[:29]}-{suffix}"

    def parameter(self, name: str, param: Mapping[str, Any], value: Any, where: str) -> Any:
        """A parameter's value as CloudFormation passes it: checked against
        ``AllowedValues``, a list type (``CommaDelimitedList``, ``List<...>``) split on commas."""
        kind = str(param.get("Type", "String"))
        listed = kind == "CommaDelimitedList" or (kind.startswith("List<") and
                                                   not kind.startswith("List<AWS::SSM"))
        if listed and not isinstance(value, list):
            value = [part.strip() for part in str(value).split(",")]
        values = value if isinstance(value, list) else [value]
        problem = _constraint_problem(param, kind, [str(v) for v in values])
        if problem:
            raise TemplateError(
                f"{self.path.name}: parameter {name!r} is {value!r}, which {problem}: "
                f"CloudFormation would not deploy it (used in {where}). Give a valid value.")
        return value

    def sls_functions(self) -> dict[str, dict[str, Any]]:
        """serverless.yml ``functions:`` (a mapping, or a list of mappings) by key."""
        raw = self.doc.get("functions") or {}
        entries = ({k: v for d in raw for k, v in _dict(d).items()} if isinstance(raw, list)
                   else _dict(raw))
        return {key: _dict(spec) for key, spec in entries.items()}

    def sls_function_name(self, key: str, spec: Mapping[str, Any]) -> str:
        """A serverless.yml function's deployed name: ``name``, else ``<service>-<stage>-<key>``."""
        if "name" in spec:
            return str(self.resolve(spec["name"], f"functions.{key}.name"))
        service = self.doc["service"]
        service = self.resolve(_dict(service).get("name") if isinstance(service, dict)
                               else service, "service")
        return f"{service}-{self.stage}-{key}"

    def sls_logical_function(self, logical_id: str) -> str | None:
        """The serverless.yml function whose generated logical id (``<Key>LambdaFunction``,
        ``-`` as ``Dash``, ``_`` as ``Underscore``, the first letter upper-case: the
        Framework's naming) is ``logical_id``; its deployed name, or None."""
        if self.kind != "serverless" or not logical_id.endswith("LambdaFunction"):
            return None
        for key, spec in self.sls_functions().items():
            normal = key.replace("-", "Dash").replace("_", "Underscore")
            if f"{normal[:1].upper()}{normal[1:]}LambdaFunction" == logical_id:
                return self.sls_function_name(key, spec)
        return None

    def sam_property(self, name: str, prop: str, where: str, depth: int) -> Any:
        """A SAM referenceable property (``!Ref MyApi.Stage``, ``${MyApi.Stage}``: SAM docs,
        "Referenceable properties" of the resources it generates), or None for another name."""
        resource = _dict(self.resources.get(name))
        rtype, props = resource.get("Type"), _dict(resource.get("Properties"))
        if rtype in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi"):
            if prop == "Stage":
                stage = props.get("StageName")
                if stage is None:
                    return "$default" if rtype == "AWS::Serverless::HttpApi" else None
                return self.resolve(stage, f"{name}.StageName", depth + 1)
            if prop == "Deployment":
                return api_id(f"{name}Deployment")
        if rtype == "AWS::Serverless::Function" and prop in ("Alias", "Version"):
            alias = props.get("AutoPublishAlias")
            if alias is not None:
                arn = (f"arn:aws:lambda:{self.region}:{self.account_id}:function:"
                       f"{self.physical_name(name, depth)}")
                return (f"{arn}:{self.resolve(alias, f'{name}.AutoPublishAlias', depth + 1)}"
                        if prop == "Alias" else f"{arn}:1")
        return None

    def sam_generated(self, name: str, attr: str | None, depth: int) -> Any:
        """``Ref`` (``attr`` None) or ``Fn::GetAtt`` of a resource SAM generates and documents
        as referenceable (SAM developer guide, "Generated CloudFormation resources"), or None:
        a function's ``<Fn>Role`` and the ``<Fn><Event>`` rule of an ``EventBridgeRule`` /
        ``CloudWatchEvent`` / ``Schedule`` event, the implicit ``ServerlessRestApi`` /
        ``ServerlessHttpApi``, and an API's stage (``<Api><StageName>Stage``,
        ``<Api>ApiGatewayDefaultStage``)."""
        if self.kind != "sam":
            return None
        implicit = {"ServerlessRestApi": "Prod", "ServerlessHttpApi": "$default"}
        apis = {lid: str(_dict(_dict(r).get("Properties")).get("StageName") or
                         ("$default" if _dict(r).get("Type") == "AWS::Serverless::HttpApi"
                          else ""))
                for lid, r in self.resources.items()
                if _dict(r).get("Type") in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi")}
        apis.update(implicit)
        if name in implicit and attr is None:
            return api_id(name)
        for api, stage in apis.items():
            stage_id = (f"{api}ApiGatewayDefaultStage" if stage == "$default"
                        else f"{api}{stage}Stage")
            if name == stage_id and attr is None:
                return stage
        for lid, resource in self.resources.items():
            resource = _dict(resource)
            if resource.get("Type") != "AWS::Serverless::Function" or not name.startswith(lid):
                continue
            props = _dict(resource.get("Properties"))
            rest = name[len(lid):]
            if rest == "Role" and "Role" not in props:
                role = f"{lid}Role"
                return role if attr is None else (
                    f"arn:aws:iam::{self.account_id}:role/{role}" if attr == "Arn" else None)
            if rest == "Url" and props.get("FunctionUrlConfig") is not None:
                # <Fn>Url, SAM's AWS::Lambda::Url: its FunctionUrl is the host lambda_app.http
                # serves the function's URL on (templates/gateway.py's stable ids).
                host = (api_id(self.physical_name(lid, depth)) * 4)[:32]
                url = f"https://{host}.lambda-url.{self.region}.on.aws/"
                return url if attr == "FunctionUrl" else None
            event = _dict(_dict(props.get("Events")).get(rest))
            kind = event.get("Type")
            spec = _dict(event.get("Properties"))
            if kind in ("EventBridgeRule", "CloudWatchEvent", "Schedule"):
                rule = spec.get("RuleName") if kind != "Schedule" else spec.get("Name")
                rule = str(self.resolve(rule, f"{lid}.Events.{rest}", depth + 1)) if rule \
                    else (self.generated_name(name) if kind != "Schedule" else
                          f"{self.physical_name(lid, depth)}{rest}")
                bus = self.resolve(spec.get("EventBusName"), f"{lid}.Events.{rest}",
                                   depth + 1) if spec.get("EventBusName") else "default"
                if attr == "Arn":
                    on = "" if bus == "default" else f"{bus}/"
                    return f"arn:aws:events:{self.region}:{self.account_id}:rule/{on}{rule}"
                # Ref of a rule on a custom bus is "<bus>|<rule>" (CloudFormation,
                # AWS::Events::Rule return values).
                return (rule if bus == "default" else f"{bus}|{rule}") if attr is None else None
        return None

    def getatt(self, name: str, attr: str, where: str, depth: int) -> Any:
        key = f"{name}.{attr}"
        if key in self.overrides:
            return self.overrides[key]
        referenced = self.sam_property(name, attr, where, depth)  # ${MyApi.Stage} in !Sub
        if referenced is not None:
            return referenced
        function = self.sls_logical_function(name) if name not in self.resources else None
        if function is not None and attr == "Arn":
            return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{function}"
        rtype = str(_dict(self.resources.get(name)).get("Type"))
        pattern = _GETATT.get((rtype, attr))
        if pattern is None and name not in self.resources:
            generated = self.sam_generated(name, attr, depth)
            if generated is not None:
                return generated
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
        if _dict(self.resources.get(logical_id)).get("Type") == "AWS::S3::Bucket":
            # CloudFormation names a bucket without a BucketName in lowercase (S3 takes no
            # capitals), as the application creates it (templates/resources.py): the same
            # name through lambda_function and lambda_app.
            return logical_id.lower()
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
        absent: list[str] = []
        for option in options:
            if option[:1] in "'\"" and option[-1:] == option[:1] and len(option) > 1:
                return option[1:-1]
            if re.fullmatch(r"-?\d+(\.\d+)?", option):
                return float(option) if "." in option else int(option)
            if option in ("true", "false"):
                return option == "true"
            value = self._source(option, where, depth)
            if isinstance(value, _Absent):
                absent.append(value.why)
            elif value is not None:
                return value
        first = options[0]
        source = first.split(":", 1)[0]
        why = ("; ".join(absent) + (", and no fallback has a value" if len(options) > 1 else "")
               if absent else
               f"{source}: variables are looked up in AWS or other files, which a test "
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
                if isinstance(node, str) and "${" in node:
                    # A section that is itself a variable (``custom: ${file(./c.yml)}``).
                    node = self.resolve(node, where, depth + 1)
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
        if source.startswith("file("):
            return self._file(ref, where, depth)
        if source == "param":
            params = _dict(self.doc.get("params"))
            for group in (self.stage, "default"):
                if address in _dict(params.get(group)):
                    return self.resolve(params[group][address], where, depth + 1)
        return None

    def _file(self, ref: str, where: str, depth: int) -> Any:
        """``file(./config.yml)`` (the whole document) or ``file(./config.yml):a.b`` (a path
        in it), relative to the serverless.yml, read as the Framework does: YAML, JSON (also
        ``.tfstate``) with its own variables resolved, else plain text. No value is ``_Absent``."""
        m = _FILE_REF.fullmatch(ref)
        if m is None:
            raise self.fail("${" + ref + "}", where, "write it as ${file(./path.yml)} or "
                            "${file(./path.yml):key.path}", ref)
        name, address = m.group(1).strip("'\""), (m.group(2) or "").strip()
        path = (self.path.parent / name).resolve()
        if not path.exists():
            # The Framework reads a missing file as null, so the variable's fallbacks apply.
            return _Absent(f"{path} does not exist")
        if path.suffix in _JS_SUFFIXES:
            raise self.fail("${" + ref + "}", where, f"{name} is JavaScript, which the "
                            "Serverless Framework runs to get the value and a test cannot", ref)
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise self.fail("${" + ref + "}", where, f"{path} cannot be read ({exc})",
                            ref) from None
        node: Any
        if path.suffix in (".yml", ".yaml"):
            node = read_yaml(path, yaml12=True)  # ${file()} is the Framework's: js-yaml
        elif path.suffix in (".json", ".tfstate"):
            try:
                node = json.loads(text)
            except ValueError as exc:
                raise self.fail("${" + ref + "}", where, f"{name} is not valid JSON ({exc})",
                                ref) from None
        elif address:
            return _Absent(f"{name} is read as plain text (only .yml, .yaml, .json and "
                           f".tfstate files have addresses), so it has no value at {address}")
        else:
            return text
        for part in filter(None, address.split(".")):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return _Absent(f"{name} has no value at {address}" if address else f"{name} is empty")
        return self.resolve(node, where, depth + 1)


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


def _constraint_problem(param: Mapping[str, Any], kind: str, values: list[str]) -> str | None:
    """Why CloudFormation refuses one of a parameter's ``values`` (its AllowedValues,
    AllowedPattern, MinLength / MaxLength, a Number's MinValue / MaxValue), or None."""
    allowed = param.get("AllowedValues")
    pattern = param.get("AllowedPattern")
    for value in values:
        if isinstance(allowed, list) and value not in [str(a) for a in allowed]:
            return f"its AllowedValues {allowed!r} refuse"
        if isinstance(pattern, str) and re.fullmatch(pattern, value) is None:
            return f"its AllowedPattern {pattern!r} refuses"
        length = len(value)
        if param.get("MinLength") is not None and length < int(param["MinLength"]):
            return f"its MinLength {param['MinLength']} refuses"
        if param.get("MaxLength") is not None and length > int(param["MaxLength"]):
            return f"its MaxLength {param['MaxLength']} refuses"
        if kind in ("Number", "List<Number>"):
            try:
                number = float(value)
            except ValueError:
                return "is not a number, as its Type Number needs"
            if param.get("MinValue") is not None and number < float(param["MinValue"]):
                return f"its MinValue {param['MinValue']} refuses"
            if param.get("MaxValue") is not None and number > float(param["MaxValue"]):
                return f"its MaxValue {param['MaxValue']} refuses"
    return None


def _parameter_store(name: str, region: str) -> str | None:
    """The value stored under ``name`` in the running embedded AWS's Parameter Store, or None
    (no moto running, or no such parameter)."""
    models = sys.modules.get("moto.core.models")
    stubber = getattr(models, "botocore_stubber", None)
    if stubber is None or not getattr(stubber, "enabled", False):
        return None
    from ..service.boto import client  # moto is running: boto3 is loaded

    try:
        found = client("ssm", region).get_parameter(Name=name, WithDecryption=True)
    except Exception:  # ParameterNotFound, or any answer that is not a value
        return None
    return str(found["Parameter"]["Value"])


def _stringify(value: Any) -> str:
    """Template scalars as Lambda stores environment values (``true``, not ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
