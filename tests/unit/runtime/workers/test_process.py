"""Process isolation: one worker process per environment, limits enforced from outside."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter, Shortener  # the shared aliases of fixtures


APP = """
import ctypes, os, signal, sys, time
COUNT = 0
print("init in", os.getpid())
def handler(event, context):
    global COUNT
    COUNT += 1
    kind = event.get("kind")
    if kind == "stuck":
        # Blocks SIGALRM, so nothing in-process can interrupt the sleep: only a kill can.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(5)
    if kind == "os_exit":
        os._exit(7)
    if kind == "segfault":
        ctypes.string_at(0)
    if kind == "hog":
        data = bytearray(300 * 1024 * 1024)
        for i in range(0, len(data), 4096):
            data[i] = 1
    if kind == "raise":
        raise ValueError("boom")
    if kind == "c_level":
        os.write(1, b"written to fd 1\\n")
    return {"count": COUNT, "pid": os.getpid(), "remaining": context.get_remaining_time_in_millis()}
"""


@pytest.fixture
def fn(code: CodeWriter) -> LambdaFunction:
    """A function over APP in process isolation mode, closed after the test."""
    f = LambdaFunction("app.handler", code_dir=code(app=APP), timeout=1, isolation="process")
    yield f  # type: ignore[misc]
    f.close()


def test_warm_reuse_happens_in_one_worker(fn: LambdaFunction) -> None:
    """Warm invocations reuse the worker process and its module state."""
    import os

    a, b = fn.invoke({}), fn.invoke({})
    assert (a.cold_start, b.cold_start) == (True, False)
    assert a.payload["pid"] == b.payload["pid"] != os.getpid()
    assert b.payload["count"] == 2
    assert 0 < a.payload["remaining"] <= 1000
    assert a.init_logs.messages[1] == f"init in {a.payload['pid']}\n"
    assert a.logs.messages[0].startswith("START RequestId: ")
    assert a.logs.messages[-1].startswith(f"REPORT RequestId: {a.request_id}\t")


def test_errors_look_the_same_as_in_process(fn: LambdaFunction) -> None:
    """An exception gives the same payload and log as the in-process mode."""
    r = fn.invoke({"kind": "raise"})
    assert r.payload["errorType"] == "ValueError"
    assert r.payload["requestId"] == r.request_id
    assert any(m.startswith("[ERROR] ValueError: boom\n") for m in r.logs.messages)


def test_hard_timeout_for_code_stuck_in_c(fn: LambdaFunction) -> None:
    """Code that cannot be interrupted in-process is killed at the limit."""
    r = fn.invoke({"kind": "stuck"})
    assert r.payload["errorType"] == "Sandbox.Timedout"
    assert r.report is not None and r.report.duration_ms == 1000.0
    assert r.logs.messages[-1].endswith("\tStatus: timeout\n")
    assert fn.invoke({}).cold_start is True


@pytest.mark.parametrize(("kind", "reason"), [
    ("os_exit", "Runtime exited with error: exit status 7"),
    ("segfault", "Runtime exited with error: signal: segmentation fault"),
])
def test_crashes_are_runtime_exit_errors(fn: LambdaFunction, kind: str, reason: str) -> None:
    """A process that dies is Runtime.ExitError with the exit status or signal."""
    r = fn.invoke({"kind": kind})
    assert r.payload == {"errorType": "Runtime.ExitError",
                         "errorMessage": f"RequestId: {r.request_id} Error: {reason}"}
    assert r.logs.messages[-1].endswith("Status: error\tError Type: Runtime.ExitError\n")
    assert fn.invoke({}).cold_start is True


def test_memory_limit_is_real(code: CodeWriter) -> None:
    """Touching more memory than configured kills the worker with Runtime.OutOfMemory."""
    # A generous timeout: on a loaded machine touching 300 MB may take longer than 1 s, and
    # the limit under test is memory, not time.
    with LambdaFunction("app.handler", code_dir=code(app=APP), timeout=30,
                        isolation="process") as f:
        r = f.invoke({"kind": "hog"})
    assert r.report is not None
    assert (r.report.status, r.report.error_type) == ("error", "Runtime.OutOfMemory")
    assert r.payload["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")


def test_memory_peak_between_polls_is_still_out_of_memory(code: CodeWriter) -> None:
    """A burst over the limit that is freed before the handler returns is still a kill."""
    burst = ("def handler(e, c):\n    b = bytearray(300 * 1024 * 1024)\n"
             "    for i in range(0, len(b), 4096):\n        b[i] = 1\n"
             "    del b\n    return 'survived'\n")
    with LambdaFunction("burst.handler", code_dir=code(burst=burst), memory_size=128,
                        isolation="process") as f:
        r = f.invoke({})
    assert r.report is not None
    assert (r.report.status, r.report.error_type) == ("error", "Runtime.OutOfMemory")


def test_max_memory_used_is_the_worker_peak(code: CodeWriter) -> None:
    """Max Memory Used is the worker's real peak resident set size."""
    root = code(big="def handler(e, c):\n    b = bytearray(100 * 1024 * 1024)\n"
                    "    for i in range(0, len(b), 4096):\n        b[i] = 1\n    return 1\n")
    with LambdaFunction("big.handler", code_dir=root, memory_size=512,
                        isolation="process") as f:
        r = f.invoke({})
    assert r.report is not None
    assert 100 < r.report.max_memory_used_mb < 200


