"""Session gates (lambda_require_invoked, lambda_cov_fail_under) run as users run them."""

from __future__ import annotations

import json

import pytest

_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
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
      FunctionName: refunds-prod
"""

_ORDERS = """\
def handler(event, context):
    if event.get("big"):
        size = "big"
        size = size.upper()
        size = size + "!"
        return size
    return "small"
"""

_REFUNDS = """\
def handler(event, context):
    return "refunded"
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A SAM project with two functions, each in its own code directory."""
    for name, text in (("orders", _ORDERS), ("refunds", _REFUNDS)):
        pytester.mkdir(name)
        pytester.path.joinpath(name, "app.py").write_text(text)
    pytester.path.joinpath("template.yaml").write_text(_TEMPLATE)
    return pytester


def _suite(project: pytest.Pytester, *, refunds: bool) -> None:
    project.makepyfile(f"""
        def test_orders(lambda_function):
            assert lambda_function("OrdersFunction").invoke({{}}).payload == "small"

        def test_refunds(lambda_function):
            if {refunds}:
                assert lambda_function("RefundsFunction").invoke({{}}).payload == "refunded"
    """)


XDIST = pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])


@XDIST
def test_require_invoked_fails_with_the_functions_never_invoked(
        project: pytest.Pytester, xdist: list[str]) -> None:
    """A template function no test invoked fails the run and is named in the table."""
    project.makeini("[pytest]\nlambda_template = template.yaml\nlambda_require_invoked = true\n")
    _suite(project, refunds=False)
    result = project.runpytest("-p", "no:cacheprovider", *xdist)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*AWS Lambda gates: FAILED*",
        "function*invocations*result",
        "OrdersFunction*1*ok",
        "RefundsFunction (refunds-prod)*0*FAIL: never invoked",
        "lambda_require_invoked: 1 of 2 functions were never invoked: "
        "RefundsFunction (refunds-prod)",
    ])


@XDIST
def test_require_invoked_is_not_checked_on_a_subset_run(
        project: pytest.Pytester, xdist: list[str]) -> None:
    """``-k`` (or -m, --lf, --deselect) runs part of the suite: the functions its other tests
    invoke are not "never invoked", and the run does not fail for them."""
    project.makeini("[pytest]\nlambda_template = template.yaml\nlambda_require_invoked = true\n")
    _suite(project, refunds=True)
    result = project.runpytest("-p", "no:cacheprovider", "-k", "test_orders", *xdist)
    # (xdist's summary does not count the tests its workers deselected)
    result.assert_outcomes(passed=1, deselected=0 if xdist else 1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*lambda_require_invoked / lambda_require_events: not checked*"])


@XDIST
def test_a_selection_from_the_ini_is_a_subset_and_one_that_keeps_everything_is_not(
        project: pytest.Pytester, xdist: list[str]) -> None:
    """Whether the run is a subset is decided by what was deselected, in the workers too: a
    ``-m`` in the ini's addopts was a subset serially but not under xdist (which failed for
    "never invoked" functions), and a ``-k`` that keeps every test turned the gate off."""
    project.makeini("[pytest]\nlambda_template = template.yaml\nlambda_require_invoked = true\n"
                    "addopts = -k test_orders\n")
    _suite(project, refunds=True)
    result = project.runpytest("-p", "no:cacheprovider", *xdist)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*lambda_require_invoked / lambda_require_events: not checked*"])
    project.makeini("[pytest]\nlambda_template = template.yaml\nlambda_require_invoked = true\n")
    _suite(project, refunds=False)
    result = project.runpytest("-p", "no:cacheprovider", "-k", "not no_such_test", *xdist)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*never invoked*"])


@XDIST
def test_require_invoked_passes_when_every_function_ran(
        project: pytest.Pytester, xdist: list[str]) -> None:
    """Invocations spread over tests (and xdist workers) together satisfy the gate."""
    project.makeini("[pytest]\nlambda_template = template.yaml\n")
    _suite(project, refunds=True)
    result = project.runpytest("-p", "no:cacheprovider", "--lambda-require-invoked", *xdist)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*AWS Lambda gates: passed*",
                                 "RefundsFunction (refunds-prod)*1*ok"])


def test_require_invoked_without_template_checks_created_functions(
        pytester: pytest.Pytester) -> None:
    """Without a template, every LambdaFunction the suite created must have been invoked."""
    pytester.path.joinpath("app.py").write_text("def handler(e, c):\n    return 1\n")
    pytester.makepyfile("""
        def test_it(lambda_function):
            lambda_function("app.handler", name="used").invoke({})
            lambda_function("app.handler", name="unused")
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "--lambda-require-invoked")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["unused*0*FAIL: never invoked", "used*1*ok"])


