"""How a template's events reach its functions: event source mappings, S3 and SNS triggers,
schedules, IoT rules, and the CloudFormation resources that wire them (``Application``'s part)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidParameterValueException
from .app_state import AppState, Schedule, _dict, _json, _list
from .errors import FunctionNotCreated, TemplateError
from .iot import TopicRule
from .resources import create

if TYPE_CHECKING:
    from ..function import LambdaFunction

_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}


class EventWiring(AppState):
    """The event side of :class:`~pytest_lambda.templates.app.Application`."""

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
        elif kind in ("EventBridgeRule", "CloudWatchEvent"):
            for prop in ("DeadLetterConfig", "RetryPolicy"):
                if props.get(prop) is not None:
                    self.unsupported.append(f"{where}.{prop} (not emulated: EventBridge's own "
                                            "target retries; Lambda's async retries apply)")
            # Named as CloudFormation names the rule SAM generates, <Function><Event>: what
            # !Ref resolves to.
            generated = f"{where.split('.', 1)[0]}{name}"
            self._rule(fn, where, props.get("Pattern"), bus=props.get("EventBusName"),
                       name=props.get("RuleName") or self._generated_name(generated),
                       input=props.get("Input"),
                       input_path=props.get("InputPath"),
                       transformer=props.get("InputTransformer"),
                       enabled=props.get("State", props.get("Enabled", "ENABLED")))
        elif kind in ("Schedule", "ScheduleV2"):
            for prop, why in (("DeadLetterConfig", "the schedule's own target retries; "
                               "Lambda's async retries apply"),
                              ("RetryPolicy", "the schedule's own target retries; Lambda's "
                               "async retries apply"),
                              ("StartDate", "the schedule runs from the start of the test"),
                              ("EndDate", "the schedule never ends")):
                if props.get(prop) is not None:
                    self.unsupported.append(f"{where}.{prop} (not emulated: {why})")
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
        elif self._sls_http_event(fn, kind, value, where):
            pass  # http, httpApi, alb: the HTTP side's
        elif kind in ("eventBridge", "cloudwatchEvent"):
            transformer = _sls_transformer(spec)
            self._rule(fn, where, spec.get("pattern" if kind == "eventBridge" else "event"),
                       bus=spec.get("eventBus"), name=spec.get("name"),
                       input=spec.get("input"), input_path=spec.get("inputPath"),
                       transformer=transformer, enabled=spec.get("enabled", True))
        elif kind == "schedule":
            rates = _list(spec.get("rate") if isinstance(value, Mapping) else value)
            transformer = _sls_transformer(spec)
            # method: scheduler is EventBridge Scheduler (its event), else an EventBridge rule.
            scheduler = str(spec.get("method", "eventBus")) == "scheduler"
            for i, rate in enumerate(rates):
                self._schedule(str(spec.get("name") or f"{fn.name}-schedule-{i + 1}"), fn, rate,
                               spec.get("input"), scheduler, spec.get("enabled", True),
                               input_path=spec.get("inputPath"), transformer=transformer)
        else:
            self.unsupported.append(f"{where} ({kind} event)")

    def _cfn_wiring(self, lid: str, rtype: str, props: dict[str, Any]) -> None:
        if rtype == "Custom::S3BucketNotifications":
            self._cdk_bucket_notifications(lid, props)
        elif rtype == "AWS::Lambda::EventSourceMapping":
            fn = self._function_of(props.get("FunctionName"), f"Resources.{lid}")
            self._mapping(fn, props.get("EventSourceArn"), props, f"Resources.{lid}")
        elif rtype == "AWS::SNS::Subscription":
            self._sns_subscription(lid, rtype, str(props.get("TopicArn")), props)
        elif rtype == "AWS::SNS::Topic":
            # Inline subscriptions (Endpoint and Protocol only) are the same as
            # AWS::SNS::Subscription resources on this topic.
            topic = self.resources[lid].physical_id
            for i, entry in enumerate(_list(props.get("Subscription"))):
                try:
                    self._sns_subscription(f"{lid}.Subscription[{i}]", "AWS::SNS::Topic inline "
                                           "subscription", topic, _dict(entry))
                except FunctionNotCreated as error:  # the others are still wired
                    self.unsupported.append(f"{lid}.Subscription[{i}] (not wired: {error})")
        elif rtype == "AWS::Events::Rule":
            targets = [t for t in props.get("Targets") or () if self._is_function(t.get("Arn"))]
            if "ScheduleExpression" in props and targets:
                for target in targets:
                    self._schedule(str(props.get("Name") or lid),
                                   self._function_of(target["Arn"], lid),
                                   str(props["ScheduleExpression"]), target.get("Input"),
                                   False, props.get("State", "ENABLED"),
                                   input_path=target.get("InputPath"),
                                   transformer=target.get("InputTransformer"))
            elif props.get("EventPattern") is not None:
                for target in targets:
                    self._rule(self._function_of(target["Arn"], lid), f"Resources.{lid}",
                               props["EventPattern"], bus=props.get("EventBusName"),
                               # one moto rule per target: a shared name would overwrite
                               # (a rule without Name: the name !Ref gives)
                               name=props.get("Name") or self._generated_name(lid)
                               if len(targets) == 1 else None,
                               input=target.get("Input"),
                               input_path=target.get("InputPath"),
                               transformer=target.get("InputTransformer"),
                               enabled=props.get("State", "ENABLED"))
        elif rtype == "AWS::Scheduler::Schedule":
            # EventBridge Scheduler as CloudFormation (what SAM's ScheduleV2 becomes): a
            # schedule whose target is a function of the template runs on advance().
            target = _dict(props.get("Target"))
            if not self._is_function(target.get("Arn")):
                self.unsupported.append(f"{lid} (AWS::Scheduler::Schedule whose target is not "
                                        "a function of this template)")
                return
            for prop, why in (("StartDate", "the schedule runs from the start of the test"),
                              ("EndDate", "the schedule never ends")):
                if props.get(prop) is not None:
                    self.unsupported.append(f"Resources.{lid}.{prop} (not emulated: {why})")
            self._schedule(str(props.get("Name") or lid), self._function_of(target["Arn"], lid),
                           str(props.get("ScheduleExpression")), target.get("Input"), True,
                           props.get("State", "ENABLED"))
        elif rtype == "AWS::S3::Bucket":
            config = _dict(props.get("NotificationConfiguration"))
            for entry in config.get("LambdaConfigurations") or ():
                rules = _dict(_dict(entry.get("Filter")).get("S3Key")).get("Rules") or []
                self._s3(self._function_of(entry.get("Function"), lid), str(
                    self.resources[lid].physical_id), [str(entry.get("Event"))], rules)
            relay = _s3_destinations(config)
            if relay:
                # Added to what is there: the Lambda entries above are S3Trigger queues.
                s3, bucket = self.client("s3"), self.resources[lid].physical_id
                current = s3.get_bucket_notification_configuration(Bucket=bucket)
                current.pop("ResponseMetadata", None)
                for key, entries in relay.items():
                    if isinstance(entries, dict):  # EventBridgeConfiguration: on
                        current[key] = entries
                    else:
                        current.setdefault(key, []).extend(entries)
                s3.put_bucket_notification_configuration(Bucket=bucket,
                                                         NotificationConfiguration=current)

    def _cdk_bucket_notifications(self, lid: str, props: Mapping[str, Any]) -> None:
        """CDK's ``Custom::S3BucketNotifications`` (``bucket.addEventNotification``): the
        notification configuration, in the S3 API's shape, that its handler puts on the
        bucket. Functions get S3 triggers; queues, topics and EventBridge are put on the
        bucket in moto, next to what is there."""
        bucket = str(props.get("BucketName"))
        config = dict(_dict(props.get("NotificationConfiguration")))
        for entry in _list(config.pop("LambdaFunctionConfigurations", None)):
            entry = _dict(entry)
            rules = [{"Name": str(_dict(r).get("Name")), "Value": str(_dict(r).get("Value"))}
                     for r in _list(_dict(_dict(entry.get("Filter")).get("Key")).get(
                         "FilterRules"))]
            self._s3(self._function_of(entry.get("LambdaFunctionArn"), f"Resources.{lid}"),
                     bucket, [str(e) for e in _list(entry.get("Events"))], rules)
        relay = {k: v for k, v in config.items()
                 if k in ("QueueConfigurations", "TopicConfigurations",
                          "EventBridgeConfiguration")}
        if relay:
            s3 = self.client("s3")
            current = s3.get_bucket_notification_configuration(Bucket=bucket)
            current.pop("ResponseMetadata", None)
            for key, entries in relay.items():
                if isinstance(entries, dict):
                    current[key] = entries
                else:
                    current.setdefault(key, []).extend(_dict(e) for e in entries)
            s3.put_bucket_notification_configuration(Bucket=bucket,
                                                     NotificationConfiguration=current)

    def _sns_subscription(self, where: str, kind: str, topic: str,
                          props: Mapping[str, Any]) -> None:
        """A topic's ``lambda`` or ``sqs`` subscription; any other protocol is listed as not
        emulated (nothing reaches an HTTP, e-mail, SMS, Firehose or mobile endpoint)."""
        endpoint, protocol = str(props.get("Endpoint")), props.get("Protocol")
        if protocol == "lambda":
            self.triggers.append(self._function_of(endpoint, where).subscribe_sns(
                topic, filter_policy=props.get("FilterPolicy"),
                filter_policy_scope=str(props.get("FilterPolicyScope", "MessageAttributes"))))
        elif protocol == "sqs":
            attributes = {k: v if isinstance(v, str) else _json(v) for k, v in props.items()
                          if k in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery")}
            self.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=endpoint,
                                         Attributes=attributes)
        else:
            self.unsupported.append(f"{where} ({kind}, protocol {protocol}: nothing is "
                                    f"delivered to {endpoint})")

    def _mapping(self, fn: LambdaFunction, arn: Any, props: Mapping[str, Any],
                 where: str) -> None:
        if not isinstance(arn, str):
            raise TemplateError(f"{self.path}: {where} has no event source ARN (got "
                                f"{arn!r}); point it at a queue or stream of the template.")
        kwargs: dict[str, Any] = {}
        criteria = props.get("FilterCriteria")
        if criteria:
            kwargs["filter_criteria"] = _filter_criteria(criteria)
        for prop, key in _MAPPING_PROPS.items():
            if props.get(prop) is not None:
                kwargs[key] = props[prop]
        for prop in sorted(set(props) - set(_MAPPING_PROPS) - _MAPPING_OTHER):
            why = _MAPPING_NOT_EMULATED.get(prop, "a setting the local mapping does not read")
            self.unsupported.append(f"{where}.{prop} (not emulated: {why})")
        failure = _dict(_dict(props.get("DestinationConfig")).get("OnFailure"))
        if failure.get("Destination"):
            kwargs["destination_config"] = {"OnFailure": {"Destination": failure["Destination"]}}
        if "function_response_types" in kwargs:
            kwargs["function_response_types"] = _list(kwargs["function_response_types"])
        try:
            self.mappings.append(fn.add_event_source(arn, **kwargs))
        except InvalidParameterValueException as error:
            # Lambda refuses this mapping (CreateEventSourceMapping's error): only it is left
            # out, listed with the reason, and the rest of the application runs.
            self.unsupported.append(f"{where} (not wired: {error})")

    def _generated_name(self, logical_id: str) -> str:
        scope = self.template._scope
        return scope.generated_name(logical_id) if scope is not None else logical_id

    def _s3(self, fn: LambdaFunction, bucket: str, events: list[str],
            rules: Iterable[Mapping[str, Any]]) -> None:
        found = {str(r.get("Name")).lower(): str(r.get("Value")) for r in rules}
        if not any(r.physical_id == bucket for r in self.resources.values()):
            self.resources[bucket] = create(bucket, "AWS::S3::Bucket", {"BucketName": bucket},
                                            self.region)
        self.triggers.append(fn.connect_s3(bucket, events=events, prefix=found.get("prefix"),
                                           suffix=found.get("suffix")))

    def _rule(self, fn: LambdaFunction, where: str, pattern: Any, *, bus: Any, name: Any,
              input: Any, input_path: Any, transformer: Any, enabled: Any) -> None:
        """An EventBridge rule with an event pattern that targets ``fn``."""
        if not isinstance(pattern, Mapping | str):
            raise TemplateError(f"{self.path}: {where} has no event pattern (got {pattern!r}); "
                                "give one, e.g. {source: [my.app]}.")
        if isinstance(input, Mapping):  # written as YAML: the JSON text it stands for
            input = json.dumps(input)
        try:
            self.triggers.append(fn.connect_eventbridge(
                pattern, bus=str(bus or "default"), rule_name=None if name is None else str(name),
                input=input, input_path=input_path, input_transformer=transformer,
                enabled=enabled not in (False, "false", "DISABLED")))
        except ValueError as error:
            raise TemplateError(f"{self.path}: {where}: {error}") from None

    def _schedule(self, name: str, fn: LambdaFunction, expression: str, payload: Any,
                  scheduler: bool, enabled: Any, *, input_path: Any = None,
                  transformer: Mapping[str, Any] | None = None) -> None:
        m = _RATE.fullmatch(expression.strip())
        period = None
        if m is not None:
            period = int(m.group(1)) * _UNIT_S[m.group(2).rstrip("s")]
        elif not expression.strip().startswith(("cron(", "at(")):
            raise TemplateError(f"{self.path}: schedule {name!r} has the expression "
                                f"{expression!r}; use rate(N minutes|hours|days) or cron(...).")
        problem = _expression_problem(expression.strip())
        if problem is not None:
            raise TemplateError(f"{self.path}: schedule {name!r} has the expression "
                                f"{expression!r}, which EventBridge refuses: {problem}.")
        on = enabled not in (False, "false", "DISABLED")
        self.schedules.append(Schedule(
            name, fn, expression, payload, scheduler, on, period,
            self.account.clock.now + (period or 0),
            input_path=None if input_path is None else str(input_path), transformer=transformer))


def _sls_transformer(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    """A serverless.yml ``inputTransformer`` in CloudFormation's spelling, or None."""
    transformer = _dict(spec.get("inputTransformer"))
    if not transformer:
        return None
    return {"InputPathsMap": transformer.get("inputPathsMap") or {},
            "InputTemplate": transformer.get("inputTemplate")}


