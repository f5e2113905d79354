"""An in-process HTTP client for a template's APIs: requests in, API Gateway's behaviour out.

A request is routed as API Gateway routes it (literal paths before variables before greedy
``{proxy+}``, a method before ``ANY``), runs the route's Lambda authorizer first, becomes the
exact event of the API's kind (REST API payload 1.0, HTTP API payload 1.0 or 2.0, Function URL)
and invokes the function; the result is mapped back to an HTTP response the way the gateway
maps it. Status codes and bodies the gateway produces itself are AWS's:

- REST API (API Gateway developer guide, "Set up Lambda proxy integrations" and "Gateway
  response types"): function error or malformed proxy response -> 502
  ``{"message": "Internal server error"}``; no route -> 403
  ``{"message":"Missing Authentication Token"}``; integration timeout (29 s) -> 504
  ``{"message": "Endpoint request timed out"}``; authorizer ``Unauthorized`` or missing
  identity -> 401 ``{"message":"Unauthorized"}``; an explicit deny -> 403
  ``{"Message":"User is not authorized to access this resource with an explicit deny"}``.
- HTTP API ("Working with AWS Lambda proxy integrations for HTTP APIs"): function error or
  malformed response -> 500 ``{"message":"Internal Server Error"}``; no route -> 404
  ``{"message":"Not Found"}``; integration timeout (30 s) -> 503
  ``{"message":"Service Unavailable"}``; authorizer refusal -> 403 ``{"message":"Forbidden"}``,
  missing identity -> 401 ``{"message":"Unauthorized"}``. A 2.0 response without
  ``statusCode`` is inferred: 200, ``application/json``, the function's JSON as the body.
- Function URL ("Invoking Lambda function URLs"): same response inference as HTTP API 2.0; a
  function error -> 502 ``Internal Server Error`` (awsdocs/aws-lambda-developer-guide#430).
"""


from __future__ import annotations

import base64
import datetime as _dt
import fnmatch
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import RequestTooLargeException, TooManyRequestsException
from .cors import cors_headers
from .http_response import HttpResponse, _gateway_error, _json_dumps, header_text
from .routes import Api, Authorizer, Route

if TYPE_CHECKING:
    from ..events._http import QueryString
    from ..result import InvokeResult
    from .http import HttpClient

REST_TIMEOUT_S, HTTP_TIMEOUT_S = 29, 30
_REST_RESPONSE_KEYS = frozenset(
    ("statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"))
#: The largest request body a REST API takes (API Gateway quotas: 10 MB payload).
_REST_MAX_BODY = 10 * 1024 * 1024
#: A Function URL's answer to a request without a valid SigV4 signature when its AuthType is
#: AWS_IAM (as captured in ant-media/Ant-Media-Server#7827; formerly just "Forbidden").
_URL_FORBIDDEN = ("Forbidden. For troubleshooting Function URL authorization issues, see: "
                  "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html")
_REST_DEFAULT_TYPE = "application/json"
def text_body(content_type: str) -> bool:
    """Whether an HTTP API, a Function URL or an ALB passes a request body of
    ``content_type`` on as text (the event factories' rule, ``events._http.TEXT_MEDIA``; every
    other body arrives base64-encoded; Slack's form posts: middyjs/middy#603)."""
    from ..events._http import text_media  # the event factories load on first use

    return text_media(content_type)


