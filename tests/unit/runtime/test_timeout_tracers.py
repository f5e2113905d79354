"""In-process timeouts under trace and profile functions: stopped, never hung, tools kept.

Each run is a subprocess with its own time limit: the bug these guard against (CPython 3.11
spinning forever on a trace function after an asynchronous exception was cleared) hangs the
interpreter it happens in.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture

HANDLERS = """
import signal, time
def spin(n=20000):
    x = 0
    for i in range(n):
        x += i
def sleeper(e, c):
    time.sleep(30)
def swallow(e, c):
    while True:
        try:
            spin()
        except BaseException:
            pass
def ignore(e, c):
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        spin()
def quick(e, c):
    # Little work: under a Python trace function 20,000 traced iterations can take longer
    # than the 0.2 s timeout on a loaded machine.
    return spin(500) or "ok"
def ignore_own(e, c):
    # Most time-outs land in the plugin's own code (the context) here, and the watchdog
    # repairs the ignored signal as a pending call all along.
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        try:
            c.get_remaining_time_in_millis()
            spin(300)
        except BaseException:
            pass
"""

SCENARIOS = """
import cProfile, dataclasses, json, sys, threading
from pytest_lambda import LambdaFunction

def tracer(frame, event, arg):
    return tracer

def run(names, seconds=0.2):
    out = []
    for name in names:
        fn = LambdaFunction(f"app.{name}", code_dir=sys.argv[1], timeout=1)
        # 0.2 s (below Lambda's 1 s minimum, set past validation) keeps the runs short
        fn.config = dataclasses.replace(fn.config, timeout=seconds)
        r = fn.invoke({})
        out.append([name, r.timed_out, r.payload == "ok" or r.payload["errorType"]])
        fn.close()
    return out

mode = sys.argv[2]
names = ["quick", "sleeper", "swallow", "ignore", "quick"]
if mode == "settrace":
    sys.settrace(tracer)
    profiler = cProfile.Profile()  # a C-level profile function, as cProfile and yappi install
    profiler.enable()  # sys.setprofile on 3.11, a sys.monitoring tool on 3.12+
    before = (sys.gettrace(), sys.getprofile(), getattr(sys, "monitoring", None)
              and sys.monitoring.get_tool(sys.monitoring.PROFILER_ID))
    out = run(names)
    kept = sys.gettrace() is tracer and (sys.gettrace(), sys.getprofile(),
        getattr(sys, "monitoring", None)
        and sys.monitoring.get_tool(sys.monitoring.PROFILER_ID)) == before
    profiler.disable()
elif mode == "thread":
    threading.settrace(tracer)
    box = []
    def body():
        box.append(run(["quick", "sleeper", "quick"]))
        box.append(sys.gettrace() is tracer)
    t = threading.Thread(target=body)
    t.start()
    t.join()
    out, kept = box
elif mode == "own":  # under "coverage run", timeouts landing in our code, many times
    before = sys.gettrace()
    out = run(["ignore_own"] * 12, seconds=0.1)
    kept = sys.gettrace() is before
else:  # under "coverage run": coverage's own tracer
    before = sys.gettrace()
    out = run(names)
    kept = sys.gettrace() is before
print(json.dumps({"results": out, "kept": kept}))
"""


def _run(args: list[str], cwd: Path) -> dict[str, Any]:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


MAIN_THREAD = [["quick", False, True], ["sleeper", True, "Sandbox.Timedout"],
               ["swallow", True, "Sandbox.Timedout"], ["ignore", True, "Sandbox.Timedout"],
               ["quick", False, True]]


def test_timeouts_under_settrace_and_setprofile(code: CodeWriter, tmp_path: Path) -> None:
    """Under a Python trace function and cProfile, handlers stop and both are kept."""
    root = code(app=HANDLERS)
    (tmp_path / "scenarios.py").write_text(SCENARIOS)
    out = _run([sys.executable, "scenarios.py", str(root), "settrace"], tmp_path)
    assert out == {"results": MAIN_THREAD, "kept": True}


def test_timeout_off_the_main_thread_under_a_trace_function(code: CodeWriter,
                                                            tmp_path: Path) -> None:
    """A traced non-main thread whose handler timed out goes on running (no spin on 3.11)."""
    root = code(app=HANDLERS)
    (tmp_path / "scenarios.py").write_text(SCENARIOS)
    out = _run([sys.executable, "scenarios.py", str(root), "thread"], tmp_path)
    assert out == {"results": [["quick", False, True], ["sleeper", True, "Sandbox.Timedout"],
                               ["quick", False, True]], "kept": True}


@pytest.mark.parametrize("tracer", ["ctrace", "pytrace", "sysmon"])
def test_timeouts_under_coverage_run(code: CodeWriter, tmp_path: Path, tracer: str) -> None:
    """Under ``coverage run`` (each of its tracers), handlers stop and lines are measured."""
    if tracer == "sysmon" and sys.version_info < (3, 12):
        pytest.skip("sys.monitoring needs Python 3.12")
    root = code(app=HANDLERS)
    (tmp_path / "scenarios.py").write_text(SCENARIOS)
    (tmp_path / ".coveragerc").write_text(textwrap.dedent(f"""
        [run]
        core = {tracer}
        source = {root}
        data_file = {tmp_path / '.coverage'}
        """))
    out = _run([sys.executable, "-m", "coverage", "run", "scenarios.py", str(root), "coverage"],
               tmp_path)
    assert out == {"results": MAIN_THREAD, "kept": True}
    report = subprocess.run([sys.executable, "-m", "coverage", "json", "-o", "-"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=True)
    files = json.loads(report.stdout)["files"]
    executed = set(next(v for k, v in files.items() if k.endswith("app.py"))["executed_lines"])
    # Lines run before each deadline: spin's body, the sleep, the swallowing loop (its
    # ``except`` body runs only after the deadline: on 3.12+ the timeout lands as it starts),
    # the handler that ignores SIGALRM.
    assert {4, 5, 6, 8, 10, 11, 12, 16, 17, 18, 22} <= executed


def test_timeouts_landing_in_plugin_code_under_coverage(code: CodeWriter, tmp_path: Path) -> None:
    """A handler swallowing timeouts that land in the plugin's own code, with SIGALRM
    ignored, under coverage's C tracer: every invocation stops, none hangs.

    On 3.11 a timeout re-requested from our own code (or from the watchdog's pending call)
    could leave the eval breaker set, and the interpreter spun on a RESUME for good: about
    one ``pytest --cov`` run in twenty of the "swallow" handler hung on a loaded machine.
    This exercises the same paths many times; it does not reproduce the race reliably.
    """
    root = code(app=HANDLERS)
    (tmp_path / "scenarios.py").write_text(SCENARIOS)
    (tmp_path / ".coveragerc").write_text(textwrap.dedent(f"""
        [run]
        source = {root}
        data_file = {tmp_path / '.coverage'}
        """))
    out = _run([sys.executable, "-m", "coverage", "run", "scenarios.py", str(root), "own"],
               tmp_path)
    assert out == {"results": [["ignore_own", True, "Sandbox.Timedout"]] * 12, "kept": True}
