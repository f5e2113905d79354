"""An in-process HTTP client for a template's APIs: requests in, API Gateway's behaviour out.

A request is routed as API Gateway routes it (literal paths before variables before greedy
``{proxy+}``, a method before ``ANY``), runs the route's Lambda authorizer first, becomes the
exact event of the API's kind (REST API payload 1.0, HTTP API payload 1.0 or 2.0, Function URL)
and invokes the function; the result is mapped back to an HTTP response the way the gateway
maps it. Status codes and bodies the gateway produces itself are AWS's:

- REST API (API Gateway developer guide, "Set up Lambda proxy integrations" and "Gateway
  response types"): function error or malformed proxy response -> 502
  ``{"message": "Internal server error"}``; no route -> 403
  ``{"message":"Missing Authentication Token"}``; integration timeout (29 s) -> 504
  ``{"message": "Endpoint request timed out"}``; authorizer ``Unauthorized`` or missing
  identity -> 401 ``{"message":"Unauthorized"}``; an explicit deny -> 403
  ``{"Message":"User is not authorized to access this resource with an explicit deny"}``.
- HTTP API ("Working with AWS Lambda proxy integrations for HTTP APIs"): function error or
  malformed response -> 500 ``{"message":"Internal Server Error"}``; no route -> 404
  ``{"message":"Not Found"}``; integration timeout (30 s) -> 503
  ``{"message":"Service Unavailable"}``; authorizer refusal -> 403 ``{"message":"Forbidden"}``,
  missing identity -> 401 ``{"message":"Unauthorized"}``. A 2.0 response without
  ``statusCode`` is inferred: 200, ``application/json``, the function's JSON as the body.
- Function URL ("Invoking Lambda function URLs"): same response inference as HTTP API 2.0; a
  function error -> 502 ``Internal Server Error`` (awsdocs/aws-lambda-developer-guide#430).
"""

from __future__ import annotations

import base64
import datetime as _dt
import fnmatch
import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .routes import Api, Authorizer, Route, RouteTable

if TYPE_CHECKING:
    from ..result import InvokeResult
    from ..service.async_queue import VirtualClock

REST_TIMEOUT_S, HTTP_TIMEOUT_S = 29, 30
_REST_DEFAULT_TYPE = "application/json"
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "application/x-www-form-urlencoded")


@dataclass
class HttpResponse:
    """What the client got back: ``status_code``, ``headers`` (a name's values joined by
    ``", "``, names case-insensitive), ``content`` (bytes), ``text``, ``json()``, ``cookies``,
    and ``invocation`` (the function's ``InvokeResult``; ``None`` when the gateway answered
    by itself)."""

    status_code: int
    header_list: list[tuple[str, str]]
    content: bytes
    invocation: InvokeResult | None = None
    authorizer_invocations: list[InvokeResult] = field(default_factory=list)

    @property
    def headers(self) -> _Headers:
        return _Headers(self.header_list)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def cookies(self) -> dict[str, str]:
        """The ``Set-Cookie`` cookies by name."""
        jar: SimpleCookie = SimpleCookie()
        for name, value in self.header_list:
            if name.lower() == "set-cookie":
                jar.load(value)
        return {k: m.value for k, m in jar.items()}

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    def __repr__(self) -> str:
        return f"<HttpResponse [{self.status_code}]>"


