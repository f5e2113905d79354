"""JSON in and out of a handler, as the Python runtime's marshaller does it."""

from __future__ import annotations

import decimal
import json
import math
import re
from typing import Any

SYNC_REQUEST_LIMIT = 6_291_456
SYNC_RESPONSE_LIMIT = 6_291_556
_DECIMAL_MARK = re.compile(r'"\\u0000D([^"\\]*)\\u0000"')
_ASCII_RUNTIMES = frozenset({"python3.10", "python3.11"})


class MarshalError(Exception):
    """The handler's result cannot be written as JSON."""


class RawJsonObject(dict[str, Any]):
    """A JSON object that keeps the exact bytes a runtime wrote for it.

    The Node.js runtimes post error payloads as ``JSON.stringify`` writes them (compact, no
    spaces); callers receive those bytes, so they are passed through rather than re-encoded.
    """

    raw: bytes

    def __init__(self, raw: bytes) -> None:
        super().__init__(json.loads(raw))
        self.raw = raw


def encode_event(event: Any) -> bytes:
    """The request payload: ``bytes`` pass through as raw; anything else is JSON-encoded."""
    if isinstance(event, bytes | bytearray | memoryview):
        return bytes(event)
    if isinstance(event, RawJsonObject):
        return event.raw
    try:
        return json.dumps(event, ensure_ascii=False).encode()
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"the event cannot be sent to Lambda: {exc}. Lambda payloads are JSON; pass dicts, "
            "lists, str, int, float, bool and None only (or raw bytes)."
        ) from None


def decode_event(payload: bytes) -> Any:
    """What the runtime hands the handler; ``ValueError`` carries the runtime's wording."""
    return json.loads(payload)


def _default(obj: Any) -> Any:
    if isinstance(obj, decimal.Decimal):
        if obj.is_nan():
            return math.nan
        # Marked, then unquoted below: the runtime writes Decimals as raw numbers.
        return f"\x00D{obj}\x00"
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def encode_response(result: Any, runtime: str) -> bytes:
    """The response body, or :class:`MarshalError` with the runtime's message."""
    if isinstance(result, bytes):
        return result
    try:
        text = json.dumps(result, default=_default, allow_nan=True,
                          ensure_ascii=runtime in _ASCII_RUNTIMES)
    except (TypeError, ValueError, RecursionError) as exc:
        raise MarshalError(f"Unable to marshal response: {exc}") from None
    if "\\u0000D" in text:
        text = _DECIMAL_MARK.sub(r"\1", text)
    return text.encode()
