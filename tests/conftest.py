"""Shared helpers for pytest-aws-lambda's own tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

CodeWriter = Callable[..., Path]


@pytest.fixture
def code(tmp_path: Path) -> CodeWriter:
    """Write handler files into a fresh code directory: ``code(app="def handler(e, c): ...")``."""
    root = tmp_path / "task"
    root.mkdir(exist_ok=True)

    def write(**files: str) -> Path:
        for name, text in files.items():
            path = root / (name.replace("__", "/") + ".py")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return root

    return write


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester, without pytest-benchmark (whose xdist warning is an error in our suite)."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:benchmark")
    return pytester
