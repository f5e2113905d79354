"""API Gateway WebSocket API events: $connect, messages on a route, and $disconnect.

Shape: API Gateway developer guide, "WebSocket API Lambda proxy integration" and the
``$context`` variables for WebSocket APIs (connectedAt and requestTimeEpoch are epoch ms,
messageId exists only on MESSAGE events, messageDirection is "IN" for client messages).
"""

from __future__ import annotations

import datetime as _dt
import random
from typing import Any

from ._common import (
    DEFAULT_REGION,
    b64_token,
    b64encode,
    bad,
    body_text,
    check_choice,
    check_region,
    clf_time,
    epoch_ms,
    now_or_utc,
    rng_or_new,
    source_ip,
)
from ._http import (
    USER_AGENT,
    MultiMap,
    Query,
    QueryString,
    api_id,
    check_header_names,
    check_stage,
    forwarded_for,
    multi,
    trace_id,
)
from ._validate import checked

__all__ = ["apigateway_websocket"]

_EVENT_TYPES = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}


def _route_key(route: str) -> str:
    if not route or len(route) > 128 or not route.isprintable():
        raise bad("route", route, "route keys are 1-128 printable characters, e.g. 'sendmessage'")
    return route


@checked
def apigateway_websocket(
    route: str = "$default",
    body: str | bytes | dict[str, Any] | list[Any] | None = None,
    *,
    connection_id: str | None = None,
    connected_seconds_ago: float = 5.0,
    headers: MultiMap | None = None,
    query: Query | None = None,
    stage: str = "production",
    disconnect_status_code: int = 1001,
    source_ip_address: str | None = None,
    user_agent: str = USER_AGENT,
    region: str = DEFAULT_REGION,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A WebSocket event: ``"$connect"``, ``"$disconnect"``, or a message on *route*.

    *query* (``$connect`` only) is the query of the ``wss://`` URL, ``{name: value or
    [values]}`` or the string as sent (``"token=abc"``): it becomes ``queryStringParameters``
    and ``multiValueQueryStringParameters``, decoded. *user_agent* is the connecting client's:
    ``$connect`` sends it as ``User-Agent`` (a ``User-Agent`` in *headers* wins), and every
    event of the connection carries it in ``requestContext.identity.userAgent``."""
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    check_region(region)
    check_stage(stage)
    _route_key(route)
    kind = _EVENT_TYPES.get(route, "MESSAGE")
    if kind != "MESSAGE" and body is not None:
        raise bad("body", body, f"{route} events carry no body; messages do")
    if kind == "MESSAGE" and headers is not None:
        raise bad("headers", headers, "messages carry no headers; $connect and $disconnect do")
    if kind != "CONNECT" and query is not None:
        raise bad("query", query, "only $connect carries the query string of the wss:// URL")
    if isinstance(connected_seconds_ago, bool) or connected_seconds_ago < 0:
        raise bad("connected_seconds_ago", connected_seconds_ago, "expected a number >= 0")
    if kind == "CONNECT":
        connected_seconds_ago = 0
    # RFC 6455 section 7.4.1 close codes a client or the service can report.
    close_codes = ("1000", "1001", "1005", "1006", "1008", "1009", "1011")
    check_choice("disconnect_status_code", str(disconnect_status_code), close_codes)
    api = api_id(rng)
    domain = f"{api}.execute-api.{region}.amazonaws.com"
    ip = source_ip_address or source_ip(rng)
    # Ids as captured (aws-lambda-go testdata apigw-websocket-request-*.json, a 2024 API;
    # aws-lambda-dotnet websocket-api-connect-request.json): 16 characters of base64 ending
    # in "=", and the request id is the extended request id.
    request_id = b64_token(rng, 11)
    context: dict[str, Any] = {
        "routeKey": route,
        "eventType": kind,
        "extendedRequestId": request_id,
        "requestTime": clf_time(when),
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": epoch_ms(when - _dt.timedelta(seconds=connected_seconds_ago)),
        "requestTimeEpoch": epoch_ms(when),
        "identity": {"userAgent": user_agent, "sourceIp": ip},
        "requestId": request_id,
        "domainName": domain,
        "connectionId": connection_id or b64_token(rng, 11).replace("/", "_").replace("+", "-"),
        "apiId": api,
    }
    if kind == "MESSAGE":
        context["messageId"] = b64_token(rng, 11)
        text: str | None
        if isinstance(body, bytes | bytearray):
            text, encoded = b64encode(bytes(body)), True
        else:
            text, encoded = body_text("body", body if body is not None else ""), False
        return {"requestContext": context, "body": text, "isBase64Encoded": encoded}
    given: dict[str, list[str]]
    if kind == "DISCONNECT":
        # No request carries a disconnect: API Gateway sends these four (the capture above).
        given = {"Host": [domain], "x-api-key": [""], "X-Forwarded-For": [""],
                 "x-restapi": [""]}
    else:
        given = {
            "Host": [domain],
            "User-Agent": [user_agent],
            "X-Amzn-Trace-Id": [trace_id(rng, int(when.timestamp()))],
            "X-Forwarded-For": [ip],
            "X-Forwarded-Port": ["443"],
            "X-Forwarded-Proto": ["https"],
        }
    if kind == "CONNECT":
        given["Sec-WebSocket-Version"] = ["13"]
        given["Sec-WebSocket-Key"] = [b64_token(rng, 16)]
        given["Sec-WebSocket-Extensions"] = ["permessage-deflate; client_max_window_bits"]
    extra = multi("headers", headers)
    check_header_names(extra)
    names = {k.lower(): k for k in given}
    for name, values in extra.items():
        given.pop(names.get(name.lower(), name), None)
        given[name] = values
        if kind != "CONNECT":
            continue
        if name.lower() == "x-forwarded-for":
            # The client's own X-Forwarded-For with the address it came from appended.
            given[name] = [forwarded_for(values, ip)]
        elif name.lower() == "user-agent":
            # identity.userAgent is the connecting request's User-Agent (aws-lambda-go testdata
            # apigw-websocket-request.json: the header and identity both "PostmanRuntime/2.4.5").
            context["identity"]["userAgent"] = values[-1]
    if kind == "DISCONNECT":
        context["disconnectStatusCode"] = disconnect_status_code
        # A 1001 (going away) came with an empty reason (the capture above); 1005 (no status
        # in the close frame) with this text (aws-lambda-rust-runtime's fixture).
        context["disconnectReason"] = ("Client-side close frame status not set"
                                       if disconnect_status_code == 1005 else "")
    event: dict[str, Any] = {
        "headers": {k: v[-1] for k, v in given.items()},
        "multiValueHeaders": given,
    }
    queries = QueryString("query", query).decoded
    if queries:
        # $connect carries the URL's query as a REST request does, values decoded, the last of
        # a repeated name in the single-value map (UNVERIFIED for WebSocket: no capture has a
        # repeated name), both maps given (aws-lambda-go testdata
        # apigw-websocket-request.json, aws-lambda-java-libs apigw_websocket_event.json: both
        # maps); without a query neither key is sent (aws-lambda-dotnet
        # websocket-api-connect-request.json).
        event["queryStringParameters"] = {k: v[-1] for k, v in queries.items()}
        event["multiValueQueryStringParameters"] = queries
    event["requestContext"] = context
    event["isBase64Encoded"] = False
    return event
