"""API Gateway REST API proxy events (payload 1.0) and REST authorizer events."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    b64_token,
    bad,
    check_account,
    check_region,
    clf_time,
    epoch_ms,
    now_or_utc,
    rng_or_new,
    source_ip,
    token,
    uuid4,
)
from ._http import (
    USER_AGENT,
    Body,
    MultiMap,
    Query,
    QueryString,
    api_id,
    check_header_names,
    check_method,
    check_path,
    check_stage,
    encode_body,
    forwarded_for,
    json_content_type,
    match_resource,
    multi,
    trace_id,
    wire_path,
)
from ._validate import checked

__all__ = ["apigateway_authorizer_request", "apigateway_authorizer_token", "apigateway_rest"]


def _single(values: dict[str, list[str]]) -> dict[str, str] | None:
    # API Gateway keeps the last value of a repeated header/parameter in the single-value map.
    return {k: v[-1] for k, v in values.items()} or None


@checked
def apigateway_rest(
    method: str = "GET",
    path: str = "/",
    *,
    resource: str | None = None,
    path_parameters: Mapping[str, str] | None = None,
    query: Query | None = None,
    headers: MultiMap | None = None,
    body: Body = None,
    stage: str = "prod",
    stage_variables: Mapping[str, str] | None = None,
    authorizer: Mapping[str, Any] | None = None,
    source_ip_address: str | None = None,
    user_agent: str = USER_AGENT,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A REST API Lambda-proxy request; *resource* is the template (``/items/{id}``).

    *path* is delivered as the client sent it, percent-encoded (a space as ``%20``, in
    ``pathParameters`` too). *query* is ``{name: value or [values]}`` or the query string as
    the client sent it (``"a=1&a=2&q=x+y"``); the event carries its values decoded. A
    ``User-Agent`` in *headers* is also ``identity.userAgent``; an ``X-Forwarded-For`` there
    is the client's own, which the event carries with ``sourceIp`` appended."""
    rng = rng_or_new(rng)
    now = now_or_utc(now)
    method = check_method(method)
    # A REST API passes the path on as the client sent it, percent-encoded: path,
    # pathParameters and requestContext.path (captured on AWS: hotsock/voker
    # vokerhttp/testdata/apigwv1-request.json, "/capture/space%20value").
    path = wire_path(check_path("path", path))
    check_region(region)
    check_account(account_id)
    check_stage(stage)
    resource = check_path("resource", resource) if resource is not None else path
    params = match_resource(resource, path)
    if path_parameters is not None:
        params = dict(path_parameters) or None
    api = api_id(rng)
    host = f"{api}.execute-api.{region}.amazonaws.com"
    ip = source_ip_address or source_ip(rng)
    given = multi("headers", headers)
    check_header_names(given)
    all_headers: dict[str, list[str]] = {
        "Accept": ["*/*"],
        "Host": [host],
        "User-Agent": [user_agent],
        "X-Amzn-Trace-Id": [trace_id(rng, int(now.timestamp()))],
        "X-Forwarded-For": [ip],
        "X-Forwarded-Port": ["443"],
        "X-Forwarded-Proto": ["https"],
    }
    lower = {k.lower(): k for k in all_headers}
    for name, values in given.items():
        all_headers.pop(lower.get(name.lower(), name), None)
        all_headers[name] = values
        if name.lower() == "x-forwarded-for":
            # The client's own X-Forwarded-For with the address it came from appended.
            all_headers[name] = [forwarded_for(values, ip)]
        elif name.lower() == "user-agent":
            # identity.userAgent is the request's User-Agent (hotsock/voker
            # apigwv1-request.json: the header and identity.userAgent both "curl/8.7.1").
            user_agent = values[-1]
    json_content_type(body, all_headers, "Content-Type")
    text, encoded = encode_body(body, all_headers)
    # The parameters are decoded, "+" as a space (captured on AWS: hotsock/voker
    # vokerhttp/testdata/apigwv1-request.json, "literalPlus=a+b" -> "a b").
    queries = QueryString("query", query).decoded
    context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api,
        "domainName": host,
        "domainPrefix": api,
        # 16 characters of base64 (captured: hotsock/voker apigwv1-request.json).
        "extendedRequestId": b64_token(rng, 11),
        "httpMethod": method,
        "identity": {
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "sourceIp": ip,
            "user": None,
            "userAgent": user_agent,
            "userArn": None,
        },
        "path": f"/{stage}{path}",
        "protocol": "HTTP/1.1",
        "requestId": uuid4(rng),
        "requestTime": clf_time(now),
        "requestTimeEpoch": epoch_ms(now),
        "resourceId": token(rng, 6, "abcdefghijklmnopqrstuvwxyz0123456789"),
        "resourcePath": resource,
        "stage": stage,
    }
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)
    # No top-level "version": that key belongs to HTTP API payload format 1.0, not to REST API
    # proxy events (API Gateway developer guide, "Input format of a Lambda function for proxy
    # integration", REST example).
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": _single(all_headers),
        "multiValueHeaders": all_headers,
        "queryStringParameters": _single(queries),
        "multiValueQueryStringParameters": queries or None,
        "pathParameters": params,
        "stageVariables": dict(stage_variables) if stage_variables else None,
        "requestContext": context,
        "body": text,
        "isBase64Encoded": encoded,
    }


def method_arn(
    api: str, stage: str, method: str, resource: str, region: str, account: str,
    *, encoded: bool = False,
) -> str:
    """``arn:aws:execute-api:<region>:<account>:<api>/<stage>/<VERB>/<resource>``; with
    *encoded* the resource is a path as sent, whose escapes are kept (not encoded twice)."""
    sent = quote(resource, safe="/%" if encoded else "/")
    return f"arn:aws:execute-api:{region}:{account}:{api}/{stage}/{method}{sent}"


@checked
def apigateway_authorizer_token(
    authorization_token: str = "Bearer allow",
    *,
    method: str = "GET",
    resource: str = "/",
    stage: str = "prod",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A TOKEN authorizer event: the token header's value plus the method ARN."""
    rng = rng_or_new(rng)
    method = check_method(method)
    check_path("resource", resource)
    check_region(region)
    check_account(account_id)
    check_stage(stage)
    if not authorization_token:
        raise bad(
            "authorization_token",
            authorization_token,
            "API Gateway answers 401 itself when the token is empty; pass a non-empty token",
        )
    api = api_id(rng)
    return {
        "type": "TOKEN",
        "authorizationToken": authorization_token,
        "methodArn": method_arn(api, stage, method, resource, region, account_id),
    }


@checked
def apigateway_authorizer_request(
    method: str = "GET", path: str = "/", **kwargs: Any
) -> dict[str, Any]:
    """A REQUEST authorizer event (REST API): the proxy request plus ``type``/``methodArn``."""
    event = apigateway_rest(method, path, **kwargs)
    context = event["requestContext"]
    event.pop("body")
    event.pop("isBase64Encoded")
    context.pop("authorizer", None)
    region = kwargs.get("region", DEFAULT_REGION)
    arn = method_arn(
        context["apiId"],
        context["stage"],
        event["httpMethod"],
        event["path"],
        region,
        context["accountId"],
        encoded=True,  # the event's path is already as sent, as in the methodArn
    )
    # REQUEST authorizers get empty maps where the proxy event has null (API Gateway developer
    # guide, "Input to an API Gateway Lambda authorizer": "pathParameters": {}).
    for name in (
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
    ):
        if event[name] is None:
            event[name] = {}
    return {"type": "REQUEST", "methodArn": arn, **event}
