"""CORS as the gateways answer it: a REST API's preflight OPTIONS method (the mock
integration SAM and the Serverless Framework add, with fixed headers), an HTTP API's or Function
URL's preflight and the headers it adds to responses for an allowed ``Origin``."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .http_response import HttpResponse, _gateway_error
from .routes import REST_ANY_METHODS, Api, Cors


def preflight(api: Api, cors: Cors, headers: Mapping[str, str],
               path_methods: list[str]) -> HttpResponse:
    """The gateway's own answer to a CORS preflight: a REST API's OPTIONS method (SAM and the
    Serverless Framework add it as a mock integration with fixed headers), or an HTTP API's
    answer when ``CorsConfiguration`` is set and the ``Origin`` is allowed."""
    origin = next((v for k, v in headers.items() if k.lower() == "origin"), "")
    if api.kind == "rest":
        return _rest_preflight(api, cors, headers, origin, path_methods)
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
    return HttpResponse(204, items, b"")


def _rest_preflight(api: Api, cors: Cors, headers: Mapping[str, str], origin: str,
                    path_methods: list[str]) -> HttpResponse:
    keyed = any(k.lower() == "x-api-key" for k in headers)
    lower = {k.lower(): str(v) for k, v in headers.items()}
    guard = api.preflight_authorizer
    if guard == "AWS_IAM" and not lower.get("authorization", "").startswith("AWS4-HMAC-SHA256"):
        return _gateway_error(403, {"message": "Missing Authentication Token"})
    authorizer = api.authorizers.get(guard) if guard else None
    if authorizer is not None and not all(
            lower.get(source.lower()) for source in authorizer.identity
            if not source.startswith("query:")):
        return _gateway_error(401, {"message": "Unauthorized"})
    if api.api_key_required and api.api_key_preflight and not keyed:
        return _gateway_error(403, {"message": "Forbidden"})
    allow_origin = cors.echo_origins[0] if cors.echo_origins else ",".join(cors.allow_origins)
    # The Framework's response template echoes an Origin that matches one of `origins`.
    patterns = [re.escape(o).replace(r"\*", ".+") for o in cors.echo_origins]
    if origin and any(re.fullmatch(p, origin) for p in patterns):
        allow_origin = origin
    if cors.allow_methods:
        methods = ",".join(cors.allow_methods).replace(
            "ANY", ",".join(m for m in REST_ANY_METHODS if m != "OPTIONS"), 1)
    else:  # SAM's _make_cors_allowed_methods_for_path: the path's methods and OPTIONS, sorted
        found = set(REST_ANY_METHODS if "ANY" in path_methods else [*path_methods, "OPTIONS"])
        methods = ",".join(sorted(found))
    items = [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", allow_origin),
             ("Access-Control-Allow-Methods", methods)]
    if cors.allow_headers:
        items.append(("Access-Control-Allow-Headers", ",".join(cors.allow_headers)))
    if cors.allow_credentials:
        items.append(("Access-Control-Allow-Credentials", "true"))
    if cors.max_age is not None:
        items.append(("Access-Control-Max-Age", str(cors.max_age)))
    if cors.cache_control:
        items.append(("Cache-Control", cors.cache_control))
    return HttpResponse(200, items, b"")


def cors_headers(api: Api, headers: Mapping[str, str], response: HttpResponse) -> None:
    cors = api.cors
    assert cors is not None
    if api.kind == "http":
        # "If you configure CORS for an API, API Gateway ignores CORS headers returned from
        # your backend integration" (developer guide, "Configuring CORS for an HTTP API").
        response.header_list[:] = [(k, v) for k, v in response.header_list
                                   if not k.lower().startswith("access-control-")]
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
