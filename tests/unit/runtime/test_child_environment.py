"""A handler's child processes and C getenv() see the function's environment, never the test
process's (real credentials must not leak), and die with their execution environment."""

from __future__ import annotations

import ctypes
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter, Shortener

SECRET = "PYTEST_LAMBDA_TEST_REAL_SECRET"

APP = """
import ctypes, os, subprocess, sys

def handler(event, context):
    os.environ["SET_BY_HANDLER"] = "from-handler"
    probe = "import os; print(os.environ.get('%s'), os.environ.get('AWS_SECRET_ACCESS_KEY'), "
    probe += "os.environ.get('SET_BY_HANDLER'), os.environ.get('OWN'))"
    out = subprocess.run([sys.executable, "-c", probe % event["secret"]], capture_output=True,
                         text=True, check=True).stdout.split()
    libc = ctypes.CDLL(None)
    libc.getenv.restype = ctypes.c_char_p
    c_value = libc.getenv(event["secret"].encode())
    status = os.system("test -z \\"$%s\\"" % event["secret"])
    return {"child": out, "c_getenv": c_value and c_value.decode(), "system_status": status}
"""


def _c_getenv(name: str) -> str | None:
    libc = ctypes.CDLL(None)
    libc.getenv.restype = ctypes.c_char_p
    value = libc.getenv(name.encode())
    return value.decode() if value else None


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_children_and_getenv_see_the_function_environment_only(
        code: CodeWriter, monkeypatch: pytest.MonkeyPatch, isolation: str) -> None:
    """Real secrets of the test process reach neither children nor C getenv(); the function's
    own variables and the handler's os.environ changes do."""
    monkeypatch.setenv(SECRET, "real-secret-value")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-aws-secret")
    root = code(app=APP)
    with LambdaFunction("app.handler", code_dir=root, environment={"OWN": "mine"},
                        isolation=isolation, timeout=30) as fn:
        r = fn.invoke({"secret": SECRET})
    assert r.function_error is None, r.payload
    assert r.payload == {
        "child": ["None", "pytest-aws-lambda-fake-secret-access-key", "from-handler", "mine"],
        "c_getenv": None, "system_status": 0}
    # The test process's own C-level environment is back as it was.
    assert _c_getenv(SECRET) == "real-secret-value"
    assert _c_getenv("AWS_SECRET_ACCESS_KEY") == "real-aws-secret"
    assert _c_getenv("SET_BY_HANDLER") is None
    assert os.environ.get("SET_BY_HANDLER") is None


def test_c_environment_is_restored_after_a_failing_phase(
        code: CodeWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler that raises after changing os.environ leaves the C environment untouched."""
    monkeypatch.setenv(SECRET, "kept")
    root = code(app=f"""
import os
def handler(event, context):
    os.environ["{SECRET}"] = "changed"
    del os.environ["PATH"]
    raise RuntimeError("boom")
""")
    path = os.environ["PATH"]
    with LambdaFunction("app.handler", code_dir=root) as fn:
        assert fn.invoke({}).function_error == "Unhandled"
    assert _c_getenv(SECRET) == "kept"
    assert _c_getenv("PATH") == path


def _dead(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def test_child_process_dies_with_a_hard_killed_worker(code: CodeWriter, tmp_path: Path,
                                                     short_timeout: Shortener) -> None:
    """A `sleep 300` started by a function that cannot be stopped is killed with its worker."""
    pid_file = tmp_path / "child.pid"
    # Started at Init, whose limit is not the 0.2 s timeout: on a loaded machine the handler
    # itself could time out before it had started the child and written its pid.
    root = code(app=f"""
import subprocess, time
child = subprocess.Popen(["sleep", "300"])
open({str(pid_file)!r}, "w").write(str(child.pid))
def handler(event, context):
    while True:
        try:
            time.sleep(10)
        except BaseException:
            pass
""")
    with short_timeout(LambdaFunction("app.handler", code_dir=root, isolation="process")) as fn:
        assert fn.invoke({}).timed_out
        pid = int(pid_file.read_text())
        for _ in range(200):  # the kernel delivers SIGKILL asynchronously
            if _dead(pid):
                break
            time.sleep(0.01)
        assert _dead(pid), f"the handler's child {pid} outlived its environment"


CHILD_NET = """
import subprocess, sys

PROBE = '''
import socket
try:
    socket.getaddrinfo("example.com", 443)
    print("resolved")
except Exception as exc:
    print(type(exc).__name__, exc)
'''

def handler(event, context):
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True)
    return out.stdout + out.stderr
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_python_children_inherit_the_network_guard(code: CodeWriter, isolation: str) -> None:
    """A Python child of the handler refuses the network with the parent's allow list."""
    root = code(app=CHILD_NET)
    with LambdaFunction("app.handler", code_dir=root, isolation=isolation, timeout=30,
                        network_allow=["db.internal"]) as fn:
        out = fn.invoke({}).payload
    assert out.startswith("NetworkBlockedError pytest-aws-lambda blocked a connection to "
                          "example.com:443 from function 'app'"), out


def test_children_get_no_guard_when_everything_is_allowed(code: CodeWriter) -> None:
    """With network_allow=True the child's environment carries no guard variables."""
    root = code(app="""
import subprocess, sys
def handler(event, context):
    code = "import os; print(os.environ.get('PYTEST_LAMBDA_CHILD_GUARD'))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True).stdout.strip()
""")
    with LambdaFunction("app.handler", code_dir=root, network_allow=True) as fn:
        assert fn.invoke({}).payload == "None"


def test_guard_variables_are_not_in_the_handlers_os_environ(code: CodeWriter) -> None:
    """The handler's os.environ is Lambda's: the child-guard variables are not in it."""
    root = code(app="import os\ndef handler(e, c):\n    return sorted(os.environ)\n")
    with LambdaFunction("app.handler", code_dir=root) as fn:
        names = fn.invoke({}).payload
    assert "PYTEST_LAMBDA_CHILD_GUARD" not in names and "PYTHONPATH" not in names


GETENV = """
import ctypes, os
libc = ctypes.CDLL(None)
libc.getenv.restype = ctypes.c_char_p

def handler(event, context):
    if event.get("set"):
        os.environ["CHANGED"] = event["set"]
    if event.get("unset"):
        del os.environ["CHANGED"]
    read = lambda k: (libc.getenv(k.encode()) or b"").decode()
    return [read("_X_AMZN_TRACE_ID"), os.environ["_X_AMZN_TRACE_ID"], read("CHANGED")]
"""


def test_c_environment_follows_every_change_between_warm_invocations(code: CodeWriter) -> None:
    """getenv() sees each invocation's own trace id and the handler's earlier changes."""
    with LambdaFunction("app.handler", code_dir=code(app=GETENV)) as fn:
        seen = [fn.invoke(event).payload for event in
                ({}, {"set": "one"}, {}, {"set": "two"}, {"unset": True}, {})]
    traces = [c_trace for c_trace, _, _ in seen]
    assert all(c_trace == py_trace for c_trace, py_trace, _ in seen)
    assert len(set(traces)) == len(traces)
    assert [changed for _, _, changed in seen] == ["", "one", "one", "two", "", ""]


def test_home_is_not_set_as_on_lambda(code: CodeWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lambda sets no ``HOME``; the test process's must not reach the handler."""
    monkeypatch.setenv("HOME", "/home/tester")
    path = code(app="import os\ndef handler(event, context):\n    return os.environ.get('HOME')\n")
    with LambdaFunction("app.handler", code_dir=path) as fn:
        assert fn.invoke({}).payload is None
