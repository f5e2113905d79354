"""Node.js handlers in a long-lived node worker, with the Node.js runtime's semantics."""

from __future__ import annotations

import json
import os
import re
import shutil
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_lambda import LambdaFunction

pytestmark = pytest.mark.skipif(shutil.which("node") is None,
                                reason="Node.js (`node`) is not installed on this machine")

MakeFn = Callable[..., LambdaFunction]
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"

HANDLERS = """
let count = 0;
exports.callback = (event, context, callback) => {
  count += 1;
  callback(null, { count, echo: event });
};
exports.asyncValue = async (event) => ({ doubled: event.n * 2 });
exports.bootstrapFlags = async () => ({
  gc: typeof global.gc, maxHeaderSize: require('http').maxHeaderSize });
exports.syncThrow = (event, context, callback) => { throw new TypeError('bad input'); };
exports.callbackString = (event, context, callback) => callback('boom');
exports.firstWins = (event, context, callback) => {
  context.succeed('first');
  callback(new Error('ignored'));
  context.fail('ignored too');
};
exports.failEmpty = (event, context) => context.fail();
exports.doneNow = (event, context, callback) => {
  setTimeout(() => console.log('late timer'), 300);
  context.done(null, 'done');
};
exports.waits = (event, context, callback) => {
  setTimeout(() => console.log('drained'), 100);
  callback(null, 'after drain');
};
exports.noWait = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => console.log('frozen timer ran'), 100);
  callback(null, 'now');
};
exports.plain = (event, context) => { setTimeout(() => {}, 20); };
exports.neverSettles = async () => new Promise(() => {});
exports.plainNeverSettles = () => new Promise(() => {});
exports.asyncCallbackLater = async (event, context, callback) => {
  setTimeout(() => callback(null, 'too late'), 10);
};
exports.rejectNumber = async () => { throw 42; };
exports.circular = async () => { const o = {}; o.self = o; return o; };
exports.circularCallback = (event, context, callback) => {
  const o = {}; o.self = o; callback(null, o);
};
exports.unhandled = (event, context, callback) => {
  Promise.reject(new Error('nobody listens'));
  setTimeout(() => callback(null, 'unreached'), 50);
};
exports.context = (event, context, callback) => callback(null, {
  keys: Object.keys(context),
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  identity: context.identity === undefined ? 'undefined' : context.identity,
  clientContext: context.clientContext === undefined ? 'undefined' : context.clientContext,
  remaining: context.getRemainingTimeInMillis(),
  waits: context.callbackWaitsForEmptyEventLoop,
  env: {
    name: process.env.AWS_LAMBDA_FUNCTION_NAME,
    execution: process.env.AWS_EXECUTION_ENV,
    trace: process.env._X_AMZN_TRACE_ID,
    root: process.env.LAMBDA_TASK_ROOT,
  },
  cwd: process.cwd(),
  argv1: process.argv[1],
});
exports.logs = async () => {
  console.log('two\\nlines');
  console.info('info %d', 5);
  console.warn('warn');
  console.error('error', new Error('inside'));
  console.debug('debug');
  console.trace('trace');
  process.stdout.write('raw one\\nraw two\\n');
  return 'logged';
};
exports.spin = () => { for (;;) {} };
exports.exit = (event) => process.exit(event.code);
exports.signal = () => process.kill(process.pid, 'SIGSEGV');
exports.pid = async () => process.pid;
exports.hog = () => { const big = Buffer.alloc(400 * 1024 * 1024, 1); return big.length; };
exports.nested = { deeper: { fn: async () => 'nested' } };
exports.notAFunction = 42;
"""

AWAIT_HANDLERS = """
exports.value = async (event, context) => ({
  succeed: typeof context.succeed,
  waits: typeof context.callbackWaitsForEmptyEventLoop,
  name: context.functionName,
});
exports.plain = (event) => 'plain';
exports.throws = async () => { throw new RangeError('out of range'); };
exports.circular = async () => { const o = {}; o.self = o; return o; };
exports.neverSettles = async () => new Promise(() => {});
exports.callback = (event, context, callback) => callback(null, 1);
"""


@pytest.fixture
def node_dir(tmp_path: Path) -> Callable[..., Path]:
    """Write JavaScript files (relative path → source) into a fresh code directory."""
    root = tmp_path / "task"
    root.mkdir()

    def write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return root

    return write