@XDIST
def test_cov_fail_under_per_function(project: pytest.Pytester, xdist: list[str]) -> None:
    """A function under its own minimum fails with its figures; the others pass theirs."""
    pytest.importorskip("pytest_cov")
    project.makeini("[pytest]\nlambda_template = template.yaml\n"
                    "lambda_cov_fail_under = 50 OrdersFunction=90\n")
    _suite(project, refunds=True)
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "--cov=.", *xdist)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # orders/app.py: 7 statements, 4 run (def, if, return "small"... and the def line).
    result.stdout.fnmatch_lines([
        "*AWS Lambda gates: FAILED*",
        "OrdersFunction*1*3/7*42.86%*90%*FAIL: lines 42.86% < 90%",
        "RefundsFunction (refunds-prod)*1*2/2*100.00%*50%*ok",
    ])


@XDIST
def test_cov_fail_under_passes_when_met(project: pytest.Pytester, xdist: list[str]) -> None:
    """Minimums every function meets let the run pass, the table still printed."""
    pytest.importorskip("pytest_cov")
    project.makeini("[pytest]\nlambda_template = template.yaml\n")
    _suite(project, refunds=True)
    result = project.runpytest_subprocess(
        "-p", "no:cacheprovider", "--cov=.", "--lambda-cov-fail-under=40",
        "--lambda-cov-fail-under", "refunds-prod=100", *xdist)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*AWS Lambda gates: passed*",
                                 "OrdersFunction*3/7*42.86%*40%*ok",
                                 "RefundsFunction (refunds-prod)*2/2*100.00%*100%*ok"])


def test_cov_fail_under_without_coverage_explains(project: pytest.Pytester) -> None:
    """A coverage minimum with nothing measuring fails and says how to measure."""
    project.makeini("[pytest]\nlambda_template = template.yaml\n")
    _suite(project, refunds=True)
    result = project.runpytest("-p", "no:cacheprovider", "-p", "no:pytest_cov",
                               "--lambda-cov-fail-under=80", "--lambda-cov-fail-under=Nope=1")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "ERROR: lambda_cov_fail_under names Nope, which is no function of this session*",
        "ERROR: lambda_cov_fail_under needs coverage measurement: run pytest with --cov=*",
    ])


def test_cov_fail_under_rejects_a_bad_value(pytester: pytest.Pytester) -> None:
    """A value that is not a percentage is a usage error naming the option and the fix."""
    pytester.makepyfile("def test_it():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--lambda-cov-fail-under=Orders=lots")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*lambda_cov_fail_under Orders: 'lots' is not a percentage*"
                                 "--lambda-cov-fail-under*"])


def test_a_gate_on_a_template_that_cannot_be_read_stops_the_run_at_start(
        pytester: pytest.Pytester) -> None:
    """A gate reads the template: one that cannot be read is a usage error naming it before
    any test runs (the run ended in a bare traceback after every test had passed)."""
    pytester.path.joinpath("template.yaml").write_text("not: [valid yaml")
    pytester.makeini("[pytest]\nlambda_template = template.yaml\nlambda_require_invoked = true\n")
    pytester.makepyfile("def test_it():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: lambda_template = '*template.yaml' cannot be read, and "
                                 "the gates * need its functions: *invalid YAML*"])


def test_require_invoked_rejects_a_value_that_is_not_true_or_false(
        pytester: pytest.Pytester) -> None:
    """The ini value is named with the fix (it was "invalid truth value 'maybe'")."""
    pytester.makeini("[pytest]\nlambda_require_invoked = maybe\n")
    pytester.makepyfile("def test_it():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: lambda_require_invoked = 'maybe' is not valid: use true "
                                 "or false (ini lambda_require_invoked, or the "
                                 "--lambda-require-invoked flag)."])


def test_cov_fail_under_counts_code_that_never_ran(project: pytest.Pytester) -> None:
    """A function whose module was never imported counts every statement as missed."""
    pytest.importorskip("pytest_cov")
    project.makeini("[pytest]\nlambda_template = template.yaml\n")
    _suite(project, refunds=False)
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "--cov=.",
                                          "--lambda-cov-fail-under=40")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["RefundsFunction (refunds-prod)*0*0/2*0.00%*40%*FAIL: lines 0.00% < 40%"])


