"""In-process, the processes a function's code starts end with its environment, as on Lambda."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

APP = """
import asyncio, json, os, subprocess

# A helper started at Init (as a headless browser is), which starts one of its own.
HELPER = subprocess.Popen(["sh", "-c", 'sleep 300 & echo $! > "$TMPDIR/grandchild"; wait'])
DAEMON = subprocess.Popen(["sleep", "300"], start_new_session=True)

async def _spawn():
    return await asyncio.create_subprocess_exec("sleep", "300")

def handler(event, context):
    started = asyncio.run(_spawn())  # one per invocation, never waited for
    written = os.path.join(os.environ["TMPDIR"], "grandchild")
    while not os.path.exists(written):
        pass
    with open(written) as pid:
        return {"helper": HELPER.pid, "daemon": DAEMON.pid, "spawned": started.pid,
                "grandchild": int(pid.read())}
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] != b"Z"
    except OSError:
        return False


def _gone(pids: list[int], within: float = 5.0) -> list[int]:
    """The pids still alive after waiting up to ``within`` seconds for them to end."""
    ends = time.monotonic() + within
    while any(_alive(pid) for pid in pids) and time.monotonic() < ends:
        time.sleep(0.02)
    return [pid for pid in pids if _alive(pid)]


@pytest.mark.parametrize("end", ["close", "cold_start"])
def test_processes_the_code_started_end_with_its_environment(
        code: CodeWriter, end: str, caplog: pytest.LogCaptureFixture) -> None:
    """A helper started at Init (with the process it started), one in a session of its own
    and one an invocation started with asyncio all outlived the environment, and the session,
    as children of the test process. Lambda ends them with the sandbox."""
    ours = subprocess.Popen(["sleep", "300"])  # the test's own: never touched
    fn = LambdaFunction("app.handler", code_dir=code(app=APP))
    try:
        pids = list(fn.invoke({}).raise_for_error().payload.values())
        assert _gone(pids, within=0) == pids, "all started, and running between invocations"
        if end == "close":
            fn.close()
        else:
            fn.cold_start()  # the next invocation is a new environment: this one is discarded
        assert _gone(pids) == []
        assert ours.poll() is None
        # asyncio's watcher of the child it started, a thread of the environment's, logged
        # "Loop ... that handles pid ... is closed" into the test's logging as it ended.
        for thread in threading.enumerate():
            if thread.name.startswith("asyncio-waitpid-"):
                thread.join(timeout=5)
        assert caplog.records == []
    finally:
        ours.kill()
        ours.wait()
        fn.close()


ASYNC_APP = """
import asyncio

async def _spawn():
    return await asyncio.create_subprocess_exec("sleep", "300")

def handler(event, context):
    return asyncio.run(_spawn()).pid  # left running, its Process object dropped
"""


def test_an_asyncio_child_leaves_nothing_to_warn_about(
        code: CodeWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed with its environment, an asyncio child's ``Popen`` had no return code and its
    transport was never closed (asyncio's watcher reports to a closed loop): collected later,
    in another test, they warned "subprocess ... is still running" and "unclosed transport".
    Checked here without the collections' quiet window (runtime/resources.py)."""
    import gc
    import warnings
    import weakref

    from pytest_lambda.runtime import resources

    with LambdaFunction("app.handler", code_dir=code(app=ASYNC_APP)) as fn:
        pid = fn.invoke({}).raise_for_error().payload
    assert _gone([pid]) == []
    monkeypatch.setattr(resources, "_LIVE", weakref.WeakSet())
    monkeypatch.setattr(resources, "_PENDING", [])
    seen: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        gc.collect()
    about = [str(getattr(u, "exc_value", "")) for u in seen]
    assert [text for text in about if str(pid) in text] == []


def test_the_plugins_own_processes_are_not_the_codes() -> None:
    """A process the plugin starts during a phase (the worker of a function the code invoked
    through the in-process Lambda API, the process workers' template) belongs to that
    function, not to the environment whose phase is running: ending it with that environment
    would kill another function's warm environment."""
    from pytest_lambda.runtime.children import Children

    own: dict[str, object] = {"__name__": "pytest_lambda.runtime.workers.example",
                              "subprocess": subprocess}
    exec("def start():\n    return subprocess.Popen(['sleep', '300'])\n", own)
    hook = Children()
    hook.enter()
    try:
        plugins = own["start"]()  # type: ignore[operator]
        codes = subprocess.Popen(["sleep", "300"])
    finally:
        hook.exit()
    try:
        assert set(hook.started) == {codes}
        assert subprocess.Popen.__init__ is not None and "tracking" not in repr(
            subprocess.Popen.__init__)
    finally:
        for process in (plugins, codes):
            process.kill()  # type: ignore[attr-defined]
            process.wait()  # type: ignore[attr-defined]
