"""Captured logs: platform lines, print and logging output, text and JSON formats."""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.report import Report

if TYPE_CHECKING:
    from conftest import CodeWriter, Shortener  # the shared aliases of fixtures


APP = """
import logging, sys
logger = logging.getLogger()
logger.setLevel(logging.INFO)
print("init line")
def handler(event, context):
    print("first", "second")
    print("partial", end="")
    sys.stderr.write("to stderr\\n")
    logger.info("hello %s", "world")
    logger.debug("hidden")
    logging.getLogger("app.child").warning("multi\\nline")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("oops")
    logger.info({"structured": True})
    logger.info("with extra", extra={"order_id": 7})
    return "ok"
"""

TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def test_text_format_lines(code: CodeWriter) -> None:
    """Each print line and each logging record is one event in the runtime's text format."""
    fn = LambdaFunction("app.handler", code_dir=code(app=APP), name="logs")
    r = fn.invoke({})
    rid = r.request_id
    assert r.logs.messages[0] == f"START RequestId: {rid} Version: $LATEST\n"
    m = [*r.init_logs.messages, *r.logs.messages]
    assert re.fullmatch(r"INIT_START Runtime Version: python:3\.\d+\.v\d+\tRuntime Version ARN: "
                        r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}\n", m[0])
    assert m[1] == "init line\n"
    assert m[2] == f"START RequestId: {rid} Version: $LATEST\n"
    assert m[3] == "first second\n"
    assert m[4] == "to stderr\n"
    assert re.fullmatch(rf"\[INFO\]\t{TS}\t{rid}\thello world\n", m[5])
    assert re.fullmatch(rf"\[WARNING\]\t{TS}\t{rid}\tmulti\nline\n", m[6])
    assert re.fullmatch(rf"(?s)\[ERROR\]\t{TS}\t{rid}\toops\nTraceback \(most recent call last\)"
                        r":\n.*ZeroDivisionError: division by zero", m[7])
    assert "partial" in m  # flushed at the end of the invocation
    assert m[-2] == f"END RequestId: {rid}\n"
    assert re.fullmatch(
        rf"REPORT RequestId: {rid}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t\n", m[-1])


def test_logs_are_grouped_by_function_and_stream(code: CodeWriter) -> None:
    """Events live in /aws/lambda/<name>, one stream per environment, tagged by request."""
    fn = LambdaFunction("app.handler", code_dir=code(app=APP), name="logs")
    a = fn.invoke({})
    fn.cold_start()
    b = fn.invoke({})
    assert fn.log_group.name == "/aws/lambda/logs"
    assert len(fn.log_group.streams) == 2
    assert fn.logs.for_request(a.request_id).messages[0].startswith("START")
    assert len(fn.logs) == sum(len(r.init_logs) + len(r.logs) for r in (a, b))
    assert all(e.timestamp > 1_600_000_000_000 for e in fn.logs)


def test_json_format(code: CodeWriter) -> None:
    """``log_format="JSON"`` gives the runtime's JSON records and JSON platform events."""
    fn = LambdaFunction("app.handler", code_dir=code(app=APP), name="logs", log_format="JSON",
                        log_level="DEBUG")
    r = fn.invoke({})
    docs = [json.loads(m) for m in [*r.init_logs.messages, *r.logs.messages]
            if m.startswith("{")]
    types = [d.get("type") for d in docs if "type" in d]
    assert types == ["platform.initStart", "platform.start", "platform.report"]
    start = next(d for d in docs if d.get("type") == "platform.start")
    assert start["record"] == {"requestId": r.request_id, "version": "$LATEST"}
    assert re.fullmatch(TS, start["time"])
    report = next(d for d in docs if d.get("type") == "platform.report")
    assert report["record"]["status"] == "success"
    assert set(report["record"]["metrics"]) == {"durationMs", "billedDurationMs", "memorySizeMB",
                                                "maxMemoryUsedMB", "initDurationMs"}
    app = [d for d in docs if "level" in d]
    hello = next(d for d in app if d["message"] == "hello world")
    assert hello == {"timestamp": hello["timestamp"], "level": "INFO", "message": "hello world",
                     "logger": "root", "requestId": r.request_id}
    # awslambdaric's JsonFormatter stamps records to the second (datefmt "%Y-%m-%dT%H:%M:%SZ").
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", hello["timestamp"])
    oops = next(d for d in app if d["message"] == "oops")
    assert list(oops) == ["timestamp", "level", "message", "logger", "stackTrace", "errorType",
                          "errorMessage", "requestId", "location"]
    # logging.exception's stackTrace is traceback.format_tb: it keeps 3.11+ caret lines.
    assert any("~~^~~" in entry for entry in oops["stackTrace"])
    assert oops["errorType"] == "ZeroDivisionError"
    assert oops["errorMessage"] == "division by zero"
    assert oops["location"].endswith("app.py:handler:16")
    assert any(d["message"] == {"structured": True} for d in app)
    assert any(d.get("order_id") == 7 for d in app)
    assert not any(m.startswith("END ") for m in r.logs.messages)