def _expression_problem(expression: str) -> str | None:
    """Why EventBridge (rules and Scheduler) refuses a schedule expression, or None (AWS docs,
    "Schedule expressions for rules": a rate of 1 takes the singular unit, more the plural;
    a cron has six fields and a ``?`` in day-of-month or day-of-week, not values in both)."""
    m = _RATE.fullmatch(expression)
    if m is not None:
        value, unit = int(m.group(1)), m.group(2)
        if value < 1:
            return "the rate must be a positive whole number"
        if value == 1 and unit.endswith("s"):
            return f"a rate of 1 takes the singular unit: rate(1 {unit[:-1]})"
        if value > 1 and not unit.endswith("s"):
            return f"a rate above 1 takes the plural unit: rate({value} {unit}s)"
        return None
    if expression.startswith("cron(") and expression.endswith(")"):
        fields = expression[5:-1].split()
        if len(fields) != 6:
            return (f"a cron expression has six fields (minutes hours day-of-month month "
                    f"day-of-week year), this one {len(fields)}")
        if "?" not in (fields[2], fields[4]):
            return ("day-of-month and day-of-week cannot both be given: put ? in one of them, "
                    f"e.g. cron({' '.join([*fields[:4], '?', fields[5]])})")
    return None


#: Event source mapping properties (CloudFormation / SAM spelling) and our keyword names.
_MAPPING_PROPS = {
    "BatchSize": "batch_size", "StartingPosition": "starting_position",
    "MaximumBatchingWindowInSeconds": "maximum_batching_window_in_seconds",
    "MaximumRetryAttempts": "maximum_retry_attempts",
    "MaximumRecordAgeInSeconds": "maximum_record_age_in_seconds",
    "BisectBatchOnFunctionError": "bisect_batch_on_function_error",
    "FunctionResponseTypes": "function_response_types",
    "ParallelizationFactor": "parallelization_factor", "Enabled": "enabled",
    "StartingPositionTimestamp": "starting_position_timestamp",
}
#: Mapping properties read elsewhere (the source and the function, filters, destinations), or
#: that change nothing a test can observe locally (encryption of the filter criteria, tags).
_MAPPING_OTHER = {"Queue", "Stream", "EventSourceArn", "FunctionName", "FilterCriteria",
                  "DestinationConfig", "KmsKeyArn", "Tags"}
