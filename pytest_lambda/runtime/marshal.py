"""JSON in and out of a handler, as the Python runtime's marshaller does it."""

from __future__ import annotations

import json
import math
import os
import re
import sys
from typing import Any

SYNC_REQUEST_LIMIT = 6_291_456
SYNC_RESPONSE_LIMIT = 6_291_556
_ASCII_RUNTIMES = frozenset({"python3.10", "python3.11"})


class MarshalError(Exception):
    """The handler's result cannot be written as JSON."""


class PostFailure(SystemExit):
    """The runtime failed after marshalling, outside its error handling, and its process ended
    ("exit status 1"): ``error`` is what it raised (the interpreter prints it last)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(1)
        self.error = error


class RawJsonObject(dict[str, Any]):
    """A JSON object that keeps the exact bytes a runtime wrote for it.

    The Node.js runtimes post error payloads as ``JSON.stringify`` writes them (compact, no
    spaces); callers receive those bytes, so they are passed through rather than re-encoded.
    """

    raw: bytes

    def __init__(self, raw: bytes) -> None:
        super().__init__(json.loads(raw))
        self.raw = raw


class EventError(ValueError):
    """The event cannot be sent to Lambda (it is not valid JSON)."""


def encode_event(event: Any, argument: str = "event") -> bytes:
    """The request payload: ``bytes`` pass through as raw; anything else is JSON-encoded.

    Lambda's Invoke API only accepts a valid JSON document, so NaN and Infinity (which
    ``json.dumps`` would write as non-standard tokens) are refused here, as are values nested
    deeper than the encoder can walk.
    """
    if isinstance(event, bytes | bytearray | memoryview):
        return bytes(event)
    if isinstance(event, RawJsonObject):
        return event.raw
    try:
        return json.dumps(event, ensure_ascii=False, allow_nan=False).encode()
    except RecursionError:
        raise EventError(
            f"the {argument} cannot be sent to Lambda: it is nested too deeply to be written as "
            "JSON (Python's recursion limit). Send a flatter structure, or pre-encoded JSON "
            "as bytes."
        ) from None
    except ValueError as exc:
        raise EventError(
            f"the {argument} cannot be sent to Lambda: {exc} (NaN and Infinity are not valid "
            "JSON, and Lambda only accepts a valid JSON payload). Replace them with null, a "
            "string or a finite number."
        ) from None
    except TypeError as exc:
        raise TypeError(
            f"the {argument} cannot be sent to Lambda: {exc}. Lambda payloads are JSON; pass "
            "dicts, lists, str, int, float, bool and None only (or raw bytes)."
        ) from None


_LOADS: list[Any] = []


def _runtime_loads() -> Any:
    """The runtime's decoder: awslambdaric's ``unmarshal_request`` calls ``simplejson.loads``,
    whatever the function's code does to the standard ``json`` module (``json.loads =
    partial(json.loads, parse_float=Decimal)`` at Init, a DynamoDB idiom, changed its own
    event here). Bound at first use; the standard one where simplejson is missing."""
    if not _LOADS:
        try:
            import simplejson  # type: ignore[import-untyped, unused-ignore]

            _LOADS.append(simplejson.loads)
        except ImportError:
            _LOADS.append(json.loads)
    return _LOADS[0]


def decode_event(payload: bytes) -> Any:
    """What the runtime hands the handler; ``ValueError`` carries the runtime's wording (its
    decoder's: "Expecting ',' delimiter or '}': line 1 column 8 (char 7)")."""
    try:
        return _runtime_loads()(payload)
    except RecursionError as exc:
        raise ValueError(str(exc)) from None


def _dumps(result: Any, token: str, ensure_ascii: bool) -> tuple[str, int]:
    """``result`` as JSON with each Decimal written as ``"<token><number><token>"``."""
    found = 0

    def default(obj: Any) -> Any:
        nonlocal found
        # Only a program that imported decimal can hand us a Decimal: no import here (it
        # would cost every test process a millisecond at start-up).
        decimal = sys.modules.get("decimal")
        if decimal is not None and isinstance(obj, decimal.Decimal):
            if obj.is_nan():
                return math.nan
            found += 1
            return f"{token}{obj}{token}"
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

    text = json.dumps(result, default=default, allow_nan=True, ensure_ascii=ensure_ascii)
    return text, found


