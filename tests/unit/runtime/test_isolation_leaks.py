"""No process state leaks from handlers into the test process, over many invocations."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter, Shortener  # the shared aliases of fixtures


NOISY = """
import io, logging, os, signal, sys, time
LOG = logging.getLogger("noisy.app")
logging.getLogger().setLevel(logging.INFO)
os.environ["SET_AT_INIT"] = "1"
sys.path.append("/nonexistent/added-at-init")

def handler(event, context):
    kind = event["kind"]
    os.environ["LEAK_" + kind.upper()] = "x"
    sys.path.insert(0, "/nonexistent/" + kind)
    sys.argv.append(kind)
    os.chdir("/")
    signal.signal(signal.SIGUSR1, lambda *a: None)
    logging.getLogger("botocore").setLevel(logging.CRITICAL)
    logging.getLogger().addHandler(logging.StreamHandler(sys.stdout))
    LOG.info("event %s", kind)
    print("printing", kind)
    sys.stdout = io.StringIO() if kind == "stdout" else sys.stdout
    if kind == "raise":
        raise RuntimeError("boom")
    if kind == "exit":
        sys.exit(3)
    if kind == "timeout":
        time.sleep(5)
    if kind == "import":
        import helper_mod_leak
        return helper_mod_leak.VALUE
    if kind == "unset":
        os.environ.pop("PATH", None)
    return kind
"""

KINDS = ["ok", "raise", "print", "import", "stdout", "unset", "exit", "ok", "raise", "ok"]


def _snapshot() -> dict[str, Any]:
    libc = ctypes.CDLL(None)
    libc.getenv.restype = ctypes.c_char_p
    root = logging.getLogger()
    loggers = logging.root.manager.loggerDict
    return {
        "environ": dict(os.environ),
        "c_environ": {k: libc.getenv(k.encode()) for k in
                      ("LEAK_OK", "LEAK_RAISE", "SET_AT_INIT", "PATH", "TZ", "AWS_REGION")},
        "path": list(sys.path),
        "argv": (sys.argv, list(sys.argv)),
        "modules": set(sys.modules),
        "cwd": os.getcwd(),
        "signals": {s: signal.getsignal(s) for s in (signal.SIGUSR1, signal.SIGALRM,
                                                     signal.SIGTERM, signal.SIGINT)},
        "itimer": signal.getitimer(signal.ITIMER_REAL)[0] == 0,
        "root": (root.level, list(root.handlers)),
        "loggers": {n: (getattr(lg, "level", None), list(getattr(lg, "handlers", [])))
                    for n, lg in loggers.items()},
        "stdout": (sys.stdout, sys.stderr),
        "socket_connect": __import__("socket").socket.connect,
    }


def test_thousand_mixed_invocations_leave_no_trace(code: CodeWriter,
                                                   short_timeout: Shortener) -> None:
    """1000 invocations that mutate everything they can leave the process exactly as it was."""
    root = code(noisy=NOISY, helper_mod_leak="VALUE = 'imported'\n")
    # 0.5 s, not 0.2: on a loaded machine (xdist -n 4 on two cores) a plain invocation was seen
    # to take over 0.2 s and time out.
    fn = short_timeout(LambdaFunction("noisy.handler", code_dir=root), 0.5)
    fn.invoke({"kind": "ok"})  # let the plugin's own lazy imports happen first
    fn.close()
    before = _snapshot()
    outcomes: dict[str, int] = {}
    for i in range(1000):
        kind = "timeout" if i in (500, 999) else KINDS[i % len(KINDS)]
        r = fn.invoke({"kind": kind})
        key = (r.function_error and (r.error or {}).get("errorType")) or "ok"
        outcomes[key] = outcomes.get(key, 0) + 1
        if i % 250 == 0:
            assert _snapshot() == before, f"state leaked after invocation {i} ({kind})"
    fn.close()
    assert _snapshot() == before
    assert outcomes == {"ok": 698, "RuntimeError": 200, "Runtime.ExitError": 100,
                        "Sandbox.Timedout": 2}


def test_environment_keeps_its_own_state_between_invocations(code: CodeWriter) -> None:
    """What a warm environment changed (env, sys.path, loggers) is still there next time."""
    body = ("import os, sys, logging\nlogging.getLogger('mine').setLevel(logging.DEBUG)\n"
            "def handler(e, c):\n    os.environ.setdefault('COUNT', '0')\n"
            "    os.environ['COUNT'] = str(int(os.environ['COUNT']) + 1)\n"
            "    return [os.environ['COUNT'], logging.getLogger('mine').level]\n")
    fn = LambdaFunction("keeps.handler", code_dir=code(keeps=body))
    assert [fn.invoke({}).payload for _ in range(3)] == [["1", 10], ["2", 10], ["3", 10]]
    assert "mine" not in logging.root.manager.loggerDict


@pytest.mark.parametrize("kind", ["ok", "raise", "exit", "timeout"])
def test_network_guard_removed_after_invocation(code: CodeWriter, short_timeout: Shortener,
                                                kind: str) -> None:
    """The socket patches are gone after every kind of invocation."""
    import socket

    connect = socket.socket.connect
    root = code(noisy=NOISY, helper_mod_leak="VALUE = 1\n")
    short_timeout(LambdaFunction("noisy.handler", code_dir=root)).invoke({"kind": kind})
    assert socket.socket.connect is connect


def test_the_handler_sees_the_runtimes_command_line(code: CodeWriter) -> None:
    """``sys.argv`` is the runtime's (the bootstrap script, no arguments), not pytest's: a
    handler sharing code with a CLI parses no arguments, as on Lambda."""
    import sys

    path = code(app="import argparse, sys\n"
                    "AT_INIT = list(sys.argv)\n"
                    "def handler(event, context):\n"
                    "    parser = argparse.ArgumentParser()\n"
                    "    parser.add_argument('--stage', default='prod')\n"
                    "    return [AT_INIT, sys.argv, parser.parse_args().stage]\n")
    before = list(sys.argv)
    with LambdaFunction("app.handler", code_dir=path) as fn:
        boot = ["/var/runtime/bootstrap.py"]
        assert fn.invoke({}).payload == [boot, boot, "prod"]
    assert sys.argv == before


REBIND = """
import os
os.environ = {**os.environ, "FROM_INIT": "1"}

