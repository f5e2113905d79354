"""Cognito User Pool Lambda triggers (sign-up, confirmation, auth, tokens, messages, ...)."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping, Sequence
from typing import Any

from ._common import (
    DEFAULT_REGION,
    bad,
    check_choice,
    check_region,
    now_or_utc,
    rng_or_new,
    token,
    uuid4,
)
from ._validate import checked

__all__ = [
    "cognito_create_auth_challenge",
    "cognito_custom_message",
    "cognito_define_auth_challenge",
    "cognito_post_authentication",
    "cognito_post_confirmation",
    "cognito_pre_authentication",
    "cognito_pre_signup",
    "cognito_pre_token_generation",
    "cognito_user_migration",
    "cognito_verify_auth_challenge",
]

_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
_POOL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
CHALLENGES = ("SRP_A", "PASSWORD_VERIFIER", "SMS_MFA", "SOFTWARE_TOKEN_MFA", "CUSTOM_CHALLENGE")


def _attributes(
    rng: random.Random, sub: str, email: str | None, attributes: Mapping[str, Any] | None
) -> dict[str, str]:
    out = {"sub": sub, "cognito:user_status": "CONFIRMED"}
    if email is not None:
        out.update({"email": email, "email_verified": "true"})
    for name, value in (attributes or {}).items():
        if not isinstance(name, str) or not name:
            raise bad("user_attributes", name, "attribute names are non-empty strings")
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, str | int | float):
            raise bad(
                f"user_attributes[{name!r}]", value, "Cognito sends attribute values as strings"
            )
        out[name] = str(value)
    return out


@checked
def _trigger(
    trigger_source: str,
    request: dict[str, Any],
    response: dict[str, Any],
    *,
    username: str | None,
    email: str | None,
    user_attributes: Mapping[str, Any] | None,
    user_pool_id: str | None,
    client_id: str | None,
    version: str,
    region: str,
    rng: random.Random | None,
    now: _dt.datetime | None,
) -> dict[str, Any]:
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_region(region)
    sub = uuid4(rng)
    pool = user_pool_id or f"{region}_{token(rng, 9, _POOL)}"
    if not pool.startswith(region + "_"):
        raise bad(
            "user_pool_id",
            pool,
            f"user pool ids start with the Region and '_', e.g. '{region}_aBc123XyZ'",
        )
    if username is not None and not 1 <= len(username) <= 128:
        raise bad("username", username, "usernames are 1-128 characters")
    attrs = _attributes(rng, sub, email, user_attributes)
    if trigger_source.startswith("PreSignUp"):
        attrs.pop("cognito:user_status")
        attrs.pop("sub")
        attrs.pop("email_verified", None)
    return {
        "version": version,
        "triggerSource": trigger_source,
        "region": region,
        "userPoolId": pool,
        "userName": username or sub,
        "callerContext": {
            "awsSdkVersion": "aws-sdk-unknown-unknown",
            "clientId": client_id or token(rng, 26, _LOWER),
        },
        "request": {"userAttributes": attrs, **request},
        "response": response,
    }


@checked
def cognito_pre_signup(
    *,
    source: str = "SignUp",
    validation_data: Mapping[str, str] | None = None,
    client_metadata: Mapping[str, str] | None = None,
    **common: Any,
) -> dict[str, Any]:
    """Pre sign-up; *source* is SignUp, AdminCreateUser or ExternalProvider."""
    check_choice("source", source, ("SignUp", "AdminCreateUser", "ExternalProvider"))
    request = {"validationData": dict(validation_data) if validation_data else None}
    if client_metadata:
        request["clientMetadata"] = dict(client_metadata)
    response = {"autoConfirmUser": False, "autoVerifyPhone": False, "autoVerifyEmail": False}
    return _build(f"PreSignUp_{source}", request, response, common)


def _build(
    source: str, request: dict[str, Any], response: dict[str, Any], common: dict[str, Any]
) -> dict[str, Any]:
    options: dict[str, Any] = {
        "username": None,
        "email": "jane@example.com",
        "user_attributes": None,
        "user_pool_id": None,
        "client_id": None,
        "version": "1",
        "region": DEFAULT_REGION,
        "rng": None,
        "now": None,
    }
    common = dict(common)
    common.pop("account_id", None)
    unknown = set(common) - set(options)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    options.update(common)
    return _trigger(source, request, response, **options)


@checked
def cognito_post_confirmation(*, source: str = "ConfirmSignUp", **common: Any) -> dict[str, Any]:
    """Post confirmation; *source* is ConfirmSignUp or ConfirmForgotPassword."""
    check_choice("source", source, ("ConfirmSignUp", "ConfirmForgotPassword"))
    return _build(f"PostConfirmation_{source}", {}, {}, common)


@checked
def cognito_pre_authentication(**common: Any) -> dict[str, Any]:
    """Pre authentication (``PreAuthentication_Authentication``)."""
    return _build(
        "PreAuthentication_Authentication",
        {"validationData": None, "userNotFound": False},
        {},
        common,
    )


@checked
def cognito_post_authentication(*, new_device_used: bool = False, **common: Any) -> dict[str, Any]:
    """Post authentication (``PostAuthentication_Authentication``)."""
    return _build(
        "PostAuthentication_Authentication", {"newDeviceUsed": new_device_used}, {}, common
    )


@checked
def cognito_pre_token_generation(
    *,
    source: str = "Authentication",
    trigger_version: str = "1",
    groups: Sequence[str] = (),
    scopes: Sequence[str] | None = None,
    **common: Any,
) -> dict[str, Any]:
    """Pre token generation; *trigger_version* "1", "2" or "3" picks the event version.

    Version 2 and 3 events carry ``request.scopes``, the access token's OAuth scopes: by
    default ``["aws.cognito.signin.user.admin"]`` (an SDK sign-in's), *scopes* to set them
    (a hosted UI sign-in's ``openid``, ``email``, custom scopes)."""
    check_choice(
        "source",
        source,
        (
            "HostedAuth",
            "Authentication",
            "NewPasswordChallenge",
            "AuthenticateDevice",
            "RefreshTokens",
        ),
    )
    check_choice("trigger_version", trigger_version, ("1", "2", "3"))
    request: dict[str, Any] = {
        "groupConfiguration": {
            "groupsToOverride": list(groups),
            "iamRolesToOverride": [],
            "preferredRole": None,
        }
    }
    if scopes is not None and trigger_version == "1":
        raise bad("scopes", scopes, "scopes appear only in version 2 and 3 events")
    if trigger_version != "1":
        # Every V2 event has the list (aws-lambda-go testdata
        # cognito-event-userpools-pretokengen-v2.json: ["aws.cognito.signin.user.admin"];
        # aws-lambda-java-libs cognito_user_pool_pre_token_generation_event_v2.json;
        # powertools-lambda-python tests/events/cognitoPreTokenV2GenerationEvent.json).
        request["scopes"] = list(scopes) if scopes is not None else \
            ["aws.cognito.signin.user.admin"]
    key = "claimsOverrideDetails" if trigger_version == "1" else "claimsAndScopeOverrideDetails"
    common["version"] = trigger_version
    return _build(f"TokenGeneration_{source}", request, {key: None}, common)


@checked
def cognito_custom_message(
    *, source: str = "SignUp", code_parameter: str = "{####}", **common: Any
) -> dict[str, Any]:
    """Custom message; *source* is SignUp, AdminCreateUser, ResendCode, ForgotPassword, ..."""
    check_choice(
        "source",
        source,
        (
            "SignUp",
            "AdminCreateUser",
            "ResendCode",
            "ForgotPassword",
            "UpdateUserAttribute",
            "VerifyUserAttribute",
            "Authentication",
        ),
    )
    request = {
        "codeParameter": code_parameter,
        "linkParameter": "{##Click Here##}",
        "usernameParameter": "{username}" if source == "AdminCreateUser" else None,
    }
    response = {"smsMessage": None, "emailMessage": None, "emailSubject": None}
    return _build(f"CustomMessage_{source}", request, response, common)


@checked
def cognito_user_migration(
    *, source: str = "Authentication", password: str = "correct horse battery staple", **common: Any
) -> dict[str, Any]:
    """User migration; *source* is Authentication or ForgotPassword."""
    check_choice("source", source, ("Authentication", "ForgotPassword"))
    common.setdefault("username", "legacy-user")
    request = {"password": password if source == "Authentication" else "", "validationData": None}
    response = {
        "userAttributes": None,
        "finalUserStatus": None,
        "messageAction": None,
        "desiredDeliveryMediums": None,
        "forceAliasCreation": None,
        "enableSMSMFA": None,
    }
    event = _build(f"UserMigration_{source}", request, response, common)
    event["request"].pop("userAttributes")
    return event


def _session(session: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    out = []
    for index, step in enumerate(session or ()):
        name = step.get("challengeName")
        check_choice(f"session[{index}]['challengeName']", str(name), CHALLENGES)
        out.append(
            {
                "challengeName": name,
                "challengeResult": bool(step.get("challengeResult", True)),
                "challengeMetadata": step.get("challengeMetadata"),
            }
        )
    return out


@checked
def cognito_define_auth_challenge(
    *, session: Sequence[Mapping[str, Any]] | None = None, **common: Any
) -> dict[str, Any]:
    """Define auth challenge; *session* lists earlier ``{challengeName, challengeResult}``."""
    request = {"session": _session(session), "userNotFound": False}
    response = {"challengeName": None, "issueTokens": None, "failAuthentication": None}
    return _build("DefineAuthChallenge_Authentication", request, response, common)


@checked
def cognito_create_auth_challenge(
    *,
    challenge_name: str = "CUSTOM_CHALLENGE",
    session: Sequence[Mapping[str, Any]] | None = None,
    **common: Any,
) -> dict[str, Any]:
    """Create auth challenge for *challenge_name* (normally CUSTOM_CHALLENGE)."""
    check_choice("challenge_name", challenge_name, CHALLENGES)
    request = {"challengeName": challenge_name, "session": _session(session), "userNotFound": False}
    response = {
        "publicChallengeParameters": None,
        "privateChallengeParameters": None,
        "challengeMetadata": None,
    }
    return _build("CreateAuthChallenge_Authentication", request, response, common)


@checked
def cognito_verify_auth_challenge(
    *,
    challenge_answer: str = "42",
    private_challenge_parameters: Mapping[str, str] | None = None,
    **common: Any,
) -> dict[str, Any]:
    """Verify auth challenge response with the user's *challenge_answer*."""
    request = {
        "privateChallengeParameters": dict(private_challenge_parameters or {"answer": "42"}),
        "challengeAnswer": challenge_answer,
        "userNotFound": False,
    }
    return _build(
        "VerifyAuthChallengeResponse_Authentication", request, {"answerCorrect": False}, common
    )
