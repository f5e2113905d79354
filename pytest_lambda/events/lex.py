"""Amazon Lex code hook invocations, V2 and V1 (dialog and fulfillment)."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from ._common import bad, check_choice, now_or_utc, rng_or_new, token, uuid4
from ._validate import checked

__all__ = ["lex_v1", "lex_v2"]

INTENT_STATES = (
    "InProgress",
    "ReadyForFulfillment",
    "Fulfilled",
    "Failed",
    "FulfillmentInProgress",
    "Waiting",
)


def _slot(name: str, value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad(f"slots[{name!r}]", value, "slot values are strings or None (unfilled)")
    return {
        "shape": "Scalar",
        "value": {"originalValue": value, "interpretedValue": value, "resolvedValues": [value]},
    }


@checked
def lex_v2(
    intent: str = "BookHotel",
    slots: Mapping[str, str | None] | None = None,
    *,
    input_transcript: str = "I would like to book a hotel",
    invocation_source: str = "DialogCodeHook",
    input_mode: str = "Text",
    intent_state: str = "InProgress",
    confirmation_state: str = "None",
    session_attributes: Mapping[str, str] | None = None,
    bot_name: str = "MyBot",
    locale: str = "en_US",
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A Lex V2 code hook event; unfilled *slots* are None, as Lex sends them."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_choice("invocation_source", invocation_source, ("DialogCodeHook", "FulfillmentCodeHook"))
    check_choice("input_mode", input_mode, ("Text", "Speech", "DTMF"))
    check_choice("intent_state", intent_state, INTENT_STATES)
    check_choice("confirmation_state", confirmation_state, ("Confirmed", "Denied", "None"))
    if not intent or not all(c.isalnum() or c == "_" for c in intent):
        raise bad("intent", intent, "intent names are letters, digits and '_'")
    if len(locale) != 5 or locale[2] != "_":
        raise bad("locale", locale, "Lex V2 locale ids look like 'en_US'")
    typed = {name: _slot(name, value) for name, value in (slots or {}).items()}
    current = {
        "name": intent,
        "slots": typed,
        "state": intent_state,
        "confirmationState": confirmation_state,
    }
    for attr in (session_attributes or {}).values():
        if not isinstance(attr, str):
            raise bad(
                "session_attributes", session_attributes, "session attribute values are strings"
            )
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return {
        "messageVersion": "1.0",
        "invocationSource": invocation_source,
        "inputMode": input_mode,
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": token(rng, 15, "0123456789"),
        "inputTranscript": input_transcript,
        "bot": {
            "id": token(rng, 10, upper),
            "name": bot_name,
            "aliasId": "TSTALIASID",
            "aliasName": "TestBotAlias",
            "localeId": locale,
            "version": "DRAFT",
        },
        "interpretations": [
            {
                "intent": dict(current),
                "nluConfidence": round(rng.uniform(0.7, 1.0), 2),
                "interpretationSource": "Lex",
            },
            {
                "intent": {
                    "name": "FallbackIntent",
                    "slots": {},
                    "state": "InProgress",
                    "confirmationState": "None",
                },
                "interpretationSource": "Lex",
            },
        ],
        "requestAttributes": {},
        "sessionState": {
            "sessionAttributes": dict(session_attributes or {}),
            "activeContexts": [],
            "intent": current,
            "originatingRequestId": uuid4(rng),
        },
    }


@checked
def lex_v1(
    intent: str = "OrderFlowers",
    slots: Mapping[str, str | None] | None = None,
    *,
    bot: str = "OrderFlowersBot",
    invocation_source: str = "DialogCodeHook",
    input_transcript: str = "I would like to order flowers",
    confirmation_status: str = "None",
    output_dialog_mode: str = "Text",
    user_id: str | None = None,
    session_attributes: Mapping[str, str] | None = None,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A Lex (V1) code hook event; unfilled *slots* are None, as Lex sends them."""
    # Lex V1 developer guide, "Lambda function input event and response format": messageVersion
    # "1.0", slot values are strings or null, sessionAttributes string-to-string.
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_choice("invocation_source", invocation_source, ("DialogCodeHook", "FulfillmentCodeHook"))
    check_choice("confirmation_status", confirmation_status, ("None", "Confirmed", "Denied"))
    check_choice("output_dialog_mode", output_dialog_mode, ("Text", "Voice"))
    if not intent or not all(c.isalnum() or c == "_" for c in intent):
        raise bad("intent", intent, "intent names are letters, digits and '_'")
    slot_values = dict(slots) if slots is not None else {"FlowerType": "roses", "PickupDate": None}
    for name, value in slot_values.items():
        if value is not None and not isinstance(value, str):
            raise bad(f"slots[{name!r}]", value, "Lex sends slot values as strings or null")
    return {
        "messageVersion": "1.0",
        "invocationSource": invocation_source,
        "userId": user_id or token(rng, 20, "abcdefghijklmnopqrstuvwxyz0123456789"),
        "sessionAttributes": dict(session_attributes or {}),
        "requestAttributes": None,
        "bot": {"name": bot, "alias": "$LATEST", "version": "$LATEST"},
        "outputDialogMode": output_dialog_mode,
        "currentIntent": {
            "name": intent,
            "slots": slot_values,
            "slotDetails": {
                k: ({"resolutions": [{"value": v}], "originalValue": v} if v else None)
                for k, v in slot_values.items()
            },
            "confirmationStatus": confirmation_status,
        },
        "inputTranscript": input_transcript,
    }
