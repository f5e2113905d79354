"""The HTTP routes a template declares: REST APIs, HTTP APIs and Function URLs, with their
authorizers and CORS settings, read from SAM ``Api`` / ``HttpApi`` events and OpenAPI
definitions, ``FunctionUrlConfig`` and serverless.yml ``http`` / ``httpApi`` events."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .errors import TemplateError

if TYPE_CHECKING:
    from ..function import LambdaFunction
    from ..template import Template
    from .alb import Rule

Kind = Literal["rest", "http", "url", "alb"]
_PARAM = re.compile(r"\{[^}/]+\}")

#: SAM's implicit APIs (AWS SAM developer guide, "AWS::Serverless::Api": an implicit
#: ``ServerlessRestApi`` with the stage ``Prod``; ``AWS::Serverless::HttpApi``: an implicit
#: ``ServerlessHttpApi`` on the ``$default`` stage).
IMPLICIT = {"rest": ("ServerlessRestApi", "Prod"), "http": ("ServerlessHttpApi", "$default")}
#: The path :meth:`RouteTable.add` takes for an HTTP API's ``$default`` route.
DEFAULT_ROUTE = "$default"
#: The SAM resource type of each kind of API (an implicit API is one of these too).
SAM_TYPES = {"rest": "AWS::Serverless::Api", "http": "AWS::Serverless::HttpApi"}
#: The methods an HTTP API route can have (``ANY`` stands for all of them).
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE")
#: The Serverless Framework's default ``provider.httpApi.cors`` headers (its http-api.js).
SLS_CORS_HEADERS = ("Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key",
                    "X-Amz-Security-Token", "X-Amz-User-Agent", "X-Amzn-Trace-Id")
#: Its default ``http`` (REST API) ``cors`` headers (api-gateway/lib/validate.js ``getCors``).
SLS_REST_CORS_HEADERS = SLS_CORS_HEADERS[:-1]
#: What a REST preflight allows for a path with an ``ANY`` method (SAM's
#: ``_make_cors_allowed_methods_for_path``; the Framework's cors.js without OPTIONS).
REST_ANY_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


@dataclass
class Authorizer:
    """A Lambda authorizer of an API (TOKEN / REQUEST for REST APIs; REQUEST for HTTP APIs)."""

    name: str
    function: LambdaFunction
    #: ``TOKEN`` or ``REQUEST``
    type: str = "TOKEN"
    #: Header names (and ``query:`` names) whose values must be present and key the cache.
    identity: list[str] = field(default_factory=lambda: ["Authorization"])
    #: Seconds a result is reused for the same identity (REST default 300; HTTP API 0).
    ttl: int = 300
    #: HTTP APIs: "1.0" or "2.0" payload, and whether simple ``isAuthorized`` responses are used.
    payload_format: str = "2.0"
    simple_responses: bool = False


@dataclass
class Cors:
    """CORS as the template configures it (SAM ``Cors`` / ``CorsConfiguration``,
    serverless.yml ``cors``). A REST API's empty ``allow_methods`` are its path's methods."""

    allow_origins: list[str] = field(default_factory=lambda: ["*"])
    allow_methods: list[str] = field(default_factory=lambda: ["*"])
    allow_headers: list[str] = field(default_factory=list)
    expose_headers: list[str] = field(default_factory=list)
    max_age: int | None = None
    allow_credentials: bool = False
    #: REST APIs: the preflight's ``Cache-Control`` (serverless.yml ``cacheControl``).
    cache_control: str | None = None
    #: serverless.yml ``origins``: patterns (``*`` a wildcard) a REST preflight answers with
    #: the request's ``Origin`` when it matches one (else with the first of them).
    echo_origins: list[str] = field(default_factory=list)


@dataclass
class Api:
    """One REST API, HTTP API or a function's URL."""

    name: str
    kind: Kind
    stage: str
    api_id: str
    authorizers: dict[str, Authorizer] = field(default_factory=dict)
    default_authorizer: str | None = None
    cors: Cors | None = None
    binary_media_types: list[str] = field(default_factory=list)
    #: HTTP APIs: the default payload format of its routes.
    payload_format: str = "2.0"
    #: serverless.yml ``http`` events: CORS is per path (the Framework's OPTIONS method).
    path_cors: dict[str, Cors] = field(default_factory=dict)
    #: REST APIs: SAM ``Auth.ApiKeyRequired`` for every method (an event's own ``Auth`` wins),
    #: and whether the CORS preflight needs the key too (``AddApiKeyRequiredToCorsPreflight``).
    api_key_required: bool = False
    api_key_preflight: bool = True
    #: REST APIs: the authorizer of the CORS preflight (SAM's DefaultAuthorizer).
    preflight_authorizer: str | None = None
    #: Function URLs: ``AuthType`` (``NONE`` or ``AWS_IAM``).
    auth_type: str = "NONE"
    #: REST APIs: ``EDGE`` (the default of API Gateway, SAM and the Serverless Framework: a
    #: CloudFront distribution in front, whose headers reach the function), ``REGIONAL`` or
    #: ``PRIVATE``.
    endpoint_type: str = "EDGE"
    #: ALB listeners: ``Protocol`` and ``Port``, which the request's X-Forwarded-Proto and
    #: X-Forwarded-Port carry.
    listener_protocol: str = "HTTPS"
    listener_port: int = 443

    def cors_of(self, path: str) -> Cors | None:
        """The CORS settings of the route at ``path``."""
        return self.path_cors.get(path, self.cors)


