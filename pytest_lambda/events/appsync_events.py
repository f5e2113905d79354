"""AppSync Events API: a channel namespace's Lambda handler for publish and subscribe.

Shape: AppSync Events developer guide, "Direct Lambda integration" / "Event handlers"
(the handler's event): ``info`` {channel {path, segments}, channelNamespace {name},
operation PUBLISH|SUBSCRIBE}, ``request`` {headers, domainName}, ``identity`` (null for API-key
auth), ``events`` [{id, payload}] on PUBLISH only (null on SUBSCRIBE), and the resolver-style
``stash`` {}, ``outErrors`` [], ``prev``/``error``/``result`` null.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterable, Mapping
from typing import Any

from ._common import (
    DEFAULT_REGION,
    bad,
    check_choice,
    check_region,
    json_text,
    now_or_utc,
    rng_or_new,
    source_ip,
    token,
    uuid4,
)
from ._http import USER_AGENT
from ._validate import checked

__all__ = ["appsync_events"]

_API_ID = "abcdefghijklmnopqrstuvwxyz0123456789"


def _segments(channel: str) -> list[str]:
    # Channel paths: "/namespace/seg/..." with 1-5 segments of letters, digits and '-'
    # (AppSync Events guide, "Channel namespaces").
    parts = channel.split("/")
    ok = (
        channel.startswith("/")
        and 2 <= len(parts) <= 6
        and all(p and all(c.isalnum() or c == "-" for c in p) for p in parts[1:])
    )
    if not ok:
        raise bad("channel", channel, "expected '/<namespace>/<segment>...' (1-5 segments)")
    return parts[1:]


@checked
def appsync_events(
    payloads: Iterable[Mapping[str, Any]] | None = None,
    *,
    channel: str = "/default/channel",
    operation: str = "PUBLISH",
    headers: Mapping[str, str] | None = None,
    region: str = DEFAULT_REGION,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A PUBLISH of *payloads* (each a JSON object) to *channel*, or a SUBSCRIBE to it."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_region(region)
    check_choice("operation", operation, ("PUBLISH", "SUBSCRIBE"))
    segments = _segments(channel)
    if payloads is not None and operation == "SUBSCRIBE":
        raise bad("payloads", payloads, "a SUBSCRIBE carries no events; payloads are for PUBLISH")
    default = ({"message": "Hello from AppSync Events!"},)
    items = [dict(p) for p in (payloads if payloads is not None else default)]
    for index, item in enumerate(items):
        json_text(f"payloads[{index}]", item)
    if operation == "PUBLISH" and not 1 <= len(items) <= 5:
        # A publish carries at most 5 events (AppSync Events quotas).
        raise bad("payloads", len(items), "a publish carries 1-5 events")
    api = token(rng, 26, _API_ID)
    domain = f"{api}.appsync-api.{region}.amazonaws.com"
    sent = {
        "accept": "*/*",
        "content-type": "application/json",
        "host": domain,
        "user-agent": USER_AGENT,
        "x-api-key": "da2-" + token(rng, 26, _API_ID),
        "x-forwarded-for": source_ip(rng),
        "x-forwarded-proto": "https",
    }
    for name, value in (headers or {}).items():
        if not isinstance(value, str):
            raise bad(f"headers[{name!r}]", value, "header values are strings")
        sent[name.lower()] = value
    return {
        "identity": None,
        "result": None,
        "request": {"headers": sent, "domainName": None},
        "info": {
            "channel": {"path": channel, "segments": segments},
            "channelNamespace": {"name": segments[0]},
            "operation": operation,
        },
        "error": None,
        "prev": None,
        "stash": {},
        "outErrors": [],
        "events": (
            [{"payload": item, "id": uuid4(rng)} for item in items]
            if operation == "PUBLISH"
            else None
        ),
    }
