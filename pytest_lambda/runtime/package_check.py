"""The deployment-package check: imports that would fail on Lambda, although the venv has them.

Opt-in (``package_check="warn"`` or ``"strict"``, ini ``lambda_package_check``). While the
function's code runs, every absolute ``import`` made by a module the environment imported
itself (its code and its libraries; not the standard library, not the mock layer running on its
behalf) is checked against what the deployment would contain:

- the function's code folder and its layers;
- the standard library;
- the runtime's bundled packages: every Python runtime includes the AWS SDK for Python (Boto3)
  and its dependencies (AWS docs, "Building Lambda functions with Python", lambda-python.html:
  "Your code runs in an environment that includes the SDK for Python (Boto3)"; "Working with
  .zip file archives", python-package.html: "The Lambda Python runtimes include the AWS SDK
  for Python (Boto3) and its dependencies");
- the distributions ``requirements.txt`` (else ``pyproject.toml``'s ``[project]
  dependencies``) in the code folder declares, with their own dependencies resolved from the
  installed metadata.

Anything else fails as it would on Lambda (``ModuleNotFoundError: No module named 'x'``, which
an Init turns into ``Runtime.ImportModuleError``), or with ``warn`` is logged once per
environment and allowed. Not seen: ``importlib.import_module`` of a module the test process has
already loaded (it does not go through ``__import__``).
"""

from __future__ import annotations

import builtins
import functools
import os
import re
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from ..config import FunctionConfig
from .interpreter import runtime_version
from .modules import SharedModules

#: What every Python runtime bundles (see the module docstring): the SDK; its dependencies are
#: resolved from the installed metadata like any other distribution's.
RUNTIME_BUNDLED = ("boto3",)
#: boto3's dependencies when boto3 is not installed in the test environment to resolve them.
_BOTO3_CLOSURE = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six",
                  "urllib3")
_EXTENSION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\..*)?\.(so|pyd)$")


def normalize(name: str) -> str:
    """A distribution name in its normal form (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_bundled(runtime: str) -> tuple[str, ...]:
    """The distributions ``runtime`` brings (the same SDK for every Python runtime)."""
    return RUNTIME_BUNDLED if runtime.startswith("python") else ()


@functools.cache
def _top_level_index(path: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Top-level import names -> the installed distributions providing them (read once)."""
    del path  # part of the cache key only: a different sys.path may see other distributions
    return {k: tuple(normalize(d) for d in v)
            for k, v in metadata.packages_distributions().items()}


def _requirement_lines(path: Path, seen: set[Path]) -> list[str]:
    if path in seen or not path.is_file():
        return []
    seen.add(path)
    out: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            out += _requirement_lines(path.parent / line.split(None, 1)[1].strip(), seen)
        elif not line.startswith("-"):  # other options (-i, --hash lines) name no distribution
            out.append(line)
    return out


def declared(code_dir: Path) -> list[str]:
    """Requirement strings the function declares: requirements.txt, else pyproject.toml."""
    requirements = code_dir / "requirements.txt"
    if requirements.is_file():
        return _requirement_lines(requirements, set())
    pyproject = code_dir / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        return [str(d) for d in data.get("project", {}).get("dependencies", [])]
    return []


def resolve(requirements: Iterable[str]) -> set[str]:
    """Distributions named by ``requirements`` and, from installed metadata, their deps."""
    from packaging.requirements import InvalidRequirement, Requirement

    found: set[str] = set()
    todo: list[tuple[str, frozenset[str]]] = []
    for text in requirements:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue  # a URL or path line: nothing to resolve by name
        todo.append((req.name, frozenset(req.extras)))
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (normalize(name), extras) in done:
            continue
        done.add((normalize(name), extras))
        found.add(normalize(name))
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # declared but not installed: its modules cannot be imported here anyway
        for text in requires:
            req = Requirement(text)
            if req.marker is None or any(req.marker.evaluate({"extra": e})
                                         for e in (*extras, "")):
                todo.append((req.name, frozenset(req.extras)))
    return found


@functools.cache
def _allowed_distributions(code_dir: Path, runtime: str, layers: tuple[Path, ...],
                           stamp: tuple[float, ...]) -> frozenset[str]:
    """What the runtime bundles, and what the function and its layers declare: a layer built
    from its requirements file (SAM's ``BuildMethod: python3.x``, CDK's ``PythonLayerVersion``)
    holds those distributions once deployed."""
    del stamp  # cache key only: the requirements files' modification times
    bundled = resolve(runtime_bundled(runtime))
    if runtime.startswith("python"):
        bundled |= set(_BOTO3_CLOSURE) if "botocore" not in bundled else set()
    own = resolve(declared(code_dir))
    for layer in layers:
        own |= resolve(declared(layer))
    return frozenset(bundled | own)