def handler(event, context):
    global os
    if event.get("again"):
        os.environ = {**os.environ, "AGAIN": "2"}
    return [type(os.environ).__name__, os.environ.get("FROM_INIT"), os.environ.get("AGAIN"),
            os.environ.get("AWS_LAMBDA_FUNCTION_NAME")]
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_code_rebinding_os_environ_keeps_it_and_leaves_the_test_process_alone(
        code: CodeWriter, isolation: str) -> None:
    """``os.environ = {...}`` (at Init or in the handler) is harmless on Lambda: the name is the
    environment's plain mapping from then on. The test process keeps its own ``os.environ``,
    and its C-level environment, signal state and the next invocations are unaffected."""
    import signal
    import subprocess

    before = (dict(os.environ), signal.getsignal(signal.SIGALRM))
    with LambdaFunction("app.handler", code_dir=code(app=REBIND), isolation=isolation,
                        name="rebinder") as fn:
        first = fn.invoke({"again": True}).payload
        second = fn.invoke({}).payload
    assert first == ["dict", "1", "2", "rebinder"]
    assert second == ["dict", "1", "2", "rebinder"]  # the environment's binding persists
    assert type(os.environ) is os._Environ
    assert (dict(os.environ), signal.getsignal(signal.SIGALRM)) == before
    child = subprocess.run(["sh", "-c", "echo ${AWS_LAMBDA_FUNCTION_NAME:-none}"],
                           capture_output=True, text=True, check=True)
    assert child.stdout.strip() == "none"


FORKER = """
import os

def handler(event, context):
    child = os.fork()  # the child returns from the handler too
    return {"child": child, "parent": child != 0}
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_a_forked_child_coming_back_out_of_the_handler_ends_there(code: CodeWriter,
                                                                   isolation: str) -> None:
    """A child the handler forks and lets return ends when it comes back out of the phase: it
    does not go on to run the rest of the test session, nor answer in the worker's place."""
    import time

    me = os.getpid()
    results = []
    with LambdaFunction("app.handler", code_dir=code(app=FORKER), isolation=isolation) as fn:
        for _ in range(3):
            results.append(fn.invoke({}).payload)
            if os.getpid() != me:  # a child got this far: it would run the session again
                os._exit(3)
    assert all(r["parent"] and r["child"] > 0 for r in results)
    if isolation == "in-process":  # the children are the test process's: reap them
        for r in results:
            deadline = time.monotonic() + 20
            while (done := os.waitpid(r["child"], os.WNOHANG))[0] == 0:
                assert time.monotonic() < deadline, "the forked child is still running"
                time.sleep(0.01)
            assert os.waitstatus_to_exitcode(done[1]) == 0


SIGNALLER = """
import os, signal

HANDLED = []

def handler(event, context):
    how = event["how"]
    if how == "own-handler":  # a handler of its own: the signal is delivered to it
        signal.signal(signal.SIGTERM, lambda *a: HANDLED.append("term"))
        os.kill(os.getpid(), signal.SIGTERM)
        return HANDLED
    sig = getattr(signal, event["sig"])
    if how == "kill":
        os.kill(os.getpid(), sig)
    elif how == "group":
        os.killpg(os.getpgrp(), sig)
    else:
        signal.raise_signal(sig)
    return "still running"
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
@pytest.mark.parametrize(("how", "sig", "reason"), [
    ("kill", "SIGTERM", "signal: terminated"),
    ("kill", "SIGKILL", "signal: killed"),
    ("raise", "SIGABRT", "signal: aborted"),
    ("group", "SIGTERM", "signal: terminated"),
    ("kill", "SIGUSR1", "signal: user defined signal 1"),  # as Go names it (the platform's)
])
def test_a_signal_the_handler_sends_itself_ends_the_runtime_not_the_session(
        code: CodeWriter, isolation: str, how: str, sig: str, reason: str) -> None:
    """``os.kill(os.getpid(), SIGTERM)`` and the like end Lambda's runtime (Runtime.ExitError,
    the environment reset); in-process they must not end or stop the test session."""
    with LambdaFunction("app.handler", code_dir=code(app=SIGNALLER), isolation=isolation) as fn:
        r = fn.invoke({"how": how, "sig": sig})
        assert r.payload == {"errorType": "Runtime.ExitError", "errorMessage":
                             f"RequestId: {r.request_id} Error: Runtime exited with error: "
                             f"{reason}"}
        again = fn.invoke({"how": "own-handler"})
        assert again.cold_start and again.payload == ["term"]


def test_a_signal_that_stops_the_runtime_times_the_invocation_out(
        code: CodeWriter, short_timeout: Shortener) -> None:
    """SIGSTOP stops the runtime: the invocation times out; the test session goes on."""
    with short_timeout(LambdaFunction("app.handler", code_dir=code(app=SIGNALLER))) as fn:
        r = fn.invoke({"how": "kill", "sig": "SIGSTOP"})
    assert r.timed_out


ZONES = """
import datetime, os, time

def handler(event, context):
    if event.get("move"):
        os.environ["TZ"] = "Asia/Tokyo"
        time.tzset()
    now = datetime.datetime.now()
    return [list(time.tzname), now.hour == datetime.datetime.now(datetime.timezone.utc).hour]
"""


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test machine's local time zone is New York (a laptop's, not CI's UTC)."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("new_york")
def test_the_handler_runs_in_utc_and_the_test_keeps_its_time_zone(code: CodeWriter) -> None:
    """Lambda runs functions with TZ=:UTC: local time in the handler is UTC whatever the test
    machine's zone, a function's own TZ is applied, and nothing of either (nor of a tzset()
    the handler makes) reaches the test process."""
    import time

    with LambdaFunction("app.handler", code_dir=code(app=ZONES)) as fn:
        assert fn.invoke({}).payload == [["UTC", "UTC"], True]
        assert time.tzname == ("EST", "EDT")
        assert fn.invoke({"move": True}).payload == [["JST", "JST"], False]
        assert time.tzname == ("EST", "EDT")
        assert fn.invoke({}).payload == [["JST", "JST"], False]  # its own TZ, kept
    with LambdaFunction("app.handler", code_dir=code(app=ZONES),
                        environment={"TZ": "Asia/Tokyo"}) as tokyo:
        assert tokyo.invoke({}).payload == [["JST", "JST"], False]
    assert time.tzname == ("EST", "EDT")


LOGGING_IDIOMS = """
import logging

