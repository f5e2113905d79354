"""Limits of Lambda's sandbox: no /dev/shm (multiprocessing's semaphores fail with ENOSYS
inside a phase, Pipe and Process work, the test process keeps its own), and 1,024 open files in
a process worker."""

from __future__ import annotations

import multiprocessing
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture

HANDLER = """
import multiprocessing

def handler(event, context):
    out = {}
    for name, make in (("Lock", multiprocessing.Lock), ("Queue", multiprocessing.Queue)):
        try:
            make()
            out[name] = "ok"
        except OSError as exc:
            out[name] = f"{type(exc).__name__}: {exc}"
    parent, child = multiprocessing.Pipe()
    parent.send("ping")
    out["Pipe"] = child.recv()
    return out
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_semaphores_fail_as_on_lambda(code: CodeWriter, isolation: str) -> None:
    with LambdaFunction("app.handler", code_dir=code(app=HANDLER), isolation=isolation) as fn:
        failed = "OSError: [Errno 38] Function not implemented"
        assert fn.invoke({}).payload == {"Lock": failed, "Queue": failed, "Pipe": "ping"}
    multiprocessing.Lock()  # the test process's own still work


def test_a_process_worker_holds_lambdas_number_of_open_files(code: CodeWriter) -> None:
    """1,024 file descriptors ("Lambda quotas"): a handler leaking them fails as on Lambda."""
    path = code(app="import resource\n"
                    "def handler(event, context):\n"
                    "    return list(resource.getrlimit(resource.RLIMIT_NOFILE))\n")
    with LambdaFunction("app.handler", code_dir=path, isolation="process") as fn:
        assert fn.invoke({}).payload == [1024, 1024]