FRAMED = """
import logging

class Framed(logging.Filter):
    def filter(self, record):
        # What awslambdaric's own JsonFormatter leaves on a record it formatted first: the
        # telemetry frame header, as bytes (0xA55A0017: ERROR, JSON format).
        record._frame_type = (0xA55A0017).to_bytes(4, "big")
        return True

LOG = logging.getLogger("audit")
LOG.addFilter(Framed())

def handler(event, context):
    LOG.error("framed already")
    return "ok"
"""


def test_a_record_framed_by_the_runtimes_own_formatter_is_logged(code: CodeWriter) -> None:
    """A record carrying the client's bytes frame header is logged at its level, as the real
    runtime handler writes it: the invocation failed with a TypeError."""
    with LambdaFunction("app.handler", code_dir=code(app=FRAMED), log_format="JSON",
                        log_level="ERROR") as fn:
        result = fn.invoke({})
    assert result.payload == "ok", result.error
    assert any("framed already" in e.message for e in result.logs)


def test_application_log_level_sets_root_level(code: CodeWriter) -> None:
    """``log_level`` (AWS_LAMBDA_LOG_LEVEL) sets the root logger's level before init."""
    root = code(lv="import logging\ndef handler(e, c):\n    logging.debug('dbg')\n"
                   "    logging.info('inf')\n")
    debug = LambdaFunction("lv.handler", code_dir=root, log_format="JSON", log_level="DEBUG")
    error = LambdaFunction("lv.handler", code_dir=root, log_format="JSON", log_level="ERROR")
    assert "dbg" in debug.invoke({}).logs.text
    assert "inf" not in error.invoke({}).logs.text


def test_json_error_record(code: CodeWriter) -> None:
    """An unhandled error is logged as one JSON object in JSON format."""
    root = code(bad="def handler(e, c):\n    raise ValueError('nope')\n")
    r = LambdaFunction("bad.handler", code_dir=root, log_format="JSON").invoke({})
    err = next(json.loads(m) for m in r.logs.messages if '"level": "ERROR"' in m)
    assert err["errorType"] == "ValueError"
    assert err["errorMessage"] == "nope"
    assert err["requestId"] == r.request_id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", err["timestamp"])


def test_default_root_level_is_warning(code: CodeWriter) -> None:
    """Without a level set by the code, ``logging.info`` is dropped as on Lambda."""
    root = code(quiet="import logging\ndef handler(e, c):\n    logging.info('dropped')\n"
                      "    logging.warning('kept')\n")
    r = LambdaFunction("quiet.handler", code_dir=root).invoke({})
    text = r.logs.text
    assert "kept" in text and "dropped" not in text


def test_request_id_kept_between_invocations_in_log_filter(code: CodeWriter) -> None:
    """Init-time log records carry an empty request id, as the runtime's filter does."""
    root = code(early="import logging\nlogging.getLogger().setLevel(logging.INFO)\n"
                      "logging.warning('at init')\ndef handler(e, c):\n    return 1\n")
    r = LambdaFunction("early.handler", code_dir=root).invoke({})
    assert re.fullmatch(rf"\[WARNING\]\t{TS}\t\tat init\n", r.init_logs.messages[1])