class _Gateway:
    """One request through API Gateway: authorizer, event, invocation, response mapping."""

    def __init__(self, client: HttpClient, route: Route, method: str, path: str,
                 params: dict[str, str] | None, query: QueryString,
                 headers: dict[str, str], body: bytes | None) -> None:
        self.client, self.route, self.api = client, route, route.api
        self.method, self.path, self.params = method, path, params
        self.query, self.headers, self.body = query, headers, body
        self.auth_results: list[InvokeResult] = []
        #: The request's Accept header as its event carries it (set when the event is made).
        self.accept = ""

    def run(self) -> HttpResponse:
        context: dict[str, Any] | None = None
        if self.api.kind == "url" and self.api.auth_type == "AWS_IAM" and not self._signed():
            return _gateway_error(403, {"Message": _URL_FORBIDDEN})
        if self.route.iam and not self._signed():
            # A method or route with AWS_IAM authorization refuses an unsigned request: REST
            # 403 "Missing Authentication Token" (AWS knowledge center, "API Gateway 403
            # Missing Authentication Token": IAM authorization without a signed request),
            # HTTP API 403 "Forbidden".
            if self.api.kind == "rest":
                return _gateway_error(403, {"message": "Missing Authentication Token"})
            return _gateway_error(403, {"message": "Forbidden"})
        if self.route.authorizer is not None:
            verdict = self._authorize(self.route.authorizer)
            if isinstance(verdict, HttpResponse):
                verdict.authorizer_invocations = self.auth_results
                return verdict
            context = verdict
        # API Gateway checks the key after the authorizer (whose answer may carry it as
        # usageIdentifierKey); keys and usage plans are not validated locally.
        if self.route.api_key_required and not _has(self.headers, "x-api-key") and (
                context is None or "usageIdentifierKey" not in context):
            refused = _gateway_error(403, {"message": "Forbidden"})
            refused.authorizer_invocations = self.auth_results
            return refused
        event = self._event(context)
        # The request's Accept is the one the event carries: the client's own, or the */*
        # every HTTP client (curl, requests, browsers) sends when the test gives none.
        sent = event.get("headers") or {}
        self.accept = _header(sent, "accept")
        # The request's trace header (the client's, or the one API Gateway adds) is the trace
        # Lambda continues: "Lambda will respect any tracing header it receives from an
        # upstream service" (Lambda API reference, TracingConfig).
        trace = _header(sent, "x-amzn-trace-id") or None
        if trace is not None and "Sampled=" not in trace and self.route.function.config.tracing:
            trace += ";Sampled=1"  # no decision upstream: an Active function samples it
        if self.api.kind == "rest" and self.body is not None and len(self.body) > _REST_MAX_BODY:
            # API Gateway's own limit, before Lambda's (captured: koki-develop/lgtm-generator#10,
            # "HTTP content length exceeded 10485760 bytes.").
            return HttpResponse(413, [("Content-Type", "text; charset=utf-8")],
                                b"HTTP content length exceeded 10485760 bytes.")
        try:
            result = self.route.function.invoke(event, trace_header=trace)
        except TooManyRequestsException:
            return self._throttled()
        except RequestTooLargeException:
            if self.api.kind != "rest":
                raise  # what an HTTP API or a Function URL answers is not captured here
            # An event over Lambda's 6 MB request limit: REST answers 413 (captured:
            # koki-develop/lgtm-generator#10, x-amzn-ErrorType BadRequestException).
            refused = _gateway_error(413, {"message": "Request Too Long"})
            refused.header_list.append(("x-amzn-ErrorType", "BadRequestException"))
            return refused
        response = self._map(result)
        response.authorizer_invocations = self.auth_results
        if self.api.cors is not None and self.api.kind != "rest":
            cors_headers(self.api, self.headers, response)
        return response

    def _signed(self) -> bool:
        """Whether the request carries a SigV4 ``Authorization`` (not verifiable locally)."""
        value = _header(self.headers, "authorization")
        return value.startswith("AWS4-HMAC-SHA256")

    def _now(self) -> _dt.datetime:
        return _dt.datetime.now(_dt.UTC)

    def _identity(self, authorizer: Authorizer) -> tuple[str, ...] | None:
        values = []
        for source in authorizer.identity:
            if source.startswith("query:"):
                found = self.query.decoded.get(source[6:])
                value = found[-1] if found else None
            else:
                value = _header(self.headers, source)
            if not value:
                return None
            values.append(value)
        return tuple(values)

    def _authorize(self, authorizer: Authorizer) -> dict[str, Any] | HttpResponse:
        identity = self._identity(authorizer)
        if identity is None:
            return _gateway_error(401, {"message": "Unauthorized"})
        answer, result = self.client.authorize(authorizer, identity,
                                               lambda: self._authorizer_event(authorizer))
        if result is not None:
            self.auth_results.append(result)
        if not isinstance(answer, Mapping):  # the authorizer failed (answer is its result)
            error = getattr(answer, "error", None) or {}
            if self.api.kind == "rest":
                if error.get("errorMessage") == "Unauthorized":
                    return _gateway_error(401, {"message": "Unauthorized"})
                return _gateway_error(500, {"message": None})
            return _gateway_error(500, {"message": "Internal Server Error"})
        if self.api.kind == "http" and authorizer.simple_responses:
            if answer.get("isAuthorized") is not True:
                return _gateway_error(403, {"message": "Forbidden"})
            return {"lambda": dict(answer.get("context") or {})}
        allowed = _policy_allows(answer.get("policyDocument"), self._method_arn())
        if not allowed:
            if self.api.kind == "rest":
                return _gateway_error(403, {"Message": "User is not authorized to access this "
                                                       "resource with an explicit deny"})
            return _gateway_error(403, {"message": "Forbidden"})
        extra = dict(answer.get("context") or {})
        if self.api.kind == "rest":
            # API Gateway developer guide, "Output from an API Gateway Lambda authorizer"
            # (api-gateway-lambda-authorizer-output.html): the context map reaches the backend
            # with its values stringified ("numberKey": "1", "booleanKey": "true"), and "you
            # cannot set a JSON object or array as a valid value of any key in the context map":
            # such a value fails the request as an AuthorizerConfigurationException, 500
            # {"message": null}. HTTP APIs pass `authorizer.lambda` with its JSON types.
            if any(isinstance(v, Mapping | list) for v in extra.values()):
                failed = _gateway_error(500, {"message": None})
                failed.header_list.append(("x-amzn-ErrorType",
                                           "AuthorizerConfigurationException"))
                return failed
            # integrationLatency: the authorizer's own run, in ms (0 for a cached answer).
            latency = round(result.report.duration_ms) if result is not None and \
                result.report is not None else 0
            out: dict[str, Any] = {"principalId": answer.get("principalId"),
                                   "integrationLatency": latency,
                                   **{k: _stringified(v) for k, v in extra.items()}}
            if "usageIdentifierKey" in answer:
                out["usageIdentifierKey"] = answer["usageIdentifierKey"]
            return out
        return {"lambda": extra}

    def _method_arn(self) -> str:
        from ..events.apigateway import method_arn  # the event factories load on first use

        fn = self.route.function
        return method_arn(self.api.api_id, self.api.stage, self.method, self.path,
                          fn.config.region, fn.config.account_id)

    def _authorizer_event(self, authorizer: Authorizer) -> dict[str, Any]:
        # the event factories load on first use
        from ..events.apigateway import apigateway_authorizer_token

        fn = self.route.function
        if self.api.kind == "rest" and authorizer.type == "TOKEN":
            event = apigateway_authorizer_token(
                self._identity(authorizer)[0],  # type: ignore[index]
                method=self.method, resource=self.path, stage=self.api.stage,
                region=fn.config.region, account_id=fn.config.account_id,
                rng=self.client._rng, now=self._now())
            event["methodArn"] = self._method_arn()
            return event
        event = self._event(None)
        event.pop("body", None)
        event.pop("isBase64Encoded", None)
        if self.api.kind == "rest":
            for name in ("queryStringParameters", "multiValueQueryStringParameters",
                         "pathParameters", "stageVariables"):
                if event.get(name) is None:
                    event[name] = {}
            return {"type": "REQUEST", "methodArn": self._method_arn(), **event}
        identity = list(self._identity(authorizer) or ())
        arn = self._method_arn()
        if authorizer.payload_format == "1.0":
            # As the developer guide's 1.0 example ("Control access to HTTP APIs with Lambda
            # authorizers"): the identity sources joined, also as authorizationToken, so a
            # REST-compatible authorizer finds its token.
            joined = ",".join(identity)
            return {"version": "1.0", "type": "REQUEST", "methodArn": arn,
                    "identitySource": joined, "authorizationToken": joined, **event}
        event.pop("version", None)
        return {"version": "2.0", "type": "REQUEST", "routeArn": arn,
                "identitySource": identity, **event}

    def _body_for_event(self) -> str | bytes | None:
        if self.body is None:
            return None
        if not self.body:
            return ""
        content_type = _header(self.headers, "content-type")
        if self.api.kind == "rest":
            binary = _matches(content_type, self.api.binary_media_types)
        else:
            binary = not text_body(content_type)
        if binary:
            return self.body
        return self.body.decode("utf-8", "replace")

    def _event(self, authorizer_context: dict[str, Any] | None) -> dict[str, Any]:
        from ..events._http import ANY_BODY  # the event factories load on first use

        token = ANY_BODY.set(True)  # a client's body goes through as sent, JSON or not
        try:
            return self._build_event(authorizer_context)
        finally:
            ANY_BODY.reset(token)

    def _build_event(self, authorizer_context: dict[str, Any] | None) -> dict[str, Any]:
        from ..events import apigateway, apigatewayv2  # the event factories load on first use

        # The factories' argument checks re-validate what the gateway built itself; their
        # own checks of header and query values (strings, HTTP tokens) still run.
        apigateway_rest = _unchecked(apigateway.apigateway_rest)
        http_api = _unchecked(apigatewayv2.http_api)
        lambda_function_url = _unchecked(apigatewayv2.lambda_function_url)
        fn = self.route.function
        common: dict[str, Any] = {
            "query": self.query.raw or None, "body": self._body_for_event(),
            "region": fn.config.region, "account_id": fn.config.account_id,
            "rng": self.client._rng, "now": self._now()}
        headers = {k: v for k, v in self.headers.items()}
        if self.api.kind == "rest" and self.api.endpoint_type == "EDGE":
            for name, value in _cloudfront_headers(self.client._rng).items():
                if not _has(headers, name):
                    headers[name] = value
        event: dict[str, Any]
        if self.api.kind == "rest" or self.route.payload_format == "1.0":
            path = self.path
            if self.api.kind == "http":
                # An HTTP API decodes the path at ingress whatever the payload format (2.0
                # rawPath as captured, see http_api_path); 1.0's path and requestContext.path
                # carry it the same way (middleapi/standard-server#93, from the same captures).
                from ..events._http import http_api_path

                path = http_api_path(self.path) or self.path
            event = apigateway_rest(
                self.method, path, resource=self.route.path, headers=headers or None,
                stage=self.api.stage if self.api.kind == "rest" else "prod",
                path_parameters=self.params, authorizer=authorizer_context, **common)
            if self.api.kind == "http":
                # HTTP API payload format 1.0 (developer guide, "payload format version").
                event = {"version": "1.0", **event}
                ctx = event["requestContext"]
                ctx["stage"], ctx["resourceId"] = self.api.stage, f"{self.method} " \
                    f"{self.route.path}"
                ctx["path"] = path if self.api.stage == "$default" else \
                    f"/{self.api.stage}{path}"
                ctx.setdefault("authorizer", {"claims": None, "scopes": None})
        elif self.api.kind == "http":
            # The $default route's event has routeKey "$default" and no pathParameters.
            event = http_api(self.method, self.path,
                             route=None if self.route.default else self.route.path,
                             headers=headers or None, stage=self.api.stage,
                             lambda_context=(authorizer_context or {}).get("lambda"),
                             **common)
            if self.route.method == "ANY" and not self.route.default:
                event["routeKey"] = f"ANY {self.route.path}"
                event["requestContext"]["routeKey"] = event["routeKey"]
        else:
            iam = self.api.auth_type == "AWS_IAM"
            event = lambda_function_url(self.method, self.path, headers=headers or None,
                                        auth_type="AWS_IAM" if iam else "NONE",
                                        **common)
            signature = _header(headers, "authorization")
            key = re.search(r"Credential=([A-Z0-9]+)/", signature)
            if iam and key:  # the caller's access key, as the signature names it
                event["requestContext"]["authorizer"]["iam"]["accessKey"] = key.group(1)
        if self.route.iam:
            self._iam_caller(event, fn.config.account_id)
        _stable_ids(event, self.api)
        return event

    def _iam_caller(self, event: dict[str, Any], account: str) -> None:
        """The SigV4 caller of an AWS_IAM route, as the event names it (REST:
        ``requestContext.identity``; HTTP API: ``requestContext.authorizer.iam``, as a Function
        URL's): the signature's access key and a user of the mocked account (not verified)."""
        found = re.search(r"Credential=([A-Z0-9]+)/", _header(self.headers, "authorization"))
        key = found.group(1) if found else ""
        user_id = "AIDA" + "".join(self.client._rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                                   for _ in range(17))
        user_arn = f"arn:aws:iam::{account}:user/tester"
        ctx = event["requestContext"]
        if self.api.kind == "rest" or self.route.payload_format == "1.0":
            identity = ctx.setdefault("identity", {})
            identity.update(accessKey=key, accountId=account, caller=user_id, user=user_id,
                            userArn=user_arn)
        else:
            ctx["authorizer"] = {"iam": {
                "accessKey": key, "accountId": account, "callerId": user_id,
                "cognitoIdentity": None, "principalOrgId": None, "userArn": user_arn,
                "userId": user_id}}

    def _map(self, result: InvokeResult) -> HttpResponse:
        kind = self.api.kind
        timeout = self.route.timeout_ms
        if timeout is None:
            timeout = (REST_TIMEOUT_S if kind == "rest" else HTTP_TIMEOUT_S) * 1000
        report = result.report
        if kind != "url" and report is not None and report.duration_ms > timeout:
            if kind == "rest":
                return _gateway_error(504, {"message": "Endpoint request timed out"}, result)
            return _gateway_error(503, {"message": "Service Unavailable"}, result)
        if result.function_error is not None:
            return self._failed(result)
        payload = result.payload
        structured = isinstance(payload, Mapping) and "statusCode" in payload
        if kind in ("http", "url") and self.route.payload_format == "2.0" and not structured:
            return HttpResponse(200, [("Content-Type", "application/json")],
                                bytes(result.raw_payload), result)
        v2 = self.route.payload_format == "2.0" and kind != "rest"
        if not structured or not _valid_proxy(payload, v2=v2):
            return self._failed(result)
        if kind == "rest" and not _REST_RESPONSE_KEYS.issuperset(payload):
            # A REST API's proxy output is exactly these keys (developer guide, "Output format
            # of a Lambda function for proxy integration"); any other (an HTTP API's
            # ``cookies``, an ALB's ``statusDescription``) is "Malformed Lambda proxy
            # response", a 502 (the failures reported in rails-lambda/lamby#78,
            # fujiwara/ridge#25, micronaut-projects/micronaut-aws#12).
            return self._failed(result)
        assert isinstance(payload, Mapping)
        items: list[tuple[str, str]] = []
        # Payload 2.0's response has statusCode, headers, cookies, body and isBase64Encoded
        # (developer guide, "Working with AWS Lambda proxy integrations for HTTP APIs"):
        # multiValueHeaders is a 1.0 field, which HTTP APIs and Function URLs ignore (the
        # Set-Cookie headers Mangum put there were lost on AWS: Kludex/mangum#215).
        multi = {} if v2 else dict(payload.get("multiValueHeaders") or {})
        single = dict(payload.get("headers") or {})
        for name, values in multi.items():
            items.extend((name, header_text(v)) for v in values)
        for name, value in single.items():
            if not any(k.lower() == name.lower() for k in multi):
                items.append((name, header_text(value)))
        # ``cookies`` is a payload 2.0 field only ("Format 2.0 includes a new cookies
        # field", developer guide, "Create AWS Lambda proxy integrations for HTTP APIs").
        for cookie in (payload.get("cookies") or ()) if v2 else ():
            items.append(("Set-Cookie", str(cookie)))
        if kind == "rest" and not any(k.lower() == "content-type" for k, _ in items):
            items.append(("Content-Type", _REST_DEFAULT_TYPE))
        raw = payload.get("body")
        text = "" if raw is None else raw if isinstance(raw, str) else _json_dumps(raw)
        content = text.encode()
        # "If a request contains multiple media types in its Accept header, API Gateway
        # honors only the first Accept media type" (developer guide, "Content type
        # conversions in API Gateway"): a browser's text/html,...,image/png gets base64 text.
        first = self.accept.split(",", 1)[0]
        if payload.get("isBase64Encoded") and (
                kind != "rest" or _matches(first, self.api.binary_media_types)):
            content = base64.b64decode(text)
        return HttpResponse(int(payload["statusCode"]), items, content, result)

    def _throttled(self) -> HttpResponse:
        """The function was throttled (Lambda's 429): API Gateway's proxy integration answers
        it as an integration failure, 500 (AWS knowledge center "api-gateway-internal-server-
        error": throttling; "a Lambda 429 is always considered a 500" in API Gateway's own
        answer on the AWS forums); a Function URL is Lambda's front end and passes the 429 on."""
        if self.api.kind == "rest":
            response = _gateway_error(500, {"message": "Internal server error"})
        elif self.api.kind == "http":
            response = _gateway_error(500, {"message": "Internal Server Error"})
        else:
            response = _gateway_error(429, {"message": "Rate Exceeded."})
        response.authorizer_invocations = self.auth_results
        return response

    def _failed(self, result: InvokeResult) -> HttpResponse:
        if self.api.kind == "rest":
            return _gateway_error(502, {"message": "Internal server error"}, result)
        if self.api.kind == "http":
            return _gateway_error(500, {"message": "Internal Server Error"}, result)
        return HttpResponse(502, [("Content-Type", "text/plain")], b"Internal Server Error",
                            result)