#: Mapping properties whose behaviour is not emulated: listed so a test does not trust them.
_MAPPING_NOT_EMULATED = {
    "TumblingWindowInSeconds": "tumbling windows; the handler gets plain batches, without "
                               "window state",
    "ScalingConfig": "SQS maximum concurrency; the local poller invokes one batch at a time",
    "MetricsConfig": "event source mapping metrics are not recorded",
    "ProvisionedPollerConfig": "provisioned pollers",
}


def _filter_criteria(criteria: Any) -> Any:
    """``FilterCriteria`` with each ``Pattern`` as JSON text: a serverless.yml
    ``filterPatterns`` list of objects, or a template pattern written as a YAML mapping."""
    if isinstance(criteria, list):  # serverless.yml filterPatterns
        criteria = {"Filters": [{"Pattern": p} for p in criteria]}
    if not isinstance(criteria, Mapping) or not isinstance(criteria.get("Filters"), list):
        return criteria  # refused with its fix by create_event_source_mapping
    return {**criteria, "Filters": [
        {**f, "Pattern": json.dumps(f["Pattern"])}
        if isinstance(f, Mapping) and isinstance(f.get("Pattern"), Mapping) else f
        for f in criteria["Filters"]]}


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


def _s3_destinations(config: Mapping[str, Any]) -> dict[str, Any]:
    """A bucket's CloudFormation ``QueueConfigurations`` / ``TopicConfigurations`` (``Event``,
    ``Queue`` / ``Topic``, ``Filter.S3Key.Rules``) in the S3 API's shape (``Events``,
    ``QueueArn`` / ``TopicArn``, ``Filter.Key.FilterRules``), and ``EventBridgeConfiguration``
    (``EventBridgeEnabled: true``: every event of the bucket to the default bus)."""
    out: dict[str, Any] = {}
    eventbridge = _dict(config.get("EventBridgeConfiguration"))
    if str(eventbridge.get("EventBridgeEnabled", "")).lower() == "true":
        out["EventBridgeConfiguration"] = {}
    for key, target, arn_key in (("QueueConfigurations", "Queue", "QueueArn"),
                                 ("TopicConfigurations", "Topic", "TopicArn")):
        for raw in _list(config.get(key)):
            entry = _dict(raw)
            api: dict[str, Any] = {arn_key: str(entry.get(target)),
                                   "Events": [str(entry.get("Event"))]}
            rules = _dict(_dict(entry.get("Filter")).get("S3Key")).get("Rules") or []
            if rules:
                api["Filter"] = {"Key": {"FilterRules": [
                    {"Name": str(_dict(r).get("Name")), "Value": str(_dict(r).get("Value"))}
                    for r in rules]}}
            out.setdefault(key, []).append(api)
    return out