def test_c_level_output_is_captured(fn: LambdaFunction) -> None:
    """What the worker writes straight to file descriptor 1 still reaches the log."""
    r = fn.invoke({"kind": "c_level"})
    assert "written to fd 1\n" in r.logs.messages


def test_invalid_isolation_mode(code: CodeWriter) -> None:
    """An unknown isolation mode names the two valid ones."""
    with pytest.raises(ValueError, match=r"use 'in-process'.*or 'process'"):
        LambdaFunction("app.handler", code_dir=code(app=APP), isolation="docker")


def test_a_worker_that_dies_at_start_says_why(code: CodeWriter,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that ends before it is ready raises an error with its own output (the
    traceback that says why), not a bare 'exit'."""
    import sys

    from pytest_lambda.runtime.workers import process
    from pytest_lambda.runtime.workers.process import WorkerStartError

    crash = "import sys; sys.stderr.write('Traceback: bad coverage plugin xyz\\n'); sys.exit(1)"
    monkeypatch.setattr(process, "forkable", lambda env: False)
    monkeypatch.setattr(process, "worker_command",
                        lambda python, root: ([sys.executable, "-c", crash], root))
    fn = LambdaFunction("app.handler", code_dir=code(app="def handler(e, c):\n    return 1\n"),
                        isolation="process")
    with pytest.raises(WorkerStartError, match=r"(?s)ended before it was ready \(exit.*"
                       r"bad coverage plugin xyz"):
        fn.invoke({})
    fn.close()


TICKER = """
import threading, time
TICKS = [0]
def tick():
    while True:
        TICKS[0] += 1
        time.sleep(0.01)
def handler(event, context):
    if event.get("start"):
        threading.Thread(target=tick, daemon=True).start()
    return TICKS[0]
"""


def test_background_threads_are_frozen_between_invocations(code: CodeWriter) -> None:
    """A thread the handler left ticking every 10 ms makes no progress while the environment
    is idle (Lambda freezes it); it runs again during the next invocation."""
    import time

    with LambdaFunction("app.handler", code_dir=code(app=TICKER), isolation="process") as fn:
        started = fn.invoke({"start": True}).payload
        time.sleep(0.5)  # 50 ticks if the worker ran meanwhile
        later = fn.invoke({}).payload
    assert later - started <= 5


def test_a_spawned_worker_never_closed_ends_with_the_script(code: CodeWriter,
                                                           tmp_path: Path) -> None:
    """A script that never closes its function (the plain-Python core, no pytest): a spawned
    worker, stopped between invocations, used to stay for good after the script exited."""
    import subprocess
    import sys
    import time

    root = code(pid="import os\ndef handler(event, context):\n    return os.getpid()\n")
    script = tmp_path / "script.py"
    # A start-up variable of its own: spawned, not forked from the template.
    script.write_text(
        "from pytest_lambda import LambdaFunction\n"
        f"fn = LambdaFunction('pid.handler', code_dir={str(root)!r}, isolation='process',\n"
        "                    environment={'PYTHONWARNINGS': 'default'})\n"
        "print(fn.invoke({}).payload)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, check=True)
    pid = int(done.stdout.strip())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return  # gone
        if state in ("Z", "X"):
            return
        time.sleep(0.05)
    pytest.fail(f"the worker {pid} outlived its script (state {state})")


def test_remaining_time_under_a_frozen_clock_in_a_worker(code: CodeWriter) -> None:
    """freezegun in the test does not reach a process worker: its handler has its timeout
    ahead of it (it had 0 ms left from its first line, the deadline being on the test's
    frozen clock)."""
    import freezegun

    root = code(app="def handler(event, context):\n"
                    "    return context.get_remaining_time_in_millis()\n")
    with LambdaFunction("app.handler", code_dir=root, timeout=3, isolation="process") as fn, \
            freezegun.freeze_time("2020-01-01"):
        remaining = fn.invoke({}).payload
    assert 2000 < remaining <= 3000


def test_a_child_process_memory_counts_for_the_environment(code: CodeWriter) -> None:
    """Lambda's memory size covers every process in the environment: a child allocating past
    it is an out-of-memory kill, not a success reporting the worker's own 40 MB."""
    root = code(app="import subprocess, sys\n"
                    "def handler(event, context):\n"
                    "    subprocess.run([sys.executable, '-c', 'x = bytearray(300 << 20); "
                    "import time; time.sleep(1)'])\n"
                    "    return 'done'\n")
    with LambdaFunction("app.handler", code_dir=root, memory_size=128, timeout=10,
                        isolation="process") as fn:
        r = fn.invoke({})
    assert r.report is not None and r.report.error_type == "Runtime.OutOfMemory", r.payload


FORKS = """
import multiprocessing, os, time
KEEP = None

def handler(event, context):
    global KEEP
    KEEP = bytearray(40 << 20)
    for i in range(0, len(KEEP), 4096):
        KEEP[i] = 1
    children = [multiprocessing.Process(target=time.sleep, args=(0.3,)) for _ in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    return [child.exitcode for child in children]
"""


def test_forked_children_count_only_the_memory_they_do_not_share(code: CodeWriter) -> None:
    """A forked child shares its parent's pages until it writes to them, and Lambda counts
    each page of the sandbox once: three idle children of a handler holding 40 MB are not
    out of memory at 128 MB (their resident sizes were summed: 40 MB again per child)."""
    with LambdaFunction("app.handler", code_dir=code(app=FORKS), memory_size=128, timeout=10,
                        isolation="process") as fn:
        r = fn.invoke({})
    assert r.payload == [0, 0, 0], r.payload
    assert r.report is not None and r.report.max_memory_used_mb < 110


ESCAPES = """
import os, subprocess, sys, time

TICKER = "import time\\nwhile True:\\n    open(%r, 'a').write('t\\\\n'); time.sleep(0.02)"

def ticker(event, context):
    child = subprocess.Popen([sys.executable, "-c", TICKER % event["file"]],
                             start_new_session=True)
    time.sleep(0.2)
    return child.pid

def daemon(event, context):
    read, write = os.pipe()
    if os.fork() == 0:  # a daemon's double fork: the middle process exits at once
        os.setsid()
        if os.fork() == 0:
            os.write(write, str(os.getpid()).encode())
            time.sleep(60)
        os._exit(0)
    return int(os.read(read, 32))

def abandon(event, context):
    child = subprocess.Popen(["sleep", "60"], start_new_session=True)
    open(event["file"], "w").write(str(child.pid))
    os._exit(3)
"""


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie), within half a second."""
    import time

    for _ in range(50):
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        if state == "Z":
            return False
        time.sleep(0.01)
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_children_in_sessions_of_their_own_are_frozen_and_killed_with_the_environment(
        code: CodeWriter, tmp_path: Path) -> None:
    """A child started with ``start_new_session=True`` or a daemon's double fork is in the
    execution environment all the same: frozen between invocations, killed with it, also when
    the worker ended by itself (they ran on past the test session)."""
    import time

    ticks = tmp_path / "ticks"
    root = code(app=ESCAPES)
    with LambdaFunction("app.ticker", code_dir=root, isolation="process") as fn:
        ticker = fn.invoke({"file": str(ticks)}).payload
        before = ticks.read_text().count("t")
        time.sleep(0.3)
        assert ticks.read_text().count("t") - before <= 1  # frozen: no ticks between
    with LambdaFunction("app.daemon", code_dir=root, isolation="process") as fn:
        daemon = fn.invoke({}).payload
        assert _running(daemon)
    assert not _running(ticker)
    assert not _running(daemon)
    with LambdaFunction("app.abandon", code_dir=root, isolation="process") as fn:
        r = fn.invoke({"file": str(tmp_path / "pid")})
        assert r.report is not None and r.report.error_type == "Runtime.ExitError"
        assert not _running(int((tmp_path / "pid").read_text()))


RAW_OUTPUT = """
import os

