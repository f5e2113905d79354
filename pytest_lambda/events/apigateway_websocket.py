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
    api_id,
    check_header_names,
    check_stage,
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
    stage: str = "production",
    disconnect_status_code: int = 1001,
    source_ip_address: str | None = None,
    region: str = DEFAULT_REGION,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A WebSocket event: ``"$connect"``, ``"$disconnect"``, or a message on *route*."""
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
        "identity": {"userAgent": USER_AGENT, "sourceIp": ip},
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
            "User-Agent": [USER_AGENT],
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
    given.update(extra)
    if kind == "DISCONNECT":
        context["disconnectStatusCode"] = disconnect_status_code
        # A 1001 (going away) came with an empty reason (the capture above); 1005 (no status
        # in the close frame) with this text (aws-lambda-rust-runtime's fixture).
        context["disconnectReason"] = ("Client-side close frame status not set"
                                       if disconnect_status_code == 1005 else "")
    return {
        "headers": {k: v[-1] for k, v in given.items()},
        "multiValueHeaders": given,
        "requestContext": context,
        "isBase64Encoded": False,
    }
