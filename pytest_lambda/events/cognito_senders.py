"""Cognito User Pool custom email and SMS sender triggers (the code arrives encrypted).

Shape: Cognito developer guide, "Custom email sender Lambda trigger" and "Custom SMS sender
Lambda trigger" (user-pool-lambda-custom-email-sender.html, ...-custom-sms-sender.html): the
common trigger fields, then ``request.type`` ("customEmailSenderRequestV1" /
"customSMSSenderRequestV1"), ``request.code`` — the one-time code encrypted with the pool's KMS
key by the AWS Encryption SDK, base64-encoded — ``userAttributes`` and optional
``clientMetadata``; the trigger sources are listed on the same pages. The ciphertext here is a
well-formed Encryption SDK message header (format version 1, algorithm suite 0x0378, as in the
docs' example "AYADeBgv...") followed by random bytes: decrypting it needs your own stub of the
KMS/Encryption SDK call, which is what a unit test should do anyway.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from ._common import DEFAULT_REGION, b64encode, bad, check_choice, rng_or_new
from ._validate import checked
from .cognito import _build

__all__ = ["cognito_custom_email_sender", "cognito_custom_sms_sender"]

EMAIL_SOURCES = (
    "SignUp",
    "Authentication",
    "ForgotPassword",
    "ResendCode",
    "UpdateUserAttribute",
    "VerifyUserAttribute",
    "AdminCreateUser",
)
SMS_SOURCES = EMAIL_SOURCES
_STATUS = {
    "SignUp": "UNCONFIRMED",
    "ResendCode": "UNCONFIRMED",
    "AdminCreateUser": "FORCE_CHANGE_PASSWORD",
}
# AWS Encryption SDK message format, version 1: version 0x01, type 0x80, algorithm 0x0378
# (AES-256-GCM, HKDF-SHA384, ECDSA-P384: the SDK's default suite), then a 16-byte message id.
_ESDK_HEADER = b"\x01\x80\x03\x78"


def encrypted_code(rng: random.Random) -> str:
    """A base64 Encryption SDK ciphertext the size of an encrypted Cognito code."""
    return b64encode(_ESDK_HEADER + rng.randbytes(16) + rng.randbytes(rng.randrange(560, 620)))


def _sender(
    kind: str,
    source: str,
    allowed: tuple[str, ...],
    client_metadata: Mapping[str, str] | None,
    caller_attributes: Mapping[str, Any] | None,
    common: dict[str, Any],
) -> dict[str, Any]:
    check_choice("source", source, allowed)
    rng = common["rng"] = rng_or_new(common.get("rng"))
    request: dict[str, Any] = {"type": f"custom{kind}SenderRequestV1", "code": encrypted_code(rng)}
    if client_metadata:
        for name, value in client_metadata.items():
            if not isinstance(value, str):
                raise bad(f"client_metadata[{name!r}]", value, "client metadata values are strings")
        request["clientMetadata"] = dict(client_metadata)
    event = _build(f"Custom{kind}Sender_{source}", request, {}, common)
    # Sender triggers return nothing to Cognito, so the event has no response object.
    del event["response"]
    attributes = event["request"]["userAttributes"]
    # The sign-up code goes to a user who has not confirmed yet (so nothing is verified); an
    # admin-created user has a temporary password to change (Cognito API reference, UserType
    # UserStatus).
    status = _STATUS.get(source)
    given = set(caller_attributes or {})
    if status is not None:
        # Attributes the caller set win over these defaults.
        defaults = {"cognito:user_status": status, "email_verified": "false"}
        if kind == "SMS":
            defaults["phone_number_verified"] = "false"
        for name, value in defaults.items():
            if name in attributes and name not in given:
                attributes[name] = value
    return event


@checked
def cognito_custom_email_sender(
    source: str = "SignUp",
    *,
    username: str | None = None,
    email: str = "jane@example.com",
    user_attributes: Mapping[str, Any] | None = None,
    client_metadata: Mapping[str, str] | None = None,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A custom email sender trigger, ``CustomEmailSender_<source>``, with an encrypted code."""
    common = {
        "username": username,
        "email": email,
        "user_attributes": user_attributes,
        "user_pool_id": user_pool_id,
        "client_id": client_id,
        "region": region,
        "rng": rng,
        "now": now,
    }
    return _sender("Email", source, EMAIL_SOURCES, client_metadata, user_attributes, common)


@checked
def cognito_custom_sms_sender(
    source: str = "SignUp",
    *,
    username: str | None = None,
    phone_number: str = "+15555550100",
    user_attributes: Mapping[str, Any] | None = None,
    client_metadata: Mapping[str, str] | None = None,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A custom SMS sender trigger, ``CustomSMSSender_<source>``, with an encrypted code."""
    if not (
        phone_number.startswith("+") and phone_number[1:].isdigit() and 8 <= len(phone_number) <= 16
    ):
        raise bad("phone_number", phone_number, "expected E.164, e.g. '+15555550100'")
    attributes = {"phone_number": phone_number, "phone_number_verified": "true"}
    attributes.update(user_attributes or {})
    common = {
        "username": username,
        "email": None,
        "user_attributes": attributes,
        "user_pool_id": user_pool_id,
        "client_id": client_id,
        "region": region,
        "rng": rng,
        "now": now,
    }
    return _sender("SMS", source, SMS_SOURCES, client_metadata, user_attributes, common)
