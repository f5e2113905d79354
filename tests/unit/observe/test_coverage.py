"""Unit tests for coverage across the worker boundary (observe/coverage.py) and its environment."""

from __future__ import annotations

from pathlib import Path

import coverage
import pytest

from pytest_lambda.config import FunctionConfig
from pytest_lambda.observe.coverage import WorkerCoverage, worker_settings
from pytest_lambda.runtime.backend import lambda_environ


def test_environment_passes_coverage_variables_not_pytest_cov_6_ones(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """coverage.py's COVERAGE_* variables reach the handler; pytest-cov < 7's COV_CORE_* do not."""
    monkeypatch.setenv("COVERAGE_PROCESS_CONFIG", "{}")
    monkeypatch.setenv("COV_CORE_SOURCE", "src")
    env = lambda_environ(FunctionConfig.create("app.handler", code_dir=tmp_path), "$LATEST", "s")
    assert env["COVERAGE_PROCESS_CONFIG"] == "{}"
    assert "COV_CORE_SOURCE" not in env


def test_worker_settings_anchor_relative_paths_at_the_test_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings sent to a worker name absolute data file, source directories and patterns."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    cov = coverage.Coverage(data_file="cov.db", source=["src", "some_pkg"], branch=True,
                            omit=["src/skip.py", "*/vendored/*"], config_file=False)
    monkeypatch.setattr(coverage.Coverage, "current", classmethod(lambda cls: cov))
    settings = worker_settings()
    assert settings is not None
    assert settings["data_file"] == str(tmp_path / "cov.db")
    assert settings["source"] == [str(tmp_path / "src"), "some_pkg"]
    assert settings["omit"] == [str(tmp_path / "src" / "skip.py"), "*/vendored/*"]
    assert settings["branch"] is True
    assert settings["config_file"] is False


def test_worker_coverage_without_settings_measures_nothing() -> None:
    """A worker told nothing about coverage starts no measurement and saves nothing."""
    worker = WorkerCoverage(None)
    assert not worker.active
    worker.save()
    worker.stop()
    assert not worker.active


def test_worker_settings_none_when_nothing_measures(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no active measurement, a worker gets no coverage settings."""
    monkeypatch.setattr(coverage.Coverage, "current", classmethod(lambda cls: None))
    assert worker_settings() is None