def test_logs_of_failed_invocations_are_complete(code: CodeWriter,
                                                 short_timeout: Shortener) -> None:
    """Output written before a crash, exit or timeout is kept, with the closing lines."""
    root = code(crash="import sys, time\ndef handler(e, c):\n    print('before')\n"
                      "    if e == 'exit':\n        sys.exit(1)\n    time.sleep(3)\n")
    fn = short_timeout(LambdaFunction("crash.handler", code_dir=root))
    for event in ("exit", "sleep"):
        r = fn.invoke(event)
        assert "before\n" in r.logs.messages
        assert r.logs.messages[-2] == f"END RequestId: {r.request_id}\n"
        assert r.logs.messages[-1].startswith(f"REPORT RequestId: {r.request_id}")


def test_test_process_logging_and_stdout_untouched(code: CodeWriter) -> None:
    """The handler's logging setup never reaches the test process's loggers."""
    import sys

    root_logger = logging.getLogger()
    before = (root_logger.level, list(root_logger.handlers), sys.stdout, sys.stderr,
              logging.getLogger("botocore").level)
    body = ("import logging\nlogging.basicConfig(level=logging.DEBUG, force=True)\n"
            "logging.getLogger('botocore').setLevel(logging.CRITICAL)\n"
            "def handler(e, c):\n    logging.getLogger().addHandler(logging.NullHandler())\n")
    LambdaFunction("cfg.handler", code_dir=code(cfg=body)).invoke({})
    after = (root_logger.level, list(root_logger.handlers), sys.stdout, sys.stderr,
             logging.getLogger("botocore").level)
    assert after == before


def test_report_line_formats() -> None:
    """REPORT lines match Lambda's for success, errors and timeouts."""
    base = {"request_id": "r", "duration_ms": 12.345, "billed_duration_ms": 13,
            "memory_size_mb": 128, "max_memory_used_mb": 40}
    assert Report(**base).line() == ("REPORT RequestId: r\tDuration: 12.35 ms\tBilled Duration: "
                                     "13 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t")
    assert Report(**base, init_duration_ms=100.5, status="error",
                  error_type="Runtime.ExitError").line().endswith(
        "Max Memory Used: 40 MB\tInit Duration: 100.50 ms\tStatus: error\t"
        "Error Type: Runtime.ExitError")
    assert Report(**base, status="timeout").line().endswith("\tStatus: timeout")


LEVELS = """
import json, logging, sys
def handler(event, context):
    print("plain print")
    print(json.dumps({"level": "DEBUG", "message": "json debug"}))
    print(json.dumps({"level": "info", "message": "json info"}))
    print(json.dumps({"level": "WARN", "message": "json warn"}))
    print(json.dumps({"level": "WARNING", "message": "powertools warning"}))
    print(json.dumps({"level": "ERROR", "message": "json error"}))
    print(json.dumps({"level": "bogus", "message": "json bogus"}))
    print(json.dumps({"message": "json without level"}))
    sys.stderr.write("stderr text\\n")
    logging.getLogger().setLevel(logging.DEBUG)
    logging.info("record info")
    logging.error("record error")
    raise ValueError("boom")
"""


def test_json_log_level_filters_stdout_lines(code: CodeWriter) -> None:
    """With JSON format and WARN, Lambda keeps only WARN+ events; lines without a level are
    INFO."""
    root = code(app=LEVELS)
    fn = LambdaFunction("app.handler", code_dir=root, log_format="JSON", log_level="WARN")
    r = fn.invoke({})
    app = [m for m in r.logs.messages if '"type": "platform.' not in m]
    assert [json.loads(m).get("message") or json.loads(m)["errorMessage"] for m in app] == [
        "json warn", "powertools warning", "json error", "record error", "boom"]
    everything = LambdaFunction("app.handler", code_dir=root, log_format="JSON",
                                log_level="TRACE").invoke({})
    assert "plain print\n" in everything.logs.messages
    assert any("record info" in m for m in everything.logs.messages)


