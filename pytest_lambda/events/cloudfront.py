"""CloudFront Lambda@Edge events: viewer/origin request and response.

Shape: CloudFront developer guide, "Lambda@Edge event structure" (request and response events).
Headers are ``{"lower-case-name": [{"key": "Original-Name", "value": "..."}]}``; ``querystring`` is
the raw query without ``?``; origin-facing events carry the ``origin`` the request goes to.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from ._common import (
    DEFAULT_REGION,
    b64_token,
    b64encode,
    bad,
    check_choice,
    check_region,
    now_or_utc,
    rng_or_new,
    source_ip,
    token,
    upper_token,
)
from ._http import HTTP_METHODS, MultiMap, check_header_names, multi
from ._validate import checked

__all__ = ["EDGE_EVENT_TYPES", "cloudfront_request", "cloudfront_response"]

EDGE_EVENT_TYPES = ("viewer-request", "origin-request", "origin-response", "viewer-response")
_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
# Headers Lambda@Edge may not see or change are dropped by CloudFront before the function runs
# (CloudFront developer guide, "Restrictions on edge functions": disallowed headers).
_DISALLOWED = frozenset({"connection", "expect", "keep-alive", "proxy-authenticate", "upgrade"})


def _edge_headers(argument: str, given: Mapping[str, list[str]]) -> dict[str, list[dict[str, str]]]:
    check_header_names(given)
    out: dict[str, list[dict[str, str]]] = {}
    for name, values in given.items():
        if name.lower() in _DISALLOWED:
            raise bad(argument, name, "CloudFront does not pass this header to Lambda@Edge")
        out.setdefault(name.lower(), []).extend({"key": name, "value": v} for v in values)
    return out


def _override(defaults: dict[str, list[str]],
              given: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """``defaults`` with each header the caller gave replacing the default of that name (in
    any case); the caller's own headers that differ only in case are all kept, as CloudFront
    lists each under the lower-cased name."""
    names = {k.lower() for k in given}
    return {**{k: v for k, v in defaults.items() if k.lower() not in names}, **given}


def _config(rng: random.Random, event_type: str, distribution_id: str | None) -> dict[str, str]:
    dist = distribution_id or "E" + upper_token(rng, 13)
    if not (dist.isalnum() and dist.isupper() and 10 <= len(dist) <= 20):
        raise bad("distribution_id", dist, "distribution ids are upper-case letters and digits")
    return {
        "distributionDomainName": f"d{token(rng, 13, _LOWER)}.cloudfront.net",
        "distributionId": dist,
        "eventType": event_type,
        "requestId": b64_token(rng, 42).replace("+", "-").replace("/", "_").rstrip("="),
    }


def _request(
    rng: random.Random,
    domain: str,
    *,
    event_type: str,
    method: str,
    uri: str,
    querystring: str,
    headers: MultiMap | None,
    client_ip: str | None,
    body: str | bytes | None,
    origin_domain: str,
    region: str,
) -> dict[str, Any]:
    check_choice("method", method, HTTP_METHODS)
    if not uri.startswith("/") or "?" in uri:
        raise bad("uri", uri, "expected a path starting with '/' (put the query in querystring=)")
    if querystring.startswith("?"):
        raise bad("querystring", querystring, "CloudFront passes the query without the '?'")
    given = {"Host": [domain], "User-Agent": ["Amazon CloudFront"]}
    if event_type.startswith("viewer"):
        given["User-Agent"] = ["Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0"]
    given = _override(given, multi("headers", headers))
    request: dict[str, Any] = {
        "clientIp": client_ip or source_ip(rng),
        "headers": _edge_headers("headers", given),
        "method": method,
        "querystring": querystring,
        "uri": uri,
    }
    if event_type.startswith("origin"):
        request["origin"] = {
            "s3": {
                "authMethod": "origin-access-identity",
                "customHeaders": {},
                "domainName": origin_domain,
                "path": "",
                "region": region,
            }
        }
    if body is not None:
        if event_type not in ("viewer-request", "origin-request"):
            raise bad("body", body, "only request events can include the body")
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        # Include-body events: base64 data, read-only by default, truncated past 40 KB (viewer)
        # / 1 MB (origin) (CloudFront developer guide, "Lambda@Edge event structure": body).
        limit = 40 * 1024 if event_type == "viewer-request" else 1024 * 1024
        request["body"] = {
            "inputTruncated": len(data) > limit,
            "action": "read-only",
            "encoding": "base64",
            "data": b64encode(data[:limit]),
        }
    return request


@checked
def cloudfront_request(
    method: str = "GET",
    uri: str = "/",
    *,
    event_type: str = "viewer-request",
    querystring: str = "",
    headers: MultiMap | None = None,
    client_ip: str | None = None,
    body: str | bytes | None = None,
    distribution_id: str | None = None,
    origin_bucket: str = "my-origin-bucket",
    region: str = DEFAULT_REGION,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A viewer-request or origin-request event; *body* needs the include-body option."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_choice("event_type", event_type, ("viewer-request", "origin-request"))
    check_region(region)
    config = _config(rng, event_type, distribution_id)
    request = _request(
        rng,
        config["distributionDomainName"],
        event_type=event_type,
        method=method,
        uri=uri,
        querystring=querystring,
        headers=headers,
        client_ip=client_ip,
        body=body,
        origin_domain=f"{origin_bucket}.s3.{region}.amazonaws.com",
        region=region,
    )
    return {"Records": [{"cf": {"config": config, "request": request}}]}


@checked
def cloudfront_response(
    status: int = 200,
    *,
    event_type: str = "origin-response",
    method: str = "GET",
    uri: str = "/",
    querystring: str = "",
    headers: MultiMap | None = None,
    request_headers: MultiMap | None = None,
    client_ip: str | None = None,
    distribution_id: str | None = None,
    origin_bucket: str = "my-origin-bucket",
    region: str = DEFAULT_REGION,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """An origin-response or viewer-response event: the request plus the response (no body)."""
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    check_choice("event_type", event_type, ("origin-response", "viewer-response"))
    check_region(region)
    if not 100 <= status <= 599:
        raise bad("status", status, "expected an HTTP status code from 100 to 599")
    config = _config(rng, event_type, distribution_id)
    request = _request(
        rng,
        config["distributionDomainName"],
        event_type=event_type,
        method=method,
        uri=uri,
        querystring=querystring,
        headers=request_headers,
        client_ip=client_ip,
        body=None,
        origin_domain=f"{origin_bucket}.s3.{region}.amazonaws.com",
        region=region,
    )
    given: dict[str, list[str]] = {
        "Date": [when.strftime("%a, %d %b %Y %H:%M:%S GMT")],
        "Server": ["AmazonS3"],
        "Content-Type": ["text/html"],
    }
    given = _override(given, multi("headers", headers))
    response = {
        "headers": _edge_headers("headers", given),
        "status": str(status),
        "statusDescription": _REASONS.get(status, ""),
    }
    return {"Records": [{"cf": {"config": config, "request": request, "response": response}}]}


_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