def handler(event, context):
    root = logging.getLogger()
    for h in root.handlers:  # "reformat Lambda's handler": every handler on the root logger
        h.setFormatter(logging.Formatter("CUSTOM %(message)s"))
        h.setLevel(logging.ERROR)
    if event.get("force"):
        logging.basicConfig(force=True, level=logging.INFO)  # closes the root handlers
    if event.get("shutdown"):
        logging.shutdown()
    root.error("from the handler")
    return [type(h).__name__ for h in root.handlers]
"""


def test_the_codes_logging_idioms_leave_the_tests_handlers_alone(
        code: CodeWriter, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Reformatting every root handler, ``basicConfig(force=True)`` and ``logging.shutdown()``
    act on the function's logging; the test's own handlers (caplog, a log file) keep their
    format, level and stream, and go on receiving the test's records."""
    import logging

    log_file = logging.FileHandler(tmp_path / "session.log", mode="w")
    log_file.setFormatter(logging.Formatter("FILE %(message)s"))
    logging.root.addHandler(log_file)
    try:
        with LambdaFunction("app.handler", code_dir=code(app=LOGGING_IDIOMS)) as fn:
            for event in ({}, {"force": True}, {"shutdown": True}):
                assert fn.invoke(event).error is None
        assert "from the handler" in caplog.text  # the test still saw the code's records
        assert (log_file.level, log_file.formatter._fmt) == (  # type: ignore[union-attr]
            logging.NOTSET, "FILE %(message)s")
        assert caplog.handler.level == logging.NOTSET
        logging.getLogger("after").warning("the test's own record")
        log_file.flush()
        assert (tmp_path / "session.log").read_text().splitlines()[-1] == \
            "FILE the test's own record"
        assert caplog.records[-1].getMessage() == "the test's own record"
    finally:
        logging.root.removeHandler(log_file)
        log_file.close()


ROOT_HANDLER_IDIOMS = """
import logging

root = logging.getLogger()
AT_INIT = [type(h).__name__ for h in root.handlers]
if __import__("os").environ.get("IDIOM") == "reformat":
    # basicConfig() is a no-op (the runtime's handler is there): handlers[0] is the runtime's.
    logging.basicConfig()
    root.handlers[0].setFormatter(logging.Formatter("FORMATTED %(levelname)s %(message)s"))
else:
    # "Logging with AWS Lambda": drop the runtime's handler, configure your own format.
    for handler in root.handlers:
        root.removeHandler(handler)
    logging.basicConfig(format="OWN|%(name)s|%(message)s", level=logging.INFO)

def handler(event, context):
    logging.getLogger("orders").warning("order placed")
    return [AT_INIT, [type(h).__name__ for h in root.handlers]]
"""


@pytest.mark.parametrize(("idiom", "handlers", "line"), [
    ("reformat", ["LambdaLoggerHandler"], "FORMATTED WARNING order placed"),  # one frame
    ("replace", ["StreamHandler"], "OWN|orders|order placed\n"),
])
def test_the_root_logger_holds_only_the_runtimes_handler(
        code: CodeWriter, caplog: pytest.LogCaptureFixture, idiom: str, handlers: list[str],
        line: str) -> None:
    """The code sees one handler on the root logger, the runtime's, as on Lambda: the two
    common idioms that change Lambda's log format work (pytest's handlers were there too: the
    first formatted one of them, the second left the function logging nowhere), and caplog
    still sees the function's records."""
    root = code(app=ROOT_HANDLER_IDIOMS)
    with LambdaFunction("app.handler", code_dir=root, environment={"IDIOM": idiom}) as fn:
        r = fn.invoke({})
    assert r.payload == [["LambdaLoggerHandler"], handlers]
    assert line in r.logs.messages
    assert [rec.getMessage() for rec in caplog.records] == ["order placed"]


DICT_CONFIG = """
import logging, logging.config

def configure():
    # disable_existing_loggers is True by default: every logger not named here is disabled.
    logging.config.dictConfig({"version": 1, "root": {"level": "INFO"},
                               "loggers": {"app": {"propagate": False}}})

configure()
logging.getLogger().disabled = True

def handler(event, context):
    if event.get("again"):
        configure()
    return [logging.getLogger("tests.pl_watched").disabled, logging.getLogger().disabled,
            logging.getLogger("app").propagate]
"""


def test_dict_config_in_the_handler_leaves_the_tests_loggers_enabled(
        code: CodeWriter, caplog: pytest.LogCaptureFixture) -> None:
    """``dictConfig`` (at init and in an invocation) disables the existing loggers it does not
    name, as in the function's own process; the test's loggers stay enabled afterwards, and
    the function keeps its own view from phase to phase."""
    watched = logging.getLogger("tests.pl_watched")
    try:
        with LambdaFunction("app.handler", code_dir=code(app=DICT_CONFIG)) as fn:
            assert fn.invoke({}).payload == [True, True, False]
            assert (watched.disabled, logging.root.disabled) == (False, False)
            assert fn.invoke({"again": True}).payload == [True, True, False]
            assert fn.invoke({}).payload == [True, True, False]
        assert (watched.disabled, logging.root.disabled, watched.propagate) == \
            (False, False, True)
        caplog.set_level(logging.INFO)
        watched.info("the test's own record")
        assert caplog.records[-1].getMessage() == "the test's own record"
    finally:
        logging.root.manager.loggerDict.pop("tests.pl_watched", None)