class _Headers(Mapping[str, str]):
    """Case-insensitive, read-only view of response headers."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items

    def __getitem__(self, name: str) -> str:
        values = [v for k, v in self._items if k.lower() == name.lower()]
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def __iter__(self) -> Any:
        seen: dict[str, None] = {}
        for k, _ in self._items:
            seen.setdefault(k, None)
        return iter(seen)

    def __len__(self) -> int:
        return len({k.lower() for k, _ in self._items})

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self._items if k.lower() == name.lower()]


class HttpClient:
    """``client.get("/orders/1")``, ``client.post("/orders", json={...})``: requests-style calls
    routed to the template's functions. ``api=`` (or :meth:`for_api`) picks one API when
    several serve the same path. Cookies set by responses are sent back, as a browser does."""

    def __init__(self, table: RouteTable, clock: VirtualClock, *, seed: int | None = None,
                 api: str | None = None) -> None:
        self.table = table
        self.clock = clock
        self._api = api
        self._rng = random.Random(seed)
        self.cookies: dict[str, str] = {}
        self._auth_cache: dict[tuple[str, tuple[str, ...]], tuple[float, Any]] = {}

    def for_api(self, name: str) -> HttpClient:
        """A client that only routes to API ``name`` (logical id, or a function's name for its
        Function URL); it shares this client's cookies and authorizer cache."""
        if name not in self.table.apis:
            raise KeyError(f"no API {name!r}: the template has "
                           f"{', '.join(self.table.apis) or '(none)'}.")
        other = HttpClient(self.table, self.clock, api=name)
        other.cookies, other._auth_cache, other._rng = self.cookies, self._auth_cache, self._rng
        return other

    def get(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("DELETE", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("OPTIONS", url, **kwargs)

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, data: str | bytes | None = None,
                headers: Mapping[str, str] | None = None,
                cookies: Mapping[str, str] | None = None, api: str | None = None
                ) -> HttpResponse:
        """Send one request. ``url`` is a path (``/orders?x=1``) or a full URL; ``json=``
        sends JSON, ``data=`` text or bytes."""
        method = method.upper()
        parts = urlsplit(url)
        path = parts.path or "/"
        query: dict[str, list[str]] = {}
        for k, v in [*parse_qsl(parts.query, keep_blank_values=True),
                     *_pairs(params)]:
            query.setdefault(k, []).append(v)
        head: dict[str, str] = dict(headers or {})
        body: bytes | None = None
        if json is not None:
            body = _json_dumps(json).encode()
            _set_default(head, "Content-Type", "application/json")
        elif data is not None:
            body = data.encode() if isinstance(data, str) else bytes(data)
        jar = {**self.cookies, **dict(cookies or {})}
        if jar and not _has(head, "Cookie"):
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        listener = self._listener(api or self._api)
        if listener is not None:
            response = _alb(self, listener, method, path, query, head, body)
            self._keep_cookies(response)
            return response
        route, params_, stage_path = self._route(method, path, api or self._api)
        if route is None:
            return self._no_route(method, path, head, api or self._api)
        if method == "OPTIONS" and route.api.cors is not None and _has(head, "Origin"):
            return _preflight(route.api, head)
        response = _Gateway(self, route, method, stage_path, params_, query, head, body).run()
        self._keep_cookies(response)
        return response

    def _keep_cookies(self, response: HttpResponse) -> None:
        for name, value in response.header_list:
            if name.lower() == "set-cookie":
                cookie: SimpleCookie = SimpleCookie()
                cookie.load(value)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value

    def _listener(self, api: str | None) -> str | None:
        """The ALB listener this request goes to: the one asked for, or the template's only
        HTTP entry point when that is an ALB."""
        if api is not None:
            return api if api in self.table.listeners else None
        if self.table.listeners and not self.table.routes:
            return next(iter(self.table.listeners))
        return None

    def _route(self, method: str, path: str, api: str | None
               ) -> tuple[Route | None, dict[str, str] | None, str]:
        candidates = []
        gateways = any(r.api.kind != "url" for r in self.table.routes)
        for route in self.table.routes:
            if api is not None and route.api.name != api:
                continue
            if api is None and gateways and route.api.kind == "url":
                continue  # Function URLs have hosts of their own: reach them with for_api()
            local = path
            stage = route.api.stage
            if route.api.kind != "url" and stage != "$default" and path.startswith(f"/{stage}/"):
                local = path[len(stage) + 1:]
            if route.method not in ("ANY", method) and not (
                    method == "OPTIONS" and route.api.cors is not None):
                continue
            m = route.pattern().fullmatch(local)
            if m is None:
                continue
            names = [n.strip("{}+") for n in _param_names(route.path)]
            candidates.append((route.specificity(), route, dict(zip(names, m.groups(),
                                                                   strict=True)), local))
        if not candidates:
            return None, None, path
        candidates.sort(key=lambda c: c[0])
        _, route, found, local = candidates[0]
        return route, found or None, local

    def _no_route(self, method: str, path: str, head: Mapping[str, str],
                  api: str | None) -> HttpResponse:
        apis = [a for a in self.table.apis.values() if api is None or a.name == api]
        if not apis:
            raise LookupError(f"the template declares no API, HTTP API or Function URL to "
                              f"send {method} {path} to.")
        kind = apis[0].kind
        if kind == "rest":
            return _gateway_error(403, {"message": "Missing Authentication Token"})
        return _gateway_error(404, {"message": "Not Found"})

    def authorize(self, authorizer: Authorizer, identity: tuple[str, ...],
                  build: Any) -> tuple[Any, InvokeResult | None]:
        """The authorizer's answer for ``identity``, from the cache while its TTL lasts."""
        key = (authorizer.name, identity)
        now = self.clock.now
        cached = self._auth_cache.get(key)
        if cached is not None and authorizer.ttl and now - cached[0] < authorizer.ttl:
            return cached[1], None
        result = authorizer.function.invoke(build())
        answer = result.payload if result.function_error is None else result
        if result.function_error is None and authorizer.ttl:
            self._auth_cache[key] = (now, answer)
        return answer, result


class _Gateway:
    """One request through API Gateway: authorizer, event, invocation, response mapping."""

    def __init__(self, client: HttpClient, route: Route, method: str, path: str,
                 params: dict[str, str] | None, query: dict[str, list[str]],
                 headers: dict[str, str], body: bytes | None) -> None:
        self.client, self.route, self.api = client, route, route.api
        self.method, self.path, self.params = method, path, params
        self.query, self.headers, self.body = query, headers, body
        self.auth_results: list[InvokeResult] = []

    def run(self) -> HttpResponse:
        context: dict[str, Any] | None = None
        if self.route.authorizer is not None:
            verdict = self._authorize(self.route.authorizer)
            if isinstance(verdict, HttpResponse):
                verdict.authorizer_invocations = self.auth_results
                return verdict
            context = verdict
        event = self._event(context)
        result = self.route.function.invoke(event)
        response = self._map(result)
        response.authorizer_invocations = self.auth_results
        if self.api.cors is not None and self.api.kind != "rest":
            _cors_headers(self.api, self.headers, response)
        return response

    def _now(self) -> _dt.datetime:
        return _dt.datetime.now(_dt.UTC)

    def _identity(self, authorizer: Authorizer) -> tuple[str, ...] | None:
        values = []
        for source in authorizer.identity:
            if source.startswith("query:"):
                found = self.query.get(source[6:])
                value = found[-1] if found else None
            else:
                value = next((v for k, v in self.headers.items()
                              if k.lower() == source.lower()), None)
            if not value:
                return None
            values.append(value)
        return tuple(values)

    def _authorize(self, authorizer: Authorizer) -> dict[str, Any] | HttpResponse:
        identity = self._identity(authorizer)
        if identity is None:
            return _gateway_error(401, {"message": "Unauthorized"})
        answer, result = self.client.authorize(authorizer, identity,
                                               lambda: self._authorizer_event(authorizer))
        if result is not None:
            self.auth_results.append(result)
        if not isinstance(answer, Mapping):  # the authorizer failed (answer is its result)
            error = getattr(answer, "error", None) or {}
            if self.api.kind == "rest":
                if error.get("errorMessage") == "Unauthorized":
                    return _gateway_error(401, {"message": "Unauthorized"})
                return _gateway_error(500, {"message": None})
            return _gateway_error(500, {"message": "Internal Server Error"})
        if self.api.kind == "http" and authorizer.simple_responses:
            if answer.get("isAuthorized") is not True:
                return _gateway_error(403, {"message": "Forbidden"})
            return {"lambda": dict(answer.get("context") or {})}
        allowed = _policy_allows(answer.get("policyDocument"), self._method_arn())
        if not allowed:
            if self.api.kind == "rest":
                return _gateway_error(403, {"Message": "User is not authorized to access this "
                                                       "resource with an explicit deny"})
            return _gateway_error(403, {"message": "Forbidden"})
        extra = dict(answer.get("context") or {})
        if self.api.kind == "rest":
            out: dict[str, Any] = {"principalId": answer.get("principalId"), **extra}
            if "usageIdentifierKey" in answer:
                out["usageIdentifierKey"] = answer["usageIdentifierKey"]
            return out
        return {"lambda": extra}

    def _method_arn(self) -> str:
        from ..events.apigateway import method_arn

        fn = self.route.function
        return method_arn(self.api.api_id, self.api.stage, self.method, self.path,
                          fn.config.region, fn.config.account_id)

    def _authorizer_event(self, authorizer: Authorizer) -> dict[str, Any]:
        from ..events.apigateway import apigateway_authorizer_token

        fn = self.route.function
        if self.api.kind == "rest" and authorizer.type == "TOKEN":
            event = apigateway_authorizer_token(
                self._identity(authorizer)[0],  # type: ignore[index]
                method=self.method, resource=self.path, stage=self.api.stage,
                region=fn.config.region, account_id=fn.config.account_id,
                rng=self.client._rng, now=self._now())
            event["methodArn"] = self._method_arn()
            return event
        event = self._event(None)
        event.pop("body", None)
        event.pop("isBase64Encoded", None)
        if self.api.kind == "rest":
            for name in ("queryStringParameters", "multiValueQueryStringParameters",
                         "pathParameters", "stageVariables"):
                if event.get(name) is None:
                    event[name] = {}
            return {"type": "REQUEST", "methodArn": self._method_arn(), **event}
        identity = list(self._identity(authorizer) or ())
        arn = self._method_arn()
        if authorizer.payload_format == "1.0":
            return {"version": "1.0", "type": "REQUEST", "methodArn": arn,
                    "identitySource": ",".join(identity), **event}
        event.pop("version", None)
        return {"version": "2.0", "type": "REQUEST", "routeArn": arn,
                "identitySource": identity, **event}

    def _body_for_event(self) -> str | bytes | None:
        if self.body is None:
            return None
        content_type = next((v for k, v in self.headers.items()
                             if k.lower() == "content-type"), "")
        if self.api.kind == "rest":
            binary = _matches(content_type, self.api.binary_media_types)
        else:
            binary = not content_type.lower().startswith(_TEXT_TYPES) and bool(content_type)
        if binary:
            return self.body
        return self.body.decode("utf-8", "replace")

    def _event(self, authorizer_context: dict[str, Any] | None) -> dict[str, Any]:
        from ..events import apigateway, apigatewayv2

        # The factories' argument checks re-validate what the gateway built itself; their
        # own checks of header and query values (strings, HTTP tokens) still run.
        apigateway_rest = _unchecked(apigateway.apigateway_rest)
        http_api = _unchecked(apigatewayv2.http_api)
        lambda_function_url = _unchecked(apigatewayv2.lambda_function_url)
        fn = self.route.function
        common: dict[str, Any] = {
            "query": self.query or None, "body": self._body_for_event(),
            "region": fn.config.region, "account_id": fn.config.account_id,
            "rng": self.client._rng, "now": self._now()}
        headers = {k: v for k, v in self.headers.items()}
        event: dict[str, Any]
        if self.api.kind == "rest" or self.route.payload_format == "1.0":
            event = apigateway_rest(
                self.method, self.path, resource=self.route.path, headers=headers or None,
                stage=self.api.stage if self.api.kind == "rest" else "prod",
                path_parameters=self.params, authorizer=authorizer_context, **common)
            if self.api.kind == "http":
                # HTTP API payload format 1.0 (developer guide, "payload format version").
                event = {"version": "1.0", **event}
                ctx = event["requestContext"]
                ctx["stage"], ctx["resourceId"] = self.api.stage, f"{self.method} " \
                    f"{self.route.path}"
                ctx["path"] = self.path if self.api.stage == "$default" else \
                    f"/{self.api.stage}{self.path}"
                ctx.setdefault("authorizer", {"claims": None, "scopes": None})
        elif self.api.kind == "http":
            event = http_api(self.method, self.path, route=self.route.path,
                             headers=headers or None, stage=self.api.stage,
                             lambda_context=(authorizer_context or {}).get("lambda"),
                             **common)
            if self.route.method == "ANY":
                event["routeKey"] = f"ANY {self.route.path}"
                event["requestContext"]["routeKey"] = event["routeKey"]
        else:
            event = lambda_function_url(self.method, self.path, headers=headers or None,
                                        **common)
        _stable_ids(event, self.api)
        return event

    def _map(self, result: InvokeResult) -> HttpResponse:
        kind = self.api.kind
        timeout = REST_TIMEOUT_S if kind == "rest" else HTTP_TIMEOUT_S
        report = result.report
        if kind != "url" and report is not None and report.duration_ms > timeout * 1000:
            if kind == "rest":
                return _gateway_error(504, {"message": "Endpoint request timed out"}, result)
            return _gateway_error(503, {"message": "Service Unavailable"}, result)
        if result.function_error is not None:
            return self._failed(result)
        payload = result.payload
        structured = isinstance(payload, Mapping) and "statusCode" in payload
        if kind in ("http", "url") and self.route.payload_format == "2.0" and not structured:
            return HttpResponse(200, [("Content-Type", "application/json")],
                                bytes(result.raw_payload), result)
        if not structured or not _valid_proxy(payload, v2=self.route.payload_format == "2.0"
                                              and kind != "rest"):
            return self._failed(result)
        assert isinstance(payload, Mapping)
        items: list[tuple[str, str]] = []
        multi = dict(payload.get("multiValueHeaders") or {})
        single = dict(payload.get("headers") or {})
        for name, values in multi.items():
            items.extend((name, str(v)) for v in values)
        for name, value in single.items():
            if not any(k.lower() == name.lower() for k in multi):
                items.append((name, str(value)))
        for cookie in payload.get("cookies") or ():
            items.append(("Set-Cookie", str(cookie)))
        if kind == "rest" and not any(k.lower() == "content-type" for k, _ in items):
            items.append(("Content-Type", _REST_DEFAULT_TYPE))
        raw = payload.get("body")
        text = "" if raw is None else raw if isinstance(raw, str) else _json_dumps(raw)
        content = text.encode()
        if payload.get("isBase64Encoded"):
            accept = next((v for k, v in self.headers.items() if k.lower() == "accept"), "")
            if kind != "rest" or _matches(accept, self.api.binary_media_types):
                content = base64.b64decode(text)
        return HttpResponse(int(payload["statusCode"]), items, content, result)

    def _failed(self, result: InvokeResult) -> HttpResponse:
        if self.api.kind == "rest":
            return _gateway_error(502, {"message": "Internal server error"}, result)
        if self.api.kind == "http":
            return _gateway_error(500, {"message": "Internal Server Error"}, result)
        return HttpResponse(502, [("Content-Type", "text/plain")], b"Internal Server Error",
                            result)


def _unchecked(factory: Any) -> Any:
    return getattr(factory, "__wrapped__", factory)


def _valid_proxy(payload: Any, *, v2: bool) -> bool:
    """A proxy response API Gateway accepts: an integer status, string headers, string body."""
    status = payload.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int | str) or \
            not str(status).isdigit():
        return False
    body = payload.get("body")
    if body is not None and not isinstance(body, str) and not v2:
        return False
    headers = payload.get("headers")
    if headers is not None and not isinstance(headers, Mapping):
        return False
    multi = payload.get("multiValueHeaders")
    return multi is None or (isinstance(multi, Mapping) and all(
        isinstance(v, list) for v in multi.values()))


