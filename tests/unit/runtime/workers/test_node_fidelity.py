"""Node.js output byte for byte as the runtime interface clients write it (3.x and 4.x).

The differential tier (tests/differential) compares against the real clients when they are
installed; these tests pin the same formats with only ``node`` on the machine.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_lambda import LambdaFunction

pytestmark = pytest.mark.skipif(shutil.which("node") is None,
                                reason="Node.js (`node`) is not installed on this machine")

SOURCE = """
function validate(event) {
  throw new Error('the order id is missing');
}
exports.syncThrow = function (event, context) {
  return validate(event);
};
exports.asyncThrow = async (event, context) => {
  await null;
  throw new TypeError('late');
};
exports.logs = async (event, context) => {
  console.log('one');
  console.error(new Error('logged'));
  return 'ok';
};
exports.callbackStyle = function (event, context, callback) {
  callback(null, 1);
};
"""
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@pytest.fixture
def fn_for(tmp_path: Path) -> Iterator[Any]:
    """Build a function over ``SOURCE`` (or other files); closed after the test."""
    made: list[LambdaFunction] = []

    def make(handler: str, runtime: str, files: dict[str, str] | None = None,
             **kwargs: Any) -> LambdaFunction:
        root = tmp_path / f"task{len(made)}"
        root.mkdir()
        for name, text in (files or {"index.js": SOURCE}).items():
            (root / name).write_text(text)
        fn = LambdaFunction(handler, code_dir=root, runtime=runtime, **kwargs)
        made.append(fn)
        return fn

    yield make
    for fn in made:
        fn.close()


@pytest.mark.parametrize(("runtime", "bottom"), [
    ("nodejs22.x", ["    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:"]),
    ("nodejs24.x", ["    at BufferedInvokeProcessor.processInvoke (file:///var/runtime/index.mjs:",
                    "    at file:///var/runtime/index.mjs:",
                    "    at InvokeStoreSingle.run (file:///var/runtime/index.mjs:",
                    "    at _Runtime.runWithInvokeContext (file:///var/runtime/index.mjs:",
                    "    at async _Runtime.processSingleConcurrent (file:///var/runtime/index.mjs:",
                    "    at async _Runtime.start (file:///var/runtime/index.mjs:",
                    "    at async ignition (file:///var/runtime/index.mjs:"]),
])
def test_trace_is_user_frames_then_the_runtimes(fn_for: Any, runtime: str,
                                                 bottom: list[str]) -> None:
    """A thrown error's trace is the user's frames, then the real runtime's, never the worker's."""
    r = fn_for("index.syncThrow", runtime).invoke({})
    trace = r.payload["trace"]
    assert trace[0] == "Error: the order id is missing"
    assert trace[1].startswith("    at validate (") and trace[1].endswith("/index.js:3:9)")
    assert len(trace) == 3 + len(bottom)
    for line, start in zip(trace[3:], bottom, strict=True):
        assert line.startswith(start) and re.search(r":\d+:\d+\)?$", line)
    assert not any("worker.js" in line or "runtime3" in line or "runtime4" in line
                   for line in trace)


@pytest.mark.parametrize("runtime", ["nodejs22.x", "nodejs24.x"])
def test_error_payload_is_compact_json(fn_for: Any, runtime: str) -> None:
    """The error payload is the runtime's JSON.stringify output: no spaces after separators."""
    r = fn_for("index.asyncThrow", runtime).invoke({})
    assert r.raw_payload.startswith(b'{"errorType":"TypeError","errorMessage":"late","trace":[')
    assert json.loads(r.raw_payload) == r.payload == r.error


@pytest.mark.parametrize(("runtime", "init_id"), [("nodejs22.x", None), ("nodejs24.x", "-")])
def test_json_records_and_invoke_error_object(fn_for: Any, runtime: str,
                                              init_id: str | None) -> None:
    """JSON records have no trailing newline; the function error is logged as an error object."""
    fn = fn_for("index.logs", runtime, log_format="JSON")
    r = fn.invoke({})
    records = [m for m in r.logs.messages if m.startswith('{"timestamp"')]
    assert all(not m.endswith("\n") for m in records)
    one, logged = (json.loads(m) for m in records)
    assert list(one) == ["timestamp", "level", "requestId", "message"]
    assert (one["requestId"], one["message"]) == (r.request_id, "one")
    assert logged["message"]["errorType"] == "Error"
    assert logged["message"]["stackTrace"][0] == "Error: logged"
    failing = fn_for("index.asyncThrow", runtime, log_format="JSON").invoke({})
    error = json.loads(next(m for m in failing.logs.messages if '"level":"ERROR"' in m))
    assert error["message"] == {"errorType": "TypeError", "errorMessage": "late",
                                "stackTrace": failing.payload["trace"]}


def test_node24_init_error_is_logged_as_init_error_then_node_crashes(fn_for: Any) -> None:
    """nodejs24.x logs ``Init Error`` with request id ``-``, then Node's crash report."""
    r = fn_for("index.handler", "nodejs24.x", {"index.js": "exports.other = 1;\n"}).invoke({})
    assert r.raw_payload.startswith(
        b'{"errorType":"Runtime.HandlerNotFound","errorMessage":"index.handler is undefined '
        b'or not exported","trace":["Runtime.HandlerNotFound: index.handler is undefined or '
        b'not exported","    at resolveHandler (file:///var/runtime/index.mjs:')
    messages = [*r.init_logs.messages, *r.logs.messages]
    record = next(m for m in messages if "\tInit Error \t" in m)
    assert re.fullmatch(STAMP + r"\t-\tERROR\tInit Error \t\{.*\}\n", record)
    logged = json.loads(record.split("\t", 4)[4])
    assert list(logged) == ["errorType", "errorMessage", "name", "stack"]
    after = messages[messages.index(record) + 1:]
    assert re.fullmatch(r"node:internal/process/promises:\d+\n", after[0])
    assert after[1:4] == ["    triggerUncaughtException(err, true /* fromPromise */);\n",
                          "    ^\n", "\n"]
    assert after[4] == "Runtime.HandlerNotFound: index.handler is undefined or not exported\n"
    assert re.fullmatch(r"Node\.js v\d+\.\d+\.\d+\n", after[after.index("\n", 5) + 1])


def test_node24_callback_handler_fails_init(fn_for: Any) -> None:
    """nodejs24.x refuses a 3-parameter handler at init with the runtime's error and frames."""
    r = fn_for("index.callbackStyle", "nodejs24.x").invoke({})
    assert r.payload["errorType"] == "Runtime.CallbackHandlerDeprecated"
    assert r.payload["trace"][1:] == [
        line for line in r.payload["trace"][1:] if line.startswith("    at ")]
    assert [line.split(" (")[0] for line in r.payload["trace"][-2:]] == [
        "    at createRuntime", "    at async ignition"]
    assert r.payload["trace"][-3].startswith("    at errorOnDeprecatedCallback (")


def test_node24_missing_module_require_stack(fn_for: Any) -> None:
    """nodejs24.x imports the handler module, so the require stack is the user's file only."""
    files = {"index.js": "require('not-installed-anywhere');\nexports.handler = async () => 1;\n"}
    r = fn_for("index.handler", "nodejs24.x", files).invoke({})
    assert r.payload["errorType"] == "Runtime.ImportModuleError"
    message = r.payload["errorMessage"]
    assert message.startswith("Error: Cannot find module 'not-installed-anywhere'\n")
    assert message.endswith("/index.js") and "/var/runtime/index.mjs" not in message