@dataclass
class Route:
    """``method path`` of an API, and the function it invokes."""

    api: Api
    method: str
    path: str
    function: LambdaFunction
    authorizer: Authorizer | None = None
    payload_format: str = "2.0"
    #: An HTTP API's ``$default`` route: it takes any request no other route matches (its
    #: ``path`` is ``/{proxy+}`` for matching), and its event's ``routeKey`` is ``$default``
    #: with no ``pathParameters``.
    default: bool = False
    #: REST APIs: a request without an ``x-api-key`` header is refused (SAM
    #: ``ApiKeyRequired``, serverless.yml ``private``).
    api_key_required: bool = False
    #: ``AWS_IAM`` authorization: a request without a SigV4 signature is refused (the
    #: signature itself is not verified locally).
    iam: bool = False
    #: The integration's timeout in milliseconds (SAM ``TimeoutInMillis``, CloudFormation's
    #: ``Integration.TimeoutInMillis``); None: API Gateway's default (29 s REST, 30 s HTTP).
    timeout_ms: int | None = None

    def specificity(self) -> tuple[int, tuple[int, ...], int]:
        """API Gateway's precedence among the routes a request matches (lower first): the
        path compared segment by segment, a literal segment before a ``{variable}`` before a
        greedy ``{proxy+}`` at the first place they differ; then a method before ``ANY``;
        ``$default`` after every other route.

        An HTTP API "selects the route with the most-specific match" (API Gateway developer
        guide, "Working with routes for HTTP APIs": ``GET /pets/dog/1`` before
        ``GET /pets/dog/{id}`` before ``GET /pets/{proxy+}`` before ``ANY /{proxy+}``); a REST
        API's resources form a tree matched level by level, a literal child resource before a
        path-variable one, ``{proxy+}`` for what no other resource matches. So
        ``ANY /api/{proxy+}`` wins ``/api/orders`` over ``ANY /{proxy+}``, whatever their order
        in the template (counting variables tied the two, and the first declared won)."""
        segments = tuple(
            (2 if part.endswith("+}") else 1) if _PARAM.fullmatch(part) else 0
            for part in self.path.strip("/").split("/"))
        return (int(self.default), segments, 1 if self.method == "ANY" else 0)

    def pattern(self) -> re.Pattern[str]:
        if self.default:
            # "$default catches requests that don't explicitly match other routes" (API
            # Gateway developer guide, "Working with routes for HTTP APIs"): ``/`` included,
            # which ``/{proxy+}`` (one character at least) would not match.
            return re.compile("/(.*)")
        out, last = "", 0
        for m in _PARAM.finditer(self.path):
            out += re.escape(self.path[last:m.start()])
            out += "(.+)" if m.group(0).endswith("+}") else "([^/]+)"
            last = m.end()
        return re.compile(out + re.escape(self.path[last:]))