STREAMS = """
import faulthandler, subprocess, sys

faulthandler.enable()  # at Init: uses sys.stderr.fileno()

def handler(event, context):
    sys.stdout.reconfigure(encoding="utf-8", errors="replace", line_buffering=True)
    subprocess.run(["echo", "from the child"], stdout=sys.stdout, check=True)
    print("from python")
    return [sys.stdout.fileno(), sys.stderr.fileno(), sys.stdout.mode, sys.stdout.errors,
            sys.stdout.line_buffering]
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_the_streams_have_the_real_ones_file_api(code: CodeWriter, isolation: str) -> None:
    """On Lambda sys.stdout hands every attribute to the real stream (awslambdaric's
    Unbuffered): fileno() for faulthandler and child processes, reconfigure() and the like."""
    with LambdaFunction("app.handler", code_dir=code(app=STREAMS), isolation=isolation) as fn:
        r = fn.invoke({})
    assert r.payload == [1, 2, "w", "replace", True]
    messages = [e.message for e in r.logs]
    assert "from python\n" in messages
    if isolation == "process":  # the worker's fd 1 is the function's log
        assert "from the child\n" in messages


WRAPPED = """
import sys

class Prefixed:
    def __init__(self, stream):
        self.stream = stream
    def write(self, text):
        return self.stream.write(text.replace("hello", "PREFIXED:hello"))
    def flush(self):
        self.stream.flush()

sys.stdout = Prefixed(sys.stdout)  # at Init, as colorama.init() or a prefixer does

def handler(event, context):
    print("hello")
    return type(sys.stdout).__name__
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_a_stdout_wrapper_installed_at_init_stays_for_the_invocations(
        code: CodeWriter, isolation: str) -> None:
    """The runtime process keeps whatever the code put in sys.stdout: its wrapper writes every
    invocation's output, the first and the warm ones; the test's own stdout is untouched."""
    import sys

    before = sys.stdout
    with LambdaFunction("app.handler", code_dir=code(app=WRAPPED), isolation=isolation) as fn:
        results = [fn.invoke({}) for _ in range(2)]
    assert [r.payload for r in results] == ["Prefixed", "Prefixed"]
    for r in results:
        assert "PREFIXED:hello\n" in [e.message for e in r.logs]
    assert sys.stdout is before


CHILD_LOGGER = """
import logging
child = logging.getLogger("pl_cached_parent.child")
library = logging.getLogger("pl_library_of_this_env")
library.addHandler(logging.NullHandler())
def handler(event, context):
    return {"debug": child.isEnabledFor(logging.DEBUG),
            "handlers": [type(h).__name__ for h in library.handlers]}
"""


def test_a_level_the_test_sets_between_invocations_reaches_the_functions_loggers(
        code: CodeWriter) -> None:
    """A logger of the function's whose parent is the test's follows that parent's level
    (cached answers are not kept across the change), and a logger the function created and
    configured at init keeps its configuration from phase to phase."""
    parent = logging.getLogger("pl_cached_parent")
    fn = LambdaFunction("app.handler", code_dir=code(app=CHILD_LOGGER), name="cached-levels")
    try:
        assert fn.invoke({}).payload == {"debug": False, "handlers": ["NullHandler"]}
        parent.setLevel(logging.DEBUG)
        assert fn.invoke({}).payload == {"debug": True, "handlers": ["NullHandler"]}
        parent.setLevel(logging.NOTSET)
        assert fn.invoke({}).payload == {"debug": False, "handlers": ["NullHandler"]}
        # Its own logger is its own: not the test's, and not tracked as a change to undo.
        assert "pl_library_of_this_env" not in logging.root.manager.loggerDict
        env = fn._environments.idle["$LATEST"][0]
        assert not env.state.logger_overrides
    finally:
        parent.setLevel(logging.NOTSET)
        fn.close()
        logging.root.manager.loggerDict.pop("pl_cached_parent", None)


WARNING_FILTERS_AT_INIT = """
import warnings

warnings.filterwarnings("ignore", message="insecure request")  # urllib3.disable_warnings()

def handler(event, context):
    warnings.warn("insecure request", UserWarning)
    warnings.warn("shown", UserWarning)
    return "ok"
"""