def handler(event, context):
    os.write(1, b"progress 10%\\r20%\\r100%\\x0cdone\\n" + b"x" * 600_000 + b"\\n")
    return "written"
"""


def test_output_written_to_the_descriptor_is_cut_into_events_as_printed_output(
        code: CodeWriter) -> None:
    """What a worker writes straight to fd 1 (a C library, a child process) ends lines at
    "\\n" only ("\\r" and form feeds cut it in pieces) and a line over one event's size is cut as
    a printed one is (it stayed one event of any size)."""
    from pytest_lambda.runtime.capture import MAX_EVENT_BYTES

    with LambdaFunction("app.handler", code_dir=code(app=RAW_OUTPUT),
                        isolation="process") as fn:
        r = fn.invoke({})
    lines = [m for m in r.logs.messages if not m.startswith(("START", "END", "REPORT"))]
    assert lines[0] == "progress 10%\r20%\r100%\x0cdone\n"
    assert [len(m) for m in lines[1:]] == [MAX_EVENT_BYTES, MAX_EVENT_BYTES,
                                           600_001 - 2 * MAX_EVENT_BYTES]


PARTIAL = """
import ctypes, os, time

def handler(event, context):
    print("a whole line")
    print("the last words", end="")
    print(", in pieces", end="")
    if event["how"] == "segfault":
        ctypes.string_at(0)
    if event["how"] == "exit":
        os._exit(1)
    time.sleep(5)
"""


@pytest.mark.parametrize("how", ["segfault", "exit", "timeout"])
def test_a_line_without_its_newline_reaches_the_log_when_the_worker_dies(
        code: CodeWriter, short_timeout: Shortener, how: str) -> None:
    """The runtime's streams write through to the pipe: text printed without its newline
    before the process dies is in the log on Lambda (it died with the worker)."""
    with short_timeout(LambdaFunction("app.handler", code_dir=code(app=PARTIAL),
                                      isolation="process"), 0.5) as fn:
        r = fn.invoke({"how": how})
    lines = [m for m in r.logs.messages if not m.startswith(("START", "END", "REPORT"))]
    assert lines == ["a whole line\n", "the last words, in pieces"], r.logs.text
