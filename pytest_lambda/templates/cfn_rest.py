"""Routes of REST APIs declared as plain CloudFormation: ``AWS::ApiGateway::RestApi`` with its
``Resource`` tree, ``Method`` resources and a ``Stage`` (or a ``Deployment`` with a
``StageName``), as many SAM and serverless.yml templates declare them instead of SAM ``Api``
events (AWS CloudFormation reference, "Amazon API Gateway resource type reference").

A method whose integration is a Lambda proxy (``Integration.Type: AWS_PROXY``) to a function of
the template is a route; anything else declared there (another integration, an authorizer, an
API with no stage) is listed as not emulated, and a request to such a method is refused naming
it (:meth:`~pytest_lambda.templates.routes.RouteTable.declared`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .app_state import _dict
from .routes import endpoint_type, integration_timeout

if TYPE_CHECKING:
    from .http_wiring import HttpWiring

#: The resource types read here (no longer listed as not emulated by themselves).
REST_TYPES = ("AWS::ApiGateway::RestApi", "AWS::ApiGateway::Resource",
              "AWS::ApiGateway::Method", "AWS::ApiGateway::Deployment",
              "AWS::ApiGateway::Stage")


def wire_rest_apis(app: HttpWiring) -> None:
    """Add the routes of every CloudFormation REST API of ``app``'s template."""
    resources = {lid: _dict(r) for lid, r in app.template.resources.items()}
    by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for lid, resource in resources.items():
        by_type.setdefault(str(resource.get("Type")), []).append(
            (lid, _dict(resource.get("Properties"))))
    for lid, props in by_type.get("AWS::ApiGateway::RestApi", []):
        _wire_api(app, lid, props, by_type)
    if app.template.kind == "serverless" and FRAMEWORK_API not in resources:
        # serverless.yml resources that add methods to the Framework's own REST API (its
        # documented way: RestApiId !Ref ApiGatewayRestApi): routes of that API, which its
        # http events create (they were dropped silently, the routes answering 403).
        framework = app.routes.apis.get(FRAMEWORK_API)
        mine = _of(FRAMEWORK_API, by_type)
        if framework is not None:
            _wire_methods(app, FRAMEWORK_API, framework, mine)
        else:
            for mid, _ in mine("AWS::ApiGateway::Method"):
                app.unsupported.append(
                    f"{mid} (AWS::ApiGateway::Method on {FRAMEWORK_API}, the Framework's REST "
                    "API, which it creates only for functions with http events: this service "
                    "has none)")


#: The logical id of the REST API the Serverless Framework makes for ``http`` events.
FRAMEWORK_API = "ApiGatewayRestApi"


def _of(lid: str, by_type: Mapping[str, list[tuple[str, dict[str, Any]]]],
        ) -> Callable[[str], list[tuple[str, dict[str, Any]]]]:
    """The resources of a type that belong to the REST API ``lid``."""
    def mine(entries: str) -> list[tuple[str, dict[str, Any]]]:
        return [(rid, p) for rid, p in by_type.get(entries, []) if _ref(p.get("RestApiId")) == lid]
    return mine


def _wire_api(app: HttpWiring, lid: str, props: Mapping[str, Any],
              by_type: Mapping[str, list[tuple[str, dict[str, Any]]]]) -> None:
    mine = _of(lid, by_type)

    if props.get("Body") is not None or props.get("BodyS3Location") is not None:
        why = ("AWS::ApiGateway::RestApi with an OpenAPI Body: not read; declare it as an "
               "AWS::Serverless::Api DefinitionBody")
        app.unsupported.append(f"{lid} ({why})")
        app.routes.skipped_apis[lid] = why
        return
    stages = [app.template.resolve(p.get("StageName"), f"Resources.{rid}.StageName")
              for kind in ("AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment")
              for rid, p in mine(kind) if p.get("StageName") is not None]
    if not stages:
        why = ("AWS::ApiGateway::RestApi without a Stage: it is never deployed, so nothing can "
               "call it")
        app.unsupported.append(f"{lid} ({why})")
        app.routes.skipped_apis[lid] = why
        return
    api = app.routes.api(lid, "rest")
    api.stage = str(stages[0])
    if props.get("EndpointConfiguration") is not None:
        api.endpoint_type = endpoint_type(app.template.resolve(
            props["EndpointConfiguration"], f"Resources.{lid}.EndpointConfiguration"))
    binary = app.template.resolve(props.get("BinaryMediaTypes") or [],
                                  f"Resources.{lid}.BinaryMediaTypes")
    api.binary_media_types = [str(t).replace("~1", "/") for t in binary]
    _wire_methods(app, lid, api, mine)


