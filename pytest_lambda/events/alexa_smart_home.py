"""Alexa Smart Home skill directives (Smart Home API v3).

Shape: Alexa Smart Home developer docs, "Alexa.Discovery" and "Alexa.PowerController" directive
examples. (SAM's samples use the retired v2 ``header``/``payload`` format; v3 wraps everything in
``directive`` and carries the OAuth token in a ``BearerToken`` scope.)
"""

from __future__ import annotations

import datetime as _dt
import random
from typing import Any

from ._common import b64_token, bad, check_choice, now_or_utc, rng_or_new, uuid4
from ._validate import checked

__all__ = ["alexa_smart_home"]

_DIRECTIVES = {
    "Discover": "Alexa.Discovery",
    "TurnOn": "Alexa.PowerController",
    "TurnOff": "Alexa.PowerController",
    "ReportState": "Alexa",
}


@checked
def alexa_smart_home(
    name: str = "Discover",
    *,
    endpoint_id: str = "endpoint-001",
    access_token: str | None = None,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A v3 directive: Discover, TurnOn, TurnOff or ReportState (for *endpoint_id*)."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_choice("name", name, tuple(_DIRECTIVES))
    if not endpoint_id or len(endpoint_id) > 256:
        raise bad("endpoint_id", endpoint_id, "endpoint ids are 1-256 characters")
    scope = {"type": "BearerToken", "token": access_token or "Atza|" + b64_token(rng, 60)}
    header: dict[str, str] = {
        "namespace": _DIRECTIVES[name],
        "name": name,
        "payloadVersion": "3",
        "messageId": uuid4(rng),
    }
    if name == "Discover":
        return {"directive": {"header": header, "payload": {"scope": scope}}}
    header["correlationToken"] = b64_token(rng, 48)
    return {
        "directive": {
            "header": header,
            "endpoint": {"scope": scope, "endpointId": endpoint_id, "cookie": {}},
            "payload": {},
        }
    }
