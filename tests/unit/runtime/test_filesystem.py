"""The task root is read-only and each environment has its own /tmp, sized by
ephemeral_storage and removed with the environment, as on Lambda."""

from __future__ import annotations

import builtins
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter, Shortener

WRITER = """
import os, pathlib, tempfile

def handler(event, context):
    out = {}
    attempts = {
        "open": lambda: open("written.txt", "w"),
        "pathlib": lambda: pathlib.Path(os.environ["LAMBDA_TASK_ROOT"], "p.txt").write_text("x"),
        "os.open": lambda: os.open("o.txt", os.O_CREAT | os.O_WRONLY),
        "mkdir": lambda: os.mkdir("newdir"),
        "remove": lambda: os.remove("app.py"),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
            out[name] = "written"
        except OSError as exc:
            out[name] = str(exc).split(":")[0]
    with open("app.py") as f:  # reading stays possible
        out["read"] = len(f.read()) > 0
    out["tmpdir"] = tempfile.gettempdir()
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write("ok")
        out["tmpfile"] = f.name
    out["TMPDIR"] = os.environ["TMPDIR"]
    return out
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_task_root_is_read_only_and_tmp_is_private(code: CodeWriter, isolation: str) -> None:
    """Writes into LAMBDA_TASK_ROOT fail with EROFS; tempfile uses the environment's own dir."""
    root = code(app=WRITER)
    with LambdaFunction("app.handler", code_dir=root, isolation=isolation, timeout=30) as fn:
        out = fn.invoke({}).payload
        names = ("open", "pathlib", "os.open", "mkdir", "remove")
        assert {k: out[k] for k in names} == dict.fromkeys(
            names, "[Errno 30] Read-only file system")
        assert out["read"] is True
        tmp = out["tmpdir"]
        assert out["TMPDIR"] == tmp and tmp != tempfile.gettempdir()
        assert out["tmpfile"].startswith(tmp + os.sep)
        assert Path(out["tmpfile"]).read_text() == "ok"  # it persists while the env is warm
    assert not Path(tmp).exists()  # removed with the environment
    assert sorted(p.name for p in root.iterdir() if p.name != "__pycache__") == ["app.py"]


CHANGER = """
import os, pathlib, tempfile, helper

def handler(event, context):
    layer_file = helper.__file__
    out = {}
    attempts = {
        "chmod": lambda: os.chmod("app.py", 0o777),
        "utime": lambda: os.utime("app.py", (0, 0)),
        "truncate": lambda: os.truncate("app.py", 0),
        "symlink": lambda: os.symlink("app.py", "alias.py"),
        "link": lambda: os.link("app.py", "hard.py"),
        "layer write": lambda: open(layer_file, "a"),
        "layer new file": lambda: open(os.path.join(os.path.dirname(layer_file), "n"), "w"),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
            out[name] = "changed"
        except OSError as exc:
            out[name] = str(exc).split(":")[0]
    tmp_link = os.path.join(tempfile.gettempdir(), "to-code.py")
    os.symlink(os.path.abspath("app.py"), tmp_link)  # a link in /tmp to the code is fine
    out["tmp symlink"] = os.path.islink(tmp_link)
    return out
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_code_and_layers_cannot_be_changed(
        code: CodeWriter, tmp_path: Path, isolation: str) -> None:
    """chmod, utime, truncate and links in the task root, and any write into a layer (/opt on
    Lambda), fail with EROFS: they succeeded and changed the user's real files
    (``os.truncate`` emptied a source file)."""
    root = code(app=CHANGER)
    layer = tmp_path / "layer" / "python"
    layer.mkdir(parents=True)
    (layer / "helper.py").write_text("VALUE = 1\n")
    before = (root / "app.py").read_text()
    with LambdaFunction("app.handler", code_dir=root, layers=[layer.parent],
                        isolation=isolation) as fn:
        out = fn.invoke({}).payload
    assert out == {**dict.fromkeys(("chmod", "utime", "truncate", "symlink", "link",
                                    "layer write", "layer new file"),
                                   "[Errno 30] Read-only file system"), "tmp symlink": True}
    assert (root / "app.py").read_text() == before
    assert sorted(p.name for p in layer.iterdir() if p.name != "__pycache__") == ["helper.py"]


DIR_FD = """
import os, shutil, tempfile