def _stamp(folder: Path) -> float:
    for name in ("requirements.txt", "pyproject.toml"):
        try:
            return os.stat(folder / name).st_mtime
        except OSError:
            continue
    return 0.0


def lambda_extension_tags(runtime: str, architecture: str) -> frozenset[str] | None:
    """The extension-module tags Lambda's interpreter for ``runtime`` on ``architecture``
    loads (``importlib.machinery.EXTENSION_SUFFIXES`` there, less ``.so``): a module built for
    another Python or the other machine (``.cpython-311-x86_64-linux-gnu.so`` in an arm64
    function) is not found there (AWS docs, "Selecting and configuring an instruction set
    architecture": code compatibility with arm64). None: not a Python runtime."""
    version = runtime_version(runtime)
    if version is None:
        return None
    machine = "aarch64" if architecture == "arm64" else "x86_64"
    return frozenset({f".cpython-{version[0]}{version[1]}-{machine}-linux-gnu", ".abi3"})


def _local_names(folders: Iterable[str], tags: frozenset[str] | None = None) -> set[str]:
    """Top-level import names a folder provides (modules, packages, extensions); with
    ``tags``, only extensions with one of them (or none) count."""
    names: set[str] = set()
    for folder in folders:
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                name = entry.name
                if entry.is_dir():
                    if name.isidentifier():
                        names.add(name)
                elif name.endswith(".py") and name[:-3].isidentifier():
                    names.add(name[:-3])
                elif (m := _EXTENSION.match(name)) is not None and (
                        tags is None or not m.group(2) or m.group(2) in tags):
                    names.add(m.group(1))
    return names


class PackageCheck:
    """A phase hook: ``import`` checked against the deployment package while the code runs."""

    def __init__(self, config: FunctionConfig, folders: Iterable[str],
                 shared: SharedModules) -> None:
        self.strict = config.package_check == "strict"
        self.runtime = config.runtime
        self.shared = shared
        self.folders = frozenset(folders)
        tags = lambda_extension_tags(config.runtime, config.architecture)
        self.allowed_names = _local_names(self.folders, tags) | set(sys.stdlib_module_names) \
            | set(sys.builtin_module_names) | {"__future__"}
        layers = tuple(config.layers)
        self.distributions = _allowed_distributions(
            config.code_dir, config.runtime, layers,
            tuple(_stamp(folder) for folder in (config.code_dir, *layers)))
        self.checked: set[str] = set()
        self.reported: set[str] = set()
        self._real_import = builtins.__import__

    def allowed(self, top: str) -> bool:
        """Would the deployment package (code, layers, runtime, declared deps) have ``top``?"""
        if top in self.allowed_names:
            return True
        # Keyed by the test process's part of the path only: the index is read once per session,
        # not once per code folder.
        index = _top_level_index(tuple(p for p in sys.path if p not in self.folders))
        return any(d in self.distributions for d in index.get(top, ()))

    def enter(self) -> None:
        real = self._real_import = builtins.__import__
        checked, shared = self.checked, self.shared

        def checked_import(name: str, globals: Any = None, locals: Any = None,
                           fromlist: Any = (), level: int = 0) -> Any:
            if level == 0 and name:
                top = name.partition(".")[0]
                if top not in checked:
                    importer = (globals or {}).get("__name__") or ""
                    if importer not in shared and top != importer.partition(".")[0]:
                        self._check(top)
            return real(name, globals, locals, fromlist, level)

        builtins.__import__ = checked_import

    def exit(self) -> None:
        builtins.__import__ = self._real_import

    def _check(self, top: str) -> None:
        if self.allowed(top):
            self.checked.add(top)
            return
        if self.strict:
            raise ModuleNotFoundError(f"No module named '{top}'", name=top)
        self.checked.add(top)  # warn once per environment, then let it import
        if top not in self.reported:
            self.reported.add(top)
            sys.stderr.write(
                f"pytest-aws-lambda: package check: '{top}' is not in the deployment package "
                f"(the code folder, its layers, the {self.runtime} runtime's bundled packages "
                "or the distributions requirements.txt declares); on Lambda this import fails "
                f"with \"No module named '{top}'\" (Runtime.ImportModuleError at Init)\n")
