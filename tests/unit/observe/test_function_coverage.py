"""Unit tests for coverage per function and the invocation's coverage context."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import coverage
import pytest

from pytest_lambda.observe.coverage import function_context, worker_settings
from pytest_lambda.observe.function_coverage import coverage_by_function

_SHARED = "def a():\n    return 1\n\n\ndef b():\n    return 2\n"  # statements 1, 2, 5, 6
_APP = "import shared\n\n\ndef handler(event, context):\n    return shared.a()\n"


def _data(tmp_path: Path, lines: dict[str, dict[Path, list[int]]]) -> Any:
    """A saved measurement with ``lines`` recorded under each context, loaded for analysis."""
    data = coverage.CoverageData(str(tmp_path / ".coverage"))
    for context, files in lines.items():
        data.set_context(context)
        data.add_lines({str(f): n for f, n in files.items()})
    data.write()
    cov = coverage.Coverage(data_file=str(tmp_path / ".coverage"), config_file=False)
    cov.load()
    return cov


def test_shared_module_lines_count_for_the_function_whose_context_ran_them(
        tmp_path: Path) -> None:
    """A's code dir counts whole; shared.py counts for A and B by the lines each one ran."""
    (tmp_path / "a").mkdir()
    app, shared = tmp_path / "a" / "app.py", tmp_path / "shared.py"
    app.write_text(_APP)
    shared.write_text(_SHARED)
    cov = _data(tmp_path, {
        "t::test|run|lambda:A": {app: [1, 4, 5], shared: [1, 2, 5]},
        "t::test|run|lambda:A|lambda:B": {shared: [6]},  # B invoked from inside A
        "t::test|run": {shared: [5, 6]},  # the test itself: nobody's invocation
    })
    figures = coverage_by_function(cov, {"A": str(tmp_path / "a"), "B": None, "C": None})
    a, b = figures["A"], figures["B"]
    assert a is not None and b is not None
    assert (a.statements, a.executed) == (3 + 4, 3 + 3)
    assert (b.statements, b.executed) == (4, 1)
    assert figures["C"] is None


class _Recorder:
    """Stands in for a running coverage.Coverage: records switch_context calls."""

    def __init__(self, current: str | None, static: str | None = None,
                 dynamic: str | None = None) -> None:
        self.config = SimpleNamespace(context=static, dynamic_context=dynamic)
        self._collector = SimpleNamespace(covdata=SimpleNamespace(_current_context=current))
        self.switched: list[str] = []

    def switch_context(self, context: str) -> None:
        self.switched.append(context)
        static = self.config.context
        full = f"{static}|{context}" if static and context else (static or context)
        self._collector.covdata._current_context = full


@pytest.fixture
def measuring(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make coverage.Coverage.current() return the given stand-in."""
    def install(recorder: _Recorder) -> _Recorder:
        monkeypatch.setattr(coverage.Coverage, "current", classmethod(lambda cls: recorder))
        return recorder
    return install


def test_context_composes_with_the_test_context_and_is_restored(measuring: Any) -> None:
    """Inside: <test context>|lambda:<fn>; nested invocations add theirs; after: the test's."""
    cov = measuring(_Recorder("t.py::test_a|run"))
    with function_context("Orders"), function_context("Refunds"):
        pass
    assert cov.switched == ["t.py::test_a|run|lambda:Orders",
                            "t.py::test_a|run|lambda:Orders|lambda:Refunds",
                            "t.py::test_a|run|lambda:Orders", "t.py::test_a|run"]


def test_context_without_a_test_context_and_under_a_static_one(measuring: Any) -> None:
    """No dynamic context: lambda:<fn> alone, then back to none; a static context is kept out."""
    cov = measuring(_Recorder("ci", static="ci"))
    with function_context("Orders"):
        assert cov._collector.covdata._current_context == "ci|lambda:Orders"
    assert cov.switched == ["lambda:Orders", ""]


def test_context_left_alone_under_a_user_dynamic_context(measuring: Any) -> None:
    """[run] dynamic_context switches by itself: switching too would warn, so nothing happens."""
    cov = measuring(_Recorder(None, dynamic="test_function"))
    with function_context("Orders"):
        pass
    assert cov.switched == []


def test_worker_starts_in_the_invocation_context(measuring: Any, tmp_path: Path) -> None:
    """A process worker started inside an invocation is told the function's context."""
    real = coverage.Coverage(data_file=str(tmp_path / "cov"), config_file=False)
    real._collector = SimpleNamespace(covdata=SimpleNamespace(_current_context="t|run"))
    real.switch_context = lambda c: setattr(real._collector.covdata, "_current_context", c)
    real._started = True  # as if measuring: contexts are switched only then
    measuring(real)
    with function_context("Orders"):
        settings = worker_settings()
    assert settings is not None
    assert settings["context"] == "t|run|lambda:Orders"


def test_javascript_has_no_branch_figures_under_branch_measurement(tmp_path: Path) -> None:
    """With branches measured, a Node.js function's branch figure is none (not 0/0 = 100 %),
    so a branch minimum does not apply to it; a Python function keeps its branches."""
    (tmp_path / "node").mkdir()
    (tmp_path / "py").mkdir()
    js = tmp_path / "node" / "index.js"
    js.write_text("exports.handler = async () => {\n  return 1;\n};\n")
    app = tmp_path / "py" / "app.py"
    app.write_text("def handler(event, context):\n    return 1\n")
    data = coverage.CoverageData(str(tmp_path / ".coverage"))
    data.add_arcs({str(app): [(-1, 1), (1, -1)]})
    data.write()
    cov = coverage.Coverage(data_file=str(tmp_path / ".coverage"), config_file=False)
    cov.load()
    figures = coverage_by_function(cov, {"node": str(tmp_path / "node"),
                                         "py": str(tmp_path / "py")},
                                   javascript={str(js.resolve()): {1, 2}})
    node, py = figures["node"], figures["py"]
    assert node is not None and py is not None
    assert (node.statements, node.executed, node.branch_percent) == (2, 2, None)
    assert "branch_percent" not in node.as_dict()
    assert py.branch
