"""An in-process HTTP client for a template's APIs: requests in, the gateways' behaviour out
(API Gateway: :mod:`~pytest_lambda.templates.gateway`; ALB: :mod:`~pytest_lambda.templates.alb`).
"""

from __future__ import annotations

import json as _stdlib_json
import random
import re
from collections.abc import Mapping
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from .alb import serve as _alb
from .cors import preflight
from .gateway import _Gateway, _has, _header, _matches
from .http_response import HttpResponse, _gateway_error
from .routes import IMPLICIT, Api, Authorizer, Route, RouteTable, api_id

if TYPE_CHECKING:
    from ..result import InvokeResult
    from ..service.async_queue import VirtualClock


class HttpClient:
    """``client.get("/orders/1")``, ``client.post("/orders", json={...})``: requests-style calls
    routed to the template's functions. ``api=`` (or :meth:`for_api`) picks the API; it is
    needed when a path routes on several APIs (a ``LookupError`` says so). Cookies set by
    responses are sent back, as a browser does."""

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
        if name in self.table.skipped_apis and name not in self.table.apis:
            raise KeyError(f"API {name!r} is declared but not emulated: "
                           f"{self.table.skipped_apis[name]} (see lambda_app.unsupported).")
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
                cookies: Mapping[str, str] | None = None, api: str | None = None,
                content: str | bytes | None = None) -> HttpResponse:
        """Send one request. ``url`` is a path (``/orders?x=1``) or a full URL; ``json=``
        sends JSON, ``data=`` (or httpx's name, ``content=``) text or bytes."""
        if content is not None:
            if data is not None:
                raise TypeError("request() got data= and content=: they are the same body "
                                "(content= is httpx's name for data=); pass one.")
            data = content
        response = self._send(method, url, params=params, json=json, data=data,
                              headers=headers, cookies=cookies, api=api)
        if method.upper() == "HEAD":
            # A response to HEAD has no body (RFC 9110, 9.3.2): whatever the function
            # returned, the client reads none, as curl or requests would.
            response.content = b""
        return response

    def _send(self, method: str, url: str, *, params: Mapping[str, Any] | None,
              json: Any, data: str | bytes | None, headers: Mapping[str, str] | None,
              cookies: Mapping[str, str] | None, api: str | None) -> HttpResponse:
        from ..events._http import QueryString, as_sent  # the factories load on first use

        method = method.upper()
        parts = urlsplit(url)
        # What goes on the wire, as requests sends it: the path and query percent-encoded
        # where a URL needs it (escapes kept), params= appended form-encoded.
        path = as_sent(parts.path or "/")
        raw = as_sent(parts.query, query=True)
        extra = urlencode(_pairs(params))
        query = QueryString("url", f"{raw}&{extra}" if raw and extra else raw or extra)
        head: dict[str, str] = dict(headers or {})
        body: bytes | None = None
        if json is not None:
            # As requests sends json=: json.dumps's default separators, no NaN.
            body = _stdlib_json.dumps(json, allow_nan=False).encode()
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
        cors = route.api.cors_of(route.path)
        # A REST API's CORS preflight is an OPTIONS method of its own (a mock integration)
        # answering any OPTIONS request; an HTTP API answers requests with an Origin.
        if method == "OPTIONS" and cors is not None and (
                route.method != "OPTIONS" if route.api.kind == "rest" else _has(head, "Origin")):
            if route.api.kind == "rest" and _binary_request(head, route.api.binary_media_types):
                # The preflight is a MOCK integration with a JSON request template; a request
                # body the binary media types mark as binary (any, with */*) cannot be
                # transformed: "Execution failed due to configuration error: Unable to
                # transform request", 500 (aws/serverless-application-model#1344; the
                # Powertools REST example's template: "*/* doesn't work with CORS").
                return _gateway_error(500, {"message": "Internal server error"})
            return preflight(route.api, cors, head, self._path_methods(route))
        response = _Gateway(self, route, method, stage_path, params_, query, head, body).run()
        self._keep_cookies(response)
        return response

    def _path_methods(self, route: Route) -> list[str]:
        """The methods of the routes at ``route``'s path on its API."""
        return [r.method for r in self.table.routes
                if r.api is route.api and r.path == route.path]

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
        from ..events._http import http_api_path  # the factories load on first use

        candidates = []
        gateways = any(r.api.kind != "url" for r in self.table.routes)
        # An HTTP API routes the path it decoded (see http_api_path); the event is built from
        # the path as sent, so that is what a route hands on.
        decoded = http_api_path(path)
        for route in self.table.routes:
            if api is not None and route.api.name != api:
                continue
            if api is None and gateways and route.api.kind == "url":
                continue  # Function URLs have hosts of their own: reach them with for_api()
            stage = route.api.stage
            routed = path
            if route.api.kind == "http":
                if decoded is None:
                    continue
                routed = decoded
            local = sent = path
            if route.api.kind != "url" and stage != "$default":
                local, sent = _in_stage(routed, stage), _in_stage(path, stage)
            else:
                local = routed
            if route.method not in ("ANY", method) and not (
                    method == "OPTIONS" and route.api.cors_of(route.path) is not None):
                continue
            m = route.pattern().fullmatch(local)
            if m is None:
                continue
            names = [n.strip("{}+") for n in _param_names(route.path)]
            candidates.append((route.specificity(), route, dict(zip(names, m.groups(),
                                                                   strict=True)), sent))
        if not candidates:
            return None, None, path
        candidates.sort(key=lambda c: c[0])
        if api is None:
            _refuse_several_apis(method, path, candidates)
        specificity, route, found, local = candidates[0]
        declared = self._declared(method, path, api)
        if declared is not None and declared[0] < specificity:
            # A more specific route the template declares but the gateway does not emulate
            # (an SQS integration, say) takes the request on AWS, not the $default or
            # catch-all route that matches too.
            raise LookupError(f"{method} {path}: {declared[1]}. See lambda_app.unsupported; "
                              "test the function itself with lambda_function and "
                              "lambda_events.")
        return route, found or None, local

    def _declared(self, method: str, path: str, api: str | None
                  ) -> tuple[tuple[int, tuple[int, ...], int], str] | None:
        """The most specific declared, not emulated route matching the request, and why."""
        best: tuple[tuple[int, tuple[int, ...], int], str] | None = None
        for owner, verb, declared, why in self.table.declared:
            if (api is not None and owner.name != api) or verb not in ("ANY", method):
                continue
            local = path if owner.stage == "$default" else _in_stage(path, owner.stage)
            probe = Route(owner, verb, declared, None)  # type: ignore[arg-type]
            if probe.pattern().fullmatch(local):
                specificity = probe.specificity()
                if best is None or specificity < best[0]:
                    best = (specificity, why)
        return best

    def _no_route(self, method: str, path: str, head: Mapping[str, str],
                  api: str | None) -> HttpResponse:
        from ..events._http import http_api_path  # the factories load on first use

        declared = self._declared(method, path, api)
        if declared is not None:
            raise LookupError(f"{method} {path}: {declared[1]}. See lambda_app.unsupported; "
                              "test the function itself with lambda_function and "
                              "lambda_events.")
        apis = [a for a in self.table.apis.values() if api is None or a.name == api]
        if apis and apis[0].kind == "http" and http_api_path(path) is None:
            # Refused before routing (ingress-paths.json: "percent%25done" is rejected; the
            # capture does not show the answer's body, API Gateway's 400 is assumed).
            return _gateway_error(400, {"message": "Bad Request"})
        if not apis:
            missing = "".join(f" {lid} was not created, so its routes are missing: {why}"
                              for lid, why in self.table.not_created.items())
            missing += "".join(f" {lid} is declared but not emulated: {why}."
                               for lid, why in self.table.skipped_apis.items())
            if missing:  # it declares one: what stopped it comes first
                raise LookupError(f"no API, HTTP API or Function URL of the template could "
                                  f"take {method} {path}:{missing}")
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


