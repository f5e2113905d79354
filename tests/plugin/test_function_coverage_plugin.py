"""Coverage per function as users measure it: contexts, shared modules, branches, summary."""

from __future__ import annotations

import shutil
import sys

import pytest

pytest.importorskip("pytest_cov")

_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.MINOR
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: orders/
      Handler: app.handler
  RefundsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: refunds/
      Handler: app.handler
""".replace("python3.MINOR", f"python3.{sys.version_info.minor}")  # workers on this Python

# shared.py lives outside both code directories (a shared library on the test path).
_SHARED = """\
def total(items):
    if not items:
        return 0
    return sum(items)


def refund(amount):
    return -amount
"""

_ORDERS = """\
import shared


def handler(event, context):
    if event.get("items"):
        return shared.total(event["items"])
    return None
"""

_REFUNDS = """\
def handler(event, context):
    if event.get("isolated"):
        return "worker"
    return "refunded"
"""

_TESTS = """\
import shutil

import pytest


def test_orders(lambda_function):
    assert lambda_function("OrdersFunction").invoke({"items": [1, 2]}).payload == 3


@pytest.mark.lambda_isolation("process")
def test_refunds_isolated(lambda_function):
    assert lambda_function("RefundsFunction").invoke({"isolated": True}).payload == "worker"
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """Two functions, one of which uses a shared module outside its code directory."""
    for name, text in (("orders", _ORDERS), ("refunds", _REFUNDS)):
        pytester.mkdir(name)
        pytester.path.joinpath(name, "app.py").write_text(text)
    pytester.path.joinpath("shared.py").write_text(_SHARED)
    pytester.path.joinpath("template.yaml").write_text(_TEMPLATE)
    pytester.makeini("[pytest]\nlambda_template = template.yaml\n")
    pytester.makepyfile(test_app=_TESTS)
    return pytester


def _contexts(project: pytest.Pytester, name: str) -> dict[int, list[str]]:
    import coverage

    data = coverage.CoverageData(str(project.path / ".coverage"))
    data.read()
    path = next(f for f in data.measured_files() if f.endswith(name))
    return {line: sorted(c) for line, c in data.contexts_by_lineno(path).items()}


XDIST = pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])


@XDIST
def test_invocations_run_in_a_function_context_composed_with_the_test_context(
        project: pytest.Pytester, xdist: list[str]) -> None:
    """--cov-context=test keeps working; handler lines (worker ones too) name the function."""
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "--cov=.",
                                          "--cov-context=test", *xdist)
    result.assert_outcomes(passed=2)
    orders = _contexts(project, "orders/app.py")
    assert orders[6] == ["test_app.py::test_orders|run|lambda:OrdersFunction"]
    refunds = _contexts(project, "refunds/app.py")  # line 3 runs only in the worker
    assert refunds[3] == ["test_app.py::test_refunds_isolated|run|lambda:RefundsFunction"]


def test_function_contexts_can_be_turned_off(project: pytest.Pytester) -> None:
    """lambda_cov_context = false leaves pytest-cov's test contexts as they are."""
    project.makeini("[pytest]\nlambda_template = template.yaml\nlambda_cov_context = false\n")
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "--cov=.",
                                          "--cov-context=test")
    result.assert_outcomes(passed=2)
    assert _contexts(project, "orders/app.py")[6] == ["test_app.py::test_orders|run"]


def test_shared_module_counts_for_the_function_that_ran_it(project: pytest.Pytester) -> None:
    """shared.py's lines run by OrdersFunction count toward it, not toward RefundsFunction."""
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "--cov=.",
                                          "--lambda-cov-fail-under=80")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # orders/app.py: 5 statements, 4 run; shared.py: 6 statements, 4 run (not refund's body).
    result.stdout.fnmatch_lines([
        "*AWS Lambda gates: FAILED*",
        "OrdersFunction*8/11*72.73%*80%*FAIL: lines 72.73% < 80%",
        "RefundsFunction*3/4*75.00%*80%*FAIL: lines 75.00% < 80%",
    ])


def test_branch_minimum_and_summary_column(project: pytest.Pytester) -> None:
    """With --cov-branch, 50:90 asks 50 % of lines and 90 % of branches; the summary shows both."""
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "--cov=.", "--cov-branch",
                                          "--lambda-cov-fail-under=50:90",
                                          "--lambda-cov-fail-under=RefundsFunction=50")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # OrdersFunction branches: app.py "if items" (1 of 2 ran), shared "if not items" (1 of 2).
    # RefundsFunction: "if isolated" went one way only: 1 of 2, under its 50 %.
    result.stdout.fnmatch_lines([
        "*AWS Lambda summary*",
        "function*cover*branch cover",
        "OrdersFunction*72.7%*50.0%",
        "RefundsFunction*75.0%*50.0%",
        "*AWS Lambda gates: FAILED*",
        "function*lines*cover*branches*bcover*required*result",
        "OrdersFunction*8/11*72.73%*2/4*50.00%*50%:90%*FAIL: branches 50.00% < 90%",
        "RefundsFunction*3/4*75.00%*1/2*50.00%*50%*ok",
    ])


def test_summary_has_no_coverage_column_without_coverage(project: pytest.Pytester) -> None:
    """Without a coverage measurement the summary keeps its columns."""
    result = project.runpytest("-p", "no:cacheprovider", "-p", "no:pytest_cov")
    result.assert_outcomes(passed=2)
    header = next(line for line in result.outlines if line.startswith("function "))
    assert "cover" not in header


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
@pytest.mark.parametrize("branch", [[], ["--cov-branch"]], ids=["lines", "branch"])
def test_node_lines_in_coverage_report_and_cli(pytester: pytest.Pytester, branch: list[str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """With the coverage.py plugin enabled, the handler's .js file is in coverage's report;
    the CLI counts the same lines from the data file."""
    from pytest_lambda.cli import main

    pytester.mkdir("node")
    pytester.path.joinpath("node", "index.js").write_text(_NODE_HANDLER)
    pytester.path.joinpath(".coveragerc").write_text(
        "[run]\nplugins = pytest_lambda.observe.coverage_js\n")
    pytester.makepyfile(test_node="""
        def test_small(lambda_function):
            fn = lambda_function("index.handler", code_dir="node", runtime="nodejs20.x",
                                 name="sizes")
            assert fn.invoke({}).payload == "small"
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--cov=.", *branch,
                                           "--lambda-report=r.json")
    result.assert_outcomes(passed=1)
    # 5 code lines (export, if, const, two returns): the small path runs 3.
    result.stdout.fnmatch_lines(["sizes*1*60.0%*", "node/index.js*5*2*60%"])
    capsys.readouterr()
    assert main(["coverage", "--report", str(pytester.path / "r.json"), "--data-file",
                 str(pytester.path / ".coverage"), "--fail-under", "sizes=50"]) == 0
    assert "sizes" in capsys.readouterr().out
