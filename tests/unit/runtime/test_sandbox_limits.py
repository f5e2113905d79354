"""Limits of Lambda's sandbox: 1,024 open files in a process worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