def _refuse_several_apis(method: str, path: str, candidates: list[Any]) -> None:
    """On AWS each API has a host of its own: a request reaches one API, never the best match
    over all of them. So a path that routes on more than one API needs the API named."""
    by_api: dict[str, Route] = {}
    for _, route, _, _ in candidates:
        by_api.setdefault(route.api.name, route)
    if len(by_api) < 2:
        return
    listed = ", ".join(f"{name} ({'$default' if route.default else f'{route.method} {route.path}'})"
                       for name, route in by_api.items())
    first = next(iter(by_api))
    raise LookupError(
        f"{method} {path} matches routes of {len(by_api)} APIs: {listed}. On AWS each API has "
        f"a host of its own, so a request reaches only the API it is sent to. Name it: "
        f"lambda_app.http.for_api({first!r}).{method.lower()}({path!r}), or "
        f"lambda_app.http.request({method!r}, {path!r}, api={first!r}).")


def _binary_request(headers: Mapping[str, str], binary_media_types: list[str]) -> bool:
    """Whether API Gateway treats a REST request's payload as binary: its Content-Type matches
    a binary media type; ``*/*`` matches every request, one without a Content-Type too."""
    if "*/*" in binary_media_types:
        return True
    content_type = _header(headers, "content-type")
    return bool(content_type) and _matches(content_type, binary_media_types)


def _in_stage(path: str, stage: str) -> str:
    """The path within a named stage: ``/Prod/items`` -> ``/items``, ``/Prod`` -> ``/``
    (a path without the stage is taken as it is)."""
    if path == f"/{stage}":
        return "/"
    return path[len(stage) + 1:] if path.startswith(f"/{stage}/") else path


def _param_names(path: str) -> list[str]:
    return re.findall(r"\{[^}/]+\}", path)


def _pairs(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k, v in (params or {}).items():
        for item in v if isinstance(v, list | tuple) else [v]:
            out.append((str(k), str(item)))
    return out


def _set_default(headers: dict[str, str], name: str, value: str) -> None:
    if not _has(headers, name):
        headers[name] = value


def single_function_client(function: Any, kind: str = "http", *, payload_format: str = "2.0",
                           stage: str | None = None, path: str = "/{proxy+}",
                           binary_media_types: list[str] | None = None) -> HttpClient:
    """An HTTP client whose every request goes to ``function`` through one API of ``kind``
    (``"rest"``, ``"http"`` or ``"url"``) at ``path`` (a route such as ``/orders/{id}``)."""
    if kind not in ("rest", "http", "url"):
        raise ValueError(f"kind={kind!r} is not an API kind: use 'rest' (API Gateway REST API, "
                         "payload 1.0), 'http' (HTTP API) or 'url' (a Function URL).")
    if payload_format not in ("1.0", "2.0"):
        raise ValueError(f"payload_format={payload_format!r}: use '1.0' or '2.0'.")
    if not isinstance(path, str) or not path.startswith("/"):
        # API Gateway's routes start with "/" (a route without one answered 404 to everything).
        raise ValueError(f"path={path!r} is not a route: start it with '/', e.g. "
                         f"path={'/' + path if isinstance(path, str) else '/orders'!r}.")
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