def _policy_allows(document: Any, arn: str) -> bool:
    """An IAM policy's verdict on ``execute-api:Invoke`` of ``arn``: an explicit deny wins."""
    if not isinstance(document, Mapping):
        return False
    allowed = False
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, Mapping):
            continue
        actions = [str(a) for a in _as_list(statement.get("Action"))]
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions):
            continue
        if any(fnmatch.fnmatchcase(arn, str(r)) for r in _as_list(statement.get("Resource"))):
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _preflight(api: Api, headers: Mapping[str, str]) -> HttpResponse:
    """The gateway's own answer to a CORS preflight (SAM adds it for REST API ``Cors``; HTTP
    APIs answer it when ``CorsConfiguration`` is set)."""
    cors = api.cors
    assert cors is not None
    origin = next((v for k, v in headers.items() if k.lower() == "origin"), "")
    items: list[tuple[str, str]] = []
    if "*" in cors.allow_origins or origin in cors.allow_origins:
        items.append(("Access-Control-Allow-Origin",
                      "*" if "*" in cors.allow_origins and not cors.allow_credentials
                      else origin))
        items.append(("Access-Control-Allow-Methods", ",".join(cors.allow_methods) or "*"))
        if cors.allow_headers:
            items.append(("Access-Control-Allow-Headers", ",".join(cors.allow_headers)))
        if cors.max_age is not None:
            items.append(("Access-Control-Max-Age", str(cors.max_age)))
        if cors.allow_credentials:
            items.append(("Access-Control-Allow-Credentials", "true"))
    return HttpResponse(204 if api.kind == "http" else 200, items, b"")