def integration_timeout(value: Any, api: Api, where: str, template: Any) -> int | None:
    """An integration's ``TimeoutInMillis`` in milliseconds, checked as API Gateway does:
    50 to 30,000 for an HTTP API; from 50 for a REST API, up to 29,000 unless it is Regional
    or private (their quota can be raised; developer guide, "Amazon API Gateway quotas",
    "Integration timeout"). None where the template sets none."""
    if value is None:
        return None
    try:
        millis = int(str(value))
    except ValueError:
        millis = -1
    top = 30_000 if api.kind == "http" else (
        None if api.endpoint_type in ("REGIONAL", "PRIVATE") else 29_000)
    if millis < 50 or (top is not None and millis > top):
        limit = f"50 to {top:,}" if top is not None else "at least 50"
        raise TemplateError(
            f"{template}: {where}.TimeoutInMillis is {value!r}; API Gateway takes "
            f"{limit} milliseconds for this API"
            + ("" if top != 29_000 else " (more only for a Regional or private REST API)")
            + "; fix the value.")
    return millis


def api_id(name: str) -> str:
    """A stable 10-character API id for an API's logical id (the same on every run)."""
    return hashlib.sha256(name.encode()).hexdigest()[:10]


class RouteTable:
    """Every API and route of a template, built once the functions exist."""

    def __init__(self) -> None:
        self.apis: dict[str, Api] = {}
        self.routes: list[Route] = []
        #: ALB listeners (kind "alb" in ``apis``): their rules, default action last.
        self.listeners: dict[str, list[Rule]] = {}
        self.unsupported: list[str] = []
        #: Functions the application could not create, with why: their routes are missing.
        self.not_created: dict[str, str] = {}
        #: Methods the template declares that are not emulated (api, method, path, why): a
        #: request to one is refused with why, not answered as a path that does not exist.
        self.declared: list[tuple[Api, str, str, str]] = []
        #: APIs the template declares that are not emulated, by logical id, with why.
        self.skipped_apis: dict[str, str] = {}

    def api(self, name: str, kind: Kind, template: Template | None = None,
            functions: Mapping[str, LambdaFunction] | None = None) -> Api:
        if name in self.apis:
            return self.apis[name]
        props: dict[str, Any] = {}
        if template is not None and kind in SAM_TYPES:
            # The OpenAPI definition is read route by route (HttpWiring): a part of it that
            # does not resolve locally must not stop the API.
            # Only what the local gateway uses is resolved, key by key: a value that does not
            # resolve locally elsewhere (a JWT issuer, a domain) stops nothing.
            raw = template.api_properties(name, SAM_TYPES[kind])
            where = f"Resources.{name}.Properties"
            props = {k: template.resolve(raw[k], f"{where}.{k}") for k in _USED if k in raw}
            props["Auth"] = self._resolve_auth(name, raw.get("Auth"), template, where)
            for prop, why in _API_NOT_EMULATED.items():
                auth = raw.get("Auth")
                holder = (auth if isinstance(auth, Mapping) else {}) \
                    if prop.startswith("Auth.") else raw
                if holder.get(prop.removeprefix("Auth.")) not in (None, False, {}, []):
                    self.unsupported.append(f"{name}.{prop} (not emulated: {why})")
        stage = str(props.get("StageName") or IMPLICIT.get(kind, ("", "$default"))[1])
        api = Api(name, kind, stage, api_id(name),
                  binary_media_types=[str(t).replace("~1", "/")
                                      for t in props.get("BinaryMediaTypes") or ()])
        if kind == "rest" and props.get("Cors"):
            api.cors = rest_cors(props["Cors"])
        if kind == "rest" and props.get("EndpointConfiguration"):
            api.endpoint_type = endpoint_type(props["EndpointConfiguration"])
        if kind == "http" and props.get("CorsConfiguration"):
            api.cors = http_cors(props["CorsConfiguration"])
        auth = props.get("Auth") or {}
        if isinstance(auth, Mapping) and kind == "rest":
            api.api_key_required = _true(auth.get("ApiKeyRequired"))
            api.api_key_preflight = _true(auth.get("AddApiKeyRequiredToCorsPreflight", True))
            # SAM puts the default authorizer on the CORS preflight's OPTIONS method too,
            # unless AddDefaultAuthorizerToCorsPreflight is false (its AWS::Serverless::Api
            # Auth reference): a browser's preflight carries no credentials, so it is refused.
            if auth.get("DefaultAuthorizer") not in (None, "NONE") and _true(
                    auth.get("AddDefaultAuthorizerToCorsPreflight", True)):
                api.preflight_authorizer = str(auth["DefaultAuthorizer"])
        if isinstance(auth, Mapping) and functions is not None:
            self._authorizers(api, auth, functions)
        self.apis[name] = api
        return api

    def _resolve_auth(self, api: str, auth: Any, template: Template, where: str) -> Any:
        """The API's ``Auth``, resolved authorizer by authorizer: one that is not a Lambda
        authorizer (JWT, Cognito: not emulated) and does not resolve is left out, listed."""
        if not isinstance(auth, Mapping):
            return template.resolve(auth, f"{where}.Auth") if auth is not None else None
        out = {k: template.resolve(v, f"{where}.Auth.{k}") for k, v in auth.items()
               if k != "Authorizers"}
        authorizers: dict[str, Any] = {}
        for name, spec in dict(auth.get("Authorizers") or {}).items():
            try:
                authorizers[name] = template.resolve(spec, f"{where}.Auth.Authorizers.{name}")
            except TemplateError as error:
                if isinstance(spec, Mapping) and "FunctionArn" in spec:
                    raise  # a Lambda authorizer the routes need
                self.unsupported.append(f"{api}.Auth.Authorizers.{name} (not a Lambda "
                                        "authorizer of this template: JWT and Cognito "
                                        f"authorizers are not checked; {error})")
        out["Authorizers"] = authorizers
        return out

    def _authorizers(self, api: Api, auth: Mapping[str, Any],
                     functions: Mapping[str, LambdaFunction]) -> None:
        api.default_authorizer = auth.get("DefaultAuthorizer")
        for name, spec in dict(auth.get("Authorizers") or {}).items():
            arn = spec.get("FunctionArn")
            function = next((fn for lid, fn in functions.items()
                             if arn in (lid, fn.arn, fn.name)), None)
            if function is None:
                self.unsupported.append(f"{api.name}.Auth.Authorizers.{name} (not a Lambda "
                                        "authorizer of this template: JWT and Cognito "
                                        "authorizers are not checked)")
                continue
            identity = dict(spec.get("Identity") or {})
            if api.kind == "rest":
                kind = str(spec.get("FunctionPayloadType", "TOKEN"))
                sources = ([str(identity.get("Header", "Authorization"))] if kind == "TOKEN"
                           else [*map(str, identity.get("Headers") or []),
                                 *(f"query:{q}" for q in identity.get("QueryStrings") or [])])
                ttl = int(identity.get("ReauthorizeEvery", 300))
                api.authorizers[name] = Authorizer(name, function, kind, sources, ttl)
            else:
                sources = [*map(str, identity.get("Headers") or ["Authorization"]),
                           *(f"query:{q}" for q in identity.get("QueryStrings") or [])]
                api.authorizers[name] = Authorizer(
                    name, function, "REQUEST", sources, int(identity.get("ReauthorizeEvery", 0)),
                    str(spec.get("AuthorizerPayloadFormatVersion", "2.0")),
                    bool(spec.get("EnableSimpleResponses", False)))

    def add(self, api: Api, method: str, path: str, function: LambdaFunction,
            auth: Mapping[str, Any] | None, payload_format: str | None,
            timeout_ms: int | None = None) -> None:
        name = (auth or {}).get("Authorizer", api.default_authorizer)
        key = api.kind == "rest" and _true((auth or {}).get("ApiKeyRequired",
                                                            api.api_key_required))
        authorizer = None
        if name and name not in ("NONE", "AWS_IAM"):
            authorizer = api.authorizers.get(str(name))
        method = method.upper()
        default = path == DEFAULT_ROUTE
        self.routes.append(Route(api, "ANY" if method in ("ANY", "*") or default else method,
                                 "/{proxy+}" if default else path, function, authorizer,
                                 payload_format or api.payload_format, default, key,
                                 iam=name == "AWS_IAM", timeout_ms=timeout_ms))


