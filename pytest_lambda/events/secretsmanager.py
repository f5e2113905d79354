"""Secrets Manager rotation steps."""

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
    now_or_utc,
    rng_or_new,
    token,
    uuid4,
)
from ._validate import checked

__all__ = ["secretsmanager_rotation"]

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


@checked
def secretsmanager_rotation(
    step: str = "createSecret",
    *,
    secret: str = "my-secret",
    client_request_token: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """One rotation step for *secret*; all four steps of a rotation share one request token."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_choice("step", step, STEPS)
    check_region(region)
    check_account(account_id)
    if not 1 <= len(secret) <= 512 or not all(c.isalnum() or c in "/_+=.@-" for c in secret):
        raise bad("secret", secret, "secret names are 1-512 of letters, digits and /_+=.@-")
    return {
        "Step": step,
        "SecretId": arn("secretsmanager", region, account_id, f"secret:{secret}-{token(rng, 6)}"),
        "ClientRequestToken": client_request_token or uuid4(rng),
        "RotationToken": uuid4(rng),
    }
