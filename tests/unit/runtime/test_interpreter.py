"""The Python version a function's code runs on, and the notes when it is not the runtime's."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.runtime import interpreter
from pytest_lambda.runtime.interpreter import Interpreter

if TYPE_CHECKING:
    from conftest import CodeWriter

PEP695 = """
import sys
type Number = int

def handler(event, context):
    return {"python": list(sys.version_info[:2]), "alias": Number.__name__}
"""
VERSION = "import sys\ndef handler(event, context):\n    return list(sys.version_info[:2])\n"
#: A Python runtime that is not the version running these tests.
OTHER = "python3.12" if sys.version_info[:2] != (3, 12) else "python3.13"


def _installed(runtime: str) -> Interpreter:
    found = interpreter.find(runtime)
    if found is None or found.is_current:
        pytest.skip(f"no {runtime} interpreter other than this one is installed")
    return found


def test_pep695_handler_runs_on_the_runtimes_python_in_a_process_worker(
        code: CodeWriter) -> None:
    """``type X = int`` works under runtime python3.12 with process isolation, on 3.12."""
    _installed("python3.12")
    with LambdaFunction("app.handler", code_dir=code(app=PEP695), runtime="python3.12",
                        isolation="process") as fn:
        result = fn.invoke({})
        notes = fn.notes
    assert result.payload == {"python": [3, 12], "alias": "Number"}, result.error
    assert notes == ()


def test_in_process_mismatch_is_noted_once(code: CodeWriter) -> None:
    """In-process, another runtime's version runs on this Python, and the function says so."""
    with LambdaFunction("app.handler", code_dir=code(app=VERSION), runtime=OTHER) as fn:
        for _ in range(2):
            assert fn.invoke({}).payload == list(sys.version_info[:2])
            fn.cold_start()
        notes = fn.notes
    want = OTHER.removeprefix("python")
    assert notes == (f"{OTHER} functions ran on Python {interpreter.current().version_text} "
                     f"in-process, so {want} syntax and behaviour were not tested; run them "
                     f"with isolation=\"process\" to use a Python {want} interpreter (found on "
                     "PATH, in pyenv or in lambda_python_interpreters)",)


def test_matching_runtime_has_no_note(code: CodeWriter) -> None:
    """A function whose runtime is this interpreter's version notes nothing."""
    with LambdaFunction("app.handler", code_dir=code(app=VERSION)) as fn:
        fn.invoke({})
        assert fn.notes == ()


def test_missing_interpreter_is_noted_and_the_test_interpreter_runs(
        code: CodeWriter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no interpreter of the runtime's version the worker runs here, and says why."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    with LambdaFunction("app.handler", code_dir=code(app=VERSION), runtime=OTHER,
                        isolation="process") as fn:
        assert fn.invoke({}).payload == list(sys.version_info[:2])
        notes = fn.notes
    want = OTHER.removeprefix("python")
    assert notes == (f"{OTHER} functions ran on Python {interpreter.current().version_text} "
                     f"in process workers: no Python {want} interpreter was found (searched "
                     "PATH and pyenv); install one, or name it in lambda_python_interpreters or "
                     "python_executable",)


def test_python_executable_of_another_version_is_refused(code: CodeWriter) -> None:
    """``python_executable`` must be the runtime's version; the error names both."""
    with pytest.raises(ValueError, match=(
            rf"python_executable='{sys.executable}' is Python \d+\.\d+\.\d+, but the "
            rf"function's runtime is {OTHER}: give a Python 3\.1\d interpreter, or change "
            rf"runtime to 'python3\.{sys.version_info.minor}'\.")):
        LambdaFunction("app.handler", code_dir=code(app=VERSION), runtime=OTHER,
                       isolation="process", python_executable=sys.executable)


def test_python_executable_that_cannot_run_is_refused(code: CodeWriter,
                                                      tmp_path: Path) -> None:
    """A path that is no interpreter fails at construction, naming the argument."""
    with pytest.raises(ValueError, match=r"python_executable='.*nope' cannot be run as a "
                                         r"Python interpreter"):
        LambdaFunction("app.handler", code_dir=code(app=VERSION), isolation="process",
                       python_executable=tmp_path / "nope")


def test_python_executable_needs_process_isolation(code: CodeWriter) -> None:
    """In-process, ``python_executable`` could not apply, so it is refused."""
    with pytest.raises(ValueError, match="only applies to Python functions with "
                                         "isolation='process'"):
        LambdaFunction("app.handler", code_dir=code(app=VERSION),
                       python_executable=sys.executable)


