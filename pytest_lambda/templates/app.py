"""A whole serverless application from its template: resources on moto, functions, event wiring.

>>> with Application("template.yaml") as app:                       # doctest: +SKIP
...     app.client("sqs").send_message(QueueUrl=app.resources["Orders"].physical_id,
...                                    MessageBody="{}")
...     app.drain()

What is created, and how each function's events are wired, is listed in docs/application.md.
Everything else the template declares is kept in :attr:`Application.unsupported` (and shown
once in the test report), never skipped silently.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..config import DEFAULT_ACCOUNT, DEFAULT_REGION
from ..service.account import Account
from .errors import TemplateError
from .http import HttpClient
from .iot import TopicRule
from .resources import CREATORS, Resource, create, set_redrive
from .routes import IMPLICIT, Api, Cors, RouteTable, api_id, http_cors

if TYPE_CHECKING:
    from ..function import LambdaFunction
    from ..result import InvokeResult
    from ..service.aws import MockedAws
    from ..sources import EventSourceMapping, PushTrigger
    from ..template import Template, TemplateFunction

#: Types the application understands without creating anything: the functions themselves,
#: and the wiring resources it turns into event source mappings, subscriptions and schedules.
_WIRING = ("AWS::Serverless::Function", "AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping",
           "AWS::SNS::Subscription", "AWS::Events::Rule", "AWS::Serverless::Api",
           "AWS::Serverless::HttpApi", "AWS::ElasticLoadBalancingV2::Listener",
           "AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::ElasticLoadBalancingV2::TargetGroup",
           "AWS::ElasticLoadBalancingV2::LoadBalancer")
_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
#: Drain passes before giving up: a loop of functions feeding each other forever.
_MAX_PASSES = 100


@dataclass
class Schedule:
    """A scheduled rule (EventBridge rule / Scheduler schedule) that invokes a function."""

    name: str
    function: LambdaFunction
    expression: str
    input: Any = None
    scheduler: bool = False
    enabled: bool = True
    #: Seconds between runs for ``rate(...)``; ``None`` for ``cron(...)`` (run it by hand).
    period: float | None = None
    next_due: float = 0.0
    fired: int = field(default=0)


class Application:
    """The functions of a SAM template or serverless.yml with the resources they use, in moto.

    ``template`` is the path of the file. Resources of the supported types are created in the
    active moto account (``aws``: a :class:`~pytest_lambda.service.aws.MockedAws`; without it,
    the application starts and stops its own). ``function_settings`` apply to every function
    (``isolation``, ``seed``, ``network_allow`` ...). Use it as a context manager, or call
    :meth:`close`.
    """

    def __init__(self, template: str | os.PathLike[str], *, region: str | None = None,
                 account_id: str = DEFAULT_ACCOUNT, stage: str | None = None,
                 parameter_overrides: Mapping[str, Any] | None = None,
                 aws: MockedAws | None = None, **function_settings: Any) -> None:
        from ..template import load_template

        self.path = template
        self._own_aws: MockedAws | None = None
        if aws is None:
            from ..service.aws import MockedAws

            aws = self._own_aws = MockedAws(region or DEFAULT_REGION).__enter__()
        self.aws = aws
        self.functions: dict[str, LambdaFunction] = {}
        self.resources: dict[str, Resource] = {}
        self.unsupported: list[str] = []
        self.mappings: list[EventSourceMapping] = []
        self.triggers: list[PushTrigger] = []
        self.schedules: list[Schedule] = []
        self.routes = RouteTable()
        self.iot_rules: list[TopicRule] = []
        overrides = dict(parameter_overrides or {})
        try:
            first = load_template(template, parameter_overrides=overrides, region=region,
                                  account_id=account_id, stage=stage)
            self.region, self.account_id = first.region, first.account_id
            self.account = Account(account_id, self.region)
            self._create_resources(first)
            # Load again with what moto made (a stream ARN carries its creation time), so
            # !GetAtt in environment variables and events resolve to the real values.
            attributes: dict[str, Any] = {
                f"{r.logical_id}.{name}": value for r in self.resources.values()
                for name, value in r.attributes.items()}
            attributes.update({r.logical_id: r.name for r in self.resources.values()})
            self.template: Template = load_template(
                template, parameter_overrides={**attributes, **overrides}, region=region,
                account_id=account_id, stage=stage)
            self._redrive()
            for lid, spec in self.template.items():
                self._add_function(lid, spec, function_settings)
            self._wire()
            self.unsupported.extend(self.routes.unsupported)
            self.http = HttpClient(self.routes, self.account.clock,
                                   seed=function_settings.get("seed"))
        except BaseException:
            self.close()
            raise

    def function(self, name: str) -> LambdaFunction:
        """A function by logical id, deployed name or ARN."""
        if name in self.functions:
            return self.functions[name]
        for fn in self.functions.values():
            if name in (fn.name, fn.arn):
                return fn
        raise KeyError(f"no function {name!r} in {self.path}: it defines "
                       f"{', '.join(self.functions) or '(none)'}.")

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` in the application's moto account and Region."""
        from ..service.boto import client

        return client(service, self.region, **kwargs)

    def drain(self) -> list[InvokeResult]:
        """Deliver everything pending (queues, streams, notifications, async events and their
        retries) until nothing moves; the invocations made, in order."""
        out: list[InvokeResult] = []
        for _ in range(_MAX_PASSES):
            before = len(out)
            for mapping in self.mappings:
                out.extend(mapping.drain())
            for trigger in self.triggers:
                out.extend(trigger.drain())
            out.extend(self.account.drain())
            if len(out) == before:
                return out
        raise RuntimeError(
            f"{self.path}: still delivering after {_MAX_PASSES} passes ({len(out)} "
            "invocations): functions that feed each other in a loop? Step with the "
            "mappings' poll() instead.")

    def advance(self, seconds: float) -> list[InvokeResult]:
        """Move the virtual clock forward, running the ``rate(...)`` schedules that fall due
        (and the asynchronous queue's retries); the scheduled invocations' attempts."""
        if seconds < 0:
            raise ValueError(f"seconds={seconds!r}: the clock only moves forward.")
        clock = self.account.clock
        end = clock.now + seconds
        out: list[InvokeResult] = []
        while True:
            due = [s for s in self.schedules if s.enabled and s.period and s.next_due <= end]
            if not due:
                break
            schedule = min(due, key=lambda s: s.next_due)
            out.extend(self.account.advance(max(schedule.next_due - clock.now, 0.0)))
            self._fire(schedule)
            assert schedule.period is not None
            schedule.next_due += schedule.period
        out.extend(self.account.advance(max(end - clock.now, 0.0)))
        return out

    def publish_iot(self, topic: str, payload: Mapping[str, Any], *,
                    client_id: str = "test-device") -> list[InvokeResult]:
        """Publish an MQTT message to AWS IoT Core: every ``IoTRule`` whose topic filter
        matches invokes its function asynchronously with the rule's SELECT applied, as IoT
        does; returns the attempts made."""
        invoked = {rule.function.invoke(rule.event(topic, dict(payload), client_id),
                                        invocation_type="Event").request_id
                   for rule in self.iot_rules if rule.matches(topic)}
        return [r for r in self.account.drain() if r.request_id in invoked]

    def run_schedule(self, name: str) -> list[InvokeResult]:
        """Fire one schedule now (any expression, ``cron(...)`` included); its attempts."""
        for schedule in self.schedules:
            if name in (schedule.name, schedule.function.name):
                self._fire(schedule)
                return self.account.drain()
        raise KeyError(f"no schedule {name!r} in {self.path}: it has "
                       f"{', '.join(s.name for s in self.schedules) or '(none)'}.")

    def close(self) -> None:
        """Remove the triggers and functions, and stop moto if the application started it."""
        for trigger in self.triggers:
            try:
                trigger.close()
            except Exception:  # moto may already be gone: close the others
                pass
        for fn in self.functions.values():
            fn.close()
        self.triggers.clear()
        self.functions.clear()
        if self._own_aws is not None:
            self._own_aws.__exit__(None, None, None)
            self._own_aws = None

    def __enter__(self) -> Application:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _create_resources(self, template: Template) -> None:
        resources = template.resources
        for rtype in CREATORS:
            for lid, resource in resources.items():
                if isinstance(resource, Mapping) and resource.get("Type") == rtype:
                    props = template.resolve(dict(resource.get("Properties") or {}),
                                             f"Resources.{lid}.Properties")
                    props.pop("RedrivePolicy", None)
                    self.resources[lid] = create(lid, rtype, props, template.region)
        for lid, resource in resources.items():
            rtype = str(resource.get("Type")) if isinstance(resource, Mapping) else "?"
            if rtype not in CREATORS and rtype not in _WIRING:
                self.unsupported.append(f"{lid} ({rtype})")
        if template.kind == "serverless":
            self._serverless_implicit(template)

    def _redrive(self) -> None:
        for lid, resource in self.template.resources.items():
            if resource.get("Type") == "AWS::SQS::Queue" and lid in self.resources:
                props = self.template.resolve(dict(resource.get("Properties") or {}),
                                              f"Resources.{lid}.Properties")
                set_redrive(self.resources[lid], props, self.region)

    def _add_function(self, lid: str, spec: TemplateFunction,
                      settings: Mapping[str, Any]) -> None:
        from ..function import LambdaFunction

        kwargs = spec.kwargs(**{k: v for k, v in settings.items() if k != "environment"},
                             environment=settings.get("environment"))
        kwargs.pop("region", None)
        kwargs.pop("account_id", None)
        handler = kwargs.pop("handler")
        self.functions[lid] = LambdaFunction(handler, account=self.account, **kwargs)

    def _wire(self) -> None:
        for lid, spec in self.template.items():
            fn = self.functions[lid]
            if self.template.kind == "sam":
                events = spec.properties.get("Events") or {}
                for name, event in events.items() if isinstance(events, Mapping) else ():
                    where = f"{lid}.Events.{name}"
                    raw = dict(event.get("Properties") or {})
                    kind = str(event.get("Type"))
                    if kind in ("Api", "HttpApi"):
                        self._sam_route(fn, kind, raw, where)
                        continue
                    props = self.template.resolve(raw, where)
                    self._sam_event(fn, name, kind, props, where)
                url = spec.properties.get("FunctionUrlConfig")
                if isinstance(url, Mapping):
                    self._function_url(fn, lid, url)
            else:
                for i, event in enumerate(spec.properties.get("events") or ()):
                    for kind, value in dict(event).items():
                        where = f"functions.{lid}.events[{i}].{kind}"
                        self._sls_event(fn, kind, self.template.resolve(value, where), where)
                url = spec.properties.get("url")
                if url:
                    self._function_url(fn, lid, url if isinstance(url, Mapping) else {})
        self._load_balancers()
        for lid, resource in self.template.resources.items():
            rtype = resource.get("Type") if isinstance(resource, Mapping) else None
            if rtype in ("AWS::Lambda::EventSourceMapping", "AWS::SNS::Subscription",
                         "AWS::Events::Rule", "AWS::S3::Bucket"):
                props = self.template.resolve(dict(resource.get("Properties") or {}),
                                              f"Resources.{lid}.Properties")
                self._cfn_wiring(lid, str(rtype), props)

    def _sam_event(self, fn: LambdaFunction, name: str, kind: str, props: dict[str, Any],
                   where: str) -> None:
        if kind == "SQS":
            self._mapping(fn, props.get("Queue"), props, where)
        elif kind in ("Kinesis", "DynamoDB"):
            self._mapping(fn, props.get("Stream"), props, where)
        elif kind == "S3":
            rules = _dict(_dict(props.get("Filter")).get("S3Key")).get("Rules") or []
            self._s3(fn, str(props.get("Bucket")), _list(props.get("Events")), rules)
        elif kind == "SNS":
            if props.get("SqsSubscription"):
                self.unsupported.append(f"{where}.SqsSubscription (the SNS-to-SQS queue SAM "
                                        "would add; the function is subscribed directly)")
            self.triggers.append(fn.subscribe_sns(
                str(props.get("Topic")), filter_policy=props.get("FilterPolicy"),
                filter_policy_scope=str(props.get("FilterPolicyScope", "MessageAttributes"))))
        elif kind == "IoTRule":
            self.iot_rules.append(TopicRule.parse(where, fn, str(props.get("Sql", ""))))
        elif kind in ("Schedule", "ScheduleV2"):
            expression = props.get("Schedule" if kind == "Schedule" else "ScheduleExpression")
            self._schedule(str(props.get("Name") or f"{fn.name}{name}"), fn, str(expression),
                           props.get("Input"), kind == "ScheduleV2",
                           props.get("Enabled", props.get("State", "ENABLED")))
        else:
            self.unsupported.append(f"{where} ({kind} event)")

    def _sls_event(self, fn: LambdaFunction, kind: str, value: Any, where: str) -> None:
        spec = value if isinstance(value, Mapping) else {"arn": value}
        if kind == "sqs" or kind == "stream":
            self._mapping(fn, spec.get("arn"), _sls_mapping(spec), where)
        elif kind == "s3":
            bucket = str(spec.get("bucket") if isinstance(value, Mapping) else value)
            rules = [{"Name": k, "Value": v} for rule in spec.get("rules") or ()
                     for k, v in dict(rule).items()]
            self._s3(fn, bucket, _list(spec.get("event", "s3:ObjectCreated:*")), rules)
        elif kind == "sns":
            self.triggers.append(fn.subscribe_sns(
                self._topic_arn(value if not isinstance(value, Mapping)
                                else spec.get("arn") or spec.get("topicName")),
                filter_policy=spec.get("filterPolicy"),
                filter_policy_scope=str(spec.get("filterPolicyScope", "MessageAttributes"))))
        elif kind in ("http", "httpApi"):
            self._sls_route(fn, kind, value, where)
        elif kind == "alb":
            self._sls_alb(fn, spec)
        elif kind == "schedule":
            rates = _list(spec.get("rate") if isinstance(value, Mapping) else value)
            for i, rate in enumerate(rates):
                self._schedule(str(spec.get("name") or f"{fn.name}-schedule-{i + 1}"), fn, rate,
                               spec.get("input"), False, spec.get("enabled", True))
        else:
            self.unsupported.append(f"{where} ({kind} event)")

    def _sam_route(self, fn: LambdaFunction, kind: str, raw: Mapping[str, Any],
                   where: str) -> None:
        """An ``Api`` (REST) or ``HttpApi`` event: a route of the named or implicit API."""
        api_kind: Any = "rest" if kind == "Api" else "http"
        ref = raw.get("RestApiId" if kind == "Api" else "ApiId")
        name = (ref.get("Ref") if isinstance(ref, Mapping) else ref) or IMPLICIT[api_kind][0]
        api = self.routes.api(str(name), api_kind, self.template, self.functions)
        props = self.template.resolve(dict(raw), where)
        path, method = props.get("Path"), str(props.get("Method", "ANY"))
        if api_kind == "http" and path is None:  # the $default route: every request
            path, method = "/{proxy+}", "ANY"
        if path is None:
            raise TemplateError(f"{self.path}: {where} has no Path; add one (e.g. /orders).")
        fmt = props.get("PayloadFormatVersion")
        if api_kind == "http" and fmt is None:
            resource = _dict(self.template.resources.get(str(name)))
            fmt = _dict(resource.get("Properties")).get("PayloadFormatVersion")
        self.routes.add(api, method, str(path), fn, _dict(props.get("Auth")),
                        None if fmt is None else str(fmt))

    def _function_url(self, fn: LambdaFunction, lid: str, config: Mapping[str, Any]) -> None:
        """A Function URL (SAM ``FunctionUrlConfig``, serverless.yml ``url``)."""
        config = self.template.resolve(dict(config), f"{lid}.FunctionUrlConfig")
        api = Api(fn.name, "url", "$default", api_id(fn.name))
        cors = config.get("Cors") or config.get("cors")
        if cors:
            api.cors = http_cors(cors)
        self.routes.apis[fn.name] = api
        self.routes.add(api, "ANY", "/{proxy+}", fn, None, "2.0")
        self.routes.add(api, "ANY", "/", fn, None, "2.0")

    def _sls_route(self, fn: LambdaFunction, kind: str, value: Any, where: str) -> None:
        """serverless.yml ``http`` (REST API) and ``httpApi`` (HTTP API) events."""
        spec = dict(value) if isinstance(value, Mapping) else {}
        if not isinstance(value, Mapping):
            text = str(value).strip()
            method, _, path = text.partition(" ") if " " in text else ("ANY", "", text)
            spec = {"method": method, "path": path}
        api_kind: Any = "rest" if kind == "http" else "http"
        name = "ApiGatewayRestApi" if kind == "http" else "HttpApi"
        api = self.routes.api(name, api_kind)
        api.stage = self.template._scope.stage if self.template._scope else api.stage
        if api_kind == "http":
            api.stage = "$default"
        path = str(spec.get("path", "/"))
        path = path if path.startswith("/") or path == "*" else "/" + path
        method = str(spec.get("method", "ANY"))
        if path == "*" or method == "*":
            path, method = ("/{proxy+}" if path == "*" else path), "ANY"
        if spec.get("cors"):
            api.cors = http_cors(spec["cors"]) if api_kind == "http" else Cors()
        auth = spec.get("authorizer")
        auth_spec: dict[str, Any] | None = None
        if auth:
            auth_spec = self._sls_authorizer(api, auth, where)
        self.routes.add(api, method, path, fn, auth_spec, None)

    def _sls_authorizer(self, api: Any, auth: Any, where: str) -> dict[str, Any] | None:
        from .routes import Authorizer

        spec = dict(auth) if isinstance(auth, Mapping) else {"name": str(auth)}
        name = str(spec.get("name") or spec.get("functionName") or "")
        provider = _dict(_dict(self.template._scope.doc if self.template._scope else {}).get(
            "provider"))
        declared = _dict(_dict(_dict(provider.get("httpApi")).get("authorizers")).get(name))
        target = declared.get("functionName") or spec.get("functionName") or name
        try:
            function = self._function_of(target, where)
        except TemplateError:
            self.unsupported.append(f"{where}.authorizer {name!r} (not a Lambda authorizer of "
                                    "this service: JWT/Cognito/IAM authorizers are not checked)")
            return None
        if api.kind == "rest":
            kind = str(spec.get("type", "token")).upper()
            source = str(spec.get("identitySource", "method.request.header.Authorization"))
            headers = [s.rsplit(".", 1)[-1] for s in source.split(",")]
            api.authorizers[name] = Authorizer(name, function, kind, headers,
                                               int(spec.get("resultTtlInSeconds", 300)))
        else:
            sources = [str(s).rsplit(".", 1)[-1] for s in
                       _list(declared.get("identitySource") or ["$request.header.Authorization"])]
            api.authorizers[name] = Authorizer(
                name, function, "REQUEST", sources, int(declared.get("resultTtlInSeconds", 0)),
                str(declared.get("payloadVersion", "2.0")),
                bool(declared.get("enableSimpleResponses", False)))
        return {"Authorizer": name}

    def _load_balancers(self) -> None:
        """ALB listeners whose rules (or default action) forward to Lambda target groups."""
        from .alb import FixedResponse, Rule, TargetGroup, rule_from_cfn

        groups: dict[str, TargetGroup | None] = {}
        by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for lid, resource in self.template.resources.items():
            rtype = str(_dict(resource).get("Type"))
            if rtype.startswith("AWS::ElasticLoadBalancingV2::"):
                props = self.template.resolve(dict(_dict(resource).get("Properties") or {}),
                                              f"Resources.{lid}.Properties")
                by_type.setdefault(rtype.rsplit("::", 1)[1], []).append((lid, props))
        for lid, props in by_type.get("TargetGroup", []):
            targets = [t.get("Id") for t in props.get("Targets") or ()]
            functions = [fn for fn in self.functions.values()
                         if any(self._is_function(t) and self._function_of(t, lid) is fn
                                for t in targets)]
            multi = any(a.get("Key") == "lambda.multi_value_headers.enabled"
                        and str(a.get("Value")).lower() == "true"
                        for a in props.get("TargetGroupAttributes") or ())
            groups[lid] = (TargetGroup(str(props.get("Name") or lid), functions[0], multi)
                           if props.get("TargetType") == "lambda" and functions else None)

        def action(actions: Any, where: str) -> TargetGroup | FixedResponse | None:
            for entry in actions or ():
                if entry.get("Type") == "fixed-response":
                    config = entry.get("FixedResponseConfig") or {}
                    return FixedResponse(int(config.get("StatusCode", 200)),
                                         str(config.get("ContentType", "text/plain")),
                                         str(config.get("MessageBody", "")))
                if entry.get("Type") == "forward":
                    arn = str(entry.get("TargetGroupArn"))
                    lid = next((g for g in groups if arn in (g, self._group_arn(g))), None)
                    if lid is not None and groups[lid] is not None:
                        return groups[lid]
            self.unsupported.append(f"{where} (an action that forwards to no Lambda target "
                                    "group of this template)")
            return None

        for lid, props in by_type.get("Listener", []):
            default = action(props.get("DefaultActions"), f"Resources.{lid}.DefaultActions")
            rules: list[Rule] = []
            for rule_lid, rule_props in by_type.get("ListenerRule", []):
                if str(rule_props.get("ListenerArn")) not in (lid, self._group_arn(lid)):
                    continue
                forward = action(rule_props.get("Actions"), f"Resources.{rule_lid}.Actions")
                if forward is not None:
                    rules.append(rule_from_cfn(rule_props.get("Priority", 50000),
                                               list(rule_props.get("Conditions") or ()), forward))
            if default is not None:
                rules.append(Rule(float("inf"), default))
            if rules:
                rules.sort(key=lambda r: r.priority)
                self.routes.listeners[lid] = rules
                self.routes.apis[lid] = Api(lid, "alb", "$default", api_id(lid))

    def _sls_alb(self, fn: LambdaFunction, spec: Mapping[str, Any]) -> None:
        """A serverless.yml ``alb`` event: a listener rule forwarding to the function."""
        from .alb import Rule, TargetGroup

        conditions = _dict(spec.get("conditions"))
        header = _dict(conditions.get("header"))
        rule = Rule(float(spec.get("priority", 1)),
                    TargetGroup(fn.name, fn, bool(spec.get("multiValueHeaders", False))),
                    paths=[str(p) for p in _list(conditions.get("path"))],
                    methods=[str(m).upper() for m in _list(conditions.get("method"))],
                    hosts=[str(h) for h in _list(conditions.get("host"))],
                    headers=({str(header.get("name")): [str(v) for v in _list(
                        header.get("values"))]} if header else {}),
                    queries=[(str(k), str(v)) for k, v in
                             _dict(conditions.get("query")).items()])
        listener = str(spec.get("listenerArn"))
        rules = self.routes.listeners.setdefault(listener, [])
        rules.append(rule)
        rules.sort(key=lambda r: r.priority)
        self.routes.apis.setdefault(listener, Api(listener, "alb", "$default", api_id(listener)))

    def _group_arn(self, lid: str) -> str:
        """The ARN ``!Ref`` gives a target group or listener (its physical name stand-in)."""
        return str(self.template.resolve({"Ref": lid}, f"Resources.{lid}"))

    def _cfn_wiring(self, lid: str, rtype: str, props: dict[str, Any]) -> None:
        if rtype == "AWS::Lambda::EventSourceMapping":
            fn = self._function_of(props.get("FunctionName"), f"Resources.{lid}")
            self._mapping(fn, props.get("EventSourceArn"), props, f"Resources.{lid}")
        elif rtype == "AWS::SNS::Subscription":
            endpoint, protocol = str(props.get("Endpoint")), props.get("Protocol")
            if protocol == "lambda":
                self.triggers.append(self._function_of(endpoint, lid).subscribe_sns(
                    str(props.get("TopicArn")), filter_policy=props.get("FilterPolicy"),
                    filter_policy_scope=str(props.get("FilterPolicyScope",
                                                      "MessageAttributes"))))
            elif protocol == "sqs":
                attributes = {k: v if isinstance(v, str) else _json(v) for k, v in props.items()
                              if k in ("FilterPolicy", "FilterPolicyScope",
                                       "RawMessageDelivery")}
                self.client("sns").subscribe(TopicArn=props.get("TopicArn"), Protocol="sqs",
                                             Endpoint=endpoint, Attributes=attributes)
            else:
                self.unsupported.append(f"{lid} (AWS::SNS::Subscription, protocol {protocol})")
        elif rtype == "AWS::Events::Rule":
            targets = [t for t in props.get("Targets") or () if self._is_function(t.get("Arn"))]
            if "ScheduleExpression" in props and targets:
                for target in targets:
                    self._schedule(str(props.get("Name") or lid),
                                   self._function_of(target["Arn"], lid),
                                   str(props["ScheduleExpression"]), target.get("Input"),
                                   False, props.get("State", "ENABLED"))
            else:
                self.unsupported.append(f"{lid} (AWS::Events::Rule with an EventPattern: "
                                        "invoke the function with lambda_events instead)")
        elif rtype == "AWS::S3::Bucket":
            config = _dict(props.get("NotificationConfiguration"))
            for entry in config.get("LambdaConfigurations") or ():
                rules = _dict(_dict(entry.get("Filter")).get("S3Key")).get("Rules") or []
                self._s3(self._function_of(entry.get("Function"), lid), str(
                    self.resources[lid].physical_id), [str(entry.get("Event"))], rules)
            relay = {k: config[k] for k in ("QueueConfigurations", "TopicConfigurations")
                     if config.get(k)}
            if relay:
                self.client("s3").put_bucket_notification_configuration(
                    Bucket=self.resources[lid].physical_id, NotificationConfiguration=relay)

    def _mapping(self, fn: LambdaFunction, arn: Any, props: Mapping[str, Any],
                 where: str) -> None:
        if not isinstance(arn, str):
            raise TemplateError(f"{self.path}: {where} has no event source ARN (got "
                                f"{arn!r}); point it at a queue or stream of the template.")
        if props.get("FilterCriteria"):
            self.unsupported.append(f"{where}.FilterCriteria (every record is delivered)")
        kwargs: dict[str, Any] = {}
        for prop, key in _MAPPING_PROPS.items():
            if props.get(prop) is not None:
                kwargs[key] = props[prop]
        failure = _dict(_dict(props.get("DestinationConfig")).get("OnFailure"))
        if failure.get("Destination"):
            kwargs["destination_config"] = {"OnFailure": {"Destination": failure["Destination"]}}
        if "function_response_types" in kwargs:
            kwargs["function_response_types"] = _list(kwargs["function_response_types"])
        self.mappings.append(fn.add_event_source(arn, **kwargs))

    def _s3(self, fn: LambdaFunction, bucket: str, events: list[str],
            rules: Iterable[Mapping[str, Any]]) -> None:
        found = {str(r.get("Name")).lower(): str(r.get("Value")) for r in rules}
        if not any(r.physical_id == bucket for r in self.resources.values()):
            self.resources[bucket] = create(bucket, "AWS::S3::Bucket", {"BucketName": bucket},
                                            self.region)
        self.triggers.append(fn.connect_s3(bucket, events=events, prefix=found.get("prefix"),
                                           suffix=found.get("suffix")))

    def _schedule(self, name: str, fn: LambdaFunction, expression: str, payload: Any,
                  scheduler: bool, enabled: Any) -> None:
        m = _RATE.fullmatch(expression.strip())
        period = None
        if m is not None:
            period = int(m.group(1)) * _UNIT_S[m.group(2).rstrip("s")]
        elif not expression.strip().startswith(("cron(", "at(")):
            raise TemplateError(f"{self.path}: schedule {name!r} has the expression "
                                f"{expression!r}; use rate(N minutes|hours|days) or cron(...).")
        on = enabled not in (False, "false", "DISABLED")
        self.schedules.append(Schedule(name, fn, expression, payload, scheduler, on, period,
                                       self.account.clock.now + (period or 0)))

    def _fire(self, schedule: Schedule) -> None:
        from ..events.eventbridge import scheduled_event, scheduler_event

        # The time the test sees now (frozen under freezegun / time-machine) plus the virtual
        # clock's progress, so a schedule fires at the time the test set.
        now = _dt.datetime.fromtimestamp(time.time() + self.account.clock.now, _dt.UTC)
        if schedule.input is not None:
            event = (json.loads(schedule.input) if isinstance(schedule.input, str)
                     else schedule.input)
        elif schedule.scheduler:
            event = scheduler_event(schedule.name, region=self.region,
                                    account_id=self.account_id, now=now)
        else:
            event = scheduled_event(schedule.name[:64], region=self.region,
                                    account_id=self.account_id, now=now)
        schedule.fired += 1
        schedule.function.invoke(event, invocation_type="Event")

    def _serverless_implicit(self, template: Template) -> None:
        """Topics and buckets a serverless.yml creates from its functions' events."""
        for lid, spec in template.items():
            for i, event in enumerate(spec.properties.get("events") or ()):
                for kind, value in dict(event).items():
                    value = template.resolve(value, f"functions.{lid}.events[{i}].{kind}")
                    options = value if isinstance(value, Mapping) else {}
                    if kind == "sns" and not str(options.get("arn") or value).startswith("arn:"):
                        name = str(options.get("topicName") or value)
                        if name not in self.resources:
                            self.resources[name] = create(name, "AWS::SNS::Topic",
                                                          {"TopicName": name}, template.region)
                    if kind == "s3" and not options.get("existing"):
                        bucket = str(options.get("bucket") or value)
                        if not any(r.physical_id == bucket for r in self.resources.values()):
                            self.resources[bucket] = create(
                                bucket, "AWS::S3::Bucket", {"BucketName": bucket},
                                template.region)

    def _topic_arn(self, name_or_arn: Any) -> str:
        text = str(name_or_arn)
        if text.startswith("arn:"):
            return text
        return f"arn:aws:sns:{self.region}:{self.account_id}:{text}"

    def _is_function(self, ref: Any) -> bool:
        try:
            self._function_of(ref, "")
        except TemplateError:
            return False
        return True

    def _function_of(self, ref: Any, where: str) -> LambdaFunction:
        text = str(ref)
        for lid, fn in self.functions.items():
            if text in (lid, fn.name, fn.arn) or text.startswith(fn.arn + ":"):
                return fn
        raise TemplateError(f"{self.path}: {where} names the function {text!r}, which is not "
                            "one of the template's functions.")