def _cors_headers(api: Api, headers: Mapping[str, str], response: HttpResponse) -> None:
    cors = api.cors
    assert cors is not None
    origin = next((v for k, v in headers.items() if k.lower() == "origin"), None)
    if origin is None or not ("*" in cors.allow_origins or origin in cors.allow_origins):
        return
    response.header_list.append(("Access-Control-Allow-Origin",
                                 "*" if "*" in cors.allow_origins and not cors.allow_credentials
                                 else origin))
    if cors.expose_headers:
        response.header_list.append(("Access-Control-Expose-Headers",
                                     ",".join(cors.expose_headers)))
    if cors.allow_credentials:
        response.header_list.append(("Access-Control-Allow-Credentials", "true"))


def _stable_ids(event: dict[str, Any], api: Api) -> None:
    """One API id per API (factories draw a random one per event)."""
    ctx = event.get("requestContext") or {}
    old = ctx.get("apiId")
    if not old:
        return
    new = api.api_id if api.kind != "url" else (api.api_id * 4)[:32]
    ctx["apiId"] = new
    for key in ("domainName", "domainPrefix"):
        if isinstance(ctx.get(key), str):
            ctx[key] = ctx[key].replace(old, new)
    for holder in (event.get("headers") or {}, event.get("multiValueHeaders") or {}):
        for name, value in list(holder.items()):
            if name.lower() == "host":
                holder[name] = ([v.replace(old, new) for v in value] if isinstance(value, list)
                                else value.replace(old, new))


