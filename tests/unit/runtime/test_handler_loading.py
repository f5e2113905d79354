"""Handler strings and init failures, with the Python runtime's exact error payloads."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture



def test_dotted_module_handler(code: CodeWriter) -> None:
    """``pkg.module.function`` imports the package module and calls the function."""
    root = code(pkg____init__="", pkg__orders="def handle(e, c):\n    return 'pkg'\n")
    assert LambdaFunction("pkg.orders.handle", code_dir=root).invoke({}).payload == "pkg"


def test_path_style_handler(code: CodeWriter) -> None:
    """``path/to/module.function`` is turned into a dotted import, as Lambda does."""
    root = code(src__api__app="def handler(e, c):\n    return 'path'\n")
    assert LambdaFunction("src/api/app.handler", code_dir=root).invoke({}).payload == "path"


def test_malformed_handler_name(code: CodeWriter) -> None:
    """A handler without a dot is Runtime.MalformedHandlerName with the runtime's message."""
    root = code(app="def handler(e, c):\n    return 1\n")
    r = LambdaFunction("app", code_dir=root, name="f").invoke({})
    assert r.function_error == "Unhandled"
    assert r.payload == {
        "errorMessage": "Bad handler 'app': not enough values to unpack (expected 2, got 1)",
        "errorType": "Runtime.MalformedHandlerName",
        "requestId": "",
        "stackTrace": [],
    }


def test_builtin_module_conflict(code: CodeWriter) -> None:
    """A handler module named like a built-in module is refused."""
    root = code(app="")
    r = LambdaFunction("sys.hello", code_dir=root, name="f").invoke({})
    assert r.error is not None
    assert r.error["errorType"] == "Runtime.BuiltInModuleConflict"
    assert r.error["errorMessage"] == "Cannot use built-in module sys as a handler module"


