"""Coverage across process isolation workers, measured as users measure it (pytest --cov)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from typing import Any

import pytest

pytest.importorskip("pytest_cov")

_HANDLER = """\
import time


def handler(event, context):
    if event.get("isolated"):
        where = "worker"
    else:
        where = "test process"
    if event.get("hang"):
        reached_before_timeout = True
        time.sleep(30)
        never_reached = True
        return never_reached and reached_before_timeout
    return where
"""

_TESTS = """\
import pytest


@pytest.mark.lambda_isolation("process")
def test_isolated(lambda_function):
    assert lambda_function("app.handler").invoke({"isolated": True}).payload == "worker"


@pytest.mark.lambda_isolation("process")
@pytest.mark.lambda_timeout(1)
def test_timed_out(lambda_function):
    assert lambda_function("app.handler").invoke({"hang": True}).report.status == "timeout"


def test_in_process(lambda_function):
    assert lambda_function("app.handler").invoke({}).payload == "test process"
"""


def _line(source: str, text: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


def _run_with_coverage(pytester: pytest.Pytester, xdist: list[str]) -> dict[str, Any]:
    """Run the handler's tests under ``--cov-branch``; the JSON report's entry for app.py."""
    pytester.mkdir("src")
    pytester.path.joinpath("src", "app.py").write_text(_HANDLER)
    pytester.makeini("[pytest]\nlambda_code_dir = src\n")
    pytester.makepyfile(test_app=textwrap.dedent(_TESTS))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", *xdist, "--cov=src", "--cov-branch",
        "--cov-report=json:cov.json")
    result.assert_outcomes(passed=3)
    data = json.loads(pytester.path.joinpath("cov.json").read_text())
    app: dict[str, Any] = next(v for k, v in data["files"].items() if k.endswith("app.py"))
    return app


def test_timed_out_worker_lines_before_the_timeout_are_covered(pytester: pytest.Pytester) -> None:
    """A worker killed at its timeout keeps the lines it ran before the deadline."""
    executed = set(_run_with_coverage(pytester, [])["executed_lines"])
    assert _line(_HANDLER, "reached_before_timeout = True") in executed
    assert _line(_HANDLER, "time.sleep(30)") in executed


_DEFIANT = """\
import signal
import time


def spin():
    total = 0
    for i in range(20000):
        total += i


def sleeper(event, context):
    time.sleep(30)


def swallow(event, context):
    while True:
        try:
            spin()
        except BaseException:
            pass


def ignore(event, context):
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        spin()
"""

_DEFIANT_TESTS = """\
import sys

import pytest


@pytest.mark.lambda_timeout(1)
@pytest.mark.parametrize("name", ["sleeper", "swallow", "ignore"])
def test_stopped(lambda_function, name):
    tracer = sys.gettrace()
    result = lambda_function(f"defiant.{name}").invoke({})
    assert result.payload["errorType"] == "Sandbox.Timedout"
    assert sys.gettrace() is tracer
"""


def test_in_process_timeouts_under_pytest_cov(pytester: pytest.Pytester) -> None:
    """Under pytest-cov, sleeping and timer-defeating handlers stop and their lines count."""
    pytester.mkdir("src")
    pytester.path.joinpath("src", "defiant.py").write_text(_DEFIANT)
    pytester.makeini("[pytest]\nlambda_code_dir = src\n")
    pytester.makepyfile(test_defiant=_DEFIANT_TESTS)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--cov=src", "--cov-report=json:cov.json", timeout=120)
    result.assert_outcomes(passed=3)
    files = json.loads(pytester.path.joinpath("cov.json").read_text())["files"]
    executed = set(next(v for k, v in files.items() if k.endswith("defiant.py"))[
        "executed_lines"])
    # The swallowing loop's ``except`` body runs only after the deadline: on 3.12+ the
    # timeout lands as it starts, so its ``pass`` never completes there.
    needed = ["total += i", "time.sleep(30)", "signal.signal(signal.SIGALRM"]
    if sys.version_info < (3, 12):
        needed.append("pass")
    missing = [text for text in needed if _line(_DEFIANT, text) not in executed]
    assert not missing, (missing, sorted(executed), result.stdout.str()[-3000:])


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_process_worker_lines_count_as_covered(pytester: pytest.Pytester,
                                               xdist: list[str]) -> None:
    """Lines and branches run only in process workers are covered."""
    app = _run_with_coverage(pytester, xdist)
    executed = set(app["executed_lines"])
    assert _line(_HANDLER, 'where = "worker"') in executed
    assert _line(_HANDLER, 'where = "test process"') in executed  # in-process, as before
    assert _line(_HANDLER, "never_reached = True") not in executed
    assert _line(_HANDLER, "reached_before_timeout = True") in executed  # timed-out worker
    # Both ways out of the isolation branch were taken: one only in a worker.
    branch = _line(_HANDLER, 'if event.get("isolated")')
    assert all(b[0] != branch for b in app["missing_branches"])
    assert not list(pytester.path.glob(".coverage.*")), "worker data files were not combined"




def test_process_worker_with_relative_files(pytester: pytest.Pytester) -> None:
    """With ``relative_files = true`` worker data names files as the test process does."""
    pytester.mkdir("src")
    pytester.path.joinpath("src", "app.py").write_text(_HANDLER)
    pytester.makeini("[pytest]\nlambda_code_dir = src\n")
    pytester.path.joinpath(".coveragerc").write_text("[run]\nrelative_files = true\n")
    pytester.makepyfile(test_app=textwrap.dedent(_TESTS))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--cov=src", "--cov-report=json:cov.json")
    result.assert_outcomes(passed=3)
    files = json.loads(pytester.path.joinpath("cov.json").read_text())["files"]
    assert list(files) == [os.path.join("src", "app.py")]
    assert _line(_HANDLER, 'where = "worker"') in files[os.path.join("src", "app.py")][
        "executed_lines"]


_INIT_HANDLER = """\
import os