def _stringified(value: Any) -> Any:
    """A REST authorizer context value as the backend sees it (``True`` -> ``"true"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if value is None or isinstance(value, str) else str(value)


def _cloudfront_headers(rng: Any) -> dict[str, str]:
    """What the CloudFront distribution in front of an edge-optimized REST API (the default
    endpoint type) adds to every request, as the proxy event shows them (API Gateway developer
    guide, "Input format of a Lambda function for proxy integration": the example request's
    CloudFront-* headers, Via and X-Amz-Cf-Id); a request from a desktop browser in the US."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return {
        "CloudFront-Forwarded-Proto": "https",
        "CloudFront-Is-Desktop-Viewer": "true",
        "CloudFront-Is-Mobile-Viewer": "false",
        "CloudFront-Is-SmartTV-Viewer": "false",
        "CloudFront-Is-Tablet-Viewer": "false",
        "CloudFront-Viewer-Country": "US",
        "Via": f"2.0 {rng.getrandbits(128):032x}.cloudfront.net (CloudFront)",
        "X-Amz-Cf-Id": "".join(rng.choice(alphabet) for _ in range(54)) + "==",
    }


def _unchecked(factory: Any) -> Any:
    return getattr(factory, "__wrapped__", factory)


def _valid_proxy(payload: Any, *, v2: bool) -> bool:
    """A proxy response API Gateway accepts: an integer status, string headers, string body."""
    status = payload.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int | str) or \
            not str(status).isdigit():
        return False
    body = payload.get("body")
    if body is not None and not isinstance(body, str) and not v2:
        return False
    headers = payload.get("headers")
    if headers is not None and not isinstance(headers, Mapping):
        return False
    multi = payload.get("multiValueHeaders")
    return v2 or multi is None or (isinstance(multi, Mapping) and all(
        isinstance(v, list) for v in multi.values()))


