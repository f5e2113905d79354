"""Synchronous invoke: payloads, errors, marshalling, exits, cold and warm starts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import RequestTooLargeException

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

APP = """
import decimal, sys
CALLS = []
def handler(event, context):
    CALLS.append(event)
    kind = event.get("kind") if isinstance(event, dict) else None
    if kind == "raise":
        raise ValueError("boom")
    if kind == "empty":
        raise KeyError
    if kind == "set":
        return {1, 2}
    if kind == "decimal":
        return {"price": decimal.Decimal("19.990")}
    if kind == "exit0":
        sys.exit()
    if kind == "exit2":
        sys.exit(2)
    if kind == "exitmsg":
        sys.exit("fatal config")
    if kind == "bytes":
        return b"\\x00raw"
    if kind == "unicode":
        return "h\\u00e9"
    if kind == "unicode-error":
        raise ValueError("na\\u00efve")
    if kind == "midline":
        return {"a": 1}["b"] + 1
    if kind == "mutate":
        event["changed"] = True
    return {"calls": len(CALLS), "event": event}
"""


@pytest.fixture
def fn(code: CodeWriter) -> LambdaFunction:
    """A function over the multi-purpose handler above."""
    return LambdaFunction("app.handler", code_dir=code(app=APP), name="orders")


def test_success_payload_and_status(fn: LambdaFunction) -> None:
    """A plain return value comes back as JSON with status 200 and no function error."""
    r = fn.invoke({"a": 1})
    assert (r.status_code, r.function_error, r.error) == (200, None, None)
    assert r.payload == {"calls": 1, "event": {"a": 1}}
    assert UUID.fullmatch(r.request_id)
    assert r.executed_version == "$LATEST"


def test_cold_then_warm_keeps_module_state(fn: LambdaFunction) -> None:
    """The first invoke is cold, later ones are warm and see module-level state."""
    results = [fn.invoke({}) for _ in range(3)]
    assert [r.cold_start for r in results] == [True, False, False]
    assert [r.payload["calls"] for r in results] == [1, 2, 3]
    assert results[0].report is not None and results[0].report.init_duration_ms is not None
    assert results[1].report is not None and results[1].report.init_duration_ms is None


def test_cold_start_discards_environment(fn: LambdaFunction) -> None:
    """``cold_start()`` makes the next invoke re-import the module."""
    fn.invoke({})
    fn.cold_start()
    r = fn.invoke({})
    assert r.cold_start is True
    assert r.payload["calls"] == 1


def test_event_is_a_copy(fn: LambdaFunction) -> None:
    """The handler gets a JSON copy of the event, as on Lambda; the caller's dict is untouched."""
    event = {"kind": "mutate"}
    r = fn.invoke(event)
    assert event == {"kind": "mutate"}
    assert r.payload["event"]["changed"] is True


def test_unhandled_exception_payload(fn: LambdaFunction) -> None:
    """An exception gives the runtime's error object, keys in its order, and is logged."""
    r = fn.invoke({"kind": "raise"})
    assert r.function_error == "Unhandled"
    assert list(r.payload) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert r.payload["errorMessage"] == "boom"
    assert r.payload["errorType"] == "ValueError"
    assert r.payload["requestId"] == r.request_id
    assert r.payload["stackTrace"][0].startswith('  File "')
    assert 'raise ValueError("boom")' in r.payload["stackTrace"][0]
    error_log = next(m for m in r.logs.messages if m.startswith("[ERROR]"))
    assert error_log.startswith("[ERROR] ValueError: boom\nTraceback (most recent call last):\n"
                                "\u00a0\u00a0File ")
    # One telemetry frame, lines joined with "\n" and none after the last (awslambdaric).
    assert error_log.endswith('\u00a0\u00a0\u00a0\u00a0raise ValueError("boom")')
    assert fn.invoke({}).cold_start is False


def test_stack_trace_has_no_caret_lines(fn: LambdaFunction) -> None:
    """stackTrace entries are formatted without Python 3.11+'s ``^^^``/``~~~`` caret lines."""
    r = fn.invoke({"kind": "midline"})
    [entry] = r.payload["stackTrace"]
    assert entry.endswith('in handler\n    return {"a": 1}["b"] + 1\n')
    error_log = next(m for m in r.logs.messages if m.startswith("[ERROR]"))
    assert "^" not in error_log and "~" not in error_log