def test_module_not_found(code: CodeWriter) -> None:
    """A missing module is Runtime.ImportModuleError naming the module as written."""
    root = code(app="")
    r = LambdaFunction("nope/missing.handler", code_dir=root, name="f").invoke({})
    assert r.error == {
        "errorMessage": "Unable to import module 'nope/missing': No module named 'nope'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }


def test_missing_dependency(code: CodeWriter) -> None:
    """An import error inside the handler module is reported the same way."""
    root = code(app="import requests_not_installed_xyz\n")
    r = LambdaFunction("app.handler", code_dir=root).invoke({})
    assert r.error is not None
    assert r.error["errorMessage"] == (
        "Unable to import module 'app': No module named 'requests_not_installed_xyz'")


def test_handler_not_found(code: CodeWriter) -> None:
    """A missing function is Runtime.HandlerNotFound, an init failure in current runtimes."""
    root = code(app="x = 1\n")
    fn = LambdaFunction("app.handler", code_dir=root)
    first, second = fn.invoke({}), fn.invoke({})
    assert first.error == {
        "errorMessage": "Handler 'handler' missing on module 'app'",
        "errorType": "Runtime.HandlerNotFound",
        "requestId": "",
        "stackTrace": [],
    }
    assert any("Status: error\tError Type: Runtime.HandlerNotFound" in m
               for m in first.init_logs.messages)
    assert second.cold_start is True


def test_syntax_error(code: CodeWriter) -> None:
    """A syntax error is Runtime.UserCodeSyntaxError with the runtime's one-entry trace."""
    root = code(app="def handler(e, c)\n    return 1\n")
    r = LambdaFunction("app.handler", code_dir=root).invoke({})
    assert r.error is not None
    assert r.error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert r.error["errorMessage"] == "Syntax error in module 'app': expected ':' (app.py, line 1)"
    assert r.error["stackTrace"] == [
        f'  File "{root / "app.py"}" Line 1\n    def handler(e, c)\n']


def test_exception_during_import(code: CodeWriter) -> None:
    """Any other exception at import time keeps its own type and message."""
    root = code(app="import os\nTABLE = os.environ['TABLE']\n")
    r = LambdaFunction("app.handler", code_dir=root).invoke({})
    assert r.error is not None
    assert r.error["errorType"] == "KeyError"
    assert r.error["errorMessage"] == "'TABLE'"
    assert r.error["requestId"] == ""
    assert any("TABLE = os.environ['TABLE']" in line for line in r.error["stackTrace"])
    assert not any("pytest_lambda" in line for line in r.error["stackTrace"])


def test_init_failure_logs_and_retry(code: CodeWriter) -> None:
    """A failed init is logged, retried before START (suppressed init), and again next time."""
    root = code(app="print('importing')\nraise RuntimeError('bad config')\n")
    fn = LambdaFunction("app.handler", code_dir=root)
    r = fn.invoke({})
    init = r.init_logs.messages
    assert init[0].startswith("INIT_START ")
    assert init.count("importing\n") == 2
    assert sum(m.startswith("INIT_START") for m in init) == 1
    warnings = [m for m in init if "LAMBDA_WARNING: Unhandled exception." in m]
    assert len(warnings) == 2
    assert re.fullmatch(r"\[WARNING\]\t\S+Z\t\tLAMBDA_WARNING: Unhandled exception\. .*\n",
                        warnings[0])
    # The whole paragraph of the runtime, ending with its carriage return (awslambdaric 4.2.2).
    assert warnings[0].endswith(
        "by temporarily rolling back to the previous runtime version. For more information, see "
        "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r\n")
    errors = [m for m in init if m.startswith("[ERROR]")]
    assert errors[0].startswith(
        "[ERROR] RuntimeError: bad config\nTraceback (most recent call last):\n")
    reports = [m for m in init if m.startswith("INIT_REPORT")]
    assert re.fullmatch(r"INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error\t"
                        r"Error Type: Runtime.Unknown\n", reports[0])
    assert reports[1].startswith("INIT_REPORT Init Duration: ")
    assert "\tPhase: invoke\tStatus: error\tError Type: Runtime.Unknown" in reports[1]
    assert r.logs.messages == [
        f"START RequestId: {r.request_id} Version: $LATEST\n",
        f"END RequestId: {r.request_id}\n",
        r.logs.messages[-1],
    ]
    assert r.logs.messages[-1].endswith("Status: error\tError Type: Runtime.Unknown\n")
    assert "Init Duration" not in r.logs.messages[-1]
    again = fn.invoke({})
    assert again.cold_start is True
    assert again.error is not None
    assert again.error["errorType"] == "RuntimeError"


@pytest.mark.parametrize("isolation", ["in-process", "process"])
@pytest.mark.parametrize(("exit_call", "reason"), [
    ("sys.exit(2)", "Runtime exited with error: exit status 2"),
    ("os._exit(0)", "Runtime exited without providing a reason"),
])
def test_an_exit_during_init_logs_only_what_the_module_wrote(
        code: CodeWriter, isolation: str, exit_call: str, reason: str) -> None:
    """``sys.exit`` at import passes the runtime's ``except Exception``: its process ends
    having logged nothing (no LAMBDA_WARNING, no [ERROR] record, as awslambdaric 4.2.2;
    the differential case py-init-sys-exit), in both isolation modes."""
    root = code(app=f"import os, sys\nprint('checking')\n{exit_call}\n"
                    "def handler(e, c):\n    return 1\n")
    with LambdaFunction("app.handler", code_dir=root, isolation=isolation) as fn:
        r = fn.invoke({})
    assert r.payload == {"errorType": "Runtime.ExitError", "errorMessage": f"Error: {reason}"}
    lines = [m for m in r.init_logs.messages if not m.startswith(("INIT_START", "INIT_REPORT"))]
    assert lines == ["checking\n", "checking\n"]  # the init, then its retry in the invoke


def test_import_error_keeps_runtime_error_type_on_platform_lines(code: CodeWriter) -> None:
    """Runtime.* error types appear unchanged on INIT_REPORT and REPORT."""
    r = LambdaFunction("missing_mod.handler", code_dir=code(app="")).invoke({})
    assert any("Phase: init\tStatus: error\tError Type: Runtime.ImportModuleError" in m
               for m in r.init_logs.messages)
    assert r.logs.messages[-1].endswith("Status: error\tError Type: Runtime.ImportModuleError\n")


def test_init_recovers_when_code_is_fixed(code: CodeWriter) -> None:
    """Init is not cached as failed: once the code imports, the next invoke succeeds."""
    root = code(app="raise RuntimeError('not yet')\n")
    fn = LambdaFunction("app.handler", code_dir=root)
    assert fn.invoke({}).function_error == "Unhandled"
    code(app="def handler(e, c):\n    return 'fixed'\n")
    assert fn.invoke({}).payload == "fixed"


def test_two_functions_with_same_module_name_do_not_collide(tmp_path: Path,
                                                            code: CodeWriter) -> None:
    """Two code directories that both have ``app.py`` load their own module each."""
    one = code(app="def handler(e, c):\n    return 'one'\n")
    two = tmp_path / "other"
    two.mkdir()
    (two / "app.py").write_text("def handler(e, c):\n    return 'two'\n")
    f1 = LambdaFunction("app.handler", code_dir=one)
    f2 = LambdaFunction("app.handler", code_dir=two)
    assert [f1.invoke({}).payload, f2.invoke({}).payload, f1.invoke({}).payload] == [
        "one", "two", "one"]
    assert "app" not in sys.modules


def test_lazy_import_inside_handler_stays_in_environment(code: CodeWriter) -> None:
    """A module imported at invoke time belongs to the environment, not the test process."""
    root = code(app="def handler(e, c):\n    import helper_mod\n    return helper_mod.X\n",
                helper_mod="X = 42\n")
    fn = LambdaFunction("app.handler", code_dir=root)
    assert fn.invoke({}).payload == 42
    assert "helper_mod" not in sys.modules
    assert fn.invoke({}).payload == 42


def test_test_process_copy_of_handler_module_is_not_reused(code: CodeWriter) -> None:
    """Init imports the handler fresh even when the test already imported the same file."""
    root = code(fresh_mod="STATE = []\ndef handler(e, c):\n    STATE.append(1)\n"
                          "    return len(STATE)\n")
    sys.path.insert(0, str(root))
    try:
        import fresh_mod  # type: ignore[import-not-found]

        fresh_mod.STATE.extend([0, 0, 0])
        fn = LambdaFunction("fresh_mod.handler", code_dir=root)
        assert fn.invoke({}).payload == 1
        assert sys.modules["fresh_mod"] is fresh_mod
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("fresh_mod", None)


SIGNATURES = """
not_callable = {"handler": "a dict"}
def one_argument(event):
    return event
def raises_type_error(event, context):
    raise TypeError("from the handler")
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
@pytest.mark.parametrize(("handler", "message"), [
    ("app.one_argument", "one_argument() takes 1 positional argument but 2 were given"),
    ("app.not_callable", "'dict' object is not callable"),
])
def test_call_into_the_handler_failing_keeps_the_runtime_frame(
        code: CodeWriter, isolation: str, handler: str, message: str) -> None:
    """A handler the runtime cannot call: its ``handle_event_request`` frame is the trace (the
    runtime strips its own frames only up to a frame of user code, and there is none), in the
    payload and in the logged error, as a captured python3.12 payload shows."""
    with LambdaFunction(handler, code_dir=code(app=SIGNATURES), runtime="python3.12",
                        isolation=isolation) as fn:
        r = fn.invoke({})
    frame = ('  File "/var/lang/lib/python3.12/site-packages/awslambdaric/bootstrap.py", '
             "line 178, in handle_event_request\n"
             "    response = request_handler(event, lambda_context)\n")
    assert r.payload == {"errorMessage": message, "errorType": "TypeError",
                         "requestId": r.request_id, "stackTrace": [frame]}
    # The text log indents the trace with no-break spaces, as the runtime's log line does.
    logged = [e.message for e in r.logs if e.message.startswith("[ERROR]")]
    assert logged == [
        f"[ERROR] TypeError: {message}\nTraceback (most recent call last):\n"
        '\u00a0\u00a0File "/var/lang/lib/python3.12/site-packages/awslambdaric/bootstrap.py", '
        "line 178, in handle_event_request\n"
        "\u00a0\u00a0\u00a0\u00a0response = request_handler(event, lambda_context)"]


def test_a_type_error_raised_by_the_handler_has_only_its_frames(code: CodeWriter) -> None:
    """A ``TypeError`` the handler raises itself keeps its own frame alone."""
    with LambdaFunction("app.raises_type_error", code_dir=code(app=SIGNATURES)) as fn:
        trace = fn.invoke({}).payload["stackTrace"]
    assert len(trace) == 1 and '/app.py", line 6, in raises_type_error' in trace[0]


def test_the_runtime_frame_follows_the_runtime() -> None:
    """python3.10 (Amazon Linux 2) has the client under /var/runtime; later images in their
    site-packages."""
    from pytest_lambda.runtime.handler import runtime_call_frame

    assert '"/var/runtime/awslambdaric/bootstrap.py", line 178' in runtime_call_frame("python3.10")
    assert ('"/var/lang/lib/python3.13/site-packages/awslambdaric/bootstrap.py", line 178'
            in runtime_call_frame("python3.13"))


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_a_base_exception_at_init_ends_the_runtime(code: CodeWriter, isolation: str) -> None:
    """The runtime imports the handler under ``except Exception``: a ``BaseException`` that is
    not an ``Exception`` (GeneratorExit, a custom one) ends its process, as during an
    invocation: Runtime.ExitError, not an init error named after the exception."""
    root = code(app="class Stop(BaseException):\n    pass\n"
                    "raise Stop('at import')\n"
                    "def handler(event, context):\n    return 1\n")
    with LambdaFunction("app.handler", code_dir=root, isolation=isolation) as fn:
        r = fn.invoke({})
    assert r.payload["errorType"] == "Runtime.ExitError"
    assert r.payload["errorMessage"].endswith("Runtime exited with error: exit status 1")


_CLIENT_CALL = ('  File "/var/lang/lib/python3.12/site-packages/awslambdaric/bootstrap.py", '
                "line 178, in handle_event_request\n"
                "    response = request_handler(event, lambda_context)\n")


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_the_runtime_trims_leading_bootstrap_frames_only(
        code: CodeWriter, isolation: str) -> None:
    """awslambdaric drops the leading frames of files whose path contains ``/bootstrap.py`` up
    to the first other one (all kept if there is none): a handler module named bootstrap.py
    that raises keeps the client's frame and its own; one calling another module keeps only
    that module's. We dropped our own frames wherever they were, which kept the handler's
    frame in the second case and lost the client's in the first (awslambdaric 4.2.2 run
    against a fake Runtime API shows both)."""
    root = code(bootstrap="import other\n"
                          "def direct(event, context):\n"
                          "    raise ValueError('here')\n"
                          "def nested(event, context):\n"
                          "    return other.fail()\n",
                other="def fail():\n    raise ValueError('there')\n")
    traces = []
    for handler in ("bootstrap.direct", "bootstrap.nested"):
        with LambdaFunction(handler, code_dir=root, runtime="python3.12",
                            isolation=isolation) as fn:
            traces.append(fn.invoke({}).payload["stackTrace"])
    assert traces == [
        [_CLIENT_CALL, f'  File "{root}/bootstrap.py", line 3, in direct\n'
                       "    raise ValueError('here')\n"],
        [f'  File "{root}/other.py", line 2, in fail\n    raise ValueError(\'there\')\n']]


def test_an_error_raised_again_carries_the_earlier_call_frame(code: CodeWriter) -> None:
    """A module-level exception object raised by two warm invocations: its traceback keeps the
    first raise's frames, the client's call frame between them, as on Lambda."""
    root = code(app="NOT_FOUND = LookupError('missing')\n"
                    "def handler(event, context):\n"
                    "    raise NOT_FOUND\n")
    raise_line = f'  File "{root}/app.py", line 3, in handler\n    raise NOT_FOUND\n'
    with LambdaFunction("app.handler", code_dir=root, runtime="python3.12") as fn:
        assert fn.invoke({}).payload["stackTrace"] == [raise_line]
        assert fn.invoke({}).payload["stackTrace"] == [raise_line, _CLIENT_CALL, raise_line]
