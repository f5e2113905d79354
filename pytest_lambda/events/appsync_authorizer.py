"""AppSync Lambda authorizers (the ``AWS_LAMBDA`` authorization mode of a GraphQL API).

Shape: AppSync developer guide, "Configuring authorization and authentication" section "AWS
Lambda authorization" (security-authz.html): ``authorizationToken`` (the request's
``Authorization`` header), ``requestContext`` {apiId, accountId, requestId, queryString,
operationName, variables} and ``requestHeaders`` (the request's headers, lower-case names).
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    bad,
    check_account,
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

__all__ = ["appsync_authorizer"]

_API_ID = "abcdefghijklmnopqrstuvwxyz0123456789"


@checked
def appsync_authorizer(
    authorization_token: str = "custom-token-123",
    query: str = "query GetPost($id: ID!) {\n  getPost(id: $id) {\n    id\n  }\n}\n",
    *,
    operation_name: str | None = "GetPost",
    variables: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """What AppSync hands a Lambda authorizer for one GraphQL request."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_region(region)
    check_account(account_id)
    if not authorization_token:
        # AppSync rejects a request without an Authorization header before calling the function.
        raise bad("authorization_token", authorization_token, "expected a non-empty token")
    if not query.strip():
        raise bad("query", query, "expected a GraphQL document")
    given = dict(variables if variables is not None else {"id": "1"})
    json_text("variables", given)
    api = token(rng, 26, _API_ID)
    sent = {
        "accept": "*/*",
        "authorization": authorization_token,
        "content-type": "application/json",
        "host": f"{api}.appsync-api.{region}.amazonaws.com",
        "user-agent": USER_AGENT,
        "x-forwarded-for": source_ip(rng),
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    for name, value in (headers or {}).items():
        if not isinstance(value, str):
            raise bad(f"headers[{name!r}]", value, "header values are strings")
        sent[name.lower()] = value
    context: dict[str, Any] = {
        "apiId": api,
        "accountId": account_id,
        "requestId": uuid4(rng),
        "queryString": query,
        "operationName": operation_name,
        "variables": given,
    }
    if operation_name is None:
        del context["operationName"]
    return {
        "authorizationToken": authorization_token,
        "requestContext": context,
        "requestHeaders": sent,
    }