@pytest.fixture
def make_fn(node_dir: Callable[..., Path]) -> Iterator[MakeFn]:
    """Build Node.js functions over written files; every one is closed after the test."""
    made: list[LambdaFunction] = []

    def make(handler: str, files: dict[str, str] | None = None, **kwargs: Any) -> LambdaFunction:
        root = node_dir(files or {"index.js": HANDLERS})
        kwargs.setdefault("runtime", "nodejs20.x")
        fn = LambdaFunction(handler, code_dir=root, **kwargs)
        made.append(fn)
        return fn

    yield make
    for fn in made:
        fn.close()


def _error_line(result: Any) -> str:
    return next(m for m in result.logs.messages if "\tERROR\tInvoke Error \t" in m)


def test_callback_result_and_warm_state(make_fn: MakeFn) -> None:
    """``callback(null, result)`` answers with the result; module state survives warm starts."""
    fn = make_fn("index.callback")
    a, b = fn.invoke({"x": 1}), fn.invoke({"x": 2})
    assert (a.cold_start, b.cold_start) == (True, False)
    assert a.payload == {"count": 1, "echo": {"x": 1}}
    assert b.payload == {"count": 2, "echo": {"x": 2}}
    assert a.logs.messages[0].startswith(f"START RequestId: {a.request_id} Version: $LATEST")
    assert a.logs.messages[-1].startswith(f"REPORT RequestId: {a.request_id}\tDuration: ")
    assert a.init_logs.filter("\tundefined\tWARN\tAWS Lambda plans to remove support for "
                              "callback-based function handlers starting with Node.js 24.")


def test_a_function_on_another_node_version_is_noted(make_fn: MakeFn) -> None:
    """A function whose runtime is another major Node.js version than the worker's `node` says
    so in its notes (and the session summary), as a Python function on another Python does."""
    import subprocess

    from pytest_lambda.runtime.workers.node import node_executable

    running = subprocess.run([node_executable(), "--version"], capture_output=True, text=True,
                             check=True).stdout.strip()
    major = int(running.removeprefix("v").split(".")[0])
    other = 22 if major != 22 else 24
    from pytest_lambda.errors import InvalidParameterValueException

    try:
        same = make_fn("index.asyncValue", runtime=f"nodejs{major}.x")
    except (InvalidParameterValueException, ValueError):
        pass  # this machine's Node.js is no runtime Lambda still creates functions on
    else:
        assert same.invoke({"n": 1}).ok and same.notes == ()
    fn = make_fn("index.asyncValue", runtime=f"nodejs{other}.x")
    assert fn.invoke({"n": 1}).ok
    assert fn.notes == (f"nodejs{other}.x functions ran on Node.js {running}, so Node.js "
                        f"{other} behaviour was not tested; point PYTEST_LAMBDA_NODE at a "
                        f"Node.js {other} binary to use it",)


def test_async_handler_return_value(make_fn: MakeFn) -> None:
    """An async handler's resolved value is the response."""
    assert make_fn("index.asyncValue").invoke({"n": 21}).payload == {"doubled": 42}


def test_node_starts_with_the_runtime_bootstraps_flags(make_fn: MakeFn) -> None:
    """``--expose-gc`` and ``--max-http-header-size 81920``, as the Node.js runtime's
    bootstrap starts node: ``global.gc()`` works and 80 KB of headers are accepted."""
    assert make_fn("index.bootstrapFlags").invoke({}).payload == {
        "gc": "function", "maxHeaderSize": 81920}


def test_sync_throw_is_an_invocation_error(make_fn: MakeFn) -> None:
    """A synchronous throw gives Node's error payload and the ``Invoke Error`` log line."""
    r = make_fn("index.syncThrow").invoke({})
    assert r.function_error == "Unhandled"
    assert list(r.payload) == ["errorType", "errorMessage", "trace"]
    assert r.payload["errorType"] == "TypeError"
    assert r.payload["errorMessage"] == "bad input"
    assert r.payload["trace"][0] == "TypeError: bad input"
    # The runtime calls the handler as its own method, as on Lambda: `[as handler]`.
    assert r.payload["trace"][1].startswith("    at exports.syncThrow [as handler] (")
    assert r.payload["trace"][-1].startswith(
        "    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:")
    line = _error_line(r)
    assert re.fullmatch(STAMP + f"\t{r.request_id}\tERROR\tInvoke Error \t.*\n", line)
    logged = json.loads(line.split("\t", 4)[4])
    assert logged["errorType"] == "TypeError" and logged["stack"][0] == "TypeError: bad input"
    assert r.report is not None and r.report.error_type == "TypeError"


def test_callback_with_a_string_error(make_fn: MakeFn) -> None:
    """A non-Error value is reported as ``typeof``/``String()``; the log wraps it in an Error."""
    r = make_fn("index.callbackString").invoke({})
    assert r.payload == {"errorType": "string", "errorMessage": "boom", "trace": []}
    logged = json.loads(_error_line(r).split("\t", 4)[4])
    assert (logged["errorType"], logged["errorMessage"]) == ("Error", "boom")