_ENCODERS: dict[bool, Any] = {}


def _runtime_encoder(ensure_ascii: bool) -> Any | None:
    """The Python runtime's encoder: simplejson's, configured as awslambdaric's
    ``lambda_runtime_marshaller.Encoder`` (``use_decimal=False``, ``allow_nan=True``, ASCII
    escapes below python3.12, a ``Decimal`` written as its raw number, a NaN one as NaN).
    simplejson's own defaults are the runtime's too: ``bytes`` (values and keys) decoded as
    UTF-8, a namedtuple written as an object. One per setting, made on first use."""
    encoder = _ENCODERS.get(ensure_ascii)
    if encoder is None:
        import decimal  # the marshaller's, loaded with it

        try:
            import simplejson  # type: ignore[import-untyped, unused-ignore]
        except ImportError:  # an install from before it was one: the json stand-in
            return None

        class Encoder(simplejson.JSONEncoder):  # type: ignore[misc]
            def default(self, obj: Any) -> Any:
                if isinstance(obj, decimal.Decimal):
                    return math.nan if obj.is_nan() else simplejson.RawJSON(str(obj))
                return super().default(obj)

        encoder = _ENCODERS[ensure_ascii] = Encoder(use_decimal=False, allow_nan=True,
                                                    ensure_ascii=ensure_ascii)
    return encoder


def load_encoders() -> None:
    """Make both of the runtime's encoders now (a process worker loads them before user code)."""
    _runtime_encoder(True)
    _runtime_encoder(False)
    _runtime_loads()


def encode_response(result: Any, runtime: str) -> bytes:
    """The response body, or :class:`MarshalError` with the runtime's message.

    Encoded by simplejson exactly as the runtime encodes it (:func:`_runtime_encoder`); the
    standard ``json`` path below stands in only for a Node.js or custom runtime's results.

    The runtime (simplejson) writes a ``Decimal`` as a raw number. The standard ``json``
    encoder cannot, so each Decimal is written as a string between two copies of a random
    token, and those quoted strings are then replaced by the bare number. A token that also
    occurs in the handler's own strings is detected (it is counted) and another one drawn, so
    any string round-trips exactly.
    """
    if isinstance(result, bytes):
        return result
    ensure_ascii = runtime in _ASCII_RUNTIMES
    encoder = _runtime_encoder(ensure_ascii) if runtime.startswith("python") else None
    if encoder is not None:
        try:
            text: str = encoder.encode(result)
        except RecursionError:
            # simplejson's C encoder's words, which the runtime has: a process worker on
            # another Python version loads the test's simplejson without its C part, whose
            # pure-Python encoder words it "maximum recursion depth exceeded".
            raise MarshalError("Unable to marshal response: maximum recursion depth exceeded "
                               "while encoding a JSON object") from None
        except Exception as exc:  # what awslambdaric's marshal_response catches
            raise MarshalError(f"Unable to marshal response: {exc}") from None
        try:
            return text.encode()
        except UnicodeEncodeError as exc:
            # A lone surrogate written raw (python3.12+ writes non-ASCII raw): awslambdaric
            # encodes the body when it posts it, after its try, and its process ends.
            raise PostFailure(exc) from None
    try:
        # Most responses hold no Decimal: one plain encode, no token to draw. Anything the
        # plain encoder refuses goes the long way below, which also words the error.
        return json.dumps(result, allow_nan=True, ensure_ascii=ensure_ascii).encode()
    except (TypeError, ValueError, RecursionError):
        pass
    while True:
        token = os.urandom(16).hex()  # what secrets.token_hex does, without hmac/OpenSSL
        try:
            text, found = _dumps(result, token, ensure_ascii)
        except (TypeError, ValueError, RecursionError) as exc:
            raise MarshalError(f"Unable to marshal response: {exc}") from None
        if not found:
            return text.encode()
        if text.count(token) == 2 * found:
            return re.sub(f'"{token}([^"]*){token}"', r"\1", text).encode()
        # The handler's own data contains the token: draw another one.