#: Event source mapping properties (CloudFormation / SAM spelling) and our keyword names.
_MAPPING_PROPS = {
    "BatchSize": "batch_size", "StartingPosition": "starting_position",
    "MaximumBatchingWindowInSeconds": "maximum_batching_window_in_seconds",
    "MaximumRetryAttempts": "maximum_retry_attempts",
    "MaximumRecordAgeInSeconds": "maximum_record_age_in_seconds",
    "BisectBatchOnFunctionError": "bisect_batch_on_function_error",
    "FunctionResponseTypes": "function_response_types",
    "ParallelizationFactor": "parallelization_factor", "Enabled": "enabled",
}


def _sls_mapping(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A serverless.yml ``sqs`` / ``stream`` event's settings in CloudFormation spelling."""
    names = {"batchSize": "BatchSize", "startingPosition": "StartingPosition",
             "maximumBatchingWindow": "MaximumBatchingWindowInSeconds",
             "maximumRetryAttempts": "MaximumRetryAttempts",
             "maximumRecordAgeInSeconds": "MaximumRecordAgeInSeconds",
             "bisectBatchOnFunctionError": "BisectBatchOnFunctionError",
             "functionResponseType": "FunctionResponseTypes",
             "parallelizationFactor": "ParallelizationFactor", "enabled": "Enabled",
             "filterPatterns": "FilterCriteria"}
    out = {names[k]: v for k, v in spec.items() if k in names}
    failure = _dict(_dict(spec.get("destinations")).get("onFailure"))
    target = failure.get("arn") if failure else _dict(spec.get("destinations")).get("onFailure")
    if target:
        out["DestinationConfig"] = {"OnFailure": {"Destination": target}}
    return out


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _json(value: Any) -> str:
    return json.dumps(value)