@pytest.mark.parametrize("log_format", ["Text", "JSON"])
def test_stack_trace_never_shows_the_plugins_guards(code: CodeWriter, log_format: str) -> None:
    """open() and os.mkdir() go through the guards of the read-only task root, this package's
    Python frames; on Lambda they are C functions, so the handler's line is the last frame: in
    stackTrace, the [ERROR] log line and a logged exception's JSON."""
    root = code(app="""
        import logging, os
        log = logging.getLogger()
        def handler(event, context):
            try:
                os.mkdir("/nonexistent-dir/sub")
            except OSError:
                log.exception("mkdir failed")
            if event == "write":
                open("notes.txt", "w")
            with open("/nonexistent-dir/file") as f:
                return f.read()
        """)
    with LambdaFunction("app.handler", code_dir=root, log_format=log_format) as fn:
        for event, last in (("read", 'with open("/nonexistent-dir/file") as f:'),
                            ("write", 'open("notes.txt", "w")')):
            r = fn.invoke(event)
            assert r.payload["stackTrace"][-1].strip().endswith(last), r.payload["stackTrace"]
            assert not any("pytest_lambda" in f for f in r.payload["stackTrace"])
            text = "\n".join(r.logs.messages)
            assert "mkdir failed" in text, text
            assert "pytest_lambda" not in text, text


def test_exception_with_empty_message(fn: LambdaFunction) -> None:
    """An exception without a message logs ``[ERROR] <type>`` and an empty errorMessage."""
    r = fn.invoke({"kind": "empty"})
    assert r.payload["errorMessage"] == ""
    assert any(m.startswith("[ERROR] KeyError\n") for m in r.logs.messages)


def test_marshal_error(fn: LambdaFunction) -> None:
    """A result JSON cannot encode is Runtime.MarshalError after the handler ran."""
    r = fn.invoke({"kind": "set"})
    assert r.payload == {
        "errorMessage": "Unable to marshal response: Object of type set is not JSON "
                        "serializable",
        "errorType": "Runtime.MarshalError",
        "requestId": r.request_id,
        "stackTrace": [],
    }


def test_decimal_is_a_raw_number(fn: LambdaFunction) -> None:
    """Decimals are written as raw JSON numbers, keeping their digits."""
    r = fn.invoke({"kind": "decimal"})
    assert r.raw_payload == b'{"price": 19.990}'


def test_bytes_result_passes_through(fn: LambdaFunction) -> None:
    """A bytes result is returned unencoded."""
    assert fn.invoke({"kind": "bytes"}).raw_payload == b"\x00raw"


def test_ascii_escaping_follows_runtime(code: CodeWriter) -> None:
    """python3.12+ writes raw UTF-8; python3.11 escapes non-ASCII, like the runtimes."""
    root = code(app=APP)
    new = LambdaFunction("app.handler", code_dir=root, runtime="python3.12")
    old = LambdaFunction("app.handler", code_dir=root, runtime="python3.11")
    assert new.invoke({"kind": "unicode"}).raw_payload == '"h\u00e9"'.encode()
    assert old.invoke({"kind": "unicode"}).raw_payload == b'"h\\u00e9"'


@pytest.mark.parametrize(("runtime", "escaped"), [("python3.11", True), ("python3.12", False)])
def test_error_payload_and_record_escaping_follow_runtime(code: CodeWriter, runtime: str,
                                                          escaped: bool) -> None:
    """Error payloads and JSON error records escape non-ASCII below python3.12 only."""
    fn = LambdaFunction("app.handler", code_dir=code(app=APP), runtime=runtime,
                        log_format="JSON")
    r = fn.invoke({"kind": "unicode-error"})
    text = "na\\u00efve" if escaped else "na\u00efve"
    assert f'"errorMessage": "{text}"'.encode() in r.raw_payload
    [record] = [m for m in r.logs.messages if '"level": "ERROR"' in m]
    assert record.startswith('{"timestamp": "') and not record.endswith("\n")
    assert f'"errorMessage": "{text}"' in record


