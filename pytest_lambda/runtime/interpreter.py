"""Which Python interpreter runs a function's code: the runtime's version, where one exists.

In-process, handlers run on the interpreter that runs the tests, whatever the function's
``runtime`` says. A process-isolation worker can run on another interpreter: the one named by
``python_executable``, or one of the runtime's version found on this machine (the configured
candidates, ``python3.X`` on ``PATH``, pyenv's versions). The worker's own code is standard
library only, so any CPython of a supported version can run it.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: The oldest Python the package's worker code supports (the package's requires-python).
MIN_WORKER_VERSION = (3, 11)
#: How long an interpreter may take to say what it is.
_PROBE_TIMEOUT_S = 15.0
_PROBE = ("import sys, importlib.util; "
          "print('%d.%d.%d' % sys.version_info[:3], importlib.util.find_spec('coverage') "
          "is not None)")


@dataclass(frozen=True)
class Interpreter:
    """A Python interpreter: its executable, its version and whether coverage.py is there."""

    executable: str
    version: tuple[int, int, int]
    has_coverage: bool = False

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def is_current(self) -> bool:
        """True for the interpreter that runs the tests (the process's own). By path, not by
        the file it links to: a virtual environment's python is another environment."""
        return os.path.abspath(self.executable) == os.path.abspath(sys.executable)


def current() -> Interpreter:
    """The interpreter running this process (coverage: whether it is importable here)."""
    import importlib.util

    return Interpreter(sys.executable, (sys.version_info.major, sys.version_info.minor,
                                        sys.version_info.micro),
                       "coverage" in sys.modules or importlib.util.find_spec("coverage")
                       is not None)


def runtime_version(runtime: str) -> tuple[int, int] | None:
    """``python3.12`` -> ``(3, 12)``; None for other runtimes."""
    if not runtime.startswith("python"):
        return None
    major, _, minor = runtime.removeprefix("python").partition(".")
    return int(major), int(minor)


def probe(executable: str | os.PathLike[str]) -> Interpreter | None:
    """Ask ``executable`` what it is; None when it cannot run (missing, broken, not Python)."""
    import subprocess  # only when asking an interpreter: off the start-up path

    path = shutil.which(os.fspath(executable)) or os.fspath(executable)
    try:
        done = subprocess.run([path, "-I", "-c", _PROBE], capture_output=True, text=True,
                              timeout=_PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    words = done.stdout.split()
    if done.returncode != 0 or len(words) != 2:
        return None
    try:
        major, minor, micro = (int(n) for n in words[0].split("."))
    except ValueError:
        return None
    return Interpreter(os.path.abspath(path), (major, minor, micro), words[1] == "True")


def _pyenv_shims() -> str:
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    return os.path.realpath(os.path.join(root, "shims"))


def candidates(version: tuple[int, int]) -> Iterator[str]:
    """Where an interpreter of ``version`` may be: ``python3.X`` on PATH, then pyenv's
    ``versions/3.X.*`` (newest patch release first).

    pyenv's shims are skipped: a shim of a version that is not selected exists but fails
    (and takes half a second to say so); the version's own directory is searched instead.
    """
    name = f"python{version[0]}.{version[1]}"
    shims = _pyenv_shims()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        found = shutil.which(name, path=folder) if folder else None
        if found and os.path.dirname(os.path.realpath(found)) != shims:
            yield found
    root = Path(os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")) / "versions"
    prefix = f"{version[0]}.{version[1]}."
    try:
        dirs = [d for d in root.iterdir() if d.name.startswith(prefix)]
    except OSError:
        return
    for d in sorted(dirs, key=lambda d: _release(d.name), reverse=True):
        exe = d / "bin" / "python"
        if exe.exists():
            yield str(exe)


def _release(name: str) -> tuple[int, ...]:
    parts = []
    for word in name.split("."):
        digits = "".join(ch for ch in word if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def find(runtime: str, configured: Iterable[str | os.PathLike[str]] = ()) -> Interpreter | None:
    """An interpreter of ``runtime``'s version: this one if it matches, else the first
    match among ``configured``, PATH and pyenv; None when there is none (or the runtime's
    version is older than the worker supports)."""
    want = runtime_version(runtime)
    if want is None or want < MIN_WORKER_VERSION:
        return None
    here = current()
    if here.version[:2] == want:
        return here
    seen: set[str] = set()
    for path in (*configured, *candidates(want)):
        key = os.path.realpath(shutil.which(os.fspath(path)) or os.fspath(path))
        if key in seen:
            continue
        seen.add(key)
        found = probe(path)
        if found is not None and found.version[:2] == want:
            return found
    return None


def explicit(executable: str | os.PathLike[str], runtime: str) -> Interpreter:
    """``python_executable``, checked: it runs, and it is the runtime's Python version."""
    found = probe(executable)
    if found is None:
        raise ValueError(
            f"python_executable={os.fspath(executable)!r} cannot be run as a Python "
            "interpreter: give the path of a python executable (e.g. "
            "'/usr/bin/python3.12'), or leave python_executable unset to search PATH and pyenv.")
    want = runtime_version(runtime)
    if want is not None and found.version[:2] != want:
        raise ValueError(
            f"python_executable={os.fspath(executable)!r} is Python {found.version_text}, but "
            f"the function's runtime is {runtime}: give a Python "
            f"{want[0]}.{want[1]} interpreter, or change runtime to "
            f"'python{found.version[0]}.{found.version[1]}'.")
    if found.version[:2] < MIN_WORKER_VERSION:
        raise ValueError(
            f"python_executable={os.fspath(executable)!r} is Python {found.version_text}: the "
            f"worker needs Python {MIN_WORKER_VERSION[0]}.{MIN_WORKER_VERSION[1]} or newer.")
    return found


def mismatch_note(runtime: str, isolation: str) -> str | None:
    """The one-line notice for a Python function that runs on another Python version than
    its runtime (None when the versions agree)."""
    want = runtime_version(runtime)
    here = current()
    if want is None or here.version[:2] == want:
        return None
    wanted = f"{want[0]}.{want[1]}"
    ran = f"{runtime} functions ran on Python {here.version_text}"
    if want < MIN_WORKER_VERSION:
        lowest = f"{MIN_WORKER_VERSION[0]}.{MIN_WORKER_VERSION[1]}"
        return (f"{ran} {'in-process' if isolation == 'in-process' else 'in process workers'}"
                f", so {wanted} syntax and behaviour were not tested (process workers need "
                f"Python {lowest} or newer)")
    if isolation == "in-process":
        return (f"{ran} in-process, so {wanted} syntax and behaviour were not tested; run them "
                f"with isolation=\"process\" to use a Python {wanted} interpreter (found on "
                "PATH, in pyenv or in lambda_python_interpreters)")
    return (f"{ran} in process workers: no Python {wanted} interpreter was found (searched "
            "PATH and pyenv); install one, or name it in lambda_python_interpreters or "
            "python_executable")


#: The worker's entry point, as a module name (``python -m``).
WORKER_MODULE = "pytest_lambda.runtime.workers.process_main"


def bytecode_options() -> list[str]:
    """Interpreter options that keep a worker's own compiled files where the test process keeps
    them: none written when it writes none (``PYTHONDONTWRITEBYTECODE``, ``-B``), else under its
    ``pycache_prefix``. Options, not variables: the function's environment stays Lambda's."""
    if sys.dont_write_bytecode:
        return ["-B"]
    if sys.pycache_prefix:
        return ["-X", f"pycache_prefix={sys.pycache_prefix}"]
    return []


def worker_command(python: Interpreter | None, package_root: str) -> tuple[list[str], str]:
    """The command that starts a process worker on ``python`` (None: this interpreter), and
    the ``PYTHONPATH`` entry it needs.

    On this interpreter the worker imports the package from ``package_root`` first, as the test
    process does. On another one ``package_root`` and the test environment's site-packages go
    *last* on ``sys.path``: the interpreter's own packages win, so compiled packages built for
    its version load, and pure-Python ones installed only next to the tests (boto3, say) are
    still found.
    """
    if python is None:
        return [sys.executable, *bytecode_options(), "-m", WORKER_MODULE], package_root
    # The test environment's own site-packages too: with an editable install or a checkout,
    # package_root is the checkout, and boto3 (which Lambda's Python runtimes include) is found
    # only there.
    tail = list(dict.fromkeys([package_root, *_site_packages()]))
    bootstrap = (f"import sys; sys.path.extend({tail!r}); "
                 f"from {WORKER_MODULE} import main; main()")
    return [python.executable, *bytecode_options(), "-c", bootstrap], ""


def _site_packages() -> list[str]:
    """This interpreter's site-packages folders (pure-Python and platform ones)."""
    paths = sysconfig.get_paths()
    return [p for p in dict.fromkeys([paths["purelib"], paths["platlib"]]) if os.path.isdir(p)]
