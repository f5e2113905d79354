"""The payload marshaller: exact round trips of any JSON value, and events Lambda refuses."""

from __future__ import annotations

import decimal
import json
import math
import sys
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_lambda import LambdaFunction
from pytest_lambda.runtime.marshal import EventError, encode_event, encode_response

if TYPE_CHECKING:
    from conftest import CodeWriter

# Any Python str, lone surrogates excluded only where they cannot be UTF-8 encoded at all.
_text = st.text(st.characters(blacklist_categories=("Cs",)))
_scalars = (st.none() | st.booleans() | st.integers() | _text
            | st.floats(allow_nan=False, allow_infinity=False))
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(_text, inner, max_size=4), max_leaves=30)
_decimals = st.decimals(allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_any_json_value_round_trips_as_a_response(value: Any) -> None:
    """Whatever JSON value a handler returns, the response body decodes to exactly it."""
    for runtime in ("python3.11", "python3.12"):
        assert json.loads(encode_response(value, runtime)) == value


@settings(max_examples=300, deadline=None)
@given(_json)
def test_any_json_value_round_trips_as_an_event(value: Any) -> None:
    """An event is sent as exactly the JSON it is."""
    assert json.loads(encode_event(value)) == value


@settings(max_examples=200, deadline=None)
@given(st.recursive(_scalars | _decimals, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(_text, inner, max_size=4), max_leaves=30))
def test_decimals_are_raw_numbers_next_to_any_string(value: Any) -> None:
    """Decimals become bare numbers and strings (NUL markers included) stay strings."""
    decoded = json.loads(encode_response(value, "python3.12"), parse_float=decimal.Decimal,
                         parse_int=decimal.Decimal)

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, dict):
            return isinstance(b, dict) and a.keys() == b.keys() and all(
                same(a[k], b[k]) for k in a)
        if isinstance(a, list):
            return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
        if isinstance(a, bool) or a is None or isinstance(a, str):
            return a == b and type(a) is type(b)
        return decimal.Decimal(a) == b if not isinstance(a, float) else math.isclose(a, b)

    assert same(value, decoded)


@pytest.mark.parametrize("text", ["\x00D0\x00", "\x00D1}\x00", "\x00D\x00", "a\x00Db\x00c"])
def test_nul_marker_lookalikes_round_trip(text: str) -> None:
    """Strings that look like the old Decimal marker come back unchanged (was 0 / bad JSON)."""
    body = encode_response({"note": text, "d": decimal.Decimal("1.50")}, "python3.12")
    assert json.loads(body) == {"note": text, "d": 1.5}
    assert b'"d": 1.50' in body


def test_decimal_nan_and_float_nan_are_written_as_the_runtime_does() -> None:
    """The runtime writes NaN tokens for NaN Decimals and floats in responses."""
    assert encode_response([decimal.Decimal("NaN"), math.inf], "python3.12") == b"[NaN, Infinity]"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_events_are_refused(bad: float) -> None:
    """NaN/Infinity are not JSON: the error names the argument and the fix."""
    with pytest.raises(EventError, match=r"the event cannot be sent to Lambda: Out of range "
                                         r"float values are not JSON compliant.*Replace them"):
        encode_event({"x": [bad]})


def test_deeply_nested_event_is_a_clear_error() -> None:
    """An event nested 10,000 levels gives a clear error, not a RecursionError traceback."""
    event: Any = []
    for _ in range(10_000):
        event = [event]
    with pytest.raises(EventError, match=r"the event cannot be sent to Lambda: it is nested too "
                                         r"deeply"):
        encode_event(event)


def test_invoke_refuses_nan_without_running_the_handler(code: CodeWriter) -> None:
    """fn.invoke({"x": nan}) fails before the handler runs."""
    root = code(app="def handler(event, context):\n    return event\n")
    with LambdaFunction("app.handler", code_dir=root) as fn:
        with pytest.raises(EventError, match="NaN and Infinity are not valid JSON"):
            fn.invoke({"x": math.nan})
        assert fn.logs.messages == []


def test_deeply_nested_raw_payload_is_an_unmarshal_error(code: CodeWriter) -> None:
    """Raw bytes nested beyond the decoder's depth give Runtime.UnmarshalError."""
    root = code(app="def handler(event, context):\n    return 1\n")
    with LambdaFunction("app.handler", code_dir=root) as fn:
        r = fn.invoke(b"[" * 100_000 + b"]" * 100_000)
    assert r.payload["errorType"] == "Runtime.UnmarshalError"
    assert "recursion" in r.payload["errorMessage"]


def test_nul_strings_round_trip_through_a_handler(code: CodeWriter) -> None:
    """A handler echoing NUL-marked strings returns them unchanged."""
    root = code(app="def handler(event, context):\n    return event\n")
    event = {"note": "\x00D0\x00", "other": "\x00D1}\x00"}
    with LambdaFunction("app.handler", code_dir=root) as fn:
        assert fn.invoke(event).payload == event


def test_responses_are_written_as_the_runtimes_simplejson_writes_them() -> None:
    """The Python runtime marshals with simplejson (awslambdaric's lambda_runtime_marshaller):
    ``bytes`` values and keys are decoded as UTF-8 (a ``{"body": b"..."}`` response works on
    Lambda), a namedtuple is an object, and its errors name the bare class."""
    from collections import namedtuple

    from pytest_lambda.runtime.marshal import MarshalError

    point = namedtuple("point", "x y")
    assert encode_response({"body": b'{"ok": true}', b"id": 1}, "python3.12") == \
        b'{"body": "{\\"ok\\": true}", "id": 1}'
    assert encode_response({"p": point(1, 2)}, "python3.12") == b'{"p": {"x": 1, "y": 2}}'
    # simplejson names the key's type as its C type does: "Decimal" (simplejson 4) or
    # "decimal.Decimal" (3.x speedups)
    with pytest.raises(MarshalError, match=r"Unable to marshal response: keys must be str, int, "
                                           r"float, bool or None, not (decimal\.)?Decimal$"):
        encode_response({decimal.Decimal("1"): 1}, "python3.12")
    with pytest.raises(MarshalError, match=r"Unable to marshal response: .*set"):
        encode_response({"s": {1}}, "python3.12")


_OTHER_PYTHON = "python3.12" if sys.version_info[:2] != (3, 12) else "python3.11"


@pytest.mark.parametrize(("isolation", "runtime"), [
    ("in-process", None), ("process", None), ("process", _OTHER_PYTHON)])
def test_a_response_nested_too_deep_is_the_runtimes_marshal_error(
        code: CodeWriter, isolation: str, runtime: str | None) -> None:
    """The runtime's simplejson (its C encoder) words it "... while encoding a JSON object",
    whichever encoder ran here (a worker on another Python version, when it is installed,
    has the pure-Python one)."""
    root = code(app="def handler(event, context):\n"
                    "    value = []\n"
                    "    for _ in range(100_000):\n"
                    "        value = [value]\n"
                    "    return value\n")
    with LambdaFunction("app.handler", code_dir=root, isolation=isolation,
                        **({"runtime": runtime} if runtime else {})) as fn:
        r = fn.invoke({})
    assert r.error == {"errorMessage": "Unable to marshal response: maximum recursion depth "
                                       "exceeded while encoding a JSON object",
                       "errorType": "Runtime.MarshalError", "requestId": r.request_id,
                       "stackTrace": []}
