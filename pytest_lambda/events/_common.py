"""Shared helpers for the event factories: errors, seeded ids, clocks, encodings, ARNs."""

from __future__ import annotations

import base64
import datetime as _dt
import json
import random
from collections.abc import Iterable
from typing import Any

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "EventError",
    "JSONValue",
]

JSONValue = Any
"""Anything :func:`json.dumps` accepts (kept as ``Any`` because JSON is recursive)."""

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
_UTC = _dt.UTC
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HEX = "0123456789abcdef"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class EventError(ValueError):
    """An argument would produce an event AWS could not have sent."""


def bad(argument: str, value: object, allowed: str) -> EventError:
    """Build an error naming the argument, the rejected value and what is allowed."""
    return EventError(f"{argument}={value!r} is not valid: {allowed}")


def rng_or_new(rng: random.Random | None) -> random.Random:
    """Return *rng*, or a freshly seeded generator when the caller gave none."""
    return rng if rng is not None else random.Random()


def now_or_utc(now: _dt.datetime | None) -> _dt.datetime:
    """Return *now* as an aware UTC datetime, defaulting to the current time."""
    if now is None:
        return _dt.datetime.now(_UTC)
    if now.tzinfo is None:
        return now.replace(tzinfo=_UTC)
    return now.astimezone(_UTC)


def check_choice(argument: str, value: str, allowed: Iterable[str]) -> str:
    """Raise unless *value* is one of *allowed*."""
    choices = tuple(allowed)
    if value not in choices:
        raise bad(argument, value, "expected one of " + ", ".join(choices))
    return value


def check_region(region: str) -> str:
    """Reject region names that cannot appear in an ARN."""
    parts = region.split("-")
    if len(parts) < 3 or not parts[-1].isdigit() or not all(p.isalpha() for p in parts[:-1]):
        raise bad("region", region, "expected an AWS region name like 'us-east-1'")
    return region


def check_account(account_id: str) -> str:
    """Reject account ids that are not 12 digits."""
    if len(account_id) != 12 or not account_id.isdigit():
        raise bad("account_id", account_id, "expected a 12-digit AWS account id")
    return account_id


def check_nonempty(argument: str, value: str) -> str:
    """Reject empty names."""
    if not value:
        raise bad(argument, value, "expected a non-empty string")
    return value


def uuid4(rng: random.Random) -> str:
    """A version-4 UUID string drawn from *rng*."""
    n = rng.getrandbits(128)
    n = (n & ~(0xF000 << 64)) | (0x4000 << 64)
    n = (n & ~(0xC000 << 48)) | (0x8000 << 48)
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def hex_id(rng: random.Random, length: int, *, upper: bool = False) -> str:
    """A hex string of *length* characters drawn from *rng*."""
    text = f"{rng.getrandbits(4 * length):0{length}x}"
    return text.upper() if upper else text


def token(rng: random.Random, length: int, alphabet: str = _ALNUM) -> str:
    """A random string over *alphabet*."""
    return "".join(rng.choices(alphabet, k=length))


def upper_token(rng: random.Random, length: int) -> str:
    """A random upper-case alphanumeric string, like AWS request ids and access keys."""
    return token(rng, length, _UPPER_ALNUM)


def b64_token(rng: random.Random, nbytes: int) -> str:
    """Base64 of *nbytes* random bytes (used for opaque handles and signatures)."""
    return base64.b64encode(rng.randbytes(nbytes)).decode("ascii")


def digits(rng: random.Random, length: int) -> str:
    """A string of *length* decimal digits without a leading zero."""
    return str(rng.randrange(10 ** (length - 1), 10**length))


def source_ip(rng: random.Random) -> str:
    """A bare IPv4 address (AWS rejects CIDR notation in ``sourceIp``)."""
    first = rng.choice((3, 18, 34, 52, 54, 198))
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def iso_s(t: _dt.datetime) -> str:
    """ISO-8601 with seconds and ``Z`` (EventBridge)."""
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


def clf_time(t: _dt.datetime) -> str:
    """Common-log-format time used by API Gateway: ``04/Mar/2020:19:15:17 +0000``."""
    clock = f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    return f"{t.day:02d}/{_MONTHS[t.month - 1]}/{t.year:04d}:{clock} +0000"


def epoch_ms(t: _dt.datetime) -> int:
    """Milliseconds since the epoch."""
    return int(t.timestamp() * 1000)


def epoch_s(t: _dt.datetime) -> int:
    """Whole seconds since the epoch."""
    return int(t.timestamp())


def b64encode(data: bytes) -> str:
    """Standard padded base64 as text."""
    return base64.b64encode(data).decode("ascii")


def to_bytes(argument: str, data: str | bytes | dict[str, Any] | list[Any]) -> bytes:
    """Encode a payload: bytes as-is, str as UTF-8, dict/list as compact JSON."""
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, dict | list):
        return json_text(argument, data).encode("utf-8")
    raise bad(argument, data, "expected str, bytes, or a JSON-serializable dict/list")


def json_text(argument: str, value: object) -> str:
    """Serialize *value* to JSON text, raising :class:`EventError` naming *argument*."""
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise bad(argument, value, f"expected a JSON-serializable value ({exc})") from None


def body_text(argument: str, body: str | bytes | dict[str, Any] | list[Any] | None) -> str | None:
    """Turn a request/message body into the string AWS delivers (dict/list become JSON)."""
    if body is None or isinstance(body, str):
        return body
    if isinstance(body, bytes | bytearray):
        try:
            return bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            raise bad(
                argument, body, "bytes must be UTF-8 text here; base64-encode binary"
            ) from None
    return json_text(argument, body)


def arn(service: str, region: str, account_id: str, resource: str) -> str:
    """``arn:aws:<service>:<region>:<account>:<resource>``."""
    return f"arn:aws:{service}:{region}:{account_id}:{resource}"
