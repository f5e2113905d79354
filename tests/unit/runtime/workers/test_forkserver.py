"""Python workers forked from a pre-imported template process, and when a fresh one is used."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.runtime.workers.forkserver import forkable, template_environ

if TYPE_CHECKING:
    from conftest import CodeWriter

APP = """
import itertools, logging, os, sys
logging.getLogger().setLevel(logging.INFO)
def where(event, context):
    return {"pid": os.getpid(), "ppid": os.getppid(), "path": sys.path[:4]}
def stuck(event, context):
    print("printed")
    logging.getLogger().info("logged")
    sys.__stdout__.write("real stdout\\n")
    os.write(2, b"fd 2\\n")
    sum(itertools.repeat(1, 10 ** 12))  # in C: no signal handler runs until it returns
"""


def test_cold_environments_are_forked_from_one_template(code: CodeWriter) -> None:
    """Two process environments are children of the same template, not of the test process."""
    root = code(app=APP)
    with LambdaFunction("app.where", code_dir=root, isolation="process") as fn:
        first = fn.invoke({}).payload
        fn.cold_start()
        second = fn.invoke({}).payload
    assert first["pid"] != second["pid"]
    assert first["ppid"] == second["ppid"] != os.getpid()
    assert first["path"][0] == str(root)


def test_start_up_variables_get_a_fresh_interpreter(code: CodeWriter, tmp_path: os.PathLike[str],
                                                     ) -> None:
    """A function setting PYTHONPATH gets a worker started with it, as the variable needs."""
    extra = os.fspath(tmp_path)
    root = code(app=APP)
    with LambdaFunction("app.where", code_dir=root, isolation="process",
                        environment={"PYTHONPATH": extra}) as fn:
        payload = fn.invoke({}).payload
    assert payload["ppid"] == os.getpid()
    assert extra in payload["path"]


def test_lines_written_before_a_kill_are_kept(code: CodeWriter) -> None:
    """A handler killed at its deadline while stuck in C keeps every line it wrote."""
    with LambdaFunction("app.stuck", code_dir=code(app=APP), isolation="process",
                        timeout=1) as fn:
        r = fn.invoke({})
    assert r.payload == {"errorType": "Sandbox.Timedout", "errorMessage":
                         f"RequestId: {r.request_id} Error: Task timed out after 1.00 seconds"}
    text = "".join(r.logs.messages)
    for line in ("printed\n", "\tlogged\n", "real stdout\n", "fd 2\n"):
        assert line in text


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("OWN_SETTING", "x", True),
    ("PYTHONPATH", "/elsewhere", False),
    ("PYTHONWARNINGS", "error", False),
    ("LD_PRELOAD", "/lib/x.so", False),
    ("LANG", "C", False),
    ("COVERAGE_PROCESS_START", ".coveragerc", False),
])
def test_forkable(name: str, value: str, expected: bool) -> None:
    """Only variables that act when an interpreter starts rule out forking from the template."""
    env = {**template_environ(), "AWS_REGION": "us-east-1", name: value}
    assert forkable(env) is expected