def test_warning_filters_set_at_init_hold_in_every_invocation(code: CodeWriter) -> None:
    """A filter the code adds at Init is its own in the warm invocations too (they ran under
    the interpreter's defaults again: the ignored warning came back in every warm log)."""
    with LambdaFunction("app.handler", code_dir=code(app=WARNING_FILTERS_AT_INIT)) as fn:
        for r in (fn.invoke({}), fn.invoke({})):
            text = "".join(r.logs.messages)
            assert "insecure request" not in text
            assert "UserWarning: shown" in text


FORMATTER_TIMES = """
import logging, time

def handler(event, context):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    record.created = 0.0
    return [logging.Formatter("%(asctime)s").format(record)[:19], time.localtime(0).tm_hour]
"""


def test_formatter_times_are_utc_as_the_runtime_sets_them(code: CodeWriter) -> None:
    """awslambdaric sets ``logging.Formatter.converter = time.gmtime``: a handler's own
    formatter shows UTC even when the function's TZ is another zone; the test's converter is
    back afterwards."""
    before = logging.Formatter.converter
    with LambdaFunction("app.handler", code_dir=code(app=FORMATTER_TIMES),
                        environment={"TZ": "Asia/Tokyo"}) as fn:
        assert fn.invoke({}).payload == ["1970-01-01 00:00:00", 9]
    assert logging.Formatter.converter is before


EXCEPTION_OUTSIDE_EXCEPT = """
import linecache, logging, traceback
logger = logging.getLogger()

def handler(event, context):
    if event.get("catch"):
        try:
            logger.exception("invalid order")
        except AttributeError as error:
            linecache.clearcache()  # the client's lines are read through its module's loader
            return traceback.format_exception(error)[-4:]
    logger.exception("invalid order")  # a validation branch: no exception is being handled
    return {"statusCode": 400}
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_logger_exception_outside_except(code: CodeWriter, isolation: str) -> None:
    """``logger.exception()`` with no exception being handled: in the JSON format the client's
    formatter raises ``AttributeError`` into the handler through its own frames (the
    invocation fails as on Lambda); the text format prints ``NoneType: None``."""
    root = code(app=EXCEPTION_OUTSIDE_EXCEPT)
    client = "/var/lang/lib/python3.12/site-packages/awslambdaric"
    with LambdaFunction("app.handler", code_dir=root, log_format="JSON", runtime="python3.12",
                        isolation=isolation) as fn:
        r = fn.invoke({})
        caught = fn.invoke({"catch": True}).payload
    assert r.error is not None and r.error["errorType"] == "AttributeError"
    assert r.error["errorMessage"] == "'NoneType' object has no attribute '__name__'"
    assert r.error["stackTrace"][-4:] == [
        f'  File "{client}/bootstrap.py", line 332, in emit\n    self.format(record),\n',
        r.error["stackTrace"][-3],  # logging's Handler.format, on this machine's Python
        f'  File "{client}/lambda_runtime_log_utils.py", line 130, in format\n'
        '    "errorType": self.__format_exception_name(record.exc_info),\n',
        f'  File "{client}/lambda_runtime_log_utils.py", line 97, in __format_exception_name\n'
        "    return exc_info[0].__name__\n"]
    assert '"message": "invalid order"' not in r.logs.text  # no record of it
    assert caught[-2].startswith(f'  File "{client}/lambda_runtime_log_utils.py", line 97, in ')
    assert "return exc_info[0].__name__" in caught[-2]
    with LambdaFunction("app.handler", code_dir=root, isolation=isolation) as fn:
        text = fn.invoke({})
    assert text.payload == {"statusCode": 400}
    assert text.logs.messages[1].endswith("\tinvalid order\nNoneType: None")


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_stack_info_lists_the_runtimes_frames_not_the_tests(code: CodeWriter,
                                                           isolation: str) -> None:
    """``stack_info=True``: the client's frames that call the handler, then the handler's;
    not pytest's, the test's and ours (about 170 lines of them)."""
    root = code(app="import logging\n"
                    "def handler(event, context):\n"
                    "    logging.warning('where am I', stack_info=True)\n")
    client = "/var/lang/lib/python3.12/site-packages/awslambdaric/bootstrap.py"
    with LambdaFunction("app.handler", code_dir=root, runtime="python3.12",
                        isolation=isolation) as fn:
        record = fn.invoke({}).logs.messages[1]
    assert record.split("\twhere am I\n", 1)[1] == (
        "Stack (most recent call last):\n"
        f'  File "{client}", line 549, in run\n    handle_event_request(\n'
        f'  File "{client}", line 178, in handle_event_request\n'
        "    response = request_handler(event, lambda_context)\n"
        f'  File "{root / "app.py"}", line 3, in handler\n'
        "    logging.warning('where am I', stack_info=True)")


REFORMATTED = """
import logging