def test_first_completion_call_wins(make_fn: MakeFn) -> None:
    """``succeed``, ``fail``, ``done`` and the callback share one first-call-wins latch."""
    r = make_fn("index.firstWins").invoke({})
    assert r.ok and r.payload == "first"


def test_context_fail_without_argument(make_fn: MakeFn) -> None:
    """``context.fail()`` reports the string ``'handled'``."""
    r = make_fn("index.failEmpty").invoke({})
    assert r.payload == {"errorType": "string", "errorMessage": "handled", "trace": []}


def test_context_done_does_not_wait_for_the_event_loop(make_fn: MakeFn) -> None:
    """``context.done`` answers at once, leaving a pending timer for a later invocation."""
    fn = make_fn("index.doneNow")
    r = fn.invoke({})
    assert r.payload == "done"
    assert r.report is not None and r.report.duration_ms < 250
    assert not r.logs.filter("late timer")


def test_callback_waits_for_an_empty_event_loop(make_fn: MakeFn) -> None:
    """By default the callback's response is sent once pending timers have run."""
    r = make_fn("index.waits").invoke({})
    assert r.payload == "after drain"
    assert r.report is not None and r.report.duration_ms >= 95
    messages = r.logs.messages
    drained = next(i for i, m in enumerate(messages) if m.endswith("\tINFO\tdrained\n"))
    assert drained < len(messages) - 2  # before END and REPORT


def test_no_wait_freezes_pending_work_until_the_next_invocation(make_fn: MakeFn) -> None:
    """With ``callbackWaitsForEmptyEventLoop = false`` a pending timer runs in the next call."""
    fn = make_fn("index.noWait")
    first = fn.invoke({})
    assert first.payload == "now" and not first.logs.filter("frozen timer ran")
    time.sleep(0.15)  # the environment is frozen: the timer cannot fire in between
    second = fn.invoke({})
    # It fires as the environment thaws, before the new event is read: as on Lambda, its
    # line still carries the previous request id, but lands in this invocation's window.
    late = second.logs.filter("frozen timer ran")
    assert len(late) == 1 and f"\t{first.request_id}\tINFO\t" in late[0].message


def test_callback_never_called_is_a_null_success(make_fn: MakeFn) -> None:
    """A non-async handler that never calls back succeeds with ``null`` once the loop drains."""
    r = make_fn("index.plain").invoke({})
    assert r.ok and r.raw_payload == b"null"


def test_non_async_never_settling_promise_is_a_null_success(make_fn: MakeFn) -> None:
    """A non-async function's never-settling promise still yields ``null``."""
    r = make_fn("index.plainNeverSettles").invoke({})
    assert r.ok and r.raw_payload == b"null"


@pytest.mark.parametrize("runtime", ["nodejs20.x", "nodejs24.x"])
def test_async_never_settling_promise_is_node_js_exit(make_fn: MakeFn, runtime: str) -> None:
    """An async handler whose promise never settles fails with ``Runtime.NodeJsExit``."""
    files = {"index.js": HANDLERS if runtime == "nodejs20.x" else AWAIT_HANDLERS}
    r = make_fn("index.neverSettles", files, runtime=runtime).invoke({})
    assert r.payload["errorType"] == "Runtime.NodeJsExit"
    assert r.payload["errorMessage"] == (
        "The Lambda runtime client detected an unexpected Node.js exit code. This is most "
        "commonly caused by a Promise that was never settled. For more information, see "
        "https://nodejs.org/docs/latest/api/process.html#exit-codes")


def test_async_handler_calling_back_later_succeeds_with_null(make_fn: MakeFn) -> None:
    """The returned promise resolves first, so a later callback is ignored."""
    r = make_fn("index.asyncCallbackLater").invoke({})
    assert r.ok and r.raw_payload == b"null"


def test_rejection_with_a_non_error_value(make_fn: MakeFn) -> None:
    """A rejected promise with a number reports ``typeof`` and ``String()``."""
    r = make_fn("index.rejectNumber").invoke({})
    assert r.payload == {"errorType": "number", "errorMessage": "42", "trace": []}


def test_unserialisable_result_from_a_promise(make_fn: MakeFn) -> None:
    """A circular result fails with ``Unable to stringify response body``; the env survives."""
    fn = make_fn("index.circular")
    r = fn.invoke({})
    assert r.payload["errorType"] == "Error"
    assert r.payload["errorMessage"] == "Unable to stringify response body"
    assert fn.invoke({}).cold_start is False