import helper

if os.environ["AWS_LAMBDA_FUNCTION_NAME"] == "first":
    ROLE = "first at init"
else:
    ROLE = "second at init"


def handler(event, context):
    return [ROLE, helper.COPY]
"""

_HELPER = """\
import os

COPY = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
if COPY == "second":
    SECOND_COPY = True
"""


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_in_process_init_code_of_each_environments_copy_is_covered(
        pytester: pytest.Pytester, xdist: list[str]) -> None:
    """In-process, Init (module-level) code counts, in every environment's fresh module
    copy: the second function's Init takes the other arm of a branch, in its own copy of
    the handler and of the module it imports."""
    pytester.mkdir("src")
    pytester.path.joinpath("src", "app.py").write_text(_INIT_HANDLER)
    pytester.path.joinpath("src", "helper.py").write_text(_HELPER)
    pytester.makeini("[pytest]\nlambda_code_dir = src\n")
    pytester.makepyfile(test_init="""
        def test_two_environments(lambda_function):
            first = lambda_function("app.handler", name="first").invoke({}).payload
            second = lambda_function("app.handler", name="second").invoke({}).payload
            assert first == ["first at init", "first"]
            assert second == ["second at init", "second"]
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *xdist, "--cov=src",
                                           "--cov-branch", "--cov-report=json:cov.json")
    result.assert_outcomes(passed=1)
    files = json.loads(pytester.path.joinpath("cov.json").read_text())["files"]
    app = next(v for k, v in files.items() if k.endswith("app.py"))
    helper = next(v for k, v in files.items() if k.endswith("helper.py"))
    assert app["missing_lines"] == [] and app["missing_branches"] == []
    assert helper["missing_lines"] == [] and helper["missing_branches"] == []


_HOG = """\
def handler(event, context):
    if event.get("first"):
        first_invocation = True
        return first_invocation
    hog = bytearray(300 * 1024 * 1024)
    for i in range(0, len(hog), 4096):
        hog[i] = 1
    return "survived"
"""


def test_worker_killed_over_its_memory_keeps_earlier_invocations(
        pytester: pytest.Pytester) -> None:
    """A worker SIGKILLed at the memory limit loses only the invocation it was killed in: the
    data flushed after the earlier one is combined."""
    pytester.mkdir("src")
    pytester.path.joinpath("src", "hog.py").write_text(_HOG)
    pytester.makeini("[pytest]\nlambda_code_dir = src\n")
    pytester.makepyfile(test_hog="""
        import pytest

        @pytest.mark.lambda_isolation("process")
        def test_warm_then_out_of_memory(lambda_function):
            fn = lambda_function("hog.handler", timeout=30, memory_size=128)
            assert fn.invoke({"first": True}).payload is True
            assert fn.invoke({}).report.error_type == "Runtime.OutOfMemory"
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--cov=src",
                                           "--cov-report=json:cov.json")
    result.assert_outcomes(passed=1)
    files = json.loads(pytester.path.joinpath("cov.json").read_text())["files"]
    executed = set(next(v for k, v in files.items() if k.endswith("hog.py"))["executed_lines"])
    assert _line(_HOG, "first_invocation = True") in executed
    assert _line(_HOG, 'return "survived"') not in executed


def test_process_worker_with_coverage_plugins_configured(pytester: pytest.Pytester) -> None:
    """``[run] plugins`` (ours for Node.js lines, as docs/coverage.md says) reach the worker
    by the configuration file: coverage's ``plugins=`` argument wants callables, not names."""
    pytester.path.joinpath(".coveragerc").write_text(
        "[run]\nplugins = pytest_lambda.observe.coverage_js\n")
    executed = set(_run_with_coverage(pytester, [])["executed_lines"])
    assert _line(_HANDLER, 'where = "worker"') in executed
    assert _line(_HANDLER, "reached_before_timeout = True") in executed


_NODE_HANDLER = """\
exports.handler = async (event) => {
  if (event.big) {
    const size = 'big';
    return size.toUpperCase();
  }
  return 'small';
};
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node on PATH")
@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_node_handler_lines_count_for_its_function(pytester: pytest.Pytester,
                                                   xdist: list[str]) -> None:
    """A Node.js handler's lines run by the suite are counted in its function's coverage."""
    pytester.mkdir("node")
    pytester.path.joinpath("node", "index.js").write_text(_NODE_HANDLER)
    pytester.makepyfile(test_node="""
        def test_small(lambda_function):
            fn = lambda_function("index.handler", code_dir="node", runtime="nodejs20.x",
                                 name="sizes")
            assert fn.invoke({}).payload == "small"
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *xdist, "--cov=.",
                                           "--lambda-cov-fail-under=sizes=90")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # 4 code lines (export, if, const, return x2 = 5): the small path runs 3 of 5.
    result.stdout.fnmatch_lines(["sizes*1*3/5*60.00%*90%*FAIL: lines 60.00% < 90%"])
