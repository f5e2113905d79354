"""The dependency rule, checked on the source: no import cycle, and every late import justified.

A late import (inside a function) of one of the package's own modules is allowed only
- on the start-up path: the pytest plugin and the CLI load the core when a feature runs, the
  package root resolves its public names lazily, and a worker process imports what its first
  message needs (STYLE.md rule 3: importing the plugin costs almost nothing);
- for an on-demand subsystem: the AWS SDK wrappers (service.boto, service.aws,
  service.delivery), the Lambda API on moto (service.lambda_api), event sources on moto, the
  asynchronous queue, the event factories, the worker backends, the template and application
  loaders, and the ``LambdaFunction`` façade that pulls in the whole runtime -- each loaded
  only by a test that uses it;
- or with a comment on the line, or above it (or above the group of imports it is in), saying
  why.
And never to hide a cycle: hoisting it must not create one.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "pytest_lambda"
START_UP = ("pytest_lambda.plugin", "pytest_lambda.cli",
            "pytest_lambda.runtime.workers.process_main",
            "pytest_lambda.runtime.childguard")
ON_DEMAND = ("pytest_lambda.sources", "pytest_lambda.service.async_queue",
             "pytest_lambda.service.delivery", "pytest_lambda.service.boto",
             "pytest_lambda.service.aws", "pytest_lambda.service.lambda_api",
             "pytest_lambda.events", "pytest_lambda.runtime.workers",
             "pytest_lambda.templates", "pytest_lambda.function", "pytest_lambda.template")


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in ROOT.rglob("*.py")}


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in MODULES]
    base = node.module or ""
    if node.level:
        package = module.split(".")
        if MODULES[module].name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join(package + ([node.module] if node.module else []))
    found = []
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        found.append(candidate if candidate in MODULES else base)
    return [t for t in found if t in MODULES]


def _context(lines: list[str], lineno: int) -> str:
    """The import's line, the imports right above it and the line above those: a comment over
    a group of late imports is the reason for each of them."""
    first = lineno - 1
    while first > 0 and lines[first - 1].lstrip().startswith(("from ", "import ")):
        first -= 1
    return "".join(lines[max(first - 1, 0):lineno])


@functools.cache
def _imports() -> tuple[dict[str, set[str]], list[tuple[str, str, int, str]]]:
    """Module-level imports (outside ``TYPE_CHECKING``) and late ones, of our own modules."""
    top: dict[str, set[str]] = {m: set() for m in MODULES}
    late: list[tuple[str, str, int, str]] = []
    for module, path in MODULES.items():
        source = path.read_text()
        lines = source.splitlines()

        def walk(node: ast.AST, in_function: bool, checking: bool,
                 module: str = module, lines: list[str] = lines) -> None:
            for child in ast.iter_child_nodes(node):
                function = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                types_only = checking or (isinstance(child, ast.If)
                                          and "TYPE_CHECKING" in ast.unparse(child.test))
                if isinstance(child, ast.Import | ast.ImportFrom):
                    for target in _targets(module, child):
                        if function:
                            late.append((module, target, child.lineno,
                                         _context(lines, child.lineno)))
                        elif not types_only:
                            top[module].add(target)
                walk(child, function, types_only)

        walk(ast.parse(source), False, False)
    return top, late


def _reachable(top: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for target in top.get(stack.pop(), ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def test_no_module_level_import_cycle() -> None:
    """Dependencies point one way: no module imports itself through others at import time."""
    top, _ = _imports()
    assert [m for m in MODULES if m in _reachable(top, m)] == []


def test_no_late_import_hides_a_cycle() -> None:
    """Hoisting any late import to the top of its module would not create a cycle."""
    top, late = _imports()
    assert [(m, t, line) for m, t, line, _ in late if m in _reachable(top, t)] == []


def test_every_late_import_is_justified() -> None:
    """Late imports are on the start-up path, of an on-demand subsystem, or commented."""
    _, late = _imports()
    unjustified = [f"{m}:{line} imports {t}" for m, t, line, context in late
                   if not m.startswith(START_UP) and m != "pytest_lambda"
                   and not t.startswith(ON_DEMAND) and "#" not in context]
    assert unjustified == []


def test_no_late_import_of_a_module_imported_at_the_top() -> None:
    """A late import of a module its importer already imports at the top keeps nothing lazy."""
    top, late = _imports()
    assert sorted({f"{m}:{line} imports {t}" for m, t, line, _ in late if t in top[m]}) == []