def _wire_methods(app: HttpWiring, lid: str, api: Any,
                  mine: Callable[[str], list[tuple[str, dict[str, Any]]]]) -> None:
    """Add the ``AWS::ApiGateway::Method`` routes of the REST API ``lid`` to ``api``."""
    tree = {rid: (p.get("ParentId"), str(p.get("PathPart", "")))
            for rid, p in mine("AWS::ApiGateway::Resource")}
    for mid, method in mine("AWS::ApiGateway::Method"):
        path = _path(lid, method.get("ResourceId"), tree)
        verb = str(method.get("HttpMethod", "ANY")).upper()
        where = f"{mid} ({verb} {path})"
        if path is None:
            app.unsupported.append(f"{mid} (AWS::ApiGateway::Method: its ResourceId is not a "
                                   f"resource of {lid})")
            continue
        integration = _dict(method.get("Integration"))
        kind = str(integration.get("Type", "none")).upper()
        problem: str | None = None
        fn = None
        if kind != "AWS_PROXY":
            problem = f"{kind.lower()} integration: only Lambda proxy integrations are emulated"
        else:
            fn = app._integration_function(integration.get("Uri"), where)
            if fn is None:
                problem = "a Lambda proxy integration whose Uri names no function of this template"
        authorization = str(method.get("AuthorizationType") or "NONE").upper()
        if problem is None and authorization != "NONE":
            problem = (f"AuthorizationType {authorization} is not emulated, and the method is "
                       "not called without it")
        if problem is not None or fn is None:
            app.unsupported.append(f"{where}: {problem}")
            app.routes.declared.append((api, verb, path, f"{where} is not emulated: {problem}"))
            continue
        key = str(method.get("ApiKeyRequired", "false")).lower() == "true"
        timeout = integration_timeout(
            app.template.resolve(integration.get("TimeoutInMillis"),
                                 f"Resources.{mid}.Integration.TimeoutInMillis"),
            api, f"Resources.{mid}.Integration", app.path)
        app.routes.add(api, verb, path, fn, {"ApiKeyRequired": key}, "1.0", timeout)


def _ref(value: Any) -> str | None:
    """The logical id a ``!Ref`` names (a plain string is taken as one)."""
    if isinstance(value, Mapping) and "Ref" in value:
        return str(value["Ref"])
    return value if isinstance(value, str) else None


def _path(api: str, resource: Any, tree: Mapping[str, tuple[Any, str]],
          depth: int = 0) -> str | None:
    """The path of a resource: ``!GetAtt Api.RootResourceId`` is ``/``, a Resource its parent's
    path and its ``PathPart``."""
    if isinstance(resource, Mapping) and "Fn::GetAtt" in resource:
        target = resource["Fn::GetAtt"]
        parts = target.split(".") if isinstance(target, str) else list(target)
        if parts == [api, "RootResourceId"]:
            return "/"
        if len(parts) != 2 or parts[1] != "ResourceId":
            return None
        resource = parts[0]  # !GetAtt Resource.ResourceId: what !Ref Resource gives
    rid = _ref(resource)
    if rid is None or rid not in tree or depth > 50:
        return None
    parent, part = tree[rid]
    above = _path(api, parent, tree, depth + 1)
    if above is None:
        return None
    return f"{above.rstrip('/')}/{part}"