SETTINGS = """
import gc, os, socket, sys, threading

def tracer(*args):
    return None

def handler(event, context):
    if event.get("change"):
        os.umask(0o777)
        sys.setrecursionlimit(500)
        socket.setdefaulttimeout(0.001)
        threading.stack_size(256 * 1024)
        sys.setswitchinterval(0.5)
        sys.set_int_max_str_digits(0)
        gc.disable()
        threading.settrace(tracer)
        threading.setprofile(tracer)
    mask = os.umask(0)
    os.umask(mask)
    stack = threading.stack_size()  # reading it sets it to 0: set it back
    threading.stack_size(stack)
    return [mask, sys.getrecursionlimit(), socket.getdefaulttimeout(), stack,
            sys.getswitchinterval(), sys.get_int_max_str_digits(), gc.isenabled(),
            threading.gettrace() is tracer, threading.getprofile() is tracer]
"""


def test_process_settings_the_code_changes_stay_in_its_environment(code: CodeWriter) -> None:
    """umask, the recursion limit, the default socket timeout, the thread stack size, the
    switch interval, the int/str digit limit, whether the garbage collector runs and the
    threads' trace and profile hooks are the environment's from phase to phase (as in its own
    process) and the test process's own afterwards."""
    import gc
    import socket
    import sys
    import threading

    def settings() -> list[object]:
        mask = os.umask(0o022)
        os.umask(mask)
        stack = threading.stack_size()
        threading.stack_size(stack)
        return [mask, sys.getrecursionlimit(), socket.getdefaulttimeout(), stack,
                sys.getswitchinterval(), sys.get_int_max_str_digits(), gc.isenabled(),
                threading.gettrace(), threading.getprofile()]

    before = settings()
    assert before[6:] == [True, None, None]
    changed = [0o777, 500, 0.001, 256 * 1024, 0.5, 0, False, True, True]
    with LambdaFunction("app.handler", code_dir=code(app=SETTINGS)) as fn:
        assert fn.invoke({"change": True}).payload == changed
        assert settings() == before
        assert fn.invoke({}).payload == changed  # kept in its environment
    with LambdaFunction("app.handler", code_dir=code(app=SETTINGS)) as other:
        assert other.invoke({}).payload == [*before[:6], True, False, False]


BUILTINS = """
import builtins, gettext

def handler(event, context):
    if event.get("change"):
        gettext.install("app")  # puts _ in the builtins module
        builtins.shout = str.upper
        del builtins.copyright
    return [hasattr(builtins, "_"), hasattr(builtins, "shout"), hasattr(builtins, "copyright")]
"""


def test_builtins_the_code_changes_stay_in_its_environment(code: CodeWriter) -> None:
    """Names the code puts into (or takes out of) the builtins module are its environment's,
    from phase to phase; the test process and other functions keep their own builtins (they
    were the whole session's from then on)."""
    import builtins

    before = dict(vars(builtins))
    with LambdaFunction("app.handler", code_dir=code(app=BUILTINS)) as fn:
        assert fn.invoke({"change": True}).payload == [True, True, False]
        assert dict(vars(builtins)) == before
        assert fn.invoke({}).payload == [True, True, False]  # kept in its environment
        with LambdaFunction("app.handler", code_dir=code(app=BUILTINS)) as other:
            assert other.invoke({}).payload == [False, False, True]
    assert dict(vars(builtins)) == before


FOREVER = """
import threading, time

def forever():
    while True:
        time.sleep(0.05)

def handler(event, context):
    worker = threading.Thread(target=forever, name="left-running")  # not a daemon
    worker.start()
    return worker.daemon
"""


