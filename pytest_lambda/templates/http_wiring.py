"""How a template's HTTP entry points reach its functions: API Gateway REST and HTTP APIs,
Function URLs and Application Load Balancers, with authorizers and CORS
(``Application``'s part; requests are served by :mod:`pytest_lambda.templates.http`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .app_state import AppState, _dict, _list
from .errors import TemplateError
from .routes import (
    DEFAULT_ROUTE,
    HTTP_METHODS,
    IMPLICIT,
    SAM_TYPES,
    Api,
    Authorizer,
    api_id,
    endpoint_type,
    http_cors,
    integration_timeout,
    sls_http_cors,
    sls_rest_cors,
)

if TYPE_CHECKING:
    from ..function import LambdaFunction


class HttpWiring(AppState):
    """The HTTP side of :class:`~pytest_lambda.templates.app.Application`."""

    def _sls_http_event(self, fn: LambdaFunction, kind: str, value: Any, where: str) -> bool:
        if kind in ("http", "httpApi"):
            self._sls_route(fn, kind, value, where)
        elif kind == "alb":
            self._sls_alb(fn, value if isinstance(value, Mapping) else {"arn": value})
        else:
            return False
        return True

    def _sam_route(self, fn: LambdaFunction, kind: str, raw: Mapping[str, Any],
                   where: str) -> None:
        """An ``Api`` (REST) or ``HttpApi`` event: a route of the named or implicit API."""
        api_kind: Any = "rest" if kind == "Api" else "http"
        ref = raw.get("RestApiId" if kind == "Api" else "ApiId")
        name = (ref.get("Ref") if isinstance(ref, Mapping) else ref) or IMPLICIT[api_kind][0]
        api = self.routes.api(str(name), api_kind, self.template, self.functions)
        props = self.template.resolve({k: v for k, v in raw.items() if k != "Auth"}, where)
        # Of the route's Auth only what the local gateway checks is resolved (scopes of a JWT
        # authorizer, not emulated, may name a value given only at deploy time).
        raw_auth = _dict(raw.get("Auth"))
        auth: dict[str, Any] = {k: self.template.resolve(raw_auth[k], f"{where}.Auth.{k}")
                                for k in ("Authorizer", "ApiKeyRequired") if k in raw_auth}
        path, method = props.get("Path"), str(props.get("Method", "ANY"))
        model = _dict(raw.get("RequestModel"))
        if model.get("ValidateBody") or model.get("ValidateParameters") or model.get("Required"):
            self.unsupported.append(f"{where}.RequestModel (not emulated: API Gateway's request "
                                    "validation; the request reaches the function unchecked)")
        if any(_dict(p).get("Required") for entry in _list(raw.get("RequestParameters"))
               for p in (_dict(entry).values() if isinstance(entry, Mapping) else ())):
            self.unsupported.append(f"{where}.RequestParameters (not emulated: required "
                                    "request parameters are not checked)")
        if raw_auth.get("ResourcePolicy"):
            self.unsupported.append(f"{where}.Auth.ResourcePolicy (not emulated: every caller "
                                    "is allowed)")
        if api_kind == "http" and path is None:  # the $default route: every request
            path, method = DEFAULT_ROUTE, "ANY"
        if path is None:
            raise TemplateError(f"{self.path}: {where} has no Path; add one (e.g. /orders).")
        fmt = props.get("PayloadFormatVersion")
        if api_kind == "http" and fmt is None:
            fmt = self.template.api_properties(str(name), SAM_TYPES["http"]).get(
                "PayloadFormatVersion")
        timeout = integration_timeout(props.get("TimeoutInMillis"), api, where, self.path)
        self.routes.add(api, method, str(path), fn, auth, None if fmt is None else str(fmt),
                        timeout)

    def _definition_routes(self) -> None:
        """Routes of SAM APIs declared in their inline OpenAPI ``DefinitionBody``, added as
        events add theirs; what they integrate with other than a function of this template
        through a Lambda proxy integration is listed as not emulated."""
        from .openapi import http_cors as openapi_cors  # only for APIs with an OpenAPI body
        from .openapi import operations  # only for APIs with an OpenAPI body

        for lid, resource in self.template.resources.items():
            rtype = str(_dict(resource).get("Type"))
            kind: Any = next((k for k, t in SAM_TYPES.items() if t == rtype), None)
            if kind is None:
                continue
            props = self.template.api_properties(lid, rtype)
            body = props.get("DefinitionBody")
            included = isinstance(body, Mapping) and "Fn::Transform" in body  # AWS::Include
            if props.get("DefinitionUri") is not None or included:
                prop = "DefinitionBody" if included else "DefinitionUri"
                why = (f"its {prop} is an OpenAPI definition in a file, which is not read: "
                       "inline it as DefinitionBody, or declare the routes as the functions' "
                       "events")
                self.unsupported.append(f"{lid}.{prop} (an OpenAPI definition in a file is not "
                                        "read: inline it as DefinitionBody, or declare the "
                                        "routes as the functions' events)")
                # Named when a request finds no API at all ("declares no API" misled).
                self.routes.skipped_apis.setdefault(lid, why)
                continue
            if not isinstance(body, Mapping) or not body.get("paths"):
                continue
            api = self.routes.api(lid, kind, self.template, self.functions)
            if kind == "rest":
                # The OpenAPI extension sets the API's binary media types as the property does
                # (developer guide, "x-amazon-apigateway-binary-media-types"); Chalice declares
                # them only there.
                extension = self.template.resolve(
                    body.get("x-amazon-apigateway-binary-media-types") or [],
                    f"Resources.{lid}.Properties.DefinitionBody."
                    "x-amazon-apigateway-binary-media-types")
                for media in extension if isinstance(extension, list) else []:
                    media = str(media).replace("~1", "/")
                    if media not in api.binary_media_types:
                        api.binary_media_types.append(media)
            cors = openapi_cors(body)
            if kind == "http" and cors is not None and api.cors is None:
                api.cors = http_cors(cors)
            for op in operations(body):
                where = f"{lid}.DefinitionBody {op.where}"
                if op.integration_type != "aws_proxy":
                    why = (f"{op.integration_type or 'no'} integration: only Lambda proxy "
                           "integrations (aws_proxy) are emulated")
                    self.unsupported.append(f"{where} ({why})")
                    self.routes.declared.append((api, op.method.upper(), op.path,
                                                 f"{where} is not emulated: {why}"))
                    continue
                subtype = op.integration.get("integrationSubtype")
                fn = None if subtype else self._integration_function(
                    op.integration.get("uri"), where)
                if fn is None:
                    # An HTTP API's AWS service integration (integrationSubtype
                    # SQS-SendMessage, EventBridge-PutEvents, ...) or a function elsewhere: the
                    # route exists on AWS, so a request to it is refused as not emulated, not
                    # answered 404 as a route that does not exist.
                    why = (f"an AWS service integration ({subtype}): only Lambda proxy "
                           "integrations are emulated" if subtype else
                           "a Lambda proxy integration whose uri names no function of this "
                           "template")
                    self.unsupported.append(f"{where} ({why})")
                    self.routes.declared.append((api, op.method.upper(), op.path,
                                                 f"{where} is not emulated: {why}"))
                    continue
                # As SAM's DefaultAuthorizer does on a definition's paths: an authorizer the
                # operation names wins, {NONE: []} turns the default off, otherwise (no
                # security, or only other schemes) the default applies.
                auth = next((name for name in op.security if name in api.authorizers),
                            "NONE" if "NONE" in op.security else None)
                for name in op.security:
                    if name == "NONE":
                        continue
                    note = (f"{lid}.DefinitionBody security {name!r} (not a Lambda authorizer "
                            "of the API's Auth: its routes run without it)")
                    if name not in api.authorizers and note not in self.unsupported:
                        self.unsupported.append(note)
                fmt = op.integration.get("payloadFormatVersion") if kind == "http" else None
                self.routes.add(api, op.method, op.path, fn,
                                {"Authorizer": auth} if auth else None,
                                None if fmt is None else str(fmt))

    def _integration_function(self, uri: Any, where: str) -> LambdaFunction | None:
        """The function an integration ``uri`` invokes: by its resolved ARN, else (parts that
        do not resolve locally, such as ``${Fn.Alias}``) by the one function it refers to."""
        from .openapi import function_arn, referenced_ids  # only for APIs with an OpenAPI body

        try:
            arn = function_arn(self.template.resolve(uri, f"{where}.uri"))
        except TemplateError:
            arn = None
        if arn is not None and self._is_function(arn):
            return self._function_of(arn, where)
        named = [lid for lid in referenced_ids(uri) if lid in self.functions]
        return self.functions[named[0]] if len(named) == 1 else None

    def _sls_http_api_cors(self) -> None:
        """serverless.yml ``provider.httpApi.cors`` on the HTTP API, as the Framework compiles
        it: unless ``allowedMethods`` is given, OPTIONS and every route's method."""
        provider = _dict(self.template._scope.doc if self.template._scope else {}).get(
            "provider")
        spec = self.template.resolve(_dict(_dict(provider).get("httpApi")).get("cors"),
                                     "provider.httpApi.cors")
        api = self.routes.apis.get("HttpApi")
        if not spec or api is None or api.kind != "http":
            return
        api.cors = cors = sls_http_cors(spec)
        if isinstance(spec, Mapping) and spec.get("allowedMethods"):
            return
        for route in self.routes.routes:
            if route.api is api:
                for method in HTTP_METHODS if route.method == "ANY" else (route.method,):
                    if method not in cors.allow_methods:
                        cors.allow_methods.append(method)

    def _function_url(self, fn: LambdaFunction, lid: str, config: Mapping[str, Any]) -> None:
        """A Function URL (SAM ``FunctionUrlConfig``, serverless.yml ``url``)."""
        config = self.template.resolve(dict(config), f"{lid}.FunctionUrlConfig")
        api = Api(fn.name, "url", "$default", api_id(fn.name))
        # SAM AuthType; serverless.yml `url: {authorizer: aws_iam}`
        api.auth_type = str(config.get("AuthType") or config.get("authorizer") or "NONE").upper()
        cors = config.get("Cors") or config.get("cors")
        if cors:
            api.cors = http_cors(cors)
        mode = str(config.get("InvokeMode") or config.get("invokeMode") or "BUFFERED").upper()
        if mode == "RESPONSE_STREAM":  # SAM InvokeMode, serverless.yml url.invokeMode
            self.unsupported.append(
                f"{lid}.FunctionUrlConfig.InvokeMode RESPONSE_STREAM (not emulated: response "
                "streaming; the URL answers as a BUFFERED one)")
        self.routes.apis[fn.name] = api
        self.routes.add(api, "ANY", "/{proxy+}", fn, None, "2.0")
        self.routes.add(api, "ANY", "/", fn, None, "2.0")

    def _sls_route(self, fn: LambdaFunction, kind: str, value: Any, where: str) -> None:
        """serverless.yml ``http`` (REST API) and ``httpApi`` (HTTP API) events."""
        spec = dict(value) if isinstance(value, Mapping) else {}
        if not isinstance(value, Mapping):
            text = str(value).strip()
            method, _, path = text.partition(" ") if " " in text else ("ANY", "", text)
            spec = {"method": method, "path": path}
        api_kind: Any = "rest" if kind == "http" else "http"
        name = "ApiGatewayRestApi" if kind == "http" else "HttpApi"
        api = self.routes.api(name, api_kind)
        api.stage = self.template._scope.stage if self.template._scope else api.stage
        if api_kind == "http":
            api.stage = "$default"
        else:  # provider.endpointType: edge unless set (the Framework's default)
            provider = _dict(_dict(self.template._scope.doc if self.template._scope else {})
                             .get("provider"))
            if provider.get("endpointType"):
                api.endpoint_type = endpoint_type(self.template.resolve(
                    provider["endpointType"], "provider.endpointType"))
            # provider.apiGateway.binaryMediaTypes: the Framework compiles it into the REST
            # API's BinaryMediaTypes (its compile/events/api-gateway/lib/rest-api.js).
            media = self.template.resolve(
                _dict(provider.get("apiGateway")).get("binaryMediaTypes") or [],
                "provider.apiGateway.binaryMediaTypes")
            api.binary_media_types = [str(m) for m in media] if isinstance(media, list) else []
        path = str(spec.get("path", "/"))
        path = path if path.startswith("/") or path == "*" else "/" + path
        method = str(spec.get("method", "ANY"))
        if path == "*" or method == "*":
            path, method = (DEFAULT_ROUTE if path == "*" else path), "ANY"
        if spec.get("cors") and api_kind == "http":
            api.cors = http_cors(spec["cors"])
        elif spec.get("cors"):
            api.path_cors[path] = sls_rest_cors(spec["cors"], method, api.path_cors.get(path))
        auth = spec.get("authorizer")
        auth_spec: dict[str, Any] | None = None
        if auth:
            auth_spec = self._sls_authorizer(api, auth, where)
        if api_kind == "rest" and spec.get("private"):  # an API key is required
            auth_spec = {**(auth_spec or {}), "ApiKeyRequired": True}
        fmt = None
        if api_kind == "http":  # provider.httpApi.payload: the format of every route
            doc = self.template._scope.doc if self.template._scope else {}
            payload = _dict(_dict(_dict(doc).get("provider")).get("httpApi")).get("payload")
            if payload is not None:
                fmt = str(self.template.resolve(payload, "provider.httpApi.payload"))
                if fmt not in ("1.0", "2.0"):
                    raise TemplateError(f"{self.path}: provider.httpApi.payload is {fmt!r}; "
                                        "use '1.0' or '2.0'.")
        self.routes.add(api, method, path, fn, auth_spec, fmt)

    def _sls_authorizer(self, api: Any, auth: Any, where: str) -> dict[str, Any] | None:
        spec = dict(auth) if isinstance(auth, Mapping) else {"name": str(auth)}
        name = str(spec.get("name") or spec.get("functionName") or "")
        if "aws_iam" in (name.lower(), str(spec.get("type", "")).lower()):
            return {"Authorizer": "AWS_IAM"}
        provider = _dict(_dict(self.template._scope.doc if self.template._scope else {}).get(
            "provider"))
        declared = _dict(_dict(_dict(provider.get("httpApi")).get("authorizers")).get(name))
        target = declared.get("functionName") or spec.get("functionName") or name
        try:
            function = self._function_of(target, where)
        except TemplateError:
            self.unsupported.append(f"{where}.authorizer {name!r} (not a Lambda authorizer of "
                                    "this service: JWT/Cognito/IAM authorizers are not checked)")
            return None
        if api.kind == "rest":
            kind = str(spec.get("type", "token")).upper()
            source = str(spec.get("identitySource", "method.request.header.Authorization"))
            headers = [s.rsplit(".", 1)[-1] for s in source.split(",")]
            api.authorizers[name] = Authorizer(name, function, kind, headers,
                                               int(spec.get("resultTtlInSeconds", 300)))
        else:
            sources = [str(s).rsplit(".", 1)[-1] for s in
                       _list(declared.get("identitySource") or ["$request.header.Authorization"])]
            api.authorizers[name] = Authorizer(
                name, function, "REQUEST", sources, int(declared.get("resultTtlInSeconds", 0)),
                str(declared.get("payloadVersion", "2.0")),
                bool(declared.get("enableSimpleResponses", False)))
        return {"Authorizer": name}

    def _load_balancers(self) -> None:
        """ALB listeners whose rules (or default action) forward to Lambda target groups."""
        # only for templates with a load balancer
        from .alb import FixedResponse, Rule, TargetGroup, rule_from_cfn

        groups: dict[str, TargetGroup | None] = {}
        by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for lid, resource in self.template.resources.items():
            rtype = str(_dict(resource).get("Type"))
            if rtype.startswith("AWS::ElasticLoadBalancingV2::"):
                props = self.template.resolve(dict(_dict(resource).get("Properties") or {}),
                                              f"Resources.{lid}.Properties")
                by_type.setdefault(rtype.rsplit("::", 1)[1], []).append((lid, props))
        for lid, props in by_type.get("TargetGroup", []):
            targets = [t.get("Id") for t in props.get("Targets") or ()]
            functions = [fn for fn in self.functions.values()
                         if any(self._is_function(t) and self._function_of(t, lid) is fn
                                for t in targets)]
            multi = any(a.get("Key") == "lambda.multi_value_headers.enabled"
                        and str(a.get("Value")).lower() == "true"
                        for a in props.get("TargetGroupAttributes") or ())
            groups[lid] = (TargetGroup(str(props.get("Name") or lid), functions[0], multi)
                           if props.get("TargetType") == "lambda" and functions else None)

        def action(actions: Any, where: str) -> TargetGroup | FixedResponse | None:
            for entry in actions or ():
                if entry.get("Type") == "fixed-response":
                    config = entry.get("FixedResponseConfig") or {}
                    return FixedResponse(int(config.get("StatusCode", 200)),
                                         str(config.get("ContentType", "text/plain")),
                                         str(config.get("MessageBody", "")))
                if entry.get("Type") == "forward":
                    arn = str(entry.get("TargetGroupArn"))
                    lid = next((g for g in groups if arn in (g, self._group_arn(g))), None)
                    if lid is not None and groups[lid] is not None:
                        return groups[lid]
            self.unsupported.append(f"{where} (an action that forwards to no Lambda target "
                                    "group of this template)")
            return None

        for lid, props in by_type.get("Listener", []):
            default = action(props.get("DefaultActions"), f"Resources.{lid}.DefaultActions")
            rules: list[Rule] = []
            for rule_lid, rule_props in by_type.get("ListenerRule", []):
                if str(rule_props.get("ListenerArn")) not in (lid, self._group_arn(lid)):
                    continue
                forward = action(rule_props.get("Actions"), f"Resources.{rule_lid}.Actions")
                if forward is not None:
                    rules.append(rule_from_cfn(rule_props.get("Priority", 50000),
                                               list(rule_props.get("Conditions") or ()), forward))
            if default is not None:
                rules.append(Rule(float("inf"), default))
            if rules:
                rules.sort(key=lambda r: r.priority)
                self.routes.listeners[lid] = rules
                # An ALB listener's Protocol is HTTP or HTTPS; its Port defaults to the
                # protocol's (Elastic Load Balancing user guide, "Listeners for your
                # Application Load Balancers").
                protocol = str(props.get("Protocol") or
                               ("HTTPS" if props.get("Certificates") else "HTTP")).upper()
                port = int(props.get("Port") or (443 if protocol == "HTTPS" else 80))
                self.routes.apis[lid] = Api(lid, "alb", "$default", api_id(lid),
                                            listener_protocol=protocol, listener_port=port)

    def _sls_alb(self, fn: LambdaFunction, spec: Mapping[str, Any]) -> None:
        """A serverless.yml ``alb`` event: a listener rule forwarding to the function."""
        from .alb import Rule, TargetGroup  # only for templates with a load balancer

        conditions = _dict(spec.get("conditions"))
        header = _dict(conditions.get("header"))
        rule = Rule(float(spec.get("priority", 1)),
                    TargetGroup(fn.name, fn, bool(spec.get("multiValueHeaders", False))),
                    paths=[str(p) for p in _list(conditions.get("path"))],
                    methods=[str(m).upper() for m in _list(conditions.get("method"))],
                    hosts=[str(h) for h in _list(conditions.get("host"))],
                    headers=({str(header.get("name")): [str(v) for v in _list(
                        header.get("values"))]} if header else {}),
                    queries=[(str(k), str(v)) for k, v in
                             _dict(conditions.get("query")).items()])
        listener = str(spec.get("listenerArn"))
        rules = self.routes.listeners.setdefault(listener, [])
        rules.append(rule)
        rules.sort(key=lambda r: r.priority)
        self.routes.apis.setdefault(listener, Api(listener, "alb", "$default", api_id(listener)))

    def _group_arn(self, lid: str) -> str:
        """The ARN ``!Ref`` gives a target group or listener (its physical name stand-in)."""
        return str(self.template.resolve({"Ref": lid}, f"Resources.{lid}"))
