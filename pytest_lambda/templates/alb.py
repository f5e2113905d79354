"""Application Load Balancer listener rules that forward to Lambda target groups.

What the application's HTTP client needs of an ALB (Elastic Load Balancing user guide, "Lambda
functions as targets" and "Listener rules"): rules are tried in priority order (lowest first);
a rule matches when all its conditions do -- ``path-pattern`` (``*`` and ``?`` wildcards,
case-sensitive, on the path without the query string), ``http-request-method``, ``host-header``
(case-insensitive), ``http-header`` and ``query-string``; a rule or the listener's default
action forwards to a target group (``TargetType: lambda``) or answers a ``fixed-response``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..function import LambdaFunction


@dataclass
class TargetGroup:
    """A Lambda target group: its function and whether multi-value headers are on."""

    name: str
    function: LambdaFunction
    multi_value_headers: bool = False


@dataclass
class FixedResponse:
    """A ``fixed-response`` action."""

    status_code: int
    content_type: str = "text/plain"
    body: str = ""


@dataclass
class Rule:
    """One listener rule (or the default action, with no conditions and the last priority)."""

    priority: float
    action: TargetGroup | FixedResponse
    paths: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    headers: dict[str, list[str]] = field(default_factory=dict)
    queries: list[tuple[str | None, str]] = field(default_factory=list)

    def matches(self, method: str, path: str, headers: Mapping[str, str],
                query: Mapping[str, list[str]]) -> bool:
        if self.paths and not any(fnmatch.fnmatchcase(path, p) for p in self.paths):
            return False
        if self.methods and method not in self.methods:
            return False
        lower = {k.lower(): v for k, v in headers.items()}
        host = lower.get("host", "").split(":")[0].lower()
        if self.hosts and not any(fnmatch.fnmatch(host, h.lower()) for h in self.hosts):
            return False
        for name, patterns in self.headers.items():
            value = lower.get(name.lower())
            if value is None or not any(fnmatch.fnmatch(value, p) for p in patterns):
                return False
        if self.queries:
            pairs = [(k, v) for k, values in query.items() for v in values]
            if not any(any((key is None or key == k) and fnmatch.fnmatch(v, value)
                           for k, v in pairs) for key, value in self.queries):
                return False
        return True


def rule_from_cfn(priority: Any, conditions: list[Any], action: TargetGroup | FixedResponse
                  ) -> Rule:
    """A rule from a ``ListenerRule``'s ``Conditions`` (both the ``Values`` and the
    ``...Config`` spellings CloudFormation accepts)."""
    rule = Rule(float(priority), action)
    for condition in conditions:
        field_name = str(condition.get("Field"))
        if field_name == "path-pattern":
            rule.paths += _values(condition, "PathPatternConfig")
        elif field_name == "http-request-method":
            rule.methods += [v.upper() for v in _values(condition, "HttpRequestMethodConfig")]
        elif field_name == "host-header":
            rule.hosts += _values(condition, "HostHeaderConfig")
        elif field_name == "http-header":
            config = condition.get("HttpHeaderConfig") or {}
            rule.headers[str(config.get("HttpHeaderName"))] = list(config.get("Values") or [])
        elif field_name == "query-string":
            for pair in (condition.get("QueryStringConfig") or {}).get("Values") or []:
                rule.queries.append((pair.get("Key"), str(pair.get("Value"))))
    return rule


def _values(condition: Mapping[str, Any], config: str) -> list[str]:
    found = condition.get("Values") or (condition.get(config) or {}).get("Values") or []
    return [str(v) for v in found]
