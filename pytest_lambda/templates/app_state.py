"""What the parts of :class:`~pytest_lambda.templates.app.Application` share: the state the
template produced (functions, resources, routes, schedules) and finding a function by name."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ..errors import with_advice
from .errors import FunctionNotCreated, TemplateError
from .qualified import QualifiedFunction

if TYPE_CHECKING:
    from ..function import LambdaFunction
    from ..service.account import Account
    from ..sources import EventSourceMapping, PushTrigger
    from ..template import Template
    from .iot import TopicRule
    from .resources import Resource
    from .routes import RouteTable


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
    #: The target's InputPath / InputTransformer, applied to the scheduled event.
    input_path: str | None = None
    transformer: Mapping[str, Any] | None = None


class AppState:
    """The application's state, filled by ``Application.__init__`` (see there)."""

    path: Any
    region: str
    account_id: str
    account: Account
    template: Template
    functions: dict[str, LambdaFunction]
    event_targets: dict[str, QualifiedFunction]
    failed: dict[str, Exception]
    resources: dict[str, Resource]
    unsupported: list[str]
    mappings: list[EventSourceMapping]
    triggers: list[PushTrigger]
    schedules: list[Schedule]
    routes: RouteTable
    iot_rules: list[TopicRule]

    def _sls_http_event(self, fn: LambdaFunction, kind: str, value: Any, where: str) -> bool:
        """Wire a serverless.yml HTTP event (``HttpWiring`` does); False when not one."""
        return False

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
            if text in (lid, fn.name, fn.arn):
                return fn
            if text.startswith(fn.arn + ":"):
                # A qualified ARN (!Ref Fn.Alias): invoke that alias or version, if it exists.
                qualifier = text[len(fn.arn) + 1:]
                if qualifier in fn.aliases or qualifier in fn.versions:
                    return cast("LambdaFunction", QualifiedFunction(fn, qualifier))
                return fn
        self._raise_if_failed(text, where)
        raise TemplateError(f"{self.path}: {where} names the function {text!r}, which is not "
                            "one of the template's functions.")

    def _raise_if_failed(self, name: str, where: str = "") -> None:
        """Raise why the function ``name`` (logical id, name or ARN) was not created, if so."""
        specs = dict(self.template.items())
        for lid, error in self.failed.items():
            names = {lid, specs[lid].function_name} if lid in specs else {lid}
            if name in names or any(name == f"arn:aws:lambda:{self.region}:{self.account_id}"
                                                f":function:{n}" for n in names):
                at = f" ({where})" if where else ""
                raise FunctionNotCreated(
                    f"{self.path}: the function {lid}{at} was not created: "
                    f"{with_advice(error)}") from error

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` in the application's moto account and Region."""
        from ..service.boto import client  # boto3 only once a resource is made

        return client(service, self.region, **kwargs)


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _json(value: Any) -> str:
    return json.dumps(value)