#: API properties that change what API Gateway answers, which the local gateway does not do.
_API_NOT_EMULATED = {
    "GatewayResponses": "the gateway's own answers keep API Gateway's default status and body",
    "MethodSettings": "throttling, caching and logging settings are not applied",
    "Domain": "a custom domain and its base paths are not routed; send the execute-api paths",
    "DisableExecuteApiEndpoint": "the execute-api paths still answer",
    "Auth.ResourcePolicy": "every caller is allowed",
    "Auth.UsagePlan": "quotas and throttles are not applied; any x-api-key is accepted",
}
#: The API properties the local gateway reads (the others are not resolved).
_USED = ("StageName", "BinaryMediaTypes", "Cors", "CorsConfiguration", "EndpointConfiguration")


def endpoint_type(value: Any) -> str:
    """A REST API's endpoint type from SAM's ``EndpointConfiguration`` (a string or
    ``{Type: ...}``), CloudFormation's (``{Types: [...]}``) or serverless.yml's
    ``endpointType``."""
    if isinstance(value, Mapping):
        value = value.get("Type", value.get("Types"))
    if isinstance(value, list | tuple):
        value = value[0] if value else "EDGE"
    return str(value or "EDGE").upper()


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(v).strip().strip("'") for v in items]


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def rest_cors(spec: Any) -> Cors:
    """SAM ``Api.Cors``: a quoted origin string, or a map of quoted values. Without
    ``AllowMethods``, SAM allows each path's methods and OPTIONS (``allow_methods`` empty)."""
    if not isinstance(spec, Mapping):
        return Cors(allow_origins=_list(spec), allow_methods=[])
    cors = Cors(allow_origins=_list(spec.get("AllowOrigin", "'*'")),
                allow_methods=_list(spec.get("AllowMethods")),
                allow_headers=_list(spec.get("AllowHeaders")),
                allow_credentials=str(spec.get("AllowCredentials")).lower() == "true")
    if spec.get("MaxAge") is not None:
        cors.max_age = int(str(spec["MaxAge"]).strip("'"))
    return cors