def test_a_thread_the_handler_leaves_running_does_not_hold_the_test_process_at_exit(
        pytester: pytest.Pytester) -> None:
    """A non-daemon thread a handler starts and never stops: on Lambda it is frozen and
    destroyed with the environment; the test session must still end (it waited for it)."""
    pytester.makepyfile(app=FOREVER, test_forever="""
        def test_it(lambda_function):
            fn = lambda_function("app.handler", code_dir=".")
            assert fn.invoke({}).payload is True
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "0", timeout=60)
    result.assert_outcomes(passed=1)


HOOKS = """
import logging, sys, threading

def handler(event, context):
    if event.get("install"):
        sys.excepthook = sys.unraisablehook = threading.excepthook = lambda *a: None
        old = logging.getLogRecordFactory()
        def factory(*args, **kwargs):  # as OpenTelemetry's logging instrumentation wraps it
            record = old(*args, **kwargs)
            record.traced = True
            return record
        logging.setLogRecordFactory(factory)
    return getattr(logging.makeLogRecord({}), "traced", False) or \\
        getattr(logging.getLogRecordFactory()("n", 20, "p", 1, "m", None, None), "traced", False)
"""


def test_hooks_the_code_replaces_stay_in_its_environment(code: CodeWriter) -> None:
    """sys/threading exception hooks and logging's record factory replaced by the code are its
    environment's (kept across its phases, wrapped once), not the test process's."""
    import logging
    import sys
    import threading

    before = (sys.excepthook, sys.unraisablehook, threading.excepthook,
              logging.getLogRecordFactory())
    with LambdaFunction("app.handler", code_dir=code(app=HOOKS)) as fn:
        assert fn.invoke({"install": True}).payload is True
        assert (sys.excepthook, sys.unraisablehook, threading.excepthook,
                logging.getLogRecordFactory()) == before
        assert fn.invoke({}).payload is True  # still its own
    assert not hasattr(logging.getLogRecordFactory()("n", 20, "p", 1, "m", None, None),
                       "traced")


EXITS = """
import os

def handler(event, context):
    if event.get("fork"):
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    os._exit(event["status"])
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_os_exit_in_the_handler_ends_the_runtime_not_the_session(code: CodeWriter,
                                                                  isolation: str) -> None:
    """``os._exit(3)`` ends Lambda's runtime process ("exit status 3", a reset); in-process it
    ended the test process without a report. A forked child's ``os._exit`` is real."""
    with LambdaFunction("app.handler", code_dir=code(app=EXITS), isolation=isolation) as fn:
        r = fn.invoke({"status": 3})
        assert r.error is not None and r.error["errorType"] == "Runtime.ExitError"
        assert r.error["errorMessage"].endswith("Runtime exited with error: exit status 3")
        assert fn.invoke({"fork": True}).payload == 7
        assert fn.invoke({"status": 0}).error["errorMessage"].endswith(  # type: ignore[index]
            "Runtime exited without providing a reason")


AT_EXIT = """
import atexit, decimal, contextvars

REQUEST = contextvars.ContextVar("request", default=None)
decimal.getcontext().prec = 5

@atexit.register
def flush_at_exit():
    print("flushed at exit")

def handler(event, context):
    atexit.register(print, "registered in the handler")
    previous = REQUEST.get()
    REQUEST.set(context.aws_request_id)
    return [str(decimal.Decimal(1) / decimal.Decimal(7)), previous]
"""


def test_exit_handlers_and_context_variables_stay_in_the_environment(code: CodeWriter) -> None:
    """Exit handlers the function registers never run (Lambda kills the runtime: they did run
    at the end of the test session); its decimal context and context variables are its own,
    kept from invocation to invocation, and not the test's or another environment's."""
    import atexit
    import decimal

    callbacks = atexit._ncallbacks()  # type: ignore[attr-defined]
    with LambdaFunction("app.handler", code_dir=code(app=AT_EXIT)) as fn:
        first = fn.invoke({})
        assert first.payload == ["0.14286", None]
        assert fn.invoke({}).payload == ["0.14286", first.request_id]
        fn.cold_start()
        assert fn.invoke({}).payload == ["0.14286", None]  # a new environment's own
    assert atexit._ncallbacks() == callbacks  # type: ignore[attr-defined]
    assert decimal.getcontext().prec == 28


SIGNALS_AT_INIT = """
import os, signal, time

RECEIVED = []
signal.signal(signal.SIGUSR1, lambda signum, frame: RECEIVED.append(signum))


class SoftTimeout(Exception):
    pass


def _soft_timeout(signum, frame):
    raise SoftTimeout()


signal.signal(signal.SIGALRM, _soft_timeout)  # the "answer before Lambda's timeout" pattern


def handler(event, context):
    if event.get("alarm"):
        signal.alarm(max(int(context.get_remaining_time_in_millis() / 1000) - 1, 1))
        try:
            time.sleep(10)
            return "done"
        except SoftTimeout:
            return "partial"
        finally:
            signal.alarm(0)
    os.kill(os.getpid(), signal.SIGUSR1)
    return len(RECEIVED)
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_signal_handlers_installed_at_init_are_the_functions_in_every_invocation(
        code: CodeWriter, isolation: str) -> None:
    """Handlers the code installs at Init stay its own (they were the test's again from the
    first invocation on: a self-sent SIGUSR1 ended the runtime, the Init-time SIGALRM handler of
    the "answer before the timeout" pattern never ran); the test's dispositions come back."""
    test_usr1 = signal.getsignal(signal.SIGUSR1)
    test_alrm = signal.getsignal(signal.SIGALRM)
    with LambdaFunction("app.handler", code_dir=code(app=SIGNALS_AT_INIT), timeout=2,
                        isolation=isolation) as fn:
        assert fn.invoke({}).payload == 1
        assert fn.invoke({}).payload == 2
        r = fn.invoke({"alarm": True})
        assert (r.payload, r.timed_out) == ("partial", False)
        assert signal.getsignal(signal.SIGUSR1) == test_usr1
        assert signal.getsignal(signal.SIGALRM) == test_alrm


DEFAULT_SESSION = """
import boto3

sqs = boto3.client("sqs")  # module level, on boto3's default session

def handler(event, context):
    return [sqs.meta.region_name, sqs._request_signer._credentials.access_key]
"""


def test_boto3_default_session_is_each_environments_own(
        code: CodeWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    """A default session the test made first (its own credentials) is not the handler's, and
    the one the handler made (the function's fake credentials) is not the test's afterwards."""
    boto3 = pytest.importorskip("boto3")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTPROCESSOWN01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    boto3.client("sts")  # the test's own default session, first
    tests_session = boto3.DEFAULT_SESSION
    with LambdaFunction("app.handler", code_dir=code(app=DEFAULT_SESSION),
                        region="us-east-2") as fn:
        region, key = fn.invoke({}).payload
        assert region == "us-east-2"
        assert key != "AKIATESTPROCESSOWN01"
        assert boto3.DEFAULT_SESSION is tests_session
        own = boto3.client("sqs")._request_signer._credentials.access_key
        assert own == "AKIATESTPROCESSOWN01"


BROKEN_STR = """
class ApiError(Exception):
    def __init__(self, code):
        self.code = code

    def __str__(self):
        return f"{self.code}: {self.detail}"  # a bug: no such attribute

if __import__("os").environ.get("AT_INIT"):
    raise ApiError(500)

def handler(event, context):
    raise ApiError(502)
"""


@pytest.mark.parametrize("at_init", [False, True])
def test_an_exception_the_runtime_cannot_report_ends_the_runtime(code: CodeWriter,
                                                                   at_init: bool) -> None:
    """An exception whose ``__str__`` raises: the runtime's own report of it fails and its
    process ends ("exit status 1", a reset). In-process the failure escaped ``invoke``."""
    environment = {"AT_INIT": "1"} if at_init else {}
    with LambdaFunction("app.handler", code_dir=code(app=BROKEN_STR),
                        environment=environment) as fn:
        r = fn.invoke({})
        assert r.error is not None and r.error["errorType"] == "Runtime.ExitError"
        assert r.error["errorMessage"].endswith("Runtime exited with error: exit status 1")
        assert "AttributeError: 'ApiError' object has no attribute 'detail'\n" in \
            [*r.init_logs.messages, *r.logs.messages]
        assert r.report is not None and r.report.error_type == "Runtime.ExitError"
        assert fn.invoke({}).cold_start


INTERRUPTED_CONTEXT = """
import contextlib, contextvars, time

VAR = contextvars.ContextVar("request")

@contextlib.contextmanager
def scoped(value):
    token = VAR.set(value)  # what botocore's start_as_current_context does
    try:
        yield
    finally:
        VAR.reset(token)

def handler(event, context):
    manager = scoped(context.aws_request_id)
    manager.__enter__()  # the timeout lands here, before the with block takes it over
    while True:
        time.sleep(0.01)
"""


def test_a_timeout_between_enter_and_with_leaves_nothing_to_fail_later(
        code: CodeWriter, short_timeout: Shortener) -> None:
    """The half-entered context manager is closed in the environment's context: collected
    later in the test's, its token reset raised "was created in a different Context" as an
    unraisable exception (an error here, under ``filterwarnings = error``)."""
    import gc

    with short_timeout(LambdaFunction("app.handler", code_dir=code(app=INTERRUPTED_CONTEXT))) \
            as fn:
        assert fn.invoke({}).timed_out
    gc.collect()


RELOAD_LOGGING = """
import importlib, logging

importlib.reload(logging)  # the idiom that drops the runtime's root handler
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
log = logging.getLogger("reloading.app")

def handler(event, context):
    log.info("from the handler")
    return logging.getLogger().level
"""


def test_reloading_logging_in_the_handler_leaves_the_tests_logging_alone(
        code: CodeWriter, caplog: pytest.LogCaptureFixture) -> None:
    """``importlib.reload(logging)`` re-executed the module the test process shares: a new
    root logger and manager for the session, and caplog saw nothing from the test's loggers
    afterwards. The environment's logging is reset instead (what the idiom is after)."""
    root, manager = logging.root, logging.Logger.manager
    test_log = logging.getLogger("tests.pl_after_reload")
    with LambdaFunction("app.handler", code_dir=code(app=RELOAD_LOGGING)) as fn:
        for _ in range(2):
            r = fn.invoke({})
            assert r.payload == logging.INFO
            assert "INFO from the handler\n" in r.logs.messages
    assert logging.root is root and logging.Logger.manager is manager
    with caplog.at_level(logging.INFO):
        test_log.info("seen by caplog")
    assert "seen by caplog" in caplog.text


def test_the_handler_reads_no_input(code: CodeWriter) -> None:
    """Standard input is empty for the handler (it was the test's: pytest's, or the terminal
    under ``-s``, where the read blocked the session); the test's is back afterwards."""
    before = sys.stdin
    app = "import sys\ndef handler(event, context):\n    return sys.stdin.read()\n"
    with LambdaFunction("app.handler", code_dir=code(app=app)) as fn:
        assert fn.invoke({}).payload == ""
        assert fn.invoke({}).payload == ""
    assert sys.stdin is before


def test_the_handlers_stdin_has_a_descriptor_and_a_buffer(code: CodeWriter) -> None:
    """As the runtime's stdin: ``fileno()`` gives a descriptor that reads nothing, and
    ``buffer`` an empty binary stream (both raised)."""
    app = ("import os, sys\n"
           "def handler(event, context):\n"
           "    raw = os.read(sys.stdin.fileno(), 10)\n"
           "    return [raw.decode(), sys.stdin.buffer.read().decode()]\n")
    with LambdaFunction("app.handler", code_dir=code(app=app)) as fn:
        assert fn.invoke({}).payload == ["", ""]


def test_the_hooks_are_read_in_the_order_they_are_listed() -> None:
    """``_read_hooks`` (direct reads, on every phase edge) follows ``_HOOKS``."""
    from pytest_lambda.runtime import isolation

    assert isolation._read_hooks() == tuple(
        getattr(owner, name) for owner, name in isolation._HOOKS)


UNVERIFIED_TLS = """
import ssl

ssl._create_default_https_context = ssl._create_unverified_context  # "skip certificate checks"

def handler(event, context):
    return ssl._create_default_https_context is ssl._create_unverified_context
"""


def test_turning_certificate_checks_off_stays_in_the_environment(code: CodeWriter) -> None:
    """The known idiom that makes urllib skip certificate checks is the function's own: in the
    test process (its other HTTPS clients) certificates are still checked."""
    import ssl

    before = ssl._create_default_https_context
    with LambdaFunction("app.handler", code_dir=code(app=UNVERIFIED_TLS)) as fn:
        assert fn.invoke({}).payload is True
        assert ssl._create_default_https_context is before
        assert fn.invoke({}).payload is True  # kept for its warm invocations
    assert ssl._create_default_https_context is before


FINALIZERS = """
import os, time

class Conn:
    def __del__(self):
        print("conn closed in", os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))

def handler(event, context):
    held = open(__file__)  # never closed: a ResourceWarning when freed (ignored on Lambda)
    conn = Conn()
    if event.get("marshal"):
        return {"conn": conn}
    if event.get("sleep"):
        time.sleep(5)
    raise ValueError("boom")
"""


@pytest.mark.parametrize("event", [{}, {"marshal": True}], ids=["raised", "marshal-error"])
def test_a_failed_invocations_objects_are_freed_in_its_environment(
        code: CodeWriter, capsys: pytest.CaptureFixture[str], event: dict[str, Any]) -> None:
    """The objects in a failed invocation's frames are freed as it ends, in its environment:
    a finalizer's output is the function's log line, an unclosed file's ResourceWarning meets
    the function's (default) filters. Left to a later collection they printed into another
    test's output, with the test's environment, and under ``filterwarnings = error`` gave that
    test an error."""
    import gc

    with LambdaFunction("app.handler", code_dir=code(app=FINALIZERS), name="fn") as fn:
        r = fn.invoke(event)
    assert r.function_error == "Unhandled"
    assert "conn closed in fn\n" in r.logs.messages
    gc.collect()  # nothing left for the test process to finalize (an unraisable would fail)
    assert capsys.readouterr().out == ""


def test_a_timed_out_invocations_objects_print_nothing(
        code: CodeWriter, capsys: pytest.CaptureFixture[str], short_timeout: Shortener) -> None:
    """Lambda kills a timed-out runtime: no finalizer output anywhere (it was the test's)."""
    import gc

    with short_timeout(LambdaFunction("app.handler", code_dir=code(app=FINALIZERS))) as fn:
        r = fn.invoke({"sleep": True})
    assert r.timed_out
    gc.collect()
    assert "conn closed" not in capsys.readouterr().out + r.logs.text


ASYNC_HANDLER = """
async def handler(event, context):
    return {"ok": True}
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_an_async_handler_gets_the_runtimes_never_awaited_warning(
        code: CodeWriter, isolation: str) -> None:
    """The runtime never awaits an ``async def`` handler's coroutine: MarshalError, then
    Python's warning on the runtime's stderr as the coroutine is freed in its ``run`` loop (the
    real client's lines); none of it reaches the test process."""
    import gc

    with LambdaFunction("app.handler", code_dir=code(app=ASYNC_HANDLER), runtime="python3.12",
                        isolation=isolation) as fn:
        r = fn.invoke({})
    assert r.error is not None and r.error["errorType"] == "Runtime.MarshalError"
    where = "/var/lang/lib/python3.12/site-packages/awslambdaric/bootstrap.py"
    assert r.logs.messages[2:5] == [
        f"{where}:549: RuntimeWarning: coroutine 'handler' was never awaited\n",
        "  handle_event_request(\n",
        "RuntimeWarning: Enable tracemalloc to get the object allocation traceback\n"]
    assert r.logs.messages[1].startswith("[ERROR] Runtime.MarshalError")
    gc.collect()  # no coroutine left for the test process (a RuntimeWarning here is an error)


RANDOM_APP = """
import random
INSTANCE = random.getrandbits(64)  # an instance id drawn at Init

def handler(event, context):
    if "seed" in event:
        random.seed(event["seed"])
    return {"instance": INSTANCE, "draws": [random.random() for _ in range(2)]}
"""


def test_the_random_module_is_each_environments_once_seeded(code: CodeWriter) -> None:
    """Init draws from a freshly seeded generator (a seeded test gave every cold start the same
    values); a seed the code sets is its own stream from phase to phase, never the test's."""
    import random

    root = code(app=RANDOM_APP)
    with LambdaFunction("app.handler", code_dir=root) as first, \
            LambdaFunction("app.handler", code_dir=root) as second:
        random.seed(7)
        a = first.invoke({}).payload
        random.seed(7)
        b = second.invoke({}).payload
        assert a["instance"] != b["instance"]
        random.seed(3)
        expected = [random.random() for _ in range(3)]
        random.seed(3)
        seeded = first.invoke({"seed": 42}).payload["draws"]
        later = first.invoke({}).payload["draws"]
        assert [random.random() for _ in range(3)] == expected  # the test's stream, untouched
    random.seed(42)
    own = [random.random() for _ in range(4)]
    assert seeded + later == own  # the function's stream went on from its seed


SDK_PATCHES = """
import http.client, logging, mimetypes

mimetypes.add_type("image/x-sdk-test", ".sdktest")  # an upload handler's extra type
mimetypes.add_type("text/x-sdk-test", ".txt")  # and a changed one


class Proxy:  # what wrapt's FunctionWrapper is like: equal to the function it wraps
    def __init__(self, wrapped):
        self.__wrapped__ = wrapped

    def __eq__(self, other):
        return other is self or other == self.__wrapped__

    def __hash__(self):
        return hash(self.__wrapped__)

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)


import subprocess
subprocess.list2cmdline = Proxy(subprocess.list2cmdline)

# What Sentry's init does: wrap the standard library's functions it finds.
_original = logging.Logger.callHandlers
CALLS = []

def call_handlers(self, record):
    CALLS.append(record.getMessage())
    return _original(self, record)

call_handlers.depth = getattr(_original, "depth", 0) + 1
logging.Logger.callHandlers = call_handlers
http.client.HTTPConnection.sdk_marker = True
import json
json.JSONEncoder.default = lambda self, o: str(o)  # "make everything serialisable"
import botocore.client  # shared with the test process: OpenTelemetry's botocore instrumentor
_api_call = botocore.client.BaseClient._make_api_call

def traced(self, operation, params):
    return _api_call(self, operation, params)

traced.depth = getattr(_api_call, "depth", 0) + 1
botocore.client.BaseClient._make_api_call = traced

def handler(event, context):
    logging.getLogger("app").warning("hello")
    return {"calls": len(CALLS), "depth": logging.Logger.callHandlers.depth,
            "marker": getattr(http.client.HTTPConnection, "sdk_marker", False),
            "type": mimetypes.guess_type("a.sdktest")[0],
            "txt": mimetypes.guess_type("a.txt")[0],
            "proxy": type(subprocess.list2cmdline).__name__,
            "traced": botocore.client.BaseClient._make_api_call.depth}
"""


def test_standard_library_patches_made_at_init_stay_the_environments(
        code: CodeWriter) -> None:
    """An SDK's patches to the standard library at Init are the environment's own in each of
    its phases and never the test's; a fresh cold start wraps the original again, not the last
    environment's wrapper (they piled up, one layer per cold start)."""
    import http.client
    import json
    import mimetypes

    original = logging.Logger.callHandlers
    json_default = json.JSONEncoder.default
    import botocore.client

    api_call = botocore.client.BaseClient._make_api_call
    import subprocess

    list2cmdline = subprocess.list2cmdline
    mine = {"depth": 1, "marker": True, "type": "image/x-sdk-test", "traced": 1,
            "txt": "text/x-sdk-test", "proxy": "Proxy"}
    with LambdaFunction("app.handler", code_dir=code(app=SDK_PATCHES)) as fn:
        for _cold in range(4):
            assert fn.invoke({}).payload == {"calls": 1, **mine}
            assert fn.invoke({}).payload == {"calls": 2, **mine}
            assert logging.Logger.callHandlers is original
            assert not hasattr(http.client.HTTPConnection, "sdk_marker")
            assert mimetypes.guess_type("a.sdktest") == (None, None)
            assert mimetypes.guess_type("a.txt") == ("text/plain", None)
            assert subprocess.list2cmdline is list2cmdline
            assert json.JSONEncoder.default is json_default
            assert botocore.client.BaseClient._make_api_call is api_call
            fn.cold_start()
    assert logging.Logger.callHandlers is original


PROCESS_SETTINGS = """
import gc, logging
logging.addLevelName(logging.WARNING, "WARN")  # another service's level names
logging.addLevelName(5, "TRACE")
gc.set_threshold(50_000, 20, 20)  # a Lambda tuning tip

def handler(event, context):
    logging.getLogger("app").warning("careful")
    return [logging.getLevelName(logging.WARNING), logging.getLevelName(5), gc.get_threshold()]
"""


def test_level_names_and_gc_thresholds_are_the_environments(code: CodeWriter) -> None:
    """``logging.addLevelName`` and ``gc.set_threshold`` at Init hold in every invocation and
    never reach the test process (its records said ``WARN``; its collector was retuned)."""
    import gc

    thresholds = gc.get_threshold()
    with LambdaFunction("app.handler", code_dir=code(app=PROCESS_SETTINGS)) as fn:
        for _ in range(2):
            r = fn.invoke({})
            assert r.payload == ["WARN", "TRACE", [50_000, 20, 20]]
            assert r.logs.messages[1].startswith("[WARN]\t")
            assert logging.getLevelName(logging.WARNING) == "WARNING"
            assert logging.getLevelName(5) == "Level 5"
            assert gc.get_threshold() == thresholds


LOCALE_APP = """
import locale

def handler(event, context):
    if "locale" in event:  # a handler formatting amounts or dates for one country
        locale.setlocale(locale.LC_ALL, event["locale"])
    return locale.setlocale(locale.LC_ALL)
"""


def test_the_locale_the_code_sets_is_the_environments(code: CodeWriter) -> None:
    """``locale.setlocale`` in the code holds in its later invocations, as in its own process,
    and never reaches the test process (every later test formatted numbers and dates, and
    compared strings, in the function's locale)."""
    import locale

    before = locale.setlocale(locale.LC_ALL)
    other = "C" if before != "C" else "C.UTF-8"
    try:
        with LambdaFunction("app.handler", code_dir=code(app=LOCALE_APP)) as fn:
            assert fn.invoke({"locale": other}).payload == other
            assert locale.setlocale(locale.LC_ALL) == before
            assert fn.invoke({}).payload == other
            assert locale.setlocale(locale.LC_ALL) == before
            fn.cold_start()
            assert fn.invoke({}).payload == before  # a new environment starts from the test's
        assert locale.setlocale(locale.LC_ALL) == before
    finally:
        locale.setlocale(locale.LC_ALL, before)  # a failure here leaves no locale behind


IMPORT_HOOK = """
import sys

class Watchdog:  # what ddtrace's ModuleWatchdog does: a finder first on sys.meta_path
    def find_spec(self, name, path=None, target=None):
        return None

sys.meta_path.insert(0, Watchdog())

def handler(event, context):
    return sum(type(f).__name__ == "Watchdog" for f in sys.meta_path)
"""


def test_import_finders_the_code_installs_are_the_environments(code: CodeWriter) -> None:
    """A finder the code puts on ``sys.meta_path`` at Init is there in its phases only: the
    test process's imports don't go through it, and each cold start has its own one (they
    used to pile up, one more per cold start, for the rest of the session)."""
    before = list(sys.meta_path)
    with LambdaFunction("app.handler", code_dir=code(app=IMPORT_HOOK)) as fn:
        for _ in range(3):
            assert [fn.invoke({}).payload for _ in range(2)] == [1, 1]
            assert sys.meta_path == before
            fn.cold_start()
    assert sys.meta_path == before


PATH_HOOK = """
import os, sys

class Finder:  # a path entry finder for one directory, as a zip or bundle importer makes
    def __init__(self, path):
        if not path.endswith(".bundle"):
            raise ImportError(path)
        self.path = path
    def find_spec(self, name, target=None):
        return None

sys.path_hooks.insert(0, Finder)

def ours():
    return sum(h is Finder for h in sys.path_hooks)

def handler(event, context):
    if event.get("add"):
        sys.path_hooks.append(Finder)  # once more, last, after Init
    bundle = os.path.join("/tmp", "code.bundle")
    sys.path.append(bundle)
    try:
        __import__("no_such_module_in_a_bundle")
    except ImportError:
        pass
    finally:
        sys.path.remove(bundle)
    return [ours(), type(sys.path_importer_cache.get(bundle)).__name__]
"""


def test_path_hooks_the_code_installs_are_the_environments(code: CodeWriter) -> None:
    """A path entry hook the code puts on ``sys.path_hooks`` (at Init or later) is there in its
    phases only, as in its own process, and so are the finders it made: the test process's
    imports went on through every cold start's hook, one more each, for the rest of the
    session."""
    before = list(sys.path_hooks)
    cached = set(sys.path_importer_cache)
    with LambdaFunction("app.handler", code_dir=code(app=PATH_HOOK)) as fn:
        for _ in range(2):
            assert fn.invoke({}).payload == [1, "Finder"]
            assert fn.invoke({"add": True}).payload == [2, "Finder"]
            assert fn.invoke({"add": True}).payload == [3, "Finder"]
            assert sys.path_hooks == before
            assert not any(type(f).__name__ == "Finder"
                           for f in sys.path_importer_cache.values())
            fn.cold_start()
    assert sys.path_hooks == before
    assert set(sys.path_importer_cache) <= cached | {str(fn.config.code_dir)}


def test_os_exit_from_another_thread_of_the_test_process_is_the_real_one(
        code: CodeWriter, tmp_path: Path) -> None:
    """Only the function's code is caught calling ``os._exit`` (or sending itself a signal):
    from another thread of the test process during a phase (pytest-timeout's timer ends a
    hung test with ``os._exit(1)``) it is the real call. It used to stop that thread only:
    the hung test then passed."""
    import subprocess

    root = code(app="import time\ndef handler(event, context):\n    time.sleep(2)\n")
    script = tmp_path / "script.py"
    script.write_text(
        "import os, threading, time\n"
        "from pytest_lambda import LambdaFunction\n"
        f"fn = LambdaFunction('app.handler', code_dir={str(root)!r}, timeout=5)\n"
        "threading.Thread(target=lambda: (time.sleep(0.3), os._exit(7))).start()\n"
        "fn.invoke({})\n"
        "print('the session went on')\n")
    # The process ends at once, as os._exit does: its function's /tmp goes to pytest's folder.
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, check=False, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert (done.returncode, done.stdout) == (7, ""), done.stderr
