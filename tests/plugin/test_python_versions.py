"""The Python version functions run on: chosen per runtime, and noted once when it differs."""

from __future__ import annotations

import sys
import textwrap

import pytest

from pytest_lambda.runtime import interpreter

pytest_plugins = ["pytester"]

OTHER = "python3.12" if sys.version_info[:2] != (3, 12) else "python3.13"
APP = """
import sys

def handler(event, context):
    return list(sys.version_info[:2])
"""


def test_in_process_mismatch_is_one_note_in_the_summary(pytester: pytest.Pytester) -> None:
    """Two tests of a function on another runtime's version print one note, and
    ``filterwarnings = error`` does not turn it into a failure."""
    pytester.makeini("[pytest]\nfilterwarnings =\n    error\n")
    pytester.makepyfile(app=APP)
    pytester.makepyfile(test_it=textwrap.dedent(f"""
        def test_one(lambda_function):
            assert lambda_function("app.handler", runtime="{OTHER}").invoke({{}}).ok

        def test_two(lambda_function):
            assert lambda_function("app.handler", runtime="{OTHER}").invoke({{}}).ok
    """))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    notes = [line for line in result.outlines if line.startswith("note: ")]
    assert notes == [f"note: {OTHER} functions ran on Python "
                     f"{interpreter.current().version_text} in-process, so "
                     f"{OTHER.removeprefix('python')} syntax and behaviour were not tested; run "
                     "them with isolation=\"process\" to use a Python "
                     f"{OTHER.removeprefix('python')} interpreter (found on PATH, in pyenv or "
                     "in lambda_python_interpreters)"]


def test_configured_interpreter_runs_process_workers(pytester: pytest.Pytester) -> None:
    """An interpreter named in ``lambda_python_interpreters`` runs the workers of functions
    whose runtime is its version, and nothing is noted."""
    python = interpreter.find(OTHER)
    if python is None or python.is_current:
        pytest.skip(f"no {OTHER} interpreter is installed")
    pytester.makeini(f"[pytest]\nlambda_isolation = process\n"
                     f"lambda_python_interpreters =\n    {python.executable}\n")
    pytester.makepyfile(app=APP)
    pytester.makepyfile(test_it=textwrap.dedent(f"""
        def test_version(lambda_function):
            fn = lambda_function("app.handler", runtime="{OTHER}")
            assert fn.invoke({{}}).payload == {list(python.version[:2])}
    """))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    assert not [line for line in result.outlines if line.startswith("note: ")]


def test_configured_interpreter_that_cannot_run_stops_the_run(
        pytester: pytest.Pytester) -> None:
    """A ``lambda_python_interpreters`` entry that is no interpreter is a usage error."""
    pytester.makeini("[pytest]\nlambda_python_interpreters =\n    /nonexistent/python3.12\n")
    pytester.makepyfile(test_it="def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*lambda_python_interpreters: '/nonexistent/python3.12' cannot be run as a Python "
        "interpreter: give the path (or command name) of a python executable*"])