root = logging.getLogger()
root.setLevel(logging.INFO)
for handler in root.handlers:  # keep the runtime's handler, change its format
    handler.setFormatter(logging.Formatter("%(levelname)s RID=%(aws_request_id)s %(message)s"))

class Line(str):  # a str subclass of the code's own (loguru's message is one)
    pass

def handler(event, context):
    logging.info("hello")
    print(Line("own line"))
    return context.aws_request_id
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_a_format_the_code_gives_the_runtimes_handler_has_the_request_id(
        code: CodeWriter, isolation: str) -> None:
    """The runtime's handler carries its filter: ``%(aws_request_id)s`` in a format the code
    sets works (it was a 128-line "Logging error" and a lost record). A ``str`` subclass the
    code prints is plain text in the log (from a process worker its class travelled along:
    ``ModuleNotFoundError`` in the test process)."""
    with LambdaFunction("app.handler", code_dir=code(app=REFORMATTED),
                        isolation=isolation) as fn:
        r = fn.invoke({})
    assert f"INFO RID={r.payload} hello" in r.logs.messages
    assert "own line\n" in r.logs.messages
    assert all(type(m) is str for m in r.logs.messages)


BROKEN_LOGGING = """
import logging
logger = logging.getLogger("orders")

def handler(event, context):
    kind = event["kind"]
    if kind == "caught":
        try:
            logger.warning("order %s for customer %s", 1)
        except TypeError as error:
            return "caught: " + str(error)
    if kind == "arguments":
        logger.warning("order %s for customer %s", 1)
    if kind == "field":
        logging.getLogger().handlers[0].setFormatter(
            logging.Formatter("%(asctime)s %(request_id)s %(message)s"))
        logger.warning("x")
    if kind == "surrogate":
        logger.warning("file report-\\udcff.csv")
    return "ok"
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
@pytest.mark.parametrize("log_format", ["Text", "JSON"])
@pytest.mark.parametrize(("kind", "error_type"), [
    ("arguments", "TypeError"), ("field", "ValueError"), ("surrogate", "UnicodeEncodeError")])
def test_a_record_the_runtime_cannot_log_fails_the_invocation(
        code: CodeWriter, isolation: str, log_format: str, kind: str, error_type: str) -> None:
    """The runtime's log handler catches nothing (awslambdaric's ``emit``): a logging call
    whose arguments do not match, a format naming a missing field or a lone surrogate raises
    into the handler, as on Lambda, instead of printing "--- Logging error ---" and going on
    (the invocation succeeded before). The client's ``emit`` frame is in the stack trace."""
    with LambdaFunction("app.handler", code_dir=code(app=BROKEN_LOGGING), log_format=log_format,
                        isolation=isolation) as fn:
        assert fn.invoke({"kind": "caught"}).payload == (
            "caught: not enough arguments for format string")
        result = fn.invoke({"kind": kind})
    assert result.payload["errorType"] == error_type, result.payload
    frames = "".join(result.payload["stackTrace"])
    assert "/awslambdaric/bootstrap.py" in frames and "pytest_lambda" not in frames
    assert not any("Logging error" in line for line in result.logs.messages)