def _gateway_error(status: int, body: Any, result: InvokeResult | None = None) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")],
                        _json_dumps(body).encode(), result)


def _json_dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _matches(content_type: str, patterns: list[str]) -> bool:
    media = [t.split(";", 1)[0].strip().lower() for t in content_type.split(",")]
    return any(fnmatch.fnmatchcase(m, p.lower()) for m in media for p in patterns if m)


def _param_names(path: str) -> list[str]:
    return re.findall(r"\{[^}/]+\}", path)


def _pairs(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k, v in (params or {}).items():
        for item in v if isinstance(v, list | tuple) else [v]:
            out.append((str(k), str(item)))
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _has(headers: Mapping[str, str], name: str) -> bool:
    return any(k.lower() == name.lower() for k in headers)


def _set_default(headers: dict[str, str], name: str, value: str) -> None:
    if not _has(headers, name):
        headers[name] = value


def single_function_client(function: Any, kind: str = "http", *, payload_format: str = "2.0",
                           stage: str | None = None, path: str = "/{proxy+}",
                           binary_media_types: list[str] | None = None) -> HttpClient:
    """An HTTP client whose every request goes to ``function`` through one API of ``kind``
    (``"rest"``, ``"http"`` or ``"url"``) at ``path`` (a route such as ``/orders/{id}``)."""
    from .routes import IMPLICIT, Api, RouteTable, api_id

    if kind not in ("rest", "http", "url"):
        raise ValueError(f"kind={kind!r} is not an API kind: use 'rest' (API Gateway REST API, "
                         "payload 1.0), 'http' (HTTP API) or 'url' (a Function URL).")
    if payload_format not in ("1.0", "2.0"):
        raise ValueError(f"payload_format={payload_format!r}: use '1.0' or '2.0'.")
    table = RouteTable()
    name = function.name
    default_stage = IMPLICIT.get(kind, ("", "$default"))[1]
    api = Api(name, kind, stage or default_stage, api_id(name),  # type: ignore[arg-type]
              binary_media_types=list(binary_media_types or []))
    table.apis[name] = api
    table.add(api, "ANY", path, function, None, "1.0" if kind == "rest" else payload_format)
    if path == "/{proxy+}":
        table.add(api, "ANY", "/", function, None, "1.0" if kind == "rest" else payload_format)
    return HttpClient(table, function.account.clock)


#: What an ALB answers when its Lambda target fails or answers malformed (502, ``awselb/2.0``;
#: Elastic Load Balancing user guide, "Troubleshoot your Application Load Balancers": HTTP 502,
#: "The Lambda function ... returned a malformed response or an error").
_ALB_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")


def _alb(client: HttpClient, listener: str, method: str, path: str,
         query: dict[str, list[str]], headers: dict[str, str], body: bytes | None
         ) -> HttpResponse:
    """One request through an ALB listener: the first matching rule's action."""
    from ..events import alb
    from .alb import FixedResponse

    rules = client.table.listeners[listener]
    rule = next((r for r in rules if r.matches(method, path, headers, query)), None)
    if rule is None:
        return HttpResponse(404, [("Content-Type", "text/plain; charset=utf-8"),
                                  ("Server", "awselb/2.0")], b"Not Found")
    action = rule.action
    if isinstance(action, FixedResponse):
        return HttpResponse(action.status_code, [("Content-Type", action.content_type),
                                                 ("Server", "awselb/2.0")],
                            action.body.encode())
    fn = action.function
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    binary = bool(content_type) and not content_type.lower().startswith(_TEXT_TYPES)
    sent: bytes | str | None = body if body is None or binary else body.decode("utf-8", "replace")
    event = _unchecked(alb.alb_request)(
        method, path, query=query or None, headers=headers or None, body=sent,
        multi_value_headers=action.multi_value_headers, target_group=action.name[:32],
        region=fn.config.region, account_id=fn.config.account_id, rng=client._rng)
    result = fn.invoke(event)
    payload = result.payload
    failed = HttpResponse(502, [("Content-Type", "text/html"), ("Server", "awselb/2.0")],
                          _ALB_502, result)
    if result.function_error is not None or not isinstance(payload, Mapping):
        return failed
    status = payload.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int):
        return failed
    items: list[tuple[str, str]] = [("Server", "awselb/2.0")]
    if action.multi_value_headers:
        for name, values in dict(payload.get("multiValueHeaders") or {}).items():
            items.extend((name, str(v)) for v in values)
    else:
        items.extend((name, str(v)) for name, v in dict(payload.get("headers") or {}).items())
    raw = payload.get("body")
    text = "" if raw is None else raw if isinstance(raw, str) else _json_dumps(raw)
    content = base64.b64decode(text) if payload.get("isBase64Encoded") else text.encode()
    return HttpResponse(status, items, content, result)
