"""Lambda has no /dev/shm: multiprocessing's semaphores (Lock, Queue, Pool) fail with ENOSYS
inside a phase, Pipe and Process work, and the test process keeps its own."""

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
