"""AWS Transfer Family custom identity providers backed by a Lambda function.

Shape: Transfer Family user guide, "Using AWS Lambda to integrate your identity provider"
(custom-lambda-idp.html, "Lambda function event"): ``username``, ``password`` (only for
password authentication; absent for SSH-key logins, which the function answers with the user's
public keys), ``protocol`` SFTP, FTP or FTPS, ``serverId`` ("s-" and 17 hex digits) and the
client's ``sourceIp``.
"""

from __future__ import annotations

import datetime as _dt
import random
from typing import Any

from ._common import bad, check_choice, hex_id, now_or_utc, rng_or_new, source_ip
from ._validate import checked

__all__ = ["transfer_family_auth"]

PROTOCOLS = ("SFTP", "FTP", "FTPS")


@checked
def transfer_family_auth(
    username: str = "jane",
    password: str | None = "Passw0rd!",
    *,
    protocol: str = "SFTP",
    server_id: str | None = None,
    source_ip_address: str | None = None,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A login to a Transfer Family server; ``password=None`` is an SSH public-key login."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_choice("protocol", protocol, PROTOCOLS)
    # Transfer Family user names: 3-100 of letters, digits, '_', '-', '.', '@'.
    if not 3 <= len(username) <= 100 or not all(c.isalnum() or c in "_-.@" for c in username):
        raise bad("username", username, "user names are 3-100 letters, digits, '_', '-', '.', '@'")
    if password is None and protocol != "SFTP":
        # FTP and FTPS have no key-based login: a password is always sent.
        raise bad("password", password, f"{protocol} logins always carry a password")
    ident = server_id or "s-" + hex_id(rng, 17)
    if not (
        ident.startswith("s-")
        and len(ident) == 19
        and all(c in "0123456789abcdef" for c in ident[2:])
    ):
        raise bad("server_id", ident, "server ids are 's-' and 17 lower-case hex digits")
    event: dict[str, Any] = {"username": username}
    if password is not None:
        event["password"] = password
    event.update(
        {"protocol": protocol, "serverId": ident, "sourceIp": source_ip_address or source_ip(rng)}
    )
    return event