def test_a_test_handler_failing_on_a_record_does_not_fail_the_function(
        code: CodeWriter, caplog: pytest.LogCaptureFixture) -> None:
    """A record the runtime's handler writes but a test's handler cannot format (pytest's
    re-raises) is the test's business, not an error of the function's."""
    app = ("import logging\n"
           "class Fixed(logging.Formatter):\n"
           "    def format(self, record):\n"
           "        return 'a fixed line'\n"
           "def handler(event, context):\n"
           "    logging.getLogger().handlers[0].setFormatter(Fixed())\n"
           "    logging.warning('%s %s', 1)\n"
           "    return 'ok'\n")
    with LambdaFunction("app.handler", code_dir=code(app=app)) as fn:
        result = fn.invoke({})
    assert result.payload == "ok"
    assert "a fixed line" in result.logs.messages


SURROGATE_ERROR = """
def handler(event, context):
    name = b"report-\\xff.csv".decode("utf-8", "surrogateescape")
    raise ValueError(f"cannot process {name}")
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
@pytest.mark.parametrize(("runtime", "log_format", "ends"), [
    ("python3.11", "Text", True), ("python3.11", "JSON", False),
    ("python3.12", "Text", True), ("python3.12", "JSON", True)])
def test_an_error_message_the_runtime_cannot_log_ends_the_runtime(
        code: CodeWriter, isolation: str, runtime: str, log_format: str, ends: bool) -> None:
    """The runtime logs an error before posting it; a lone surrogate written raw (text; JSON
    from python3.12 on) cannot be encoded and its process ends: Runtime.ExitError. Before,
    python3.11 text reported the ValueError and python3.12 made ``invoke`` itself raise
    UnicodeEncodeError (differential case py-raise-surrogate)."""
    with LambdaFunction("app.handler", code_dir=code(app=SURROGATE_ERROR), runtime=runtime,
                        log_format=log_format, isolation=isolation) as fn:
        result = fn.invoke({})
    messages = result.logs.messages
    if ends:
        assert result.payload["errorType"] == "Runtime.ExitError", result.payload
        assert any(m.startswith("UnicodeEncodeError: 'utf-8' codec can't encode character "
                                "'\\udcff'") for m in messages), messages
    else:
        assert result.payload["errorType"] == "ValueError"
        assert any('"errorMessage": "cannot process report-\\udcff.csv"' in m
                   for m in messages), messages


BACKGROUND_ERRORS = """
import threading

def thread(event, context):
    worker = threading.Thread(target=lambda: 1 / 0)
    worker.start()
    worker.join()
    return "ok"

def finalizer(event, context):
    class Connection:
        def __del__(self):
            raise ValueError("close failed")
    Connection()
    return "ok"
"""


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(("handler", "last_line"), [
    ("thread", "ZeroDivisionError: division by zero\n"),
    ("finalizer", "ValueError: close failed\n")])
def test_background_errors_go_to_the_functions_log(
        code: CodeWriter, handler: str, last_line: str) -> None:
    """A thread's uncaught exception and a failing ``__del__`` are written to stderr by the
    interpreter's own hooks, into the function's log, as on Lambda. In-process they reached
    pytest's hooks instead: missing from the log, and a warning charged to the test (an error
    under ``filterwarnings = error``, as here)."""
    with LambdaFunction(f"app.{handler}", code_dir=code(app=BACKGROUND_ERRORS)) as fn:
        result = fn.invoke({})
    assert result.payload == "ok"
    assert last_line in result.logs.messages


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_printing_what_utf_8_cannot_encode_raises_in_the_handler(
        code: CodeWriter, isolation: str) -> None:
    """The runtime's stdout is UTF-8 with strict errors: printing a lone surrogate raises
    UnicodeEncodeError where the code printed, as on Lambda (it was logged)."""
    app = ("def handler(event, context):\n"
           "    name = b'report-\\xff.csv'.decode('utf-8', 'surrogateescape')\n"
           "    try:\n"
           "        print('processing', name)\n"
           "    except UnicodeEncodeError as error:\n"
           "        return error.reason\n"
           "    return 'printed'\n")
    with LambdaFunction("app.handler", code_dir=code(app=app), isolation=isolation) as fn:
        assert fn.invoke({}).payload == "surrogates not allowed"