@pytest.mark.parametrize(("kind", "message", "logged"), [
    ("exit0", "Error: Runtime exited without providing a reason", None),
    ("exit2", "Error: Runtime exited with error: exit status 2", None),
    ("exitmsg", "Error: Runtime exited with error: exit status 1", "fatal config\n"),
])
def test_sys_exit_is_runtime_exit_error(fn: LambdaFunction, kind: str, message: str,
                                        logged: str | None) -> None:
    """``sys.exit`` ends the environment with Runtime.ExitError and does not end pytest."""
    r = fn.invoke({"kind": kind})
    assert r.payload == {"errorType": "Runtime.ExitError",
                         "errorMessage": f"RequestId: {r.request_id} {message}"}
    assert r.report is not None
    assert (r.report.status, r.report.error_type) == ("error", "Runtime.ExitError")
    assert r.logs.messages[-1].endswith("\tStatus: error\tError Type: Runtime.ExitError\n")
    if logged:
        assert logged in r.logs.messages
    assert fn.invoke({}).cold_start is True


def test_invalid_json_payload_is_unmarshal_error(fn: LambdaFunction) -> None:
    """Raw bytes that are not JSON give Runtime.UnmarshalError with the runtime's message."""
    r = fn.invoke(b"not json")
    assert r.payload["errorType"] == "Runtime.UnmarshalError"
    assert r.payload["errorMessage"] == (
        "Unable to unmarshal input: Expecting value: line 1 column 1 (char 0)")


def test_non_serializable_event_is_refused_before_running(fn: LambdaFunction) -> None:
    """An event that is not JSON is a clear TypeError and the handler does not run."""
    with pytest.raises(TypeError, match=r"the event cannot be sent to Lambda: Object of type "
                                        r"set is not JSON serializable\. Lambda payloads are JSON"):
        fn.invoke({"s": {1}})
    assert fn.logs.messages == []


def test_request_too_large(fn: LambdaFunction) -> None:
    """A payload over 6 MB is refused with Lambda's wording and wire error code."""
    with pytest.raises(RequestTooLargeException) as caught:
        fn.invoke({"blob": "x" * 6_291_456})
    assert str(caught.value) == ("Request must be smaller than 6291456 bytes for the "
                                 "InvokeFunction operation")  # exactly Lambda's message
    assert caught.value.__notes__ == ["This RequestResponse payload is 6291468 bytes: send a "
                                      "smaller event, or a reference to the data (an S3 key) "
                                      "instead of the data."]
    assert caught.value.code == "RequestEntityTooLargeException"


def test_response_too_large(code: CodeWriter) -> None:
    """A response over the sync limit is Function.ResponseSizeTooLarge."""
    root = code(big="def handler(e, c):\n    return 'x' * 6_300_000\n")
    r = LambdaFunction("big.handler", code_dir=root).invoke({})
    assert r.payload == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": "Response payload size (6300002 bytes) exceeded maximum allowed payload "
                        "size (6291556 bytes).",
    }
    # What the client logs when the Runtime API refuses the response (differential case
    # py-response-too-large).
    [line] = r.logs.filter("LAMBDA_RUNTIME")
    assert re.fullmatch(r"\[ERROR\] \[\d{13}\] LAMBDA_RUNTIME Failed to post handler success "
                        r"response\. Http response code: 413\. \{\"errorMessage\":\"Exceeded "
                        r"maximum allowed payload size \(6291556 bytes\)\.\",\"errorType\":"
                        r"\"RequestEntityTooLarge\"\}\n", line.message)


def test_seeded_request_ids_are_reproducible(code: CodeWriter) -> None:
    """Two functions with the same seed produce the same request ids."""
    root = code(app=APP)
    a = LambdaFunction("app.handler", code_dir=root, seed=7)
    b = LambdaFunction("app.handler", code_dir=root, seed=7)
    assert [a.invoke({}).request_id for _ in range(2)] == [b.invoke({}).request_id
                                                           for _ in range(2)]


def test_log_result_is_tail_of_log(fn: LambdaFunction) -> None:
    """``log_result`` is base64 of the invocation's log, as LogType=Tail returns it."""
    import base64

    r = fn.invoke({})
    assert base64.b64decode(r.log_result).decode().startswith("START RequestId: ")


def test_raise_for_error_shows_log(fn: LambdaFunction) -> None:
    """``raise_for_error`` fails with the error object and the invocation's log."""
    r = fn.invoke({"kind": "raise"})
    with pytest.raises(AssertionError, match=r"(?s)failed: .*\"errorType\": \"ValueError\".*"
                                             r"--- log ---.*START RequestId"):
        r.raise_for_error()


