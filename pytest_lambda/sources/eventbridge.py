"""EventBridge rules with an event pattern that target a function, relayed through moto.

moto's EventBridge matches events put on a bus against the rule's pattern (and applies an
``InputTransformer``), but cannot call a function that lives in the test process. So the rule
targets the trigger's private SQS queue, and :meth:`~PushTrigger.drain` invokes the function
asynchronously with each event, as EventBridge does (``Event`` invocation type: retries, DLQ
and destinations apply). ``Input`` and ``InputPath`` are applied here: moto leaves them out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_lambda.arn import Arn
from pytest_lambda.sources.common import client
from pytest_lambda.sources.push import PushTrigger

if TYPE_CHECKING:
    from pytest_lambda.function import LambdaFunction

#: The keys of an EventBridge event, in the order EventBridge writes them (AWS docs, "Amazon
#: EventBridge events": version, id, detail-type, source, account, time, region, resources,
#: detail).
EVENT_KEYS = ("version", "id", "detail-type", "source", "account", "time", "region",
              "resources", "detail")
_PATH = re.compile(r"\$(?:\.[A-Za-z0-9_\-]+)*")


class EventBridgeTrigger(PushTrigger):
    """A rule on an event bus whose pattern selects the events delivered to the function."""

    kind = "events"

    def __init__(self, fn: LambdaFunction, pattern: Mapping[str, Any] | str, *,
                 bus: str = "default", rule_name: str | None = None,
                 input: Any = None, input_path: str | None = None,
                 input_transformer: Mapping[str, Any] | None = None,
                 enabled: bool = True) -> None:
        text = pattern if isinstance(pattern, str) else json.dumps(pattern)
        _check_target(input, input_path, input_transformer)
        super().__init__(fn, fn.config.region)
        self.bridge = client("events", self.region)
        self.bus = Arn.require(bus).name if bus.startswith("arn:") else bus
        if self.bus != "default" and not any(
                b["Name"] == self.bus for b in self.bridge.list_event_buses()["EventBuses"]):
            self.bridge.create_event_bus(Name=self.bus)
        self.rule_name = rule_name or Arn.require(self.queue_arn).name
        self.input = input
        self.input_path = input_path
        self.bridge.put_rule(Name=self.rule_name, EventBusName=self.bus, EventPattern=text,
                             State="ENABLED" if enabled else "DISABLED")
        # Applied here, not by moto (whose transformer leaves string values unquoted in a
        # JSON template and then fails the caller's PutEvents).
        self.input_transformer = input_transformer
        target = {"Id": "pytest-lambda-relay", "Arn": self.queue_arn}
        self.bridge.put_targets(Rule=self.rule_name, EventBusName=self.bus, Targets=[target])

    def close(self) -> None:
        self.bridge.remove_targets(Rule=self.rule_name, EventBusName=self.bus,
                                   Ids=["pytest-lambda-relay"])
        self.bridge.delete_rule(Name=self.rule_name, EventBusName=self.bus)
        super().close()

    def _event(self, body: Any, sent: float) -> Any:
        if self.input is not None:  # a constant: the event is replaced by it
            return json.loads(self.input) if isinstance(self.input, str) else self.input
        event = {"account": self.function.config.account_id, **body}
        event = {key: event[key] for key in EVENT_KEYS if key in event} | {
            k: v for k, v in event.items() if k not in EVENT_KEYS}
        if self.input_transformer is not None:
            return _transform(event, self.input_transformer, self._rule_arn())
        return _select(event, self.input_path) if self.input_path else event

    def _rule_arn(self) -> str:
        bus = "" if self.bus == "default" else f"{self.bus}/"
        return (f"arn:aws:events:{self.region}:{self.function.config.account_id}:rule/"
                f"{bus}{self.rule_name}")


def _check_target(input: Any, input_path: str | None,
                  input_transformer: Mapping[str, Any] | None) -> None:
    given = [name for name, value in (("input", input), ("input_path", input_path),
                                      ("input_transformer", input_transformer))
             if value is not None]
    if len(given) > 1:
        raise ValueError(f"{' and '.join(given)} given: a target takes one of Input, InputPath "
                         "and InputTransformer (EventBridge refuses more).")
    if isinstance(input, str):
        try:
            json.loads(input)
        except json.JSONDecodeError as exc:
            raise ValueError(f"input={input!r} is not JSON text ({exc}): EventBridge's Input "
                             "is the JSON the function receives.") from None
    if input_path is not None and not _PATH.fullmatch(input_path):
        raise ValueError(f"input_path={input_path!r}: only a path of keys from the event's "
                         "root is emulated, e.g. '$.detail' or '$.detail.order'.")
    if input_transformer is not None:
        if "InputTemplate" not in input_transformer:
            raise ValueError("input_transformer has no InputTemplate: give InputPathsMap and "
                             "InputTemplate, as EventBridge's InputTransformer takes them.")
        for name, path in dict(input_transformer.get("InputPathsMap") or {}).items():
            if not _PATH.fullmatch(str(path)):
                raise ValueError(f"input_transformer InputPathsMap {name!r}: {path!r} is not "
                                 "emulated; use a path of keys from the event's root, e.g. "
                                 "'$.detail.user'.")


def _transform(event: dict[str, Any], transformer: Mapping[str, Any], rule_arn: str) -> Any:
    """An ``InputTransformer``'s output (AWS docs, "Amazon EventBridge input transformation"):
    each ``<name>`` of the template takes the value its path selects; inside a JSON string it
    is inserted as text, elsewhere as a JSON value (a string quoted). A template that is JSON
    gives an object, any other template a string."""
    values: dict[str, Any] = {
        "aws.events.rule-arn": rule_arn, "aws.events.rule-name": rule_arn.rsplit("/", 1)[1],
        "aws.events.event.ingestion-time": event.get("time"), "aws.events.event": event,
        "aws.events.event.json": event}
    for name, path in dict(transformer.get("InputPathsMap") or {}).items():
        values[str(name)] = _select(event, str(path))  # paths checked by _check_target
    template = str(transformer["InputTemplate"])
    out: list[str] = []
    in_string = escaped = False
    i = 0
    while i < len(template):
        ch = template[i]
        end = template.find(">", i) if ch == "<" else -1
        if end > 0 and template[i + 1:end] in values:
            value = values[template[i + 1:end]]
            text = json.dumps(value)
            out.append(text[1:-1] if in_string and isinstance(value, str) else text)
            i = end + 1
            continue
        if ch == '"' and not escaped:
            in_string = not in_string
        escaped = ch == "\\" and not escaped
        out.append(ch)
        i += 1
    result = "".join(out)
    try:
        return json.loads(result)
    except json.JSONDecodeError:
        return result


def _select(event: Any, path: str) -> Any:
    """The part of ``event`` an ``InputPath`` such as ``$.detail.order`` names (null if none)."""
    for key in path.split(".")[1:]:
        event = event.get(key) if isinstance(event, dict) else None
    return event