def _policy_allows(document: Any, arn: str) -> bool:
    """An IAM policy's verdict on ``execute-api:Invoke`` of ``arn``: an explicit deny wins."""
    if not isinstance(document, Mapping):
        return False
    allowed = False
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, Mapping):
            continue
        actions = [str(a) for a in _as_list(statement.get("Action"))]
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions):
            continue
        if any(fnmatch.fnmatchcase(arn, str(r)) for r in _as_list(statement.get("Resource"))):
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _stable_ids(event: dict[str, Any], api: Api) -> None:
    """One API id per API (factories draw a random one per event)."""
    ctx = event.get("requestContext") or {}
    old = ctx.get("apiId")
    if not old:
        return
    new = api.api_id if api.kind != "url" else (api.api_id * 4)[:32]
    ctx["apiId"] = new
    for key in ("domainName", "domainPrefix"):
        if isinstance(ctx.get(key), str):
            ctx[key] = ctx[key].replace(old, new)
    for holder in (event.get("headers") or {}, event.get("multiValueHeaders") or {}):
        for name, value in list(holder.items()):
            if name.lower() == "host":
                holder[name] = ([v.replace(old, new) for v in value] if isinstance(value, list)
                                else value.replace(old, new))


def _matches(content_type: str, patterns: list[str]) -> bool:
    media = [t.split(";", 1)[0].strip().lower() for t in content_type.split(",")]
    return any(fnmatch.fnmatchcase(m, p.lower()) for m in media for p in patterns if m)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _has(headers: Mapping[str, str], name: str) -> bool:
    return any(k.lower() == name.lower() for k in headers)


def _header(headers: Mapping[str, str], name: str) -> str:
    """The value of header ``name`` (any case), or ``""``."""
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")
