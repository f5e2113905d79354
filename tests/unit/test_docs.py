"""The documentation site: reference pages generated from the code, and code samples that parse
(test_docs_samples.py runs them)."""

from __future__ import annotations

import ast
import importlib.util
import re
import warnings
from pathlib import Path
from types import ModuleType

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
SAMPLE = re.compile(r"```python\n(.*?)```", re.S)


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_pages_list_every_option_marker_fixture_and_command() -> None:
    """The generated tables name every ini option, marker, fixture and CLI subcommand."""
    from _pytest.config.argparsing import Parser

    from pytest_lambda import cli
    from pytest_lambda.plugin import __all__ as plugin_names
    from pytest_lambda.plugin import pytest_addoption
    from pytest_lambda.plugin.markers import MARKER_NAMES

    hooks = _hooks()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pytest's Parser is private (as in the hook)
        parser = Parser()
    pytest_addoption(parser)
    ini = hooks._ini()
    for name in parser._inidict:
        if name.startswith("lambda_"):
            assert f"`{name}`" in ini
    markers = hooks._markers()
    assert all(f"@pytest.mark.{name}" in markers for name in MARKER_NAMES)
    fixtures = hooks._fixtures()
    assert all(f"### `{name}`" in fixtures for name in plugin_names if name.startswith("lambda_"))
    commands = hooks._cli()
    assert all(f"`pytest-lambda {name}`" in commands for name, _ in cli.SUBCOMMANDS)


@pytest.mark.parametrize("page", sorted(DOCS.rglob("*.md")), ids=lambda p: p.name)
def test_python_samples_parse(page: Path) -> None:
    """Every ```python block of the docs is valid Python (``...`` stands for elided code)."""
    for sample in SAMPLE.findall(page.read_text()):
        ast.parse(sample, filename=str(page))


def _layout_entries() -> set[str]:
    """Paths the layout block of docs/architecture.md names, e.g. ``runtime/workers/wire.py``
    (a package line ends with ``/``; other file names on an entry's line belong to its package)."""
    block = (DOCS / "architecture.md").read_text().split("```")[1]
    named: set[str] = set()
    stack: list[tuple[int, str]] = []
    for line in block.splitlines()[2:]:  # below "pytest_lambda/"
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        prefix = "".join(f"{name}/" for _, name in stack)
        first = line.split()[0]
        if first.endswith("/"):
            named.add(prefix + first)
            stack.append((indent, first.rstrip("/")))
            continue
        named.update(prefix + name for name in re.findall(r"\b\w+\.(?:py|js)\b", line))
    return named


def test_architecture_layout_names_every_module() -> None:
    """docs/architecture.md's layout names every module of every package but events/."""
    root = DOCS.parent / "pytest_lambda"
    named = _layout_entries()
    missing = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if (path.suffix not in (".py", ".js") or "__pycache__" in path.parts
                or relative.startswith("events/") or path.name in ("__init__.py", "__main__.py")):
            continue
        folders = [f"{'/'.join(path.relative_to(root).parts[:i])}/"
                   for i in range(1, len(path.relative_to(root).parts))]
        leaf_folder = bool(folders) and folders[-1] in named and not any(
            entry.startswith(folders[-1]) and entry != folders[-1] for entry in named)
        if relative not in named and not leaf_folder:
            missing.append(relative)
    assert missing == []
