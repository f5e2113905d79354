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
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from ..config import DEFAULT_ACCOUNT, DEFAULT_REGION
from ..errors import with_advice
from ..function import LambdaFunction
from ..service.account import Account
from .app_state import Schedule, _dict, _list
from .cfn_http import HTTP_TYPES, wire_http_apis
from .cfn_rest import REST_TYPES, wire_rest_apis
from .errors import FunctionNotCreated
from .http import HttpClient
from .http_wiring import HttpWiring
from .iot import TopicRule
from .qualified import QualifiedFunction
from .resolve import sls_plugins
from .resources import CREATORS, NAME_PROPERTY, Resource, create, set_redrive
from .routes import RouteTable
from .wiring import EventWiring

if TYPE_CHECKING:
    from ..result import InvokeResult
    from ..service.aws import MockedAws
    from ..sources import EventSourceMapping, PushTrigger
    from ..template import Template, TemplateFunction

#: serverless.yml plugins that only build, package or run the service locally: nothing they do
#: changes what is deployed, so they are not listed as not emulated.
_PACKAGING_PLUGINS = frozenset({
    "serverless-python-requirements", "serverless-webpack", "serverless-esbuild",
    "serverless-plugin-typescript", "serverless-offline", "serverless-dotenv-plugin",
    "serverless-prune-plugin", "serverless-bundle", "serverless-plugin-include-dependencies",
    "serverless-plugin-optimize", "serverless-layers", "serverless-iam-roles-per-function",
    "serverless-deployment-bucket", "serverless-stage-manager", "serverless-localstack",
    "serverless-dynamodb-local", "serverless-dynamodb", "serverless-s3-local",
    "serverless-offline-sqs",
})
#: Function properties that change how a function runs on Lambda, which the local runtime does
#: not do (SAM / CloudFormation, and serverless.yml's names for them).
_NOT_EMULATED_SAM = {
    "DurableConfig": "durable functions; the handler gets the plain event, without a durable "
                     "execution",
    "FileSystemConfigs": "EFS mounts; the LocalMountPath does not exist locally",
    "SnapStart": "SnapStart; every new environment is an on-demand cold start and no restore "
                 "hook runs",
    "ProvisionedConcurrencyConfig": "provisioned concurrency; every new environment is an "
                                    "on-demand cold start",
    "RecursiveLoop": "RecursiveLoop Allow; a recursive loop is still stopped at its 17th "
                     "invocation",
    "CapacityProviderConfig": "Lambda Managed Instances; the function runs as an on-demand "
                              "one: one request per environment, AWS_LAMBDA_MAX_CONCURRENCY "
                              "unset, its log format as configured, on-demand prices",
}
_NOT_EMULATED_SLS = {
    "fileSystemConfig": _NOT_EMULATED_SAM["FileSystemConfigs"],
    "snapStart": _NOT_EMULATED_SAM["SnapStart"],
    "provisionedConcurrency": _NOT_EMULATED_SAM["ProvisionedConcurrencyConfig"],
}
#: Types the application understands without creating anything: the functions themselves,
#: and the wiring resources it turns into event source mappings, subscriptions and schedules.
_WIRING = ("AWS::Serverless::Function", "AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping",
           "AWS::Lambda::Url", "Custom::S3BucketNotifications",
           "AWS::SNS::Subscription", "AWS::Events::Rule", "AWS::Scheduler::Schedule",
           "AWS::Serverless::Api",
           "AWS::Serverless::HttpApi", "AWS::ElasticLoadBalancingV2::Listener",
           "AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::ElasticLoadBalancingV2::TargetGroup",
           "AWS::ElasticLoadBalancingV2::LoadBalancer")
#: Layers: nothing is created, but a function's ``Layers: [!Ref X]`` loads X's local content.
_LAYERS = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
#: Drain passes before giving up: a loop of functions feeding each other forever.
_MAX_PASSES = 100