def handler(event, context):
    out = {}
    work = os.path.join(tempfile.gettempdir(), "work")
    os.makedirs(os.path.join(work, "sub"))
    open(os.path.join(work, "sub", "f"), "w").close()
    shutil.rmtree(work)  # unlinks and rmdirs names relative to each folder's descriptor
    out["rmtree in tmp"] = os.path.exists(work)
    task = os.open(".", os.O_RDONLY)
    os.chdir(tempfile.gettempdir())  # names relative to the task root's descriptor, not here
    attempts = {
        "create in task": lambda: os.open("new.py", os.O_WRONLY | os.O_CREAT, dir_fd=task),
        "unlink in task": lambda: os.unlink("app.py", dir_fd=task),
        "rename in task": lambda: os.rename("app.py", "b.py", src_dir_fd=task, dst_dir_fd=task),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
            out[name] = "changed"
        except OSError as exc:
            out[name] = str(exc).split(":")[0]
    os.close(task)
    return out
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_names_relative_to_a_folder_descriptor_follow_that_folder(
        code: CodeWriter, isolation: str) -> None:
    """``dir_fd`` names are judged in the descriptor's folder: ``shutil.rmtree`` of a folder in
    /tmp works (it failed with EROFS, judged against the working directory), and the task root
    stays read-only through a descriptor (``os.unlink("app.py", dir_fd=...)`` removed the
    user's real file)."""
    root = code(app=DIR_FD)
    with LambdaFunction("app.handler", code_dir=root, isolation=isolation) as fn:
        out = fn.invoke({}).payload
    assert out == {"rmtree in tmp": False,
                   **dict.fromkeys(("create in task", "unlink in task", "rename in task"),
                                   "[Errno 30] Read-only file system")}
    assert sorted(p.name for p in root.iterdir() if p.name != "__pycache__") == ["app.py"]


def test_writes_past_ephemeral_storage_fail_with_enospc(code: CodeWriter) -> None:
    """A write that would take /tmp over ephemeral_storage fails with ENOSPC."""
    root = code(app="""
import tempfile, os
MB = 1024 * 1024
def handler(event, context):
    tmp = tempfile.gettempdir()
    with open(os.path.join(tmp, "sparse"), "wb") as f:
        f.truncate(event["filled_mb"] * MB)  # counted by size, without using the disk
    written = 0
    try:
        with open(os.path.join(tmp, "data"), "wb") as f:
            for _ in range(5):
                f.write(b"x" * MB)
                written += 1
    except OSError as exc:
        return [written, str(exc).split(":")[0]]
    return [written, None]
""")
    with LambdaFunction("app.handler", code_dir=root, ephemeral_storage=512) as fn:
        assert fn.invoke({"filled_mb": 100}).payload == [5, None]
        assert fn.invoke({"filled_mb": 509}).payload == [3, "[Errno 28] No space left on device"]
    with LambdaFunction("app.handler", code_dir=root, ephemeral_storage=1024) as fn:
        assert fn.invoke({"filled_mb": 509}).payload == [5, None]


@pytest.mark.parametrize("maker", ["NamedTemporaryFile", "TemporaryFile", "mkstemp"])
def test_tempfile_writes_count_against_ephemeral_storage(code: CodeWriter, maker: str) -> None:
    """Files the tempfile module makes (a descriptor, then a file object on it) count too:
    their writes went past a full /tmp."""
    root = code(app="""
import tempfile, os
MB = 1024 * 1024
def handler(event, context):
    with open(os.path.join(tempfile.gettempdir(), "sparse"), "wb") as f:
        f.truncate(509 * MB)
    if event["maker"] == "mkstemp":
        fd, _ = tempfile.mkstemp()
        f = os.fdopen(fd, "wb")
    else:
        f = getattr(tempfile, event["maker"])()
    written = 0
    try:
        with f:
            for _ in range(5):
                f.write(b"x" * MB)
                written += 1
    except OSError as exc:
        return [written, str(exc).split(":")[0]]
    return [written, None]
""")
    with LambdaFunction("app.handler", code_dir=root, ephemeral_storage=512) as fn:
        assert fn.invoke({"maker": maker}).payload == [3, "[Errno 28] No space left on device"]


def test_environments_have_separate_tmp_dirs(code: CodeWriter) -> None:
    """Two environments (a cold start after discarding) do not share /tmp."""
    root = code(app="import tempfile\ndef handler(e, c):\n    return tempfile.gettempdir()\n")
    with LambdaFunction("app.handler", code_dir=root) as fn:
        first = fn.invoke({}).payload
        fn.cold_start()
        second = fn.invoke({}).payload
    assert first != second


def test_file_functions_are_restored_after_phases(code: CodeWriter) -> None:
    """open, io.open, os.open and tempfile.tempdir are the test process's own afterwards."""
    before = (builtins.open, io.open, os.open, os.mkdir, os.remove, tempfile.tempdir)
    root = code(app="def handler(e, c):\n    raise RuntimeError('x')\n")
    with LambdaFunction("app.handler", code_dir=root) as fn:
        fn.invoke({})
    assert (builtins.open, io.open, os.open, os.mkdir, os.remove, tempfile.tempdir) == before
    (root / "after.txt").write_text("the test itself may still write here")


CACHE = """
import os, sys, tempfile, time

CACHE = os.path.join(tempfile.gettempdir(), "model.bin")

def handler(event, context):
    found = open(CACHE).read() if os.path.exists(CACHE) else None
    if event.get("write"):
        with open(CACHE, "w") as f:  # a download cut off half-way
            f.write("partial")
        if event["write"] == "timeout":
            time.sleep(30)
        if event["write"] == "exit":
            sys.exit(1)
        raise RuntimeError("failed after writing")
    return {"found": found, "tmp": tempfile.gettempdir()}
"""


@pytest.mark.parametrize("isolation", ["in-process", "process"])
@pytest.mark.parametrize("how", ["exit", "timeout"])
def test_a_reset_keeps_tmp_for_the_restarted_runtime(code: CodeWriter, isolation: str,
                                                      how: str, short_timeout: Shortener) -> None:
    """After a reset (the runtime exited, or timed out) Lambda initialises the runtime again in
    the same environment and does not clear /tmp: the half-written file is still there."""
    with short_timeout(LambdaFunction("app.handler", code_dir=code(app=CACHE),
                                      isolation=isolation)) as fn:
        failed = fn.invoke({"write": how})
        assert failed.function_error == "Unhandled"
        again = fn.invoke({})
        assert again.cold_start  # the runtime was initialised again
        assert again.payload["found"] == "partial"
        tmp = again.payload["tmp"]
        fn.cold_start()  # a new environment: an empty /tmp
        fresh = fn.invoke({})
        assert fresh.payload["found"] is None and fresh.payload["tmp"] != tmp
    assert not os.path.exists(tmp)  # removed with the function, like every environment's


def test_a_handled_error_keeps_the_environment_and_its_tmp(code: CodeWriter) -> None:
    """A function error is no reset: the same warm environment, the same /tmp."""
    with LambdaFunction("app.handler", code_dir=code(app=CACHE)) as fn:
        assert fn.invoke({"write": "raise"}).function_error == "Unhandled"
        warm = fn.invoke({})
    assert not warm.cold_start and warm.payload["found"] == "partial"


def test_a_reset_environments_tmp_goes_to_one_new_environment(code: CodeWriter) -> None:
    """Only the environment started in place of the reset one finds its /tmp; another new
    environment (a concurrent request) starts empty; nothing is left after close."""
    with LambdaFunction("app.handler", code_dir=code(app=CACHE), timeout=1) as fn:
        fn.invoke({"write": "exit"})
        results = fn.invoke_many([{}, {}], concurrency=2)
        kept = [r.payload["tmp"] for r in results]
        assert sorted(r.payload["found"] or "" for r in results) == ["", "partial"]
    assert not any(os.path.exists(t) for t in kept)


COPIES = """
import os, shutil, tempfile

def handler(event, context):
    tmp = tempfile.gettempdir()
    with open(os.path.join(tmp, "sparse"), "wb") as f:  # 490 MB of size, no disk
        f.seek(490 * 1024 * 1024)
        f.write(b"x")
    with open(os.path.join(tmp, "model"), "wb") as f:
        f.write(b"m" * (20 * 1024 * 1024))
    try:
        getattr(shutil, event["how"])(os.path.join(tmp, "model"), os.path.join(tmp, "copy"))
    except OSError as exc:
        return str(exc)
    return "copied"
"""


@pytest.mark.parametrize("how", ["copyfile", "copy", "copy2"])
def test_shutil_copies_into_tmp_count_against_ephemeral_storage(code: CodeWriter,
                                                                  how: str) -> None:
    """shutil's copies (os.sendfile on Linux) are counted like any other write into /tmp."""
    with LambdaFunction("app.handler", code_dir=code(app=COPIES), ephemeral_storage=512,
                        timeout=30) as fn:
        message = fn.invoke({"how": how}).payload
    assert message.startswith("[Errno 28] No space left on device"), message
    assert shutil._USE_CP_SENDFILE  # type: ignore[attr-defined]  # the test's own is back


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_imports_write_no_compiled_files_into_the_code_directory(
        code: CodeWriter, isolation: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The task root is read-only on Lambda, so importing the handler (and its modules) leaves
    no __pycache__ there, even where the test process writes bytecode next to sources."""
    import sys

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    root = code(helper="VALUE = 1\n",
                app="import os, helper\n"
                    "def handler(event, context):\n"
                    "    return sorted(os.listdir(os.environ['LAMBDA_TASK_ROOT']))\n")
    with LambdaFunction("app.handler", code_dir=root, isolation=isolation) as fn:
        assert fn.invoke({}).payload == ["app.py", "helper.py"]
    assert sys.dont_write_bytecode is False  # the test process's own setting is back
    assert sorted(p.name for p in root.iterdir()) == ["app.py", "helper.py"]


def test_a_function_never_closed_leaves_no_tmp_behind(code: CodeWriter) -> None:
    """A LambdaFunction used without ``with`` or ``close()`` (as in a script) still removes
    its environments' /tmp once it is collected, a reset one's too. (A process worker's is
    removed when the interpreter exits.)"""
    import gc

    root = code(app=CACHE)
    fn = LambdaFunction("app.handler", code_dir=root, timeout=1)
    kept = fn.invoke({"write": "exit"})  # a reset: its /tmp is kept for the next environment
    assert kept.function_error == "Unhandled"
    tmp = fn.invoke({}).payload["tmp"]
    fn.invoke_many([{}, {}], concurrency=2)
    del fn, kept
    gc.collect()
    assert not os.path.exists(tmp)
