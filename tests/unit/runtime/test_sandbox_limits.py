"""Limits of Lambda's sandbox in a process worker: 1,024 open files, no POSIX shared memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture


def test_a_process_worker_holds_lambdas_number_of_open_files(code: CodeWriter) -> None:
    """1,024 file descriptors ("Lambda quotas"): a handler leaking them fails as on Lambda."""
    path = code(app="import resource\n"
                    "def handler(event, context):\n"
                    "    return list(resource.getrlimit(resource.RLIMIT_NOFILE))\n")
    with LambdaFunction("app.handler", code_dir=path, isolation="process") as fn:
        assert fn.invoke({}).payload == [1024, 1024]


SHM = """
import multiprocessing, concurrent.futures

def child(conn):
    conn.send("from the child")
    conn.close()

def handler(event, context):
    kind = event["kind"]
    if kind == "pipe":  # what works on Lambda: Process and Pipe
        parent, end = multiprocessing.Pipe()
        p = multiprocessing.Process(target=child, args=(end,))
        p.start()
        got = parent.recv()
        p.join()
        return got
    make = {"lock": multiprocessing.Lock, "queue": multiprocessing.Queue,
            "pool": lambda: multiprocessing.Pool(2),
            "executor": lambda: concurrent.futures.ProcessPoolExecutor(2).submit(len, "ab")}
    make[kind]()
    return "made"
"""


@pytest.mark.parametrize("kind", ["lock", "queue", "pool", "executor"])
def test_multiprocessing_semaphores_fail_as_without_dev_shm(code: CodeWriter, kind: str) -> None:
    """Lambda has no /dev/shm: every multiprocessing object built on a semaphore fails with
    ENOSYS, the error ending in multiprocessing's own frame (ours is not shown)."""
    with LambdaFunction("app.handler", code_dir=code(app=SHM), isolation="process") as fn:
        r = fn.invoke({"kind": kind})
        assert (r.payload["errorType"], r.payload["errorMessage"]) == (
            "OSError", "[Errno 38] Function not implemented")
        assert "multiprocessing/synchronize.py" in r.payload["stackTrace"][-1]
        assert fn.invoke({"kind": "pipe"}).payload == "from the child"  # still warm and usable
