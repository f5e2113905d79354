"""AppSync direct Lambda resolver invocations (single and batched)."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    bad,
    check_choice,
    json_text,
    now_or_utc,
    rng_or_new,
    source_ip,
    token,
    uuid4,
)
from ._http import trace_id
from ._validate import checked

__all__ = ["appsync_batch", "appsync_resolver"]

IDENTITIES = ("none", "iam", "cognito", "oidc", "lambda")


def _identity(kind: str, rng: random.Random, region: str, account_id: str,
              issued: int) -> dict[str, Any] | None:
    check_choice("identity", kind, IDENTITIES)
    if kind == "none":
        return None
    sub = uuid4(rng)
    if kind == "iam":
        return {
            "accountId": account_id,
            "cognitoIdentityPoolId": None,
            "cognitoIdentityId": None,
            "sourceIp": [source_ip(rng)],
            "username": "AROA"
            + token(rng, 17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            + ":session",
            "userArn": f"arn:aws:sts::{account_id}:assumed-role/app-role/session",
            "cognitoIdentityAuthType": None,
            "cognitoIdentityAuthProvider": None,
        }
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{region}_{token(rng, 9)}"
    claims = {"sub": sub, "iss": issuer, "token_use": "id", "email": "jane@example.com"}
    if kind == "cognito":
        # A Cognito ID token's claims, as AppSync passes them (aws-powertools
        # tests/events/appSyncDirectResolver.json, a console request): aud, event_id and the
        # token's times (epoch seconds) beside the user's.
        token_claims = {
            **claims, "aud": token(rng, 26, "abcdefghijklmnopqrstuvwxyz0123456789"),
            "event_id": uuid4(rng), "email_verified": True, "cognito:username": "jane",
            "auth_time": issued, "iat": issued, "exp": issued + 3600}
        return {
            "sub": sub,
            "issuer": issuer,
            "username": "jane",
            "claims": token_claims,
            "sourceIp": [source_ip(rng)],
            "defaultAuthStrategy": "ALLOW",
            "groups": None,
        }
    if kind == "oidc":
        return {"claims": claims, "issuer": issuer, "sub": sub}
    return {"resolverContext": {"userId": sub}}


def _selection(fields: Sequence[str]) -> str:
    return "{\n" + "".join(f"  {f}\n" for f in fields) + "}"


@checked
def appsync_resolver(
    field: str = "getPost",
    arguments: Mapping[str, Any] | None = None,
    *,
    parent_type: str = "Query",
    source: Mapping[str, Any] | None = None,
    selection: Sequence[str] = ("id", "title"),
    variables: Mapping[str, Any] | None = None,
    identity: str = "none",
    headers: Mapping[str, str] | None = None,
    stash: Mapping[str, Any] | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """One direct-resolver invocation for ``parent_type.field``; *identity* picks the auth mode."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    for name, value in (("field", field), ("parent_type", parent_type)):
        if (
            not value
            or not (value[0].isalpha() or value[0] == "_")
            or not value.replace("_", "a").isalnum()
        ):
            raise bad(name, value, "GraphQL names match [_A-Za-z][_0-9A-Za-z]*")
    args = dict(arguments or {})
    json_text("arguments", args)
    api = token(rng, 26, "abcdefghijklmnopqrstuvwxyz0123456789")
    host = f"{api}.appsync-api.{region}.amazonaws.com"
    request_headers = {
        "accept": "*/*",
        "content-type": "application/json",
        "host": host,
        "user-agent": "Mozilla/5.0",
        "x-amzn-requestid": uuid4(rng),
        "x-amzn-trace-id": trace_id(rng, int(now_or_utc(now).timestamp())),
        **{k.lower(): v for k, v in (headers or {}).items()},
    }
    return {
        "arguments": args,
        "identity": _identity(identity, rng, region, account_id,
                              int(now_or_utc(now).timestamp()) - 60),
        "source": dict(source) if source is not None else None,
        "request": {"headers": request_headers, "domainName": None},
        "prev": None,
        "info": {
            "selectionSetList": list(selection),
            "selectionSetGraphQL": _selection(selection),
            "parentTypeName": parent_type,
            "fieldName": field,
            "variables": dict(variables or {}),
        },
        "stash": dict(stash or {}),
    }


@checked
def appsync_batch(
    sources: Iterable[Mapping[str, Any]],
    field: str = "comments",
    *,
    parent_type: str = "Post",
    rng: random.Random | None = None,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """A BatchInvoke payload: a JSON list with one resolver event per parent *source*."""
    rng = rng_or_new(rng)
    events = [
        appsync_resolver(field, parent_type=parent_type, source=s, rng=rng, **kwargs)
        for s in sources
    ]
    if not events:
        raise bad("sources", [], "a batch resolves at least one parent")
    return events
