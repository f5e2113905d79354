"""freezegun keeps working next to lazily-loading modules (Powertools' parser models)."""

from __future__ import annotations

import datetime
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pytest_lambda.plugin.freezegun_guard import FreezegunGuard


def test_freeze_does_not_trigger_lazy_module_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting freezegun never runs a module's PEP 562 ``__getattr__`` (no import mid-freeze)."""
    import freezegun

    touched: list[str] = []
    lazy = types.ModuleType("pytest_lambda_lazy_probe")

    def lazy_getattr(name: str) -> Any:
        touched.append(name)
        raise RuntimeError(f"lazy import of {name} while time is half-frozen")

    def lazy_dir() -> list[str]:
        return ["LazyModel"]

    lazy.__getattr__ = lazy_getattr  # type: ignore[method-assign]
    lazy.__dir__ = lazy_dir  # type: ignore[method-assign]
    monkeypatch.setitem(sys.modules, lazy.__name__, lazy)
    real = datetime.datetime
    with freezegun.freeze_time("2024-01-01"):
        assert datetime.datetime.now().year == 2024
    assert touched == []
    assert datetime.datetime is real


def test_powertools_parser_models_and_freezegun(pytester: pytest.Pytester) -> None:
    """A fresh process that loaded Powertools' lazy parser models can freeze time and thaw it."""
    pytest.importorskip("aws_lambda_powertools.utilities.parser")
    pytester.makepyfile("""
        import datetime
        import freezegun
        from aws_lambda_powertools.utilities.parser import models

        def test_freeze():
            real = datetime.datetime
            with freezegun.freeze_time("2024-01-01"):
                assert datetime.datetime.now().year == 2024
            assert datetime.datetime is real
            assert models.SqsModel  # the lazy attribute still loads afterwards
    """)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_failed_start_leaves_no_frozen_clock() -> None:
    """A freezegun start() that fails half-way is undone before the error propagates."""
    calls: list[str] = []

    class FakeFreezeTime:
        def start(self) -> None:
            calls.append("start")
            raise RuntimeError("scan failed")

        def stop(self) -> None:
            calls.append("stop")

    def original_scan(module: types.ModuleType) -> list[tuple[str, Any]]:
        return []

    api = types.ModuleType("fake_freezegun_api")
    api._freeze_time = FakeFreezeTime  # type: ignore[attr-defined]
    api._get_module_attributes = original_scan  # type: ignore[attr-defined]
    guard = FreezegunGuard()
    guard._harden(api)
    try:
        with pytest.raises(RuntimeError, match="scan failed"):
            FakeFreezeTime().start()
        assert calls == ["start", "stop"]
    finally:
        guard.uninstall()
    assert api._get_module_attributes is original_scan  # type: ignore[attr-defined]
    calls.clear()
    with pytest.raises(RuntimeError):
        FakeFreezeTime().start()
    assert calls == ["start"]


def _is_freezegun(name: str) -> bool:
    return name == "freezegun" or name.startswith("freezegun.")


@pytest.fixture
def forget_freezegun() -> Iterator[Callable[[], None]]:
    """``forget_freezegun()`` unloads freezegun; afterwards exactly the copy loaded before is
    back (monkeypatch's delitem would leave a copy imported during the test where there was
    none: the session's guard never saw it, and later tests froze time with it unguarded)."""
    before = {k: v for k, v in sys.modules.items() if _is_freezegun(k)}

    def forget() -> None:
        for name in [k for k in sys.modules if _is_freezegun(k)]:
            del sys.modules[name]

    try:
        yield forget
    finally:
        forget()
        sys.modules.update(before)


def _without_watchers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """``sys.meta_path`` without this session's own watcher: the guard under test alone."""
    from pytest_lambda.plugin.freezegun_guard import _ImportWatcher

    finders = [f for f in sys.meta_path if not isinstance(f, _ImportWatcher)]
    monkeypatch.setattr(sys, "meta_path", list(finders))
    return finders


def _guarded(api: Any) -> bool:
    return bool(api._get_module_attributes.__module__ == "pytest_lambda.plugin.freezegun_guard")


def test_guard_waits_for_freezegun_import_and_uninstalls(
        monkeypatch: pytest.MonkeyPatch, forget_freezegun: Callable[[], None]) -> None:
    """Installed before freezegun is imported, the guard hooks in on import; uninstalled, it
    leaves no finder and freezegun as it was."""
    import freezegun.api

    forget_freezegun()
    finders = _without_watchers(monkeypatch)
    guard = FreezegunGuard()
    guard.install()
    try:
        assert len(sys.meta_path) == len(finders) + 1
        import freezegun.api as fresh

        assert fresh is not freezegun.api
        assert _guarded(fresh)
    finally:
        guard.uninstall()
    assert not _guarded(fresh)
    assert sys.meta_path == finders


def test_freezegun_imported_again_is_guarded_again(
        monkeypatch: pytest.MonkeyPatch, forget_freezegun: Callable[[], None]) -> None:
    """pytester's in-process runs unload the modules their tests imported and put
    ``sys.meta_path`` back: freezegun imported again afterwards went unguarded (a serial run
    of the suite failed ``test_freeze_does_not_trigger_lazy_module_imports`` and left time
    frozen: "19722 days"), and the watcher put back hardened it once more on top of a second
    guard, which took the hardened scan for freezegun's own (``--randomly-seed=2204016707``)."""
    forget_freezegun()
    _without_watchers(monkeypatch)
    session = FreezegunGuard()
    session.install()
    try:
        snapshot = list(sys.meta_path)
        import freezegun.api as first  # an inner run's tests

        assert _guarded(first)
        sys.meta_path[:] = snapshot  # what pytester's SysPathsSnapshot.restore does
        forget_freezegun()  # what its SysModulesSnapshot.restore does
        inner = FreezegunGuard()  # the next in-process run's session
        inner.install()
        try:
            import freezegun.api as again

            assert again is not first
            assert _guarded(again)
        finally:
            inner.uninstall()
        assert _guarded(again)  # the outer session's guard, still installed
    finally:
        session.uninstall()
    assert not _guarded(first) and not _guarded(again)
    sys.meta_path[:] = snapshot  # the uninstalled session's watcher, put back
    forget_freezegun()
    import freezegun.api as after

    assert not _guarded(after)  # a watcher put back after uninstall does nothing


def test_two_sessions_watching_for_freezegun_do_not_call_each_other_for_good(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A pytest session run in-process (pytester) installs a second import watcher; each asked
    every finder on ``sys.meta_path``, the other included: RecursionError at the first
    ``import freezegun`` of the inner run."""
    import freezegun

    from pytest_lambda.plugin.freezegun_guard import _ImportWatcher

    seen: list[Any] = []
    outer, inner = _ImportWatcher(seen.append), _ImportWatcher(seen.append)
    monkeypatch.setattr(sys, "meta_path", [inner, outer, *sys.meta_path])
    spec = inner.find_spec("freezegun.api", freezegun.__path__)
    assert spec is not None and spec.name == "freezegun.api"
