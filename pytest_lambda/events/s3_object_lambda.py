"""S3 Object Lambda GetObject requests (the transforming function behind an access point).

Shape: Amazon S3 user guide, "Event context format and usage" (olap-event-context.html):
``getObjectContext`` carries a presigned ``inputS3Url`` on the supporting access point plus the
``outputRoute``/``outputToken`` the function passes to WriteGetObjectResponse; ``configuration``
names both access points and the access point's optional ``payload`` string; ``userRequest``
is the caller's original request; ``protocolVersion`` is "1.00".
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    b64_token,
    bad,
    check_account,
    check_region,
    hex_id,
    now_or_utc,
    rng_or_new,
    upper_token,
)
from ._validate import checked

__all__ = ["s3_object_lambda"]

_EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _access_point_name(argument: str, name: str) -> str:
    # S3 access point names: 3-50 lower-case letters, digits and '-' (S3 user guide,
    # "Access point naming rules").
    if not 3 <= len(name) <= 50 or not all(c.islower() or c.isdigit() or c == "-" for c in name):
        raise bad(argument, name, "access point names are 3-50 lower-case letters, digits, '-'")
    return name


def _region_code(region: str) -> str:
    # outputRoute names the S3 Object Lambda front end, e.g. "io-use1-001" for us-east-1.
    area, direction, number = region.split("-")[-3:]
    return f"{area[:2]}{direction[0]}{number}"


@checked
def s3_object_lambda(
    key: str = "example.txt",
    *,
    access_point: str = "my-object-lambda-ap",
    supporting_access_point: str = "my-ap",
    payload: str = "",
    headers: Mapping[str, str] | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A GetObject for *key* through an Object Lambda access point; *payload* is its config."""
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    check_region(region)
    check_account(account_id)
    _access_point_name("access_point", access_point)
    _access_point_name("supporting_access_point", supporting_access_point)
    if not key or len(key.encode()) > 1024:
        raise bad("key", key, "object keys are 1-1024 bytes of UTF-8")
    path = quote(key, safe="/")
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    credential = f"ASIA{upper_token(rng, 16)}%2F{amz_date[:8]}%2F{region}%2Fs3%2Faws4_request"
    input_url = (
        f"https://{supporting_access_point}-{account_id}.s3-accesspoint.{region}.amazonaws.com/"
        f"{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={credential}"
        f"&X-Amz-Date={amz_date}&X-Amz-Expires=61&X-Amz-SignedHeaders=host"
        f"&X-Amz-Security-Token={quote(b64_token(rng, 96), safe='')}"
        f"&X-Amz-Signature={hex_id(rng, 64)}"
    )
    host = f"{access_point}-{account_id}.s3-object-lambda.{region}.amazonaws.com"
    request_headers = {
        "Host": host,
        "Accept-Encoding": "identity",
        "X-Amz-Content-SHA256": _EMPTY_SHA256,
    }
    for name, value in (headers or {}).items():
        if not isinstance(value, str):
            raise bad(f"headers[{name!r}]", value, "header values are strings")
        request_headers[name] = value
    session = f"user-{hex_id(rng, 8)}"
    role_id = "AROA" + upper_token(rng, 17)
    return {
        "xAmzRequestId": upper_token(rng, 16),
        "getObjectContext": {
            "inputS3Url": input_url,
            "outputRoute": f"io-{_region_code(region)}-{rng.randrange(1, 10):03d}",
            "outputToken": b64_token(rng, 144),
        },
        "configuration": {
            "accessPointArn": (
                f"arn:aws:s3-object-lambda:{region}:{account_id}:accesspoint/{access_point}"
            ),
            "supportingAccessPointArn": (
                f"arn:aws:s3:{region}:{account_id}:accesspoint/{supporting_access_point}"
            ),
            "payload": payload,
        },
        "userRequest": {"url": f"https://{host}/{path}", "headers": request_headers},
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": f"{role_id}:{session}",
            "arn": f"arn:aws:sts::{account_id}:assumed-role/my-role/{session}",
            "accountId": account_id,
            "accessKeyId": "ASIA" + upper_token(rng, 16),
            "sessionContext": {
                "attributes": {
                    "mfaAuthenticated": "false",
                    "creationDate": when.strftime("%a %b %d %H:%M:%S UTC %Y"),
                },
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": role_id,
                    "arn": f"arn:aws:iam::{account_id}:role/my-role",
                    "accountId": account_id,
                    "userName": "my-role",
                },
            },
        },
        "protocolVersion": "1.00",
    }
