"""Alexa Skills Kit requests: LaunchRequest, IntentRequest (with slots), SessionEndedRequest."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from ._common import (
    DEFAULT_REGION,
    bad,
    check_choice,
    now_or_utc,
    rng_or_new,
    token,
    uuid4,
)
from ._validate import checked

__all__ = ["alexa_intent", "alexa_launch", "alexa_session_ended"]

LOCALES = (
    "ar-SA",
    "de-DE",
    "en-AU",
    "en-CA",
    "en-GB",
    "en-IN",
    "en-US",
    "es-ES",
    "es-MX",
    "es-US",
    "fr-CA",
    "fr-FR",
    "hi-IN",
    "it-IT",
    "ja-JP",
    "nl-NL",
    "pt-BR",
)
_ID = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_ENDPOINTS = {
    "us-east-1": "api.amazonalexa.com",
    "eu-west-1": "api.eu.amazonalexa.com",
    "us-west-2": "api.fe.amazonalexa.com",
}


def _iso(t: _dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _envelope(
    request: dict[str, Any],
    *,
    new_session: bool,
    attributes: Mapping[str, Any] | None,
    skill_id: str | None,
    locale: str,
    region: str,
    rng: random.Random | None,
    now: _dt.datetime | None,
) -> dict[str, Any]:
    rng = rng_or_new(rng)
    check_choice("locale", locale, LOCALES)
    skill = skill_id or f"amzn1.ask.skill.{uuid4(rng)}"
    if not skill.startswith("amzn1.ask.skill."):
        raise bad("skill_id", skill, "skill ids start with 'amzn1.ask.skill.'")
    application = {"applicationId": skill}
    user = {"userId": "amzn1.ask.account." + token(rng, 207, _ID)}
    device = {
        "deviceId": "amzn1.ask.device." + token(rng, 200, _ID),
        "supportedInterfaces": {},
    }
    request = {
        "type": request.pop("type"),
        "requestId": f"amzn1.echo-api.request.{uuid4(rng)}",
        "timestamp": _iso(now_or_utc(now)),
        "locale": locale,
        **request,
    }
    return {
        "version": "1.0",
        "session": {
            "new": new_session,
            "sessionId": f"amzn1.echo-api.session.{uuid4(rng)}",
            "application": application,
            "attributes": dict(attributes or {}),
            "user": user,
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": device,
                "apiEndpoint": "https://" + _ENDPOINTS.get(region, "api.amazonalexa.com"),
                "apiAccessToken": token(rng, 300),
            }
        },
        "request": request,
    }


@checked
def alexa_launch(
    *,
    skill_id: str | None = None,
    locale: str = "en-US",
    region: str = DEFAULT_REGION,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A LaunchRequest that opens a new session."""
    return _envelope(
        {"type": "LaunchRequest"},
        new_session=True,
        attributes=None,
        skill_id=skill_id,
        locale=locale,
        region=region,
        rng=rng,
        now=now,
    )


@checked
def alexa_intent(
    intent: str = "HelloWorldIntent",
    slots: Mapping[str, str | None] | None = None,
    *,
    confirmation_status: str = "NONE",
    dialog_state: str | None = None,
    new_session: bool = False,
    session_attributes: Mapping[str, Any] | None = None,
    skill_id: str | None = None,
    locale: str = "en-US",
    region: str = DEFAULT_REGION,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """An IntentRequest; *slots* maps slot names to spoken values (None = unfilled)."""
    check_choice("confirmation_status", confirmation_status, ("NONE", "CONFIRMED", "DENIED"))
    if not intent or not all(c.isalnum() or c in "_." for c in intent):
        raise bad("intent", intent, "intent names are letters, digits, '_' and '.' (AMAZON.*)")
    slot_map: dict[str, Any] = {}
    for name, value in (slots or {}).items():
        if not isinstance(name, str) or not name or not (value is None or isinstance(value, str)):
            raise bad(f"slots[{name!r}]", value, "slot values are spoken strings or None")
        slot_map[name] = {"name": name, "confirmationStatus": "NONE", "source": "USER"}
        if value is not None:
            slot_map[name]["value"] = value
    request: dict[str, Any] = {
        "type": "IntentRequest",
        "intent": {"name": intent, "confirmationStatus": confirmation_status, "slots": slot_map},
    }
    if dialog_state is not None:
        check_choice("dialog_state", dialog_state, ("STARTED", "IN_PROGRESS", "COMPLETED"))
        request["dialogState"] = dialog_state
    return _envelope(
        request,
        new_session=new_session,
        attributes=session_attributes,
        skill_id=skill_id,
        locale=locale,
        region=region,
        rng=rng,
        now=now,
    )


@checked
def alexa_session_ended(
    reason: str = "USER_INITIATED",
    *,
    error_type: str | None = None,
    skill_id: str | None = None,
    locale: str = "en-US",
    region: str = DEFAULT_REGION,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A SessionEndedRequest; *reason* USER_INITIATED, ERROR or EXCEEDED_MAX_REPROMPTS."""
    check_choice("reason", reason, ("USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS"))
    request: dict[str, Any] = {"type": "SessionEndedRequest", "reason": reason}
    if reason == "ERROR":
        kinds = ("INVALID_RESPONSE", "DEVICE_COMMUNICATION_ERROR", "INTERNAL_SERVICE_ERROR")
        check_choice("error_type", error_type or "INVALID_RESPONSE", kinds)
        request["error"] = {
            "type": error_type or "INVALID_RESPONSE",
            "message": "An error occurred.",
        }
    elif error_type is not None:
        raise bad("error_type", error_type, "only reason='ERROR' carries an error")
    return _envelope(
        request,
        new_session=False,
        attributes=None,
        skill_id=skill_id,
        locale=locale,
        region=region,
        rng=rng,
        now=now,
    )
