"""HTTP API (payload 2.0) events, their REQUEST authorizer events, and Lambda Function URLs."""

from __future__ import annotations

import base64
import datetime as _dt
import json
import random
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    b64_token,
    bad,
    check_account,
    check_choice,
    check_region,
    clf_time,
    epoch_ms,
    now_or_utc,
    rng_or_new,
    source_ip,
    token,
    upper_token,
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
    http_api_path,
    json_content_type,
    match_resource,
    multi,
    split_cookies,
    trace_id,
    wire_path,
)
from ._validate import checked

__all__ = ["http_api", "http_api_authorizer", "lambda_function_url"]


def _v2_request(
    rng: random.Random,
    now: _dt.datetime,
    *,
    method: str,
    path: str,
    route_key: str,
    query: Query | None,
    headers: MultiMap | None,
    cookies: Sequence[str] | None,
    body: Body,
    domain: str,
    prefix: str,
    api: str,
    stage: str,
    account: str,
    source_ip_address: str | None,
    user_agent: str,
    url: bool = False,
) -> dict[str, Any]:
    method = check_method(method)
    check_path("path", path)
    check_stage(stage, allow_default=True)
    if url:
        # A Function URL passes rawPath as the client sent it and decodes
        # requestContext.http.path (captured on AWS: hotsock/voker
        # vokerhttp/testdata/functionurl-request.json, "/capture/space%20value"): a space
        # the caller wrote is sent as %20.
        raw_path = wire_path(path)
        decoded = unquote(raw_path)
    else:
        # An HTTP API decodes both (apigwv2-request.json: "/capture/space value"), and refuses
        # a path its decoding cannot read (see http_api_path).
        delivered = http_api_path(path)
        if delivered is None:
            raise bad("path", path, "an HTTP API refuses this path with 400 Bad Request: it "
                                    "decodes the path twice, so a '%' must start an escape "
                                    "both times (send a literal '%' as %2525)")
        # On a named stage the client calls https://<api>/<stage>/<path>, and HTTP API passes
        # that full path on in rawPath and requestContext.http.path (developer guide,
        # "Working with stages for HTTP APIs": the stage name is part of the invoke URL).
        raw_path = decoded = delivered if stage == "$default" else f"/{stage}{delivered}"
    given = multi("headers", headers)
    check_header_names(given)
    ip = source_ip_address or source_ip(rng)
    lower: dict[str, list[str]] = {
        "accept": ["*/*"],
        "content-length": ["0"],
        "host": [domain],
        "user-agent": [user_agent],
        "x-amzn-trace-id": [trace_id(rng, int(now.timestamp()))],
        "x-forwarded-for": [ip],
        "x-forwarded-port": ["443"],
        "x-forwarded-proto": ["https"],
    }
    for name, values in given.items():
        lower[name.lower()] = values
    # sourceIp and userAgent come from the same request as the headers (the captures above:
    # "user-agent": "curl/8.7.1" and http.userAgent "curl/8.7.1"); a client's own
    # X-Forwarded-For gets the address the request came from appended.
    if "x-forwarded-for" in {name.lower() for name in given}:
        lower["x-forwarded-for"] = [forwarded_for(lower["x-forwarded-for"], ip)]
    agent = ",".join(lower["user-agent"])
    json_content_type(body, lower, "content-type")
    jar = split_cookies(lower) or []
    jar.extend(cookies or ())
    if url and jar:
        # A Function URL keeps the Cookie header next to the cookies list; an HTTP API drops
        # it (functionurl-request.json and apigwv2-request.json above).
        lower["cookie"] = ["; ".join(jar)]
    if url:
        # Function URLs add the TLS session's terms (functionurl-request.json; the Lambda
        # developer guide's request payload example has them too).
        lower.setdefault("x-amzn-tls-cipher-suite", ["TLS_AES_128_GCM_SHA256"])
        lower.setdefault("x-amzn-tls-version", ["TLSv1.3"])
    text, encoded = encode_body(body, lower, by_content_type=True)
    size = len(base64.b64decode(text)) if encoded and text else len((text or "").encode("utf-8"))
    if url and text is None and "content-length" not in {name.lower() for name in given}:
        # A body-less Function URL request has no content-length (powertools-lambda-typescript
        # packages/parser/tests/events/lambda/get-request.json, a browser's GET); an HTTP API
        # sends "0" (logandk/serverless-wsgi#191, captured).
        del lower["content-length"]
    else:
        lower["content-length"] = [str(size)]
    # rawQueryString is the query as the client sent it; the parameters are decoded, a
    # repeated name's values joined with commas (both captures above).
    queries = QueryString("query", query)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": queries.raw,
    }
    if jar:
        event["cookies"] = jar
    event["headers"] = {k: ",".join(v) for k, v in lower.items()}
    if queries.decoded:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in queries.decoded.items()}
    event["requestContext"] = {
        "accountId": account,
        "apiId": api,
        "domainName": domain,
        "domainPrefix": prefix,
        "http": {
            "method": method,
            "path": decoded,
            "protocol": "HTTP/1.1",
            "sourceIp": ip,
            "userAgent": agent,
        },
        # An HTTP API's request id is 16 characters of base64 ("ATfSmjLgPHcESJw="), a
        # Function URL's a UUID (the captures above).
        "requestId": uuid4(rng) if url else b64_token(rng, 11),
        "routeKey": route_key,
        "stage": stage,
        "time": clf_time(now),
        "timeEpoch": epoch_ms(now),
    }
    if text is not None:
        event["body"] = text
    event["isBase64Encoded"] = encoded
    return event


