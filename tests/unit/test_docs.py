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
