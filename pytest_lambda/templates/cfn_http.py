"""Routes of HTTP APIs declared as plain CloudFormation: ``AWS::ApiGatewayV2::Api`` (protocol
``HTTP``) with its ``Integration``, ``Route`` and ``Stage`` resources, as CDK's ``HttpApi``
and many templates declare them (AWS CloudFormation reference, "Amazon API Gateway V2 resource
type reference"), and the API's quick create (``Target``, with an optional ``RouteKey``).

A route whose target is an ``AWS_PROXY`` integration to a function of the template is a route
(``AuthorizationType`` ``NONE`` or ``AWS_IAM``); anything else declared there (another
integration, a JWT or Lambda authorizer, a WebSocket API, an OpenAPI ``Body``) is listed as not
emulated, and a request to such a route is refused naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .app_state import _dict
from .errors import TemplateError
from .routes import DEFAULT_ROUTE, http_cors, integration_timeout

if TYPE_CHECKING:
    from .http_wiring import HttpWiring

#: The resource types read here (no longer listed as not emulated by themselves).
HTTP_TYPES = ("AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Integration",
              "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Stage",
              "AWS::ApiGatewayV2::Deployment")


def wire_http_apis(app: HttpWiring) -> None:
    """Add the routes of every CloudFormation HTTP API of ``app``'s template."""
    by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for lid, resource in app.template.resources.items():
        resource = _dict(resource)
        by_type.setdefault(str(resource.get("Type")), []).append(
            (lid, _dict(resource.get("Properties"))))
    for lid, props in by_type.get("AWS::ApiGatewayV2::Api", []):
        _wire_api(app, lid, props, by_type)


def _skip(app: HttpWiring, lid: str, why: str) -> None:
    app.unsupported.append(f"{lid} ({why})")
    app.routes.skipped_apis[lid] = why


def _wire_api(app: HttpWiring, lid: str, props: Mapping[str, Any],
              by_type: Mapping[str, list[tuple[str, dict[str, Any]]]]) -> None:
    def mine(kind: str) -> list[tuple[str, dict[str, Any]]]:
        return [(rid, p) for rid, p in by_type.get(kind, []) if _ref(p.get("ApiId")) == lid]

    def resolve(value: Any, where: str) -> Any:
        return app.template.resolve(value, where)

    protocol = str(props.get("ProtocolType", "HTTP")).upper()
    if protocol != "HTTP":
        _skip(app, lid, f"AWS::ApiGatewayV2::Api with ProtocolType {protocol}: not emulated; "
                        "test its route functions with lambda_events.apigateway_websocket")
        return
    if props.get("Body") is not None or props.get("BodyS3Location") is not None:
        _skip(app, lid, "AWS::ApiGatewayV2::Api with an OpenAPI Body: not read; declare it as "
                        "an AWS::Serverless::HttpApi DefinitionBody")
        return
    quick = props.get("Target") is not None
    stages = [str(resolve(p.get("StageName"), f"Resources.{rid}.StageName"))
              for rid, p in mine("AWS::ApiGatewayV2::Stage") if p.get("StageName") is not None]
    if not stages and not quick:
        _skip(app, lid, "AWS::ApiGatewayV2::Api without a Stage: it is never deployed, so "
                        "nothing can call it")
        return
    api = app.routes.api(lid, "http")
    # Quick create makes the $default stage (CloudFormation, AWS::ApiGatewayV2::Api Target).
    api.stage = "$default" if quick or "$default" in stages else stages[0]
    if props.get("CorsConfiguration") is not None:
        api.cors = http_cors(resolve(props["CorsConfiguration"],
                                     f"Resources.{lid}.CorsConfiguration"))
    if quick:
        where = f"{lid}.Target"
        fn = app._integration_function(resolve(props["Target"], where), where)
        key = str(resolve(props.get("RouteKey", "$default"), f"{lid}.RouteKey"))
        if fn is None:
            app.unsupported.append(f"{where} (a target that names no function of this "
                                   "template)")
        else:
            _add(app, api, key, fn, "2.0")
    integrations = dict(mine("AWS::ApiGatewayV2::Integration"))
    for rid, route in mine("AWS::ApiGatewayV2::Route"):
        where = f"Resources.{rid}"
        try:
            key = str(resolve(route.get("RouteKey"), f"{where}.RouteKey"))
            target = str(resolve(route.get("Target", ""), f"{where}.Target"))
        except TemplateError as error:
            app.unsupported.append(f"{rid} (AWS::ApiGatewayV2::Route, not wired: {error})")
            continue
        integration = integrations.get(target.removeprefix("integrations/"))
        problem: str | None = None
        fn = None
        if integration is None:
            problem = f"its Target {target!r} is no integration of {lid}"
        elif str(integration.get("IntegrationType", "")).upper() != "AWS_PROXY":
            problem = (f"{str(integration.get('IntegrationType')).lower()} integration: only "
                       "Lambda proxy integrations are emulated")
        else:
            fn = app._integration_function(integration.get("IntegrationUri"), where)
            if fn is None:
                problem = "a Lambda proxy integration whose IntegrationUri names no function " \
                          "of this template"
        authorization = str(route.get("AuthorizationType") or "NONE").upper()
        if problem is None and authorization not in ("NONE", "AWS_IAM"):
            problem = (f"AuthorizationType {authorization} is not emulated, and the route is "
                       "not called without it")
        method, _, path = key.partition(" ")
        if problem is not None or fn is None:
            app.unsupported.append(f"{rid} ({key}): {problem}")
            app.routes.declared.append((api, "ANY" if key == DEFAULT_ROUTE else method,
                                        "/{proxy+}" if key == DEFAULT_ROUTE else path,
                                        f"{rid} ({key}) is not emulated: {problem}"))
            continue
        assert integration is not None
        fmt = str(integration.get("PayloadFormatVersion", "2.0"))
        iid = target.removeprefix("integrations/")
        timeout = integration_timeout(
            resolve(integration.get("TimeoutInMillis"), f"Resources.{iid}.TimeoutInMillis"),
            api, f"Resources.{iid}", app.path)
        _add(app, api, key, fn, fmt, iam=authorization == "AWS_IAM", timeout_ms=timeout)


def _add(app: HttpWiring, api: Any, key: str, fn: Any, fmt: str, *, iam: bool = False,
         timeout_ms: int | None = None) -> None:
    """A route from its ``RouteKey`` (``GET /items/{id}``, ``ANY /{proxy+}``, ``$default``)."""
    auth = {"Authorizer": "AWS_IAM"} if iam else None
    if key == DEFAULT_ROUTE:
        app.routes.add(api, "ANY", DEFAULT_ROUTE, fn, auth, fmt, timeout_ms)
        return
    method, _, path = key.partition(" ")
    app.routes.add(api, method, path, fn, auth, fmt, timeout_ms)


def _ref(value: Any) -> str | None:
    """The logical id a ``!Ref`` names (a plain string is taken as one)."""
    if isinstance(value, Mapping) and "Ref" in value:
        return str(value["Ref"])
    return value if isinstance(value, str) else None