def test_coverage_cli_applies_the_gates_to_the_union_of_shards(
        project: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    """Each shard invokes one function; the CLI over both reports passes, over one it fails."""
    from pytest_lambda.cli import main

    pytest.importorskip("pytest_cov")
    project.makeini("[pytest]\nlambda_template = template.yaml\n")
    _suite(project, refunds=True)
    for shard, selected in (("1", "test_orders"), ("2", "test_refunds")):
        project.runpytest_subprocess("-p", "no:cacheprovider", "-k", selected, "--cov=.",
                                     "--cov-append", f"--lambda-report=shard-{shard}.json"
                                     ).assert_outcomes(passed=1, deselected=1)
    capsys.readouterr()
    base = ["coverage", "--template", str(project.path / "template.yaml"),
            "--require-invoked"]
    shard1 = str(project.path / "shard-1.json")
    assert main([*base, "--report", shard1]) == 1
    assert "RefundsFunction (refunds-prod)" in capsys.readouterr().out
    shards = str(project.path / "shard-*.json")
    data = str(project.path / ".coverage")
    # The spelling, with the glob expanded by the shell: --combine takes several files.
    assert main([*base, "--combine", shard1, str(project.path / "shard-2.json")]) == 0
    capsys.readouterr()
    assert main([*base, "--report", shards, "--data-file", data, "--fail-under", "40",
                 "--json"]) == 0
    rows = {r["label"]: r for r in json.loads(capsys.readouterr().out)["functions"]}
    assert (rows["OrdersFunction"]["executed"], rows["OrdersFunction"]["statements"]) == (3, 7)
    assert rows["RefundsFunction"]["invocations"] == 1
    assert main([*base, "--report", shards, "--data-file", data,
                 "--fail-under", "OrdersFunction=90"]) == 1
    assert "OrdersFunction" in capsys.readouterr().out


def test_coverage_cli_sees_a_function_a_shard_created_and_never_invoked(
        pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    """Without a template the report listed invoked functions only: the session's own gate
    failed for a function no test invoked, the CLI over the shards' reports passed."""
    from pytest_lambda.cli import main

    pytester.path.joinpath("app.py").write_text("def handler(e, c):\n    return 1\n")
    pytester.makepyfile(test_one="""
        def test_a(lambda_function):
            lambda_function("app.handler", name="fa").invoke({})
        """, test_two="""
        def test_b(lambda_function):
            lambda_function("app.handler", name="fb")  # created, never invoked
        """)
    for shard in ("one", "two"):
        pytester.runpytest("-p", "no:cacheprovider", f"test_{shard}.py",
                           f"--lambda-report=shard-{shard}.json").assert_outcomes(passed=1)
    rows = json.loads((pytester.path / "shard-two.json").read_text())["functions"]
    assert [(r["function"], r["invocations"]) for r in rows] == [("fb", 0)]
    capsys.readouterr()
    assert main(["coverage", "--report", str(pytester.path / "shard-*.json"),
                 "--require-invoked"]) == 1
    assert "fb" in capsys.readouterr().out


@pytest.mark.parametrize("coveragerc", [
    "[run]\nrelative_files = true\n",
    "[report]\nexclude_also =\n    size = size \\+\n",
], ids=["relative_files", "exclusions"])
def test_coverage_cli_reads_the_coverage_configuration(
        project: pytest.Pytester, capsys: pytest.CaptureFixture[str], coveragerc: str) -> None:
    """The CLI reads the data as the session did (relative file names, excluded lines), so
    it prints the gate table's numbers (its JSON too, branch counts included)."""
    from pytest_lambda.cli import main

    pytest.importorskip("pytest_cov")
    project.path.joinpath(".coveragerc").write_text(coveragerc)
    project.makeini("[pytest]\nlambda_template = template.yaml\n")
    _suite(project, refunds=True)
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "--cov=.", "--cov-branch",
                                          "--lambda-cov-fail-under=10", "--lambda-report=r.json")
    result.assert_outcomes(passed=2)
    gates = result.outlines[next(i for i, line in enumerate(result.outlines)
                                 if "AWS Lambda gates" in line):]
    cells = next(line for line in gates if line.startswith("OrdersFunction")).split()
    capsys.readouterr()
    # pytester runs this in the project's directory, as a CI step runs coverage report
    assert main(["coverage", "--template", "template.yaml", "--report", "r.json",
                 "--data-file", ".coverage", "--fail-under", "10", "--json"]) == 0
    orders = {r["label"]: r for r in json.loads(capsys.readouterr().out)["functions"]}[
        "OrdersFunction"]
    assert [f"{orders['executed']}/{orders['statements']}",
            f"{orders['covered_branches']}/{orders['branches']}"] == [cells[2], cells[4]]


def test_the_report_records_code_directories_relative_to_the_project(
        pytester: pytest.Pytester) -> None:
    """A shard's report is read in another checkout: absolute code directories named the
    shard's checkout (other files there, or none)."""
    pytester.mkdir("src").joinpath("app.py").write_text("def handler(e, c):\n    return 1\n")
    pytester.makepyfile("""
        def test_a(lambda_function):
            lambda_function("app.handler", name="fa", code_dir="src").invoke({})
        """)
    pytester.runpytest("-p", "no:cacheprovider", "--lambda-report=r.json").assert_outcomes(
        passed=1)
    [row] = json.loads((pytester.path / "r.json").read_text())["functions"]
    assert row["code_dir"] == "src"
