"""Application Load Balancer requests to a Lambda target group."""

from __future__ import annotations

import base64
import datetime as _dt
import random
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    bad,
    check_account,
    check_choice,
    check_region,
    digits,
    hex_id,
    now_or_utc,
    rng_or_new,
    source_ip,
)
from ._http import (
    USER_AGENT,
    Body,
    MultiMap,
    Query,
    QueryString,
    check_header_names,
    check_method,
    check_path,
    encode_body,
    json_content_type,
    multi,
    trace_id,
    wire_path,
)
from ._validate import checked

__all__ = ["alb_request"]


@checked
def alb_request(
    method: str = "GET",
    path: str = "/",
    *,
    query: Query | None = None,
    headers: MultiMap | None = None,
    body: Body = None,
    multi_value_headers: bool = False,
    protocol: str = "HTTPS",
    port: int | None = None,
    target_group: str = "my-target-group",
    load_balancer: str = "my-alb",
    source_ip_address: str | None = None,
    user_agent: str = USER_AGENT,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """An ALB request; *multi_value_headers* mirrors the target group setting of that name.

    *path* is delivered as the client sent it, percent-encoded (a space as ``%20``). *query*
    is ``{name: value or [values]}`` (sent percent-encoded) or the query string as the client
    sent it; ALB passes its names and values on without decoding them. A text *body* arrives
    base64-encoded unless its Content-Type is text/*, JSON, JavaScript or XML. *protocol* and
    *port* are the listener's (``"HTTP"`` listens on 80 unless *port* says otherwise)."""
    rng = rng_or_new(rng)
    now = now_or_utc(now)
    method = check_method(method)
    # ALB passes the path on as the client sent it, percent-encoded (captured on AWS:
    # hotsock/voker vokerhttp/testdata/alb-request.json, "/capture/space%20value").
    path = wire_path(check_path("path", path))
    check_region(region)
    check_account(account_id)
    check_choice("protocol", protocol, ("HTTP", "HTTPS"))
    if port is None:
        port = 443 if protocol == "HTTPS" else 80
    elif isinstance(port, bool) or not 1 <= port <= 65535:
        raise bad("port", port, "a listener port is 1-65535")
    if not 1 <= len(target_group) <= 32 or not all(c.isalnum() or c == "-" for c in target_group):
        raise bad("target_group", target_group, "target group names are 1-32 letters, digits, '-'")
    given = multi("headers", headers)
    check_header_names(given)
    ip = source_ip_address or source_ip(rng)
    host = f"{load_balancer}-{digits(rng, 9)}.{region}.elb.amazonaws.com"
    lower: dict[str, list[str]] = {
        "accept": ["*/*"],
        "host": [host],
        "user-agent": [user_agent],
        "x-amzn-trace-id": [trace_id(rng, int(now.timestamp()))],
        "x-forwarded-for": [ip],
        # The listener's port and protocol (captured on AWS: hotsock/voker
        # vokerhttp/testdata/alb-request.json, a port 80 HTTP listener: "80", "http").
        "x-forwarded-port": [str(port)],
        "x-forwarded-proto": [protocol.lower()],
    }
    for name, values in given.items():
        lower[name.lower()] = values
    json_content_type(body, lower, "content-type")
    text, encoded = encode_body(body, lower, by_content_type=True)
    if text:  # the body's length, as the client sent it (captured: voker alb-request.json)
        size = len(base64.b64decode(text)) if encoded else len(text.encode("utf-8"))
        lower.setdefault("content-length", [str(size)])
    # ALB forwards query names and values exactly as the client encoded them, no decoding
    # (captured on AWS: hotsock/voker vokerhttp/testdata/alb-request.json, "a+b", "a%2Bb").
    queries: dict[str, list[str]] = {}
    for name, value in QueryString("query", query).sent:
        queries.setdefault(name, []).append(value)
    group_arn = arn(
        "elasticloadbalancing", region, account_id, f"targetgroup/{target_group}/{hex_id(rng, 16)}"
    )
    event: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": group_arn}},
        "httpMethod": method,
        "path": path,
    }
    if multi_value_headers:
        event["multiValueQueryStringParameters"] = queries
        event["multiValueHeaders"] = lower
    else:
        event["queryStringParameters"] = {k: v[-1] for k, v in queries.items()}
        event["headers"] = {k: v[-1] for k, v in lower.items()}
    event["body"] = text or ""
    event["isBase64Encoded"] = encoded
    return event
