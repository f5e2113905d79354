"""Every backend gives back what a cold start opened: open descriptors stay flat."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter

COLD_STARTS = 10
#: Room for descriptors the interpreter or the test runner may open meanwhile (a leak of one
#: per cold start would still be 10 over; the leak this guards against was 3 per cold start).
SLACK = 3


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _cold_starts(fn: LambdaFunction) -> None:
    for _ in range(COLD_STARTS):
        assert fn.invoke({}).cold_start is True
        fn.cold_start()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_python_backends_keep_descriptors_flat(code: CodeWriter, isolation: str) -> None:
    """Ten cold starts in-process or under process isolation leave no descriptor open."""
    root = code(app="def handler(event, context):\n    return 'ok'\n")
    with LambdaFunction("app.handler", code_dir=root, isolation=isolation) as fn:
        fn.invoke({})  # imports and caches done once, before counting
        fn.cold_start()
        before = _open_fds()
        _cold_starts(fn)
        after = _open_fds()
    assert after <= before + SLACK, f"{after - before} descriptors leaked ({isolation})"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js (`node`) is not installed")
def test_node_backend_keeps_descriptors_flat(tmp_path: Path) -> None:
    """Ten cold starts of a Node.js function leave no descriptor open."""
    (tmp_path / "index.js").write_text("exports.handler = async () => 'ok';\n")
    with LambdaFunction("index.handler", code_dir=tmp_path, runtime="nodejs20.x") as fn:
        fn.invoke({})
        fn.cold_start()
        before = _open_fds()
        _cold_starts(fn)
        after = _open_fds()
    assert after <= before + SLACK, f"{after - before} descriptors leaked (node)"