def test_out_of_memory(code: CodeWriter) -> None:
    """Using more memory than configured ends the invocation with Runtime.OutOfMemory."""
    root = code(hog="def handler(e, c):\n    data = bytearray(200 * 1024 * 1024)\n"
                    "    return len(data)\n")
    r = LambdaFunction("hog.handler", code_dir=root, memory_size=128).invoke({})
    assert r.report is not None
    assert (r.report.status, r.report.error_type) == ("error", "Runtime.OutOfMemory")
    assert r.report.max_memory_used_mb == 128
    assert r.payload == {"errorType": "Runtime.ExitError",
                         "errorMessage": f"RequestId: {r.request_id} Error: Runtime exited with "
                                         "error: signal: killed"}
    ok = LambdaFunction("hog.handler", code_dir=root, memory_size=1024).invoke({})
    assert ok.report is not None and 200 < ok.report.max_memory_used_mb <= 1024


def test_max_memory_used_is_measured(code: CodeWriter) -> None:
    """Max Memory Used grows with what init and the handler touch, even after a thread's peak."""
    import threading

    def hog() -> None:
        block = bytearray(150 * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1

    worker = threading.Thread(target=hog)
    worker.start()
    worker.join()  # its peak now pins getrusage's figure for the whole process
    # A fresh mapping, touched page by page: memory the allocator could hand back from what
    # earlier tests freed (resident already, so not growth) cannot stand in for it.
    root = code(mem="import mmap\nB = mmap.mmap(-1, 60 * 1024 * 1024)\n"
                    "for i in range(0, len(B), 4096):\n"
                    "    B[i] = 1\ndef handler(e, c):\n    return 1\n",
                small="def handler(e, c):\n    return 1\n")
    big = LambdaFunction("mem.handler", code_dir=root, memory_size=512).invoke({})
    small = LambdaFunction("small.handler", code_dir=root).invoke({})
    assert big.report is not None and small.report is not None
    assert 95 <= big.report.max_memory_used_mb <= 140
    assert 40 <= small.report.max_memory_used_mb < 60


PATCHED_JSON = """
import decimal, functools, json

json.loads = functools.partial(json.loads, parse_float=decimal.Decimal)  # a DynamoDB idiom

def handler(event, context):
    return type(event["price"]).__name__
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_the_event_is_decoded_by_the_runtimes_decoder(code: CodeWriter, isolation: str) -> None:
    """awslambdaric decodes the event with simplejson: a function that patches the standard
    ``json.loads`` at Init gets floats all the same (it got Decimals); a malformed payload is
    worded by that decoder."""
    import json

    loads = json.loads
    try:
        with LambdaFunction("app.handler", code_dir=code(app=PATCHED_JSON),
                            isolation=isolation) as fn:
            assert fn.invoke({"price": 1.5}).payload == "float"
            bad = fn.invoke(b'{"price": 1')
    finally:
        json.loads = loads  # in-process the standard module is the test's too
    assert bad.payload["errorMessage"] == (
        "Unable to unmarshal input: Expecting ',' delimiter or '}': line 1 column 12 (char 11)")


LONE_SURROGATE = """
def handler(event, context):
    return {"name": "hi " + chr(0xD83D)}  # a lone surrogate
"""


def test_a_lone_surrogate_in_a_raw_utf8_response_ends_the_runtime(code: CodeWriter) -> None:
    """python3.12+ writes non-ASCII raw: the encoder accepts a lone surrogate, and encoding
    the body when it is posted (after the runtime's try) fails: its process ends (it was a
    Runtime.MarshalError, with the environment kept warm)."""
    with LambdaFunction("app.handler", code_dir=code(app=LONE_SURROGATE),
                        runtime="python3.12") as fn:
        r = fn.invoke({})
        assert r.error is not None and r.error["errorType"] == "Runtime.ExitError"
        assert r.error["errorMessage"].endswith("Runtime exited with error: exit status 1")
        assert any(m.startswith("UnicodeEncodeError: 'utf-8' codec can't encode character")
                   for m in r.logs.messages)
        assert fn.invoke({}).cold_start