def test_worker_without_coverage_is_noted(code: CodeWriter,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Under coverage, a worker interpreter without coverage.py runs unmeasured, noted."""
    python = _installed(OTHER)
    if python.has_coverage:
        pytest.skip(f"coverage.py is installed for {python.executable}")
    monkeypatch.setattr("pytest_lambda.service.environments.worker_settings",
                        lambda: {"data_file": "x"})
    monkeypatch.setattr("pytest_lambda.runtime.workers.process.worker_coverage_settings",
                        lambda: {"data_file": "x"})
    with LambdaFunction("app.handler", code_dir=code(app=VERSION), runtime=OTHER,
                        isolation="process") as fn:
        assert fn.invoke({}).payload == list(python.version[:2])
        notes = fn.notes
    assert notes == (f"{OTHER} functions were not measured by coverage: coverage.py is not "
                     f"installed for {python.executable} (run '{python.executable} -m pip "
                     "install coverage')",)


def test_runtime_older_than_the_worker_supports_is_noted(code: CodeWriter) -> None:
    """python3.10 cannot get a 3.10 worker (the worker needs 3.11+): the note says so."""
    with LambdaFunction("app.handler", code_dir=code(app=VERSION), runtime="python3.10",
                        isolation="process") as fn:
        assert fn.invoke({}).payload == list(sys.version_info[:2])
        notes = fn.notes
    assert notes == (f"python3.10 functions ran on Python {interpreter.current().version_text} "
                     "in process workers, so 3.10 syntax and behaviour were not tested (process "
                     "workers need Python 3.11 or newer)",)


def test_foreign_worker_finds_the_package_last_on_its_path() -> None:
    """Another interpreter's own packages come before the test environment's: the package's
    folder (a checkout, with an editable install) and this environment's site-packages, where
    boto3 is (Lambda's Python runtimes include it), go last."""
    import sysconfig

    python = Interpreter("/opt/py/bin/python", (3, 12, 1))
    options = interpreter.bytecode_options()  # the test process's -B / pycache_prefix
    command, pythonpath = interpreter.worker_command(python, "/checkout")
    assert command[:2 + len(options)] == ["/opt/py/bin/python", *options, "-c"]
    tail = ["/checkout", *dict.fromkeys([sysconfig.get_paths()["purelib"],
                                         sysconfig.get_paths()["platlib"]])]
    assert f"sys.path.extend({tail!r})" in command[-1]
    assert pythonpath == ""
    same, path = interpreter.worker_command(None, "/venv/site-packages")
    assert same == [sys.executable, *options, "-m", "pytest_lambda.runtime.workers.process_main"]
    assert path == "/venv/site-packages"


@pytest.mark.parametrize(("dont_write", "prefix", "options"), [
    (True, None, ["-B"]), (False, "/cache", ["-X", "pycache_prefix=/cache"]), (False, None, []),
])
def test_workers_keep_compiled_files_where_the_test_process_does(
        monkeypatch: pytest.MonkeyPatch, dont_write: bool, prefix: str | None,
        options: list[str]) -> None:
    """Workers and their template write bytecode as the test process does (none with -B or
    PYTHONDONTWRITEBYTECODE), through options: the function's environment stays Lambda's."""
    monkeypatch.setattr(sys, "dont_write_bytecode", dont_write)
    monkeypatch.setattr(sys, "pycache_prefix", prefix)
    assert interpreter.bytecode_options() == options


def test_pyenv_shims_are_not_candidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pyenv shim (which fails for unselected versions) is skipped; pyenv's own
    version directories are searched instead, newest first."""
    root = tmp_path / "pyenv"
    shims = root / "shims"
    shims.mkdir(parents=True)
    (shims / "python3.12").write_text("#!/bin/sh\nexit 127\n")
    (shims / "python3.12").chmod(0o755)
    for release in ("3.12.1", "3.12.10", "3.13.0"):
        exe = root / "versions" / release / "bin" / "python"
        exe.parent.mkdir(parents=True)
        exe.write_text("")
    monkeypatch.setenv("PYENV_ROOT", str(root))
    monkeypatch.setenv("PATH", str(shims))
    assert list(interpreter.candidates((3, 12))) == [
        str(root / "versions" / "3.12.10" / "bin" / "python"),
        str(root / "versions" / "3.12.1" / "bin" / "python")]


def test_python_executable_gives_way_after_a_runtime_change(code: CodeWriter) -> None:
    """After ``update_configuration(runtime=...)`` to another version, the worker runs on an
    interpreter of the new version, not on the old ``python_executable``."""
    python = _installed(OTHER)
    with LambdaFunction("app.handler", code_dir=code(app=VERSION), runtime=OTHER,
                        isolation="process", python_executable=python.executable) as fn:
        assert fn.invoke({}).payload == list(python.version[:2])
        fn.update_configuration(runtime=f"python3.{sys.version_info.minor}")
        assert fn.invoke({}).payload == list(sys.version_info[:2])
        assert fn.notes == ()