def _claim_text(value: Any) -> str:
    """A JWT claim as an HTTP API passes it on: every value a string, ``True`` as ``"true"``,
    a number as its digits, an array as ``"[a b]"`` (measured on AWS: floci-io/floci#2011,
    aws-solutions-library-samples guidance-for-claude-code-with-amazon-bedrock#803; the
    aws-lambda-go and Powertools JWT fixtures have string claims only)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + " ".join(_claim_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return json.dumps(value, separators=(",", ":"))  # UNVERIFIED: no capture of an object
    return str(value)


def _authorizer(
    jwt_claims: Mapping[str, Any] | None,
    jwt_scopes: Sequence[str] | None,
    lambda_context: Mapping[str, Any] | None,
) -> dict[str, Any] | None:
    if jwt_claims is not None and lambda_context is not None:
        raise bad("lambda_context", lambda_context, "a route has one authorizer: JWT or Lambda")
    if jwt_claims is not None:
        claims = {str(k): _claim_text(v) for k, v in jwt_claims.items()}
        return {"jwt": {"claims": claims, "scopes": list(jwt_scopes or []) or None}}
    if jwt_scopes is not None:
        raise bad("jwt_scopes", jwt_scopes, "scopes come with a JWT authorizer; pass jwt_claims")
    if lambda_context is not None:
        return {"lambda": dict(lambda_context)}
    return None


@checked
def http_api(
    method: str = "GET",
    path: str = "/",
    *,
    route: str | None = None,
    query: Query | None = None,
    headers: MultiMap | None = None,
    cookies: Sequence[str] | None = None,
    body: Body = None,
    stage: str = "$default",
    stage_variables: Mapping[str, str] | None = None,
    jwt_claims: Mapping[str, Any] | None = None,
    jwt_scopes: Sequence[str] | None = None,
    lambda_context: Mapping[str, Any] | None = None,
    source_ip_address: str | None = None,
    user_agent: str = USER_AGENT,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """An HTTP API request (payload 2.0); *route* is a template such as ``/items/{id}``.

    *path* is the path the client sent (percent-encoded or not): the event carries it decoded,
    as an HTTP API delivers it. *query* is ``{name: value or [values]}`` or the query string
    as sent (``"a=1&a=2"``), which becomes ``rawQueryString`` unchanged. A text *body* arrives
    base64-encoded unless its Content-Type is text/*, JSON, JavaScript or XML (a form post
    does); ``bytes`` always does. A ``User-Agent`` in *headers* is also
    ``requestContext.http.userAgent``; an ``X-Forwarded-For`` there is the client's own, which
    the event carries with ``sourceIp`` appended."""
    rng = rng_or_new(rng)
    check_region(region)
    check_account(account_id)
    api = api_id(rng)
    route_key = "$default" if route is None else f"{check_method(method)} {route}"
    event = _v2_request(
        rng,
        now_or_utc(now),
        method=method,
        path=path,
        route_key=route_key,
        query=query,
        headers=headers,
        cookies=cookies,
        body=body,
        domain=f"{api}.execute-api.{region}.amazonaws.com",
        prefix=api,
        api=api,
        stage=stage,
        account=account_id,
        source_ip_address=source_ip_address,
        user_agent=user_agent,
    )
    # The route matches the decoded path, so path parameters are decoded too.
    local = event["rawPath"] if stage == "$default" else event["rawPath"][len(stage) + 1:]
    params = match_resource(check_path("route", route), local) if route is not None else None
    if params:
        event["pathParameters"] = params
    if stage_variables:
        event["stageVariables"] = dict(stage_variables)
    authorizer = _authorizer(jwt_claims, jwt_scopes, lambda_context)
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer
    return event


@checked
def http_api_authorizer(
    method: str = "GET",
    path: str = "/",
    *,
    identity_source: Sequence[str] = ("authorization",),
    region: str = DEFAULT_REGION,
    **kwargs: Any,
) -> dict[str, Any]:
    """A REQUEST authorizer event for an HTTP API (payload 2.0, ``routeArn``)."""
    for name in ("body", "jwt_claims", "jwt_scopes", "lambda_context"):
        if kwargs.get(name) is not None:
            raise bad(name, kwargs[name], "authorizer events carry no body and no prior authorizer")
    headers = {k.lower(): v for k, v in multi("headers", kwargs.pop("headers", None)).items()}
    headers.setdefault("authorization", ["Bearer allow"])
    event = http_api(method, path, headers=headers, region=region, **kwargs)
    event.pop("isBase64Encoded")
    context = event["requestContext"]
    values = []
    for name in identity_source:
        if name.lower() not in event["headers"]:
            raise bad("identity_source", name, "each identity source header must be in headers=")
        values.append(event["headers"][name.lower()])
    http = context["http"]
    # routeArn is <api>/<stage>/<VERB>/<path>: the stage appears once, ahead of the verb.
    route_arn = (
        f"arn:aws:execute-api:{region}:{context['accountId']}:{context['apiId']}/"
        f"{context['stage']}/{http['method']}{quote(path)}"
    )
    rest = {k: v for k, v in event.items() if k != "version"}
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": route_arn,
        "identitySource": values,
        **rest,
    }


@checked
def lambda_function_url(
    method: str = "GET",
    path: str = "/",
    *,
    query: Query | None = None,
    headers: MultiMap | None = None,
    cookies: Sequence[str] | None = None,
    body: Body = None,
    auth_type: str = "NONE",
    caller_arn: str | None = None,
    source_ip_address: str | None = None,
    user_agent: str = USER_AGENT,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A Lambda Function URL request; ``auth_type="AWS_IAM"`` adds the caller's IAM identity.

    *path* is the path the client sent: ``rawPath`` keeps it (a space written in it sent as
    ``%20``), ``requestContext.http.path`` is it decoded. *query* is a mapping or the query
    string as sent (``rawQueryString``). *body* and *headers* as for :func:`http_api`; a
    request without a body has no ``content-length``."""
    rng = rng_or_new(rng)
    check_choice("auth_type", auth_type, ("NONE", "AWS_IAM"))
    check_region(region)
    check_account(account_id)
    url_id = token(rng, 32, "abcdefghijklmnopqrstuvwxyz0123456789")
    event = _v2_request(
        rng,
        now_or_utc(now),
        method=method,
        path=path,
        route_key="$default",
        query=query,
        headers=headers,
        cookies=cookies,
        body=body,
        domain=f"{url_id}.lambda-url.{region}.on.aws",
        prefix=url_id,
        api=url_id,
        stage="$default",
        account="anonymous" if auth_type == "NONE" else account_id,
        source_ip_address=source_ip_address,
        user_agent=user_agent,
        url=True,
    )
    if auth_type == "AWS_IAM":
        user_id = "AIDA" + upper_token(rng, 17)
        event["requestContext"]["authorizer"] = {
            "iam": {
                "accessKey": "ASIA" + upper_token(rng, 16),
                "accountId": account_id,
                "callerId": user_id,
                "cognitoIdentity": None,
                "principalOrgId": None,
                "userArn": caller_arn or f"arn:aws:iam::{account_id}:user/tester",
                "userId": user_id,
            }
        }
    elif caller_arn is not None:
        raise bad("caller_arn", caller_arn, "only AWS_IAM function URLs know the caller")
    return event
