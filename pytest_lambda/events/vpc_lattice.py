"""VPC Lattice requests to a Lambda target group, event structure version 1.0 or 2.0.

Shape: VPC Lattice user guide, "Lambda functions as targets" (lambda-functions.html, "Receive
events from the VPC Lattice service"): version 1.0 uses snake_case keys and no request context;
2.0 adds ``version``, ``requestContext`` (service network, service and target group ARNs, the
caller's identity, ``timeEpoch`` in epoch microseconds as a string) and camelCase keys.
Header names arrive lower-case. In 1.0 each header is one string (repeats joined with commas);
in 2.0 each header is a list of values, as the same page shows (``"header-key":
["header-value", ...]``) and as AWS's own event types model it (aws-lambda-java-libs
VpcLatticeV2RequestEvent ``Map<String, List<String>>``; aws-lambda-go pull request 521, checked
against a running function). Powertools' VpcLatticeV2Model types them as plain strings instead.
"""

from __future__ import annotations

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
    hex_id,
    now_or_utc,
    rng_or_new,
)
from ._http import (
    USER_AGENT,
    Body,
    MultiMap,
    check_header_names,
    check_method,
    check_path,
    encode_body,
    json_content_type,
    multi,
)
from ._validate import checked

__all__ = ["vpc_lattice_request"]

AUTH_TYPES = ("NONE", "AWS_IAM")


def _private_ip(rng: random.Random) -> str:
    # Lattice callers are inside a VPC: a private (RFC 1918) address.
    return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


@checked
def vpc_lattice_request(
    method: str = "GET",
    path: str = "/",
    *,
    version: str = "2.0",
    query: MultiMap | None = None,
    headers: MultiMap | None = None,
    body: Body = None,
    service: str = "my-service",
    auth_type: str = "NONE",
    principal: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A request forwarded by a VPC Lattice service; *version* is the target group's setting."""
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    method = check_method(method)
    check_path("path", path)
    check_choice("version", version, ("1.0", "2.0"))
    check_choice("auth_type", auth_type, AUTH_TYPES)
    check_region(region)
    check_account(account_id)
    if not 3 <= len(service) <= 40 or not all(
        c.islower() or c.isdigit() or c == "-" for c in service
    ):
        raise bad("service", service, "service names are 3-40 lower-case letters, digits and '-'")
    if principal is not None and auth_type != "AWS_IAM":
        raise bad("principal", principal, "only AWS_IAM-authenticated requests name a principal")
    given = multi("headers", headers)
    check_header_names(given)
    caller = _private_ip(rng)
    lower: dict[str, list[str]] = {
        "accept": ["*/*"],
        "host": [f"{service}-{hex_id(rng, 17)}.{hex_id(rng, 7)}.vpc-lattice-svcs.{region}.on.aws"],
        "user-agent": [USER_AGENT],
        "x-forwarded-for": [caller],
    }
    for name, values in given.items():
        lower[name.lower()] = values
    json_content_type(body, lower, "content-type")
    text, encoded = encode_body(body, lower)
    flat = {k: ",".join(v) for k, v in lower.items()}
    queries = {k: v[-1] for k, v in multi("query", query).items()}
    if version == "1.0":
        return {
            "raw_path": path,
            "method": method,
            "headers": flat,
            "query_string_parameters": queries,
            "body": text or "",
            "is_base64_encoded": encoded,
        }
    identity: dict[str, Any] = {
        "sourceVpcArn": arn("ec2", region, account_id, f"vpc/vpc-{hex_id(rng, 17)}"),
        "type": auth_type,
    }
    if auth_type == "AWS_IAM":
        session = hex_id(rng, 32)
        identity["principal"] = principal or (
            f"arn:aws:sts::{account_id}:assumed-role/my-caller-role/{session}"
        )
        identity["sessionName"] = session
    event: dict[str, Any] = {
        "version": "2.0",
        "path": path,
        "method": method,
        "headers": lower,
    }
    if queries:
        event["queryStringParameters"] = queries
    if text is not None:
        event["body"] = text
    event["isBase64Encoded"] = encoded
    micros = int(when.timestamp()) * 1_000_000 + when.microsecond
    event["requestContext"] = {
        "serviceNetworkArn": arn(
            "vpc-lattice", region, account_id, f"servicenetwork/sn-{hex_id(rng, 17)}"
        ),
        "serviceArn": arn("vpc-lattice", region, account_id, f"service/svc-{hex_id(rng, 17)}"),
        "targetGroupArn": arn(
            "vpc-lattice", region, account_id, f"targetgroup/tg-{hex_id(rng, 17)}"
        ),
        "identity": identity,
        "region": region,
        "timeEpoch": str(micros),
    }
    return event