def test_unserialisable_callback_result_is_an_uncaught_exception(make_fn: MakeFn) -> None:
    """Through the callback the failure surfaces as an uncaught exception and ends the runtime."""
    fn = make_fn("index.circularCallback")
    r = fn.invoke({})
    assert r.payload["errorMessage"] == "Unable to stringify response body"
    assert r.logs.filter("\tERROR\tUncaught Exception \t{")
    assert fn.invoke({}).cold_start is True


def test_unhandled_rejection_fails_the_invocation(make_fn: MakeFn) -> None:
    """An unhandled rejection is posted as ``Runtime.UnhandledPromiseRejection``; env reset."""
    fn = make_fn("index.unhandled")
    r = fn.invoke({})
    assert r.payload["errorType"] == "Runtime.UnhandledPromiseRejection"
    assert r.payload["errorMessage"] == "Error: nobody listens"
    assert r.logs.filter("\tERROR\tUnhandled Promise Rejection \t{")
    assert fn.invoke({}).cold_start is True


def test_invalid_json_event(make_fn: MakeFn) -> None:
    """A payload that is not JSON fails inside the runtime's try block with a SyntaxError."""
    r = make_fn("index.callback").invoke(b"not json")
    assert r.payload["errorType"] == "SyntaxError"


def test_context_properties(make_fn: MakeFn) -> None:
    """The context has Node's property names; memory is a string; identity absent by default."""
    fn = make_fn("index.context", name="orders", memory_size=256, timeout=5)
    r = fn.invoke({})
    p = r.payload
    assert p["keys"] == ["callbackWaitsForEmptyEventLoop", "succeed", "fail", "done",
                         "functionVersion", "functionName", "memoryLimitInMB", "logGroupName",
                         "logStreamName", "clientContext", "identity", "invokedFunctionArn",
                         "awsRequestId", "tenantId", "getRemainingTimeInMillis"]
    assert p["functionName"] == "orders" and p["functionVersion"] == "$LATEST"
    assert p["invokedFunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:orders"
    assert p["memoryLimitInMB"] == "256"
    assert p["awsRequestId"] == r.request_id
    assert p["logGroupName"] == "/aws/lambda/orders"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", p["logStreamName"])
    assert p["identity"] == p["clientContext"] == "undefined"
    assert 4000 < p["remaining"] <= 5000 and p["waits"] is True
    assert p["env"]["name"] == "orders" and p["env"]["execution"] == "AWS_Lambda_nodejs20.x"
    assert p["env"]["trace"].startswith("Root=1-")
    assert p["cwd"] == p["env"]["root"] == str(fn.config.code_dir)
    assert p["argv1"] == "/var/runtime/index.mjs"


def test_context_identity_and_client_context(make_fn: MakeFn) -> None:
    """Cognito identity and client context arrive as parsed JSON objects."""
    r = make_fn("index.context").invoke(
        {}, identity={"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool"},
        client_context={"custom": {"k": "v"}})
    assert r.payload["identity"] == {"cognitoIdentityId": "id-1",
                                     "cognitoIdentityPoolId": "pool"}
    assert r.payload["clientContext"] == {"custom": {"k": "v"}}


def test_console_text_format(make_fn: MakeFn) -> None:
    """Console methods log ``<time>\\t<id>\\t<LEVEL>\\t<message>``; one record is one event."""
    r = make_fn("index.logs").invoke({})
    rid = r.request_id
    app = [m for m in r.logs.messages if not m.startswith(("START", "END", "REPORT"))]
    expected = [("INFO", "two\nlines"), ("INFO", "info 5"), ("WARN", "warn"),
                ("ERROR", "error Error: inside\n    at ")]
    for message, (level, text) in zip(app, expected, strict=False):
        assert re.match(STAMP + f"\t{rid}\t{level}\t", message), message
        assert message.split("\t", 3)[3].startswith(text)
    assert any(m.endswith(f"\t{rid}\tDEBUG\tdebug\n") for m in app)
    assert any(m.endswith(f"\t{rid}\tTRACE\ttrace\n") for m in app)
    assert app[-2:] == ["raw one\n", "raw two\n"]


def test_console_json_format_and_level_filter(make_fn: MakeFn) -> None:
    """JSON log format writes one object per record and honours the application log level."""
    r = make_fn("index.logs", log_format="JSON", log_level="WARN").invoke({})
    records = [json.loads(m) for m in r.logs.messages if m.startswith('{"timestamp"')]
    assert [x["level"] for x in records] == ["WARN", "ERROR"]
    assert records[0] == {"timestamp": records[0]["timestamp"], "level": "WARN",
                          "requestId": r.request_id, "message": "warn"}
    assert re.fullmatch(STAMP, records[0]["timestamp"])
    assert records[1]["errorType"] == "Error" and records[1]["errorMessage"] == "inside"
    assert records[1]["stackTrace"][0] == "Error: inside"


def test_timeout_kills_the_worker(make_fn: MakeFn) -> None:
    """A handler stuck in a loop is killed at the deadline; the next call is a cold start."""
    fn = make_fn("index.spin", timeout=1)
    started = time.perf_counter()
    r = fn.invoke({})
    assert time.perf_counter() - started < 2.5
    assert r.payload == {"errorType": "Sandbox.Timedout",
                         "errorMessage": f"RequestId: {r.request_id} Error: Task timed out "
                                         "after 1.00 seconds"}
    assert r.timed_out and r.logs.messages[-1].endswith("\tStatus: timeout\n")
    fn.config = fn.config.with_changes(handler="index.callback")
    assert fn.invoke({}).cold_start is True


@pytest.mark.parametrize(("code", "reason"), [
    (3, "Runtime exited with error: exit status 3"),
    (0, "Runtime exited without providing a reason"),
])
def test_process_exit_is_runtime_exit_error(make_fn: MakeFn, code: int, reason: str) -> None:
    """``process.exit`` inside the handler ends the runtime: ``Runtime.ExitError``."""
    r = make_fn("index.exit").invoke({"code": code})
    assert r.payload == {"errorType": "Runtime.ExitError",
                         "errorMessage": f"RequestId: {r.request_id} Error: {reason}"}
    assert r.report is not None and r.report.error_type == "Runtime.ExitError"


def test_fatal_signal_is_runtime_exit_error(make_fn: MakeFn) -> None:
    """A worker killed by a signal reports the signal's name."""
    r = make_fn("index.signal").invoke({})
    assert r.payload["errorMessage"] == (f"RequestId: {r.request_id} Error: Runtime exited "
                                         "with error: signal: segmentation fault")


def test_exit_at_module_load_is_an_init_error(make_fn: MakeFn) -> None:
    """``process.exit`` while loading fails init with ``Runtime.ExitError``."""
    r = make_fn("app.handler", {"app.js": "process.exit(2);\n"}).invoke({})
    assert r.payload == {"errorType": "Runtime.ExitError",
                         "errorMessage": "Error: Runtime exited with error: exit status 2"}


def test_close_ends_the_worker_process(make_fn: MakeFn) -> None:
    """Discarding the environment kills its (frozen) node worker."""
    fn = make_fn("index.pid")
    pid = fn.invoke({}).payload
    os.kill(pid, 0)  # alive (and frozen) between invocations
    fn.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_memory_limit_kills_the_worker(make_fn: MakeFn) -> None:
    """Going over the memory size on the real RSS is ``Runtime.OutOfMemory``."""
    r = make_fn("index.hog").invoke({})
    assert r.payload["errorType"] == "Runtime.ExitError"
    assert r.payload["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    assert r.report is not None and r.report.error_type == "Runtime.OutOfMemory"
    assert r.report.max_memory_used_mb == 128


def test_max_memory_used_is_the_node_process_rss(make_fn: MakeFn) -> None:
    """Max Memory Used is the worker's real peak RSS, a few tens of MB for node."""
    r = make_fn("index.asyncValue").invoke({"n": 1})
    assert r.report is not None and 20 < r.report.max_memory_used_mb < 128


def _init_error(make_fn: MakeFn, handler: str, files: dict[str, str]) -> Any:
    r = make_fn(handler, files).invoke({})
    assert r.function_error == "Unhandled"
    assert list(r.payload) == ["errorType", "errorMessage", "trace"]
    return r


def test_missing_module_is_import_module_error(make_fn: MakeFn) -> None:
    """A handler file that does not exist gives the runtime's require-stack message."""
    r = _init_error(make_fn, "missing.handler", {"index.js": HANDLERS})
    assert r.payload["errorType"] == "Runtime.ImportModuleError"
    assert r.payload["errorMessage"] == ("Error: Cannot find module 'missing'\nRequire stack:\n"
                                         "- /var/runtime/index.mjs")
    assert any("\tundefined\tERROR\tUncaught Exception \t{\"errorType\":"
               "\"Runtime.ImportModuleError\"" in m for m in r.init_logs.messages)
    reports = [*r.init_logs.filter("INIT_REPORT"), *r.logs.filter("INIT_REPORT")]
    assert [e.message.split("\t")[1:] for e in reports] == [
        ["Phase: init", "Status: error", "Error Type: Runtime.ImportModuleError\n"],
        ["Phase: invoke", "Status: error", "Error Type: Runtime.ImportModuleError\n"]]


def test_missing_dependency_is_import_module_error(make_fn: MakeFn) -> None:
    """A missing ``require`` inside the module is an import error naming the stack."""
    r = _init_error(make_fn, "app.handler", {"app.js": "require('left-pad');\n"})
    assert r.payload["errorType"] == "Runtime.ImportModuleError"
    assert r.payload["errorMessage"].startswith("Error: Cannot find module 'left-pad'\n")
    assert r.payload["errorMessage"].endswith("app.js\n- /var/runtime/index.mjs")


def test_syntax_error_is_user_code_syntax_error(make_fn: MakeFn) -> None:
    """A syntax error in the handler module is ``Runtime.UserCodeSyntaxError``."""
    r = _init_error(make_fn, "app.handler", {"app.js": "exports.handler = () => {\n"})
    assert r.payload["errorType"] == "Runtime.UserCodeSyntaxError"
    assert r.payload["errorMessage"].startswith("SyntaxError: ")


@pytest.mark.parametrize(("handler", "message"), [
    ("index.nope", "index.nope is undefined or not exported"),
    ("index.notAFunction", "index.notAFunction is not a function"),
])
def test_handler_not_found(make_fn: MakeFn, handler: str, message: str) -> None:
    """A missing or non-function export is ``Runtime.HandlerNotFound`` with Node's wording."""
    r = _init_error(make_fn, handler, {"index.js": HANDLERS})
    assert r.payload["errorType"] == "Runtime.HandlerNotFound"
    assert r.payload["errorMessage"] == message


@pytest.mark.parametrize(("handler", "message"), [
    ("index", "Bad handler"),
    ("../index.handler", "'../index.handler' is not a valid handler name. Use absolute paths "
                         "when specifying root directories in handler names."),
])
def test_malformed_handler_name(make_fn: MakeFn, handler: str, message: str) -> None:
    """Handler strings without a dot, or with ``..``, are ``Runtime.MalformedHandlerName``."""
    r = _init_error(make_fn, handler, {"index.js": HANDLERS})
    assert r.payload["errorType"] == "Runtime.MalformedHandlerName"
    assert r.payload["errorMessage"] == message


def test_exception_at_module_load(make_fn: MakeFn) -> None:
    """Any other error thrown while loading keeps its own type."""
    r = _init_error(make_fn, "app.handler", {"app.js": "throw new RangeError('at load');\n"})
    assert r.payload["errorType"] == "RangeError"
    assert r.payload["errorMessage"] == "at load"
    assert r.payload["trace"][0] == "RangeError: at load"


def test_nested_handler_paths(make_fn: MakeFn) -> None:
    """A directory part is the module root and the rest a nested property path."""
    files = {"src/handlers/api.js": "exports.handler = async () => 'api';\n",
             "index.js": HANDLERS}
    assert make_fn("src/handlers/api.handler", files).invoke({}).payload == "api"
    assert make_fn("index.nested.deeper.fn").invoke({}).payload == "nested"


@pytest.mark.parametrize(("files", "handler"), [
    ({"app.mjs": "export const handler = async (e) => ({ esm: e.v });\n"}, "app.handler"),
    ({"package.json": '{"type": "module"}',
      "app.js": "export const handler = async (e) => ({ esm: e.v });\n"}, "app.handler"),
    ({"app.cjs": "exports.handler = async (e) => ({ esm: e.v });\n"}, "app.handler"),
    ({"app.mjs": "export default { handler: async (e) => ({ esm: e.v }) };\n"}, "app.handler"),
])
def test_module_kinds(make_fn: MakeFn, files: dict[str, str], handler: str) -> None:
    """ESM (``.mjs``, ``.js`` under ``type: module``, default export) and ``.cjs`` load."""
    assert make_fn(handler, files).invoke({"v": 7}).payload == {"esm": 7}


def test_node24_await_semantics(make_fn: MakeFn) -> None:
    """nodejs24.x awaits the handler; the context has no callback members."""
    fn = make_fn("index.value", {"index.js": AWAIT_HANDLERS}, runtime="nodejs24.x",
                 name="n24")
    assert fn.invoke({}).payload == {"succeed": "undefined", "waits": "undefined",
                                     "name": "n24"}
    assert make_fn("index.plain", {"index.js": AWAIT_HANDLERS},
                   runtime="nodejs24.x").invoke({}).payload == "plain"
    r = make_fn("index.throws", {"index.js": AWAIT_HANDLERS}, runtime="nodejs24.x").invoke({})
    assert r.payload["errorType"] == "RangeError" and r.payload["trace"][0].startswith("Range")


def test_node24_unserialisable_result(make_fn: MakeFn) -> None:
    """nodejs24.x reports an unserialisable result as ``Runtime.JSONStringifyError``."""
    r = make_fn("index.circular", {"index.js": AWAIT_HANDLERS}, runtime="nodejs24.x").invoke({})
    assert r.payload["errorType"] == "Runtime.JSONStringifyError"
    assert r.payload["errorMessage"] == "Unable to stringify response body"


def test_node24_rejects_callback_handlers_at_init(make_fn: MakeFn) -> None:
    """A three-argument handler fails init on nodejs24.x with ``CallbackHandlerDeprecated``."""
    fn = make_fn("index.callback", {"index.js": AWAIT_HANDLERS}, runtime="nodejs24.x")
    r = fn.invoke({})
    assert list(r.payload) == ["errorType", "errorMessage", "trace"]
    assert r.payload["errorType"] == "Runtime.CallbackHandlerDeprecated"
    assert r.payload["errorMessage"].startswith(
        "ERROR: AWS Lambda has removed support for callback-based function handlers")


def test_max_memory_used_counts_the_runtime_footprint_lambda_reports(make_fn: MakeFn) -> None:
    """A no-op reports about what Lambda's Node.js runtime reports (67 MB), not the local
    node process's own size; memory the handler keeps still adds to it."""
    fn = make_fn("index.handler", {"index.js": """
        const kept = [];
        exports.handler = async (event) => {
          if (event.keep) kept.push(Buffer.alloc(event.keep * 1048576, 1));
          return "ok";
        };
    """}, memory_size=512)
    first = fn.invoke({})
    assert first.report is not None and 67 <= first.report.max_memory_used_mb <= 75
    grown = fn.invoke({"keep": 40})
    assert grown.report is not None
    assert grown.report.max_memory_used_mb >= first.report.max_memory_used_mb + 35


def test_layers_are_on_node_path_in_lambdas_order(make_fn: MakeFn, tmp_path: Path) -> None:
    """A layer's ``nodejs/node<major>/node_modules`` comes before its ``nodejs/node_modules``,
    and a later layer before an earlier one (its files replace the earlier's in /opt)."""
    def module(root: Path, where: str, text: str) -> Path:
        path = root / where / "greeter" / "index.js"
        path.parent.mkdir(parents=True)
        path.write_text(f"module.exports = () => {text!r};\n")
        return root

    first = module(tmp_path / "first", "nodejs/node_modules", "first")
    second = module(tmp_path / "second", "nodejs/node_modules", "second")
    versioned = module(tmp_path / "versioned", "nodejs/node20/node_modules", "versioned")
    (tmp_path / "built").mkdir()  # a SAM layer before `sam build`: node_modules at its root
    built = module(tmp_path / "built", "node_modules", "built")
    handler = {"index.js": "exports.handler = async () => require('greeter')();\n"}
    assert make_fn("index.handler", handler, layers=[first]).invoke({}).payload == "first"
    assert make_fn("index.handler", handler,
                   layers=[first, second]).invoke({}).payload == "second"
    assert make_fn("index.handler", handler,
                   layers=[versioned, second]).invoke({}).payload == "versioned"
    assert make_fn("index.handler", handler, layers=[built]).invoke({}).payload == "built"
    missing = make_fn("index.handler", handler).invoke({})
    assert missing.error is not None and "Cannot find module 'greeter'" in missing.error[
        "errorMessage"]


@pytest.mark.parametrize("runtime", ["nodejs22.x", "nodejs24.x"])
def test_response_streaming_fails_saying_it_is_not_emulated(make_fn: MakeFn,
                                                           runtime: str) -> None:
    """``awslambda.streamifyResponse`` exists in both runtime majors, as on Lambda; invoking a
    streaming handler fails with a message that names what is not emulated, not "awslambda is
    not defined", and with no frame of the worker; a buffered handler of the same module runs
    (the whole module failed its init)."""
    files = {"index.mjs": "export const streaming = awslambda.streamifyResponse("
                          "async (event, stream) => { stream.end(); });\n"
                          "export const handler = async () => 'buffered';\n"}
    assert make_fn("index.handler", files, runtime=runtime).invoke({}).payload == "buffered"
    result = make_fn("index.streaming", files, runtime=runtime).invoke({})
    assert result.error is not None
    assert result.error["errorMessage"].startswith(
        "awslambda.streamifyResponse is not emulated by pytest-aws-lambda: response streaming")
    assert "worker.js" not in "".join(result.error.get("trace", []))


def test_each_environment_has_its_own_tmp_kept_across_a_reset(tmp_path: Path) -> None:
    """``os.tmpdir()`` is the environment's own directory: a new environment starts empty, and
    after a reset (the runtime exited) the restarted runtime finds what was written before."""
    (tmp_path / "index.js").write_text(textwrap.dedent("""
        const fs = require('fs'); const os = require('os'); const path = require('path');
        const CACHE = path.join(os.tmpdir(), 'cache.bin');
        exports.handler = async (event) => {
          const found = fs.existsSync(CACHE) ? fs.readFileSync(CACHE, 'utf8') : null;
          if (event.write) { fs.writeFileSync(CACHE, 'partial'); process.exit(1); }
          return { found, tmp: os.tmpdir() };
        };
    """))
    with LambdaFunction("index.handler", code_dir=tmp_path, runtime="nodejs22.x") as fn:
        first = fn.invoke({}).payload
        assert first["found"] is None and first["tmp"] != os.environ.get("TMPDIR", "/tmp")
        assert fn.invoke({"write": True}).function_error == "Unhandled"
        again = fn.invoke({})
        assert again.cold_start and again.payload == {"found": "partial", "tmp": first["tmp"]}
        fn.cold_start()
        assert fn.invoke({}).payload["found"] is None
    assert not os.path.exists(first["tmp"])


def test_the_code_directory_is_read_only(tmp_path: Path) -> None:
    """Writes under the code directory fail with Node's EROFS error, as /var/task does on
    Lambda (sync, callback, promise and stream forms, ESM named imports too); /tmp and reads
    work."""
    (tmp_path / "index.mjs").write_text(textwrap.dedent("""
        import fs, { writeFileSync } from 'node:fs';
        import { writeFile } from 'node:fs/promises';
        import os from 'node:os';
        import path from 'node:path';
        import { fileURLToPath } from 'node:url';
        const here = path.dirname(fileURLToPath(import.meta.url));
        const attempt = async (f) => { try { await f(); return 'ok'; } catch (e) {
          return `${e.code} ${e.syscall} ${e.message}`; } };
        export const handler = async () => ({
          sync: await attempt(() => writeFileSync(path.join(here, 'x.txt'), 'x')),
          mkdir: await attempt(() => fs.mkdirSync(path.join(here, 'CacheFiles'))),
          promise: await attempt(() => writeFile(path.join(here, 'y.txt'), 'y')),
          callback: await attempt(() => new Promise((ok, no) =>
            fs.appendFile(path.join(here, 'a.txt'), 'a', (e) => (e ? no(e) : ok())))),
          stream: await attempt(() => new Promise((ok, no) => {
            const s = fs.createWriteStream(path.join(here, 'z.txt'));
            s.on('error', no); s.on('open', () => { s.end(); ok(); }); })),
          tmp: await attempt(() => fs.writeFileSync(path.join(os.tmpdir(), 't.txt'), 't')),
          read: await attempt(() => fs.readFileSync(path.join(here, 'index.mjs'))),
        });
    """))
    with LambdaFunction("index.handler", code_dir=tmp_path, runtime="nodejs22.x") as fn:
        out = fn.invoke({}).payload
    root = str(tmp_path)
    assert out["sync"] == f"EROFS open EROFS: read-only file system, open '{root}/x.txt'"
    assert out["mkdir"] == f"EROFS mkdir EROFS: read-only file system, mkdir '{root}/CacheFiles'"
    assert out["promise"].startswith("EROFS open") and out["callback"].startswith("EROFS open")
    assert out["stream"].startswith("EROFS open")
    assert (out["tmp"], out["read"]) == ("ok", "ok")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.mjs"]


LEFT_RUNNING = """
exports.handler = async (event, context) => {
  if (event.leave) {
    // Work left for later: it runs when the environment is thawed for the next invocation.
    // Due after the worker is frozen (right after it answers), so it runs at the thaw.
    setTimeout(() => { const end = Date.now() + 400; while (Date.now() < end) {} }, 150);
    return 'left';
  }
  return context.getRemainingTimeInMillis();
};
"""


def test_the_deadline_counts_from_the_invoke_not_from_when_the_worker_reads_it(
        make_fn: MakeFn) -> None:
    """The time a thawed worker spends before it reads the invocation (a callback the last
    one left running) is the invocation's, as on Lambda: the handler's remaining time and the
    timeout the test process enforces agree, so an answer the handler gives just before the
    deadline (middy's timeoutEarlyInMillis) is not killed as late."""
    fn = make_fn("index.handler", {"index.js": LEFT_RUNNING}, timeout=2)
    assert fn.invoke({"leave": True}).payload == "left"
    time.sleep(0.3)  # the callback is due by the next invocation
    remaining = fn.invoke({}).payload
    assert remaining <= 1650, remaining  # 2000 ms less the 400 ms the callback spun
