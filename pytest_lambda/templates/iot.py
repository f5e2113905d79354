"""IoT topic rules (SAM ``IoTRule`` events): a message published to a topic reaches the function.

Only what a rule's SQL needs to route and shape the message is understood: ``SELECT *`` and
``SELECT field, ...`` (with ``AS``), the functions ``topic()``, ``topic(n)``, ``clientid()`` and
``timestamp()``, and ``FROM 'topic/filter'`` with ``+`` and ``#`` wildcards (AWS IoT SQL
reference, "SELECT clause", "FROM clause", "Functions"). A rule with a ``WHERE`` clause is
refused with a clear error rather than evaluated wrongly.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import TemplateError

if TYPE_CHECKING:
    from ..function import LambdaFunction

_RULE = re.compile(r"\s*SELECT\s+(?P<select>.+?)\s+FROM\s+'(?P<topic>[^']+)'\s*"
                   r"(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
_ITEM = re.compile(r"^(?P<expr>.+?)(?:\s+AS\s+(?P<alias>\w+))?$", re.IGNORECASE)


@dataclass
class TopicRule:
    """One rule: the topic filter it listens on and how it shapes a message."""

    name: str
    function: LambdaFunction
    topic_filter: str
    select: list[tuple[str, str | None]]

    @classmethod
    def parse(cls, name: str, function: LambdaFunction, sql: str) -> TopicRule:
        m = _RULE.match(sql)
        if m is None:
            raise TemplateError(f"{name}: cannot read the IoT rule {sql!r}: write SELECT ... "
                                "FROM 'topic/filter'.")
        if m.group("rest").strip():
            raise TemplateError(f"{name}: the IoT rule {sql!r} has a clause after FROM "
                                f"({m.group('rest').strip()!r}), which lambda_app does not "
                                "evaluate; publish only matching messages, or invoke the "
                                "function with lambda_events.iot_rule(...).")
        items = []
        for part in _split(m.group("select")):
            found = _ITEM.match(part.strip())
            assert found is not None
            items.append((found.group("expr").strip(), found.group("alias")))
        return cls(name, function, m.group("topic"), items)

    def matches(self, topic: str) -> bool:
        want, got = self.topic_filter.split("/"), topic.split("/")
        for i, level in enumerate(want):
            if level == "#":
                return True
            if i >= len(got) or (level != "+" and level != got[i]):
                return False
        return len(want) == len(got)

    def event(self, topic: str, payload: dict[str, Any], client_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for expr, alias in self.select:
            if expr == "*":
                out.update(payload)
                continue
            value = self._value(expr, topic, payload, client_id)
            out[alias or expr.split(".")[-1].split("(")[0]] = value
        return out

    def _value(self, expr: str, topic: str, payload: dict[str, Any], client_id: str) -> Any:
        call = re.fullmatch(r"(\w+)\(\s*(\d*)\s*\)", expr)
        if call is not None:
            name, arg = call.group(1).lower(), call.group(2)
            if name == "topic":
                return topic if not arg else (topic.split("/") + [None] * int(arg))[
                    int(arg) - 1]
            if name == "clientid":
                return client_id
            if name == "timestamp":
                return int(time.time() * 1000)
            raise TemplateError(f"{self.name}: the IoT SQL function {expr} is not supported "
                                "by lambda_app (topic(), clientid() and timestamp() are).")
        node: Any = payload
        for key in expr.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        return node


def _split(select: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in select:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += ch
    return [*parts, current]
