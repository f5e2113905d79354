"""Application Load Balancer listener rules that forward to Lambda target groups.

What the application's HTTP client needs of an ALB (Elastic Load Balancing user guide, "Lambda
functions as targets" and "Listener rules"): rules are tried in priority order (lowest first);
a rule matches when all its conditions do -- ``path-pattern`` (``*`` and ``?`` wildcards,
case-sensitive, on the path without the query string), ``http-request-method``, ``host-header``
(case-insensitive), ``http-header`` and ``query-string``; a rule or the listener's default
action forwards to a target group (``TargetType: lambda``) or answers a ``fixed-response``.
"""

from __future__ import annotations

import base64
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .gateway import _header, _unchecked, text_body
from .http_response import HttpResponse, _json_dumps, header_text

if TYPE_CHECKING:
    from ..events._http import QueryString
    from ..function import LambdaFunction
    from .http import HttpClient


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


#: What an ALB answers when its Lambda target fails or answers malformed (502, ``awselb/2.0``;
#: Elastic Load Balancing user guide, "Troubleshoot your Application Load Balancers": HTTP 502,
#: "The Lambda function ... returned a malformed response or an error").
_ALB_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")


_MAX_RESPONSE = _MAX_REQUEST = 1024 * 1024
_ALB_413 = (b"<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
            b"<center><h1>413 Request Entity Too Large</h1></center>\r\n</body>\r\n"
            b"</html>\r\n")


def serve(client: HttpClient, listener: str, method: str, path: str,
         query: QueryString, headers: dict[str, str], body: bytes | None
         ) -> HttpResponse:
    """One request through an ALB listener: the first matching rule's action."""
    from ..events import alb  # the event factories load on first use
    from ..events._http import ANY_BODY  # with the factories, on first use

    rules = client.table.listeners[listener]
    rule = next((r for r in rules if r.matches(method, path, headers, query.decoded)), None)
    if rule is None:
        return HttpResponse(404, [("Content-Type", "text/plain; charset=utf-8"),
                                  ("Server", "awselb/2.0")], b"Not Found")
    action = rule.action
    if isinstance(action, FixedResponse):
        return HttpResponse(action.status_code, [("Content-Type", action.content_type),
                                                 ("Server", "awselb/2.0")],
                            action.body.encode())
    if body is not None and len(body) > _MAX_REQUEST:
        # "The maximum size of the request body that you can send to a Lambda function is
        # 1 MB" (Elastic Load Balancing user guide, "Use Lambda functions as targets",
        # Limits): the function is not invoked. The status and page are UNVERIFIED (not
        # documented; a 413 is what users report), in the form of the load balancer's other
        # error pages.
        return HttpResponse(413, [("Content-Type", "text/html"), ("Server", "awselb/2.0")],
                            _ALB_413)
    fn = action.function
    listener_api = client.table.apis[listener]
    content_type = _header(headers, "content-type")
    binary = not text_body(content_type)
    sent: bytes | str | None = body if body is None or binary else body.decode("utf-8", "replace")
    token = ANY_BODY.set(True)  # a client's body goes through as sent, JSON or not
    try:
        event = _unchecked(alb.alb_request)(
            method, path, query=query.raw or None, headers=headers or None, body=sent,
            multi_value_headers=action.multi_value_headers, target_group=action.name[:32],
            protocol=listener_api.listener_protocol, port=listener_api.listener_port,
            region=fn.config.region, account_id=fn.config.account_id, rng=client._rng)
    finally:
        ANY_BODY.reset(token)
    result = fn.invoke(event)
    payload = result.payload
    failed = HttpResponse(502, [("Content-Type", "text/html"), ("Server", "awselb/2.0")],
                          _ALB_502, result)
    if result.function_error is not None or not isinstance(payload, Mapping):
        return failed
    # "The maximum size of the response JSON that the Lambda function can send is 1 MB"
    # (Elastic Load Balancing user guide, "Use Lambda functions as targets", Limits): a larger
    # one is not a response the load balancer can use.
    if len(result.raw_payload) > _MAX_RESPONSE:
        return failed
    status = payload.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int):
        return failed
    items: list[tuple[str, str]] = [("Server", "awselb/2.0")]
    if action.multi_value_headers:
        for name, values in dict(payload.get("multiValueHeaders") or {}).items():
            items.extend((name, header_text(v)) for v in values)
    else:
        items.extend((name, header_text(v))
                     for name, v in dict(payload.get("headers") or {}).items())
    raw = payload.get("body")
    text = "" if raw is None else raw if isinstance(raw, str) else _json_dumps(raw)
    content = base64.b64decode(text) if payload.get("isBase64Encoded") else text.encode()
    return HttpResponse(status, items, content, result)
