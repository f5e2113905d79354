"""The shared libraries a cold start finds loaded: which count, and what they cost fresh."""

from __future__ import annotations

import builtins
import threading

import pytest

from pytest_lambda.runtime import shared_cost
from pytest_lambda.runtime.modules import SharedModules
from pytest_lambda.runtime.shared_cost import ImportRecorder, chargeable, fresh_import_cost


def test_only_shared_third_party_libraries_are_chargeable() -> None:
    shared = SharedModules()
    assert chargeable("boto3", shared) and chargeable("requests", shared)
    # The standard library, the test machinery and the test's own tools are not the function's
    # to pay for; a library that is not shared is imported fresh and measured as it loads.
    for name in ("json", "ssl", "pytest", "pytest_lambda", "moto", "freezegun", "pydantic"):
        assert not chargeable(name, shared), name


def test_the_recorder_records_absolute_imports_on_its_thread_and_restores_import() -> None:
    original = builtins.__import__
    seen_elsewhere: list[str] = []
    with ImportRecorder() as recorder:
        import json.decoder  # noqa: F401
        from email import message  # noqa: F401

        __import__("xml", globals(), None, (), 0)
        __import__("decoder", {"__package__": "json", "__name__": "json.x"}, None, ("x",), 1)
        worker = threading.Thread(target=lambda: seen_elsewhere.append(
            __import__("csv").__name__))
        worker.start()
        worker.join()
    assert builtins.__import__ is original
    assert {"json.decoder", "email", "email.message", "xml"} <= recorder.names
    assert "decoder" not in recorder.names  # a relative import names no library
    assert seen_elsewhere == ["csv"] and "csv" not in recorder.names


def test_a_fresh_import_is_measured_once_and_a_failure_costs_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared_cost, "_COSTS", {})
    assert fresh_import_cost(frozenset({"boto3"})) > 5 << 20  # botocore's models and code
    # A name not found here: only the child's own noise (a page), below a MiB.
    assert fresh_import_cost(frozenset({"no_such_library_anywhere"})) < 1 << 20
    # The names a "from botocore import session, ClientError" records: a submodule, and a
    # name that is no module (skipped); botocore's package alone costs next to nothing.
    assert fresh_import_cost(frozenset({"botocore", "botocore.session",
                                        "botocore.ClientError"})) > 5 << 20
    real_run = shared_cost.subprocess.run
    monkeypatch.setattr(shared_cost.subprocess, "run", None)  # a second call would fail
    assert fresh_import_cost(frozenset({"boto3"})) > 5 << 20
    monkeypatch.setattr(shared_cost.subprocess, "run", real_run)
    monkeypatch.setattr(shared_cost.sys, "executable", "/nonexistent/python")
    assert fresh_import_cost(frozenset({"requests"})) == 0  # not measured: nothing charged