class Application(EventWiring, HttpWiring):
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
        from ..template import load_template  # the loader (PyYAML) only when an app is made

        self.path = template
        self._own_aws: MockedAws | None = None
        if aws is None:
            from ..service.aws import MockedAws  # moto only when the app starts its own

            aws = self._own_aws = MockedAws(region or DEFAULT_REGION).__enter__()
        self.aws = aws
        self.functions: dict[str, LambdaFunction] = {}
        #: Functions whose events invoke an alias (SAM AutoPublishAlias), by logical id.
        self.event_targets: dict[str, QualifiedFunction] = {}
        #: Functions that could not be created (a value that does not resolve locally, an
        #: invalid setting), by logical id: the others run; using one of these raises its error.
        self.failed: dict[str, Exception] = {}
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
            self._create_resources(first, layers_given="layers" in function_settings)
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
        self._raise_if_failed(name)
        raise KeyError(f"no function {name!r} in {self.path}: it defines "
                       f"{', '.join(self.functions) or '(none)'}.")

    def drain(self, *, max_invocations: int | None = None) -> list[InvokeResult]:
        """Deliver everything pending (queues, streams, notifications, async events and their
        retries) until nothing moves; the invocations made, in order. ``max_invocations``
        bounds each event source mapping's drain (as ``mapping.drain(max_invocations=...)``:
        a ``RuntimeError`` past it), e.g. for a poison record retried until it expires."""
        out: list[InvokeResult] = []
        limit = {} if max_invocations is None else {"max_invocations": max_invocations}
        for _ in range(_MAX_PASSES):
            before = len(out)
            for mapping in self.mappings:
                out.extend(mapping.drain(**limit))
            # Triggers only deliver here: one run of the account's queue then returns every
            # function's attempts (a trigger's own drain would keep only its own).
            delivered = [(trigger, trigger.deliver()) for trigger in self.triggers]
            ran = self.account.drain()
            for trigger, accepted in delivered:
                trigger.collect(accepted, ran)
            out.extend(ran)
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
        """Fire one schedule now (any expression, ``cron(...)`` included); its attempts.

        ``name`` is the schedule's name, or its function's (logical id, key under
        ``functions:``, deployed name or ARN) when that function has one schedule.
        """
        found = [s for s in self.schedules if s.name == name]
        if not found:
            fn = next((f for lid, f in self.functions.items()
                       if name in (lid, f.name, f.arn)), None)
            found = [s for s in self.schedules if fn is not None and s.function is fn]
        if len(found) == 1:
            self._fire(found[0])
            return self.account.drain()
        if found:
            raise KeyError(f"{name!r} has {len(found)} schedules in {self.path}: name one of "
                           f"{', '.join(s.name for s in found)}.")
        raise KeyError(f"no schedule {name!r} in {self.path}: it has "
                       f"{', '.join(s.name for s in self.schedules) or '(none)'} (a schedule "
                       "name, or a function with one schedule).")

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

    def _create_resources(self, template: Template, *, layers_given: bool) -> None:
        resources = template.resources
        for rtype in CREATORS:
            for lid, resource in resources.items():
                if isinstance(resource, Mapping) and resource.get("Type") == rtype:
                    props = template.resolve(dict(resource.get("Properties") or {}),
                                             f"Resources.{lid}.Properties")
                    props.pop("RedrivePolicy", None)
                    if lid in template.parameter_overrides:
                        # A name given for the resource is the one !Ref gives the functions:
                        # the resource is made under it.
                        props[NAME_PROPERTY[rtype]] = str(template.parameter_overrides[lid])
                    self.resources[lid] = create(lid, rtype, props, template.region)
        loaded = _loaded_layers(template, layers_given)
        for lid, resource in resources.items():
            rtype = str(resource.get("Type")) if isinstance(resource, Mapping) else "?"
            if rtype in _LAYERS:
                if lid not in loaded:
                    why = _unloaded_layer(template, layers_given)
                    self.unsupported.append(f"{lid} ({rtype}: {why})")
            elif rtype not in CREATORS and rtype not in _WIRING and rtype not in REST_TYPES \
                    and rtype not in HTTP_TYPES:
                self.unsupported.append(f"{lid} ({rtype})")
        if template.kind == "serverless":
            self._serverless_implicit(template)
        else:
            self._sam_destinations(template)

    def _redrive(self) -> None:
        for lid, resource in self.template.resources.items():
            if resource.get("Type") == "AWS::SQS::Queue" and lid in self.resources:
                props = self.template.resolve(dict(resource.get("Properties") or {}),
                                              f"Resources.{lid}.Properties")
                set_redrive(self.resources[lid], props, self.region)

    def _add_function(self, lid: str, spec: TemplateFunction,
                      settings: Mapping[str, Any]) -> None:
        try:
            kwargs = spec.kwargs(**{k: v for k, v in settings.items() if k != "environment"},
                                 environment=settings.get("environment"))
            kwargs.pop("region", None)
            kwargs.pop("account_id", None)
            handler = kwargs.pop("handler")
            fn = self.functions[lid] = LambdaFunction(handler, account=self.account, **kwargs)
            self._publish_alias(lid, spec, fn)
            self._list_not_emulated(lid, spec)
        except ValueError as error:  # TemplateError included
            # Only this function stops (docs/templates.md): the rest of the application runs,
            # and using this one raises the error, which names the override or setting to fix.
            self.failed[lid] = error
            self.unsupported.append(f"{lid} (not created: {with_advice(error)})")
            self.routes.not_created[lid] = with_advice(error)

    def _url_resources(self) -> None:
        """``AWS::Lambda::Url`` resources (what CDK and plain CloudFormation declare): the
        Function URL of the function their ``TargetFunctionArn`` names."""
        for lid, resource in self.template.resources.items():
            if _dict(resource).get("Type") != "AWS::Lambda::Url":
                continue
            where = f"Resources.{lid}"
            try:
                props = self.template.resolve(dict(_dict(resource).get("Properties") or {}),
                                              f"{where}.Properties")
                fn = self._function_of(str(props.get("TargetFunctionArn")), where)
            except (FunctionNotCreated, ValueError) as error:
                self.unsupported.append(f"{lid} (AWS::Lambda::Url, not wired: {error})")
                continue
            self._function_url(fn, lid, {k: props[k] for k in ("AuthType", "Cors", "InvokeMode")
                                         if k in props})

    def _list_not_emulated(self, lid: str, spec: TemplateFunction) -> None:
        """Function properties that change how it runs on Lambda but not here: said, not
        skipped silently."""
        sam = self.template.kind == "sam"
        for name, why in (_NOT_EMULATED_SAM if sam else _NOT_EMULATED_SLS).items():
            value = spec.properties.get(name)
            if value in (None, False, {}, []) or (name == "RecursiveLoop" and value != "Allow"):
                continue
            where = f"{lid}.{name}" if sam else f"functions.{lid}.{name}"
            self.unsupported.append(f"{where} (not emulated: {why})")
        if sam:
            logging_config = spec.properties.get("LoggingConfig")
            where = f"{lid}.LoggingConfig.SystemLogLevel"
        else:  # the service's provider.logs.lambda, then the function's own logs
            doc = self.template._scope.doc if self.template._scope is not None else {}
            provider = doc.get("provider") if isinstance(doc, Mapping) else None
            service = provider.get("logs") if isinstance(provider, Mapping) else None
            own = spec.properties.get("logs")
            logging_config = {
                **(service.get("lambda") or {} if isinstance(service, Mapping) and
                   isinstance(service.get("lambda"), Mapping) else {}),
                **(own if isinstance(own, Mapping) else {})}
            where = f"functions.{lid}.logs.systemLogLevel"
        key = "SystemLogLevel" if sam else "systemLogLevel"
        system_level = str((logging_config or {}).get(key, "INFO")).upper() \
            if isinstance(logging_config, Mapping) else "INFO"
        if system_level not in ("INFO", "DEBUG"):
            self.unsupported.append(f"{where} (not emulated: the platform's START, END and "
                                    "REPORT records are still written)")
        if "AWS_LAMBDA_EXEC_WRAPPER" in (self.functions[lid].config.environment
                                         if lid in self.functions else {}):
            # The runtime's bootstrap runs the function under this script (Lambda developer
            # guide, "Wrapper scripts"); here the runtime starts without it.
            self.unsupported.append(f"{lid} environment AWS_LAMBDA_EXEC_WRAPPER (not "
                                    "emulated: the wrapper script does not run)")

    def _publish_alias(self, lid: str, spec: TemplateFunction, fn: LambdaFunction) -> None:
        """SAM ``AutoPublishAlias``: version 1 and the alias, which the function's events
        invoke (see :mod:`.qualified`)."""
        raw = spec.properties.get("AutoPublishAlias") if self.template.kind == "sam" else None
        if raw is None:
            return
        alias = str(self.template.resolve(raw, f"{lid}.AutoPublishAlias"))
        version = fn.publish_version()
        fn.create_alias(alias, version.version)
        self.event_targets[lid] = QualifiedFunction(fn, alias)

    def _wire(self) -> None:
        for lid, spec in self.template.items():
            if lid in self.failed:
                continue
            # What the function's own events invoke: its alias under AutoPublishAlias.
            fn = cast("LambdaFunction", self.event_targets.get(lid) or self.functions[lid])
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
        if self.template.kind == "sam":
            self._definition_routes()
        else:
            self._sls_http_api_cors()
        wire_rest_apis(self)  # CloudFormation's own REST API resources (SAM or serverless.yml)
        wire_http_apis(self)  # and its own HTTP APIs
        self._url_resources()
        self._load_balancers()
        for lid, resource in self.template.resources.items():
            rtype = resource.get("Type") if isinstance(resource, Mapping) else None
            if rtype in ("AWS::Lambda::EventSourceMapping", "AWS::SNS::Subscription",
                         "AWS::SNS::Topic", "AWS::Events::Rule", "AWS::Scheduler::Schedule",
                         "AWS::S3::Bucket", "Custom::S3BucketNotifications"):
                raw = dict(resource.get("Properties") or {})
                raw.pop("ServiceToken", None)  # a custom resource's handler: not called here
                props = self.template.resolve(raw, f"Resources.{lid}.Properties")
                try:
                    self._cfn_wiring(lid, str(rtype), props)
                except FunctionNotCreated as error:  # wiring of a function that is not there
                    self.unsupported.append(f"{lid} (not wired: {error})")

    def _fire(self, schedule: Schedule) -> None:
        # the event factories load on first use
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
            # The target's InputTransformer / InputPath, as EventBridge applies them.
            from ..sources.eventbridge import _select, _transform  # with the first such rule

            rule_arn = f"arn:aws:events:{self.region}:{self.account_id}:rule/{schedule.name}"
            if schedule.transformer is not None:
                event = _transform(event, schedule.transformer, rule_arn)
            elif schedule.input_path is not None:
                event = _select(event, schedule.input_path)
        schedule.fired += 1
        schedule.function.invoke(event, invocation_type="Event")

    def _sam_destinations(self, template: Template) -> None:
        """The queues and topics SAM creates for EventInvokeConfig destinations given only a
        ``Type`` (see :func:`~pytest_lambda.template.sam_generated_destinations`)."""
        from ..template import sam_generated_destinations  # with the loader, already imported

        for lid, spec in template.items():
            if spec.properties.get("Type") != "AWS::Serverless::Function":
                continue
            config = _dict(spec.properties.get("EventInvokeConfig"))
            for kind, generated in sam_generated_destinations(lid, config).values():
                rtype = "AWS::SQS::Queue" if kind == "SQS" else "AWS::SNS::Topic"
                props = {"QueueName" if kind == "SQS" else "TopicName": generated}
                self.resources[generated] = create(generated, rtype, props, template.region)

    def _serverless_implicit(self, template: Template) -> None:
        """Topics and buckets a serverless.yml creates from its functions' events; plugin
        constructs (serverless-lift's ``constructs:``) are listed as not created."""
        doc = template._scope.doc if template._scope is not None else {}
        constructs = doc.get("constructs") if isinstance(doc, Mapping) else None
        for name, spec in (constructs.items() if isinstance(constructs, Mapping) else ()):
            kind = spec.get("type", "?") if isinstance(spec, Mapping) else "?"
            self.unsupported.append(
                f"constructs.{name} ({kind} construct of a plugin such as serverless-lift: "
                "neither its resources nor its functions are created; declare them under "
                "resources: and functions: to test them)")
        for plugin in sls_plugins(doc):
            if plugin not in _PACKAGING_PLUGINS:
                self.unsupported.append(
                    f"plugins: {plugin} (Serverless Framework plugins are not run: resources, "
                    "routes or settings it adds to the service are not created)")
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


def _loaded_layers(template: Template, layers_given: bool) -> set[str]:
    """The LayerVersions whose content the functions load: a SAM / CloudFormation function's
    ``Layers`` entry ``!Ref X`` is X's folder (templates/layers.py)."""
    if template.kind != "sam" or layers_given:
        return set()
    return {entry["Ref"] for spec in template.values()
            for entry in _list(spec.properties.get("Layers"))
            if isinstance(entry, Mapping) and isinstance(entry.get("Ref"), str)}


def _unloaded_layer(template: Template, layers_given: bool) -> str:
    """Why a LayerVersion's content is not loaded into any function."""
    if layers_given:
        return "layers= replaces every function's layers, so its content is not loaded"
    if template.kind == "serverless":
        return ("a serverless.yml function's layers come from the layers: section or an ARN "
                "mapped to a folder, so its content is not loaded")
    return "no function's Layers has !Ref to it, so its content is not loaded"