def http_cors(spec: Any) -> Cors:
    """SAM ``HttpApi.CorsConfiguration``: ``true`` (allow all) or its map."""
    if not isinstance(spec, Mapping):
        return Cors()
    cors = Cors(allow_origins=_list(spec.get("AllowOrigins")),
                allow_methods=_list(spec.get("AllowMethods")),
                allow_headers=_list(spec.get("AllowHeaders")),
                expose_headers=_list(spec.get("ExposeHeaders")),
                allow_credentials=bool(spec.get("AllowCredentials", False)))
    if spec.get("MaxAge") is not None:
        cors.max_age = int(spec["MaxAge"])
    return cors


def sls_http_cors(spec: Any) -> Cors:
    """serverless.yml ``provider.httpApi.cors``: ``true`` or its object, with the Framework's
    defaults (every origin, :data:`SLS_CORS_HEADERS`). Allowed methods not listed start as
    ``OPTIONS``; the Framework adds each route's method (``HttpWiring`` does here)."""
    spec = spec if isinstance(spec, Mapping) else {}
    cors = Cors(allow_origins=_list(spec.get("allowedOrigins") or "*"),
                allow_methods=_list(spec.get("allowedMethods") or "OPTIONS"),
                allow_headers=_list(spec.get("allowedHeaders")) or list(SLS_CORS_HEADERS),
                expose_headers=_list(spec.get("exposedResponseHeaders")),
                allow_credentials=bool(spec.get("allowCredentials", False)))
    if spec.get("maxAge") is not None:
        cors.max_age = int(spec["maxAge"])
    return cors


def sls_rest_cors(spec: Any, method: str, path_cors: Cors | None) -> Cors:
    """A serverless.yml ``http`` event's ``cors`` (``true`` or its object) merged into its
    path's preflight as the Framework compiles it (api-gateway/lib/validate.js ``getCors`` and
    the merge in ``validate``, cors.js): default origin ``*`` and :data:`SLS_REST_CORS_HEADERS`,
    methods ``OPTIONS`` and each event's method; headers, methods and ``origins`` are unions
    over the path's events, the last event's ``origin``, ``maxAge`` and ``cacheControl`` win."""
    spec = spec if isinstance(spec, Mapping) else {}
    methods = [str(m) for m in _list(spec.get("methods"))]
    for name in ("OPTIONS", method.upper()):
        if name not in methods:
            methods.append(name)
    origins = _list(spec.get("origins"))
    origin = None if origins else str(spec.get("origin", "*"))
    if origin is not None and "," in origin:  # cors.js: an origin list in one string
        origins, origin = _list(origin), None
    old = path_cors or Cors(allow_origins=[], allow_methods=[])
    cors = Cors(allow_origins=[origin] if origin else [],
                allow_methods=_union(methods, old.allow_methods),
                allow_headers=_union(_list(spec.get("headers")) or list(SLS_REST_CORS_HEADERS),
                                     old.allow_headers),
                allow_credentials=_true(spec.get("allowCredentials")) or old.allow_credentials,
                max_age=int(spec["maxAge"]) if spec.get("maxAge") else old.max_age,
                cache_control=str(spec.get("cacheControl") or "") or old.cache_control,
                echo_origins=_union(origins, old.echo_origins))
    return cors


def _union(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys([*first, *second]))
