"""The operations an API declares in its inline OpenAPI definition (SAM ``DefinitionBody``),
with their ``x-amazon-apigateway-integration``, as API Gateway imports them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: OpenAPI operation keys, and API Gateway's extension for ``ANY``.
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_ANY = "x-amazon-apigateway-any-method"
#: ``arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations``
_LAMBDA_URI = re.compile(r":lambda:path/[^/]+/functions/(.+)/invocations$")
_SUB_NAME = re.compile(r"\$\{([^!}.][^}.]*)(?:\.[^}]*)?\}")


@dataclass
class Operation:
    """One ``method path`` of the definition and the integration that serves it."""

    method: str
    path: str
    integration: dict[str, Any]
    #: Security requirement names (the operation's, else the definition's).
    security: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def integration_type(self) -> str:
        return str(self.integration.get("type", "")).lower()


def operations(body: Mapping[str, Any]) -> Iterator[Operation]:
    """Each operation of ``body``'s ``paths``; ``$default`` (HTTP APIs) is every path."""
    default_security = _names(body.get("security"))
    for path, item in _dict(body.get("paths")).items():
        for key, spec in _dict(item).items():
            if str(key).lower() not in (*_METHODS, _ANY):
                continue  # parameters, summary, servers ...
            spec = _dict(spec)
            integration = _dict(spec.get("x-amazon-apigateway-integration"))
            if "$ref" in integration:
                integration = _dict(_pointer(body, str(integration["$ref"])))
            security = (_names(spec["security"]) if "security" in spec else default_security)
            method = "ANY" if str(key).lower() == _ANY else str(key).upper()
            route = str(path)  # "$default": RouteTable.add's default route
            yield Operation(method, route, integration, security)


def function_arn(uri: Any) -> str | None:
    """The function ARN a resolved Lambda integration URI invokes (REST APIs' ``.../functions/
    <ARN>/invocations`` form; HTTP APIs also accept the ARN itself)."""
    if not isinstance(uri, str):
        return None
    m = _LAMBDA_URI.search(uri)
    if m is not None:
        return m.group(1)
    return uri if uri.startswith("arn:") and ":lambda:" in uri and ":function:" in uri else None


def referenced_ids(value: Any) -> set[str]:
    """The logical ids an unresolved value refers to: ``${Id}`` / ``${Id.Attr}`` in a
    ``Fn::Sub``, ``Fn::GetAtt`` and ``Ref`` (for URIs whose other parts do not resolve
    locally, such as ``${Fn.Alias}`` or a stage variable)."""
    found: set[str] = set()
    if isinstance(value, str):
        found.update(_SUB_NAME.findall(value))
    elif isinstance(value, list):
        for item in value:
            found |= referenced_ids(item)
    elif isinstance(value, Mapping):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(str(arg.split(".", 1)[0] if isinstance(arg, str) else arg[0]))
            else:
                found |= referenced_ids(arg)
    return found


def http_cors(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """An HTTP API definition's ``x-amazon-apigateway-cors``, in ``CorsConfiguration``
    spelling."""
    spec = body.get("x-amazon-apigateway-cors")
    if not isinstance(spec, Mapping):
        return None
    return {key[0].upper() + key[1:]: value for key, value in spec.items()}


def _names(security: Any) -> list[str]:
    return [str(name) for entry in security or () if isinstance(entry, Mapping)
            for name in entry]


def _pointer(body: Mapping[str, Any], ref: str) -> Any:
    """A local JSON pointer (``#/components/x-amazon-apigateway-integrations/orders``)."""
    node: Any = body
    for part in ref.removeprefix("#/").split("/"):
        node = _dict(node).get(part.replace("~1", "/").replace("~0", "~"))
    return node


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}
