"""A phase stopped inside the import system leaves it as it found it (runtime/import_state.py)."""

from __future__ import annotations

import _imp
import importlib._bootstrap as bootstrap
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter

# What an exception landing at the wrong point of importlib._bootstrap leaves (the code's own
# SIGALRM handler raising, say): the global import lock held, or a module's lock held with the
# module half imported in sys.modules, its spec still marked as initializing.
APP = """
import _imp, importlib._bootstrap as bootstrap, importlib.machinery, sys, types

KEPT = []  # the interrupted frame's references, kept as a traceback would keep them

def import_lock(event, context):
    _imp.acquire_lock()
    raise TimeoutError("stopped inside the import system")

def half_imported(event, context):
    name = event["name"]
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    module.__spec__._initializing = True
    lock = bootstrap._get_module_lock(name)
    lock.acquire()
    KEPT.append(lock)
    sys.modules[name] = module
    raise TimeoutError("stopped inside the import system")
"""

HALF = "json._pytest_lambda_half_imported"  # a standard-library name: the test process's


@pytest.fixture
def _import_system_given_back() -> Iterator[None]:
    """Whatever the outcome, the test process's import system as it was (a failure here must
    not hang the rest of the session)."""
    held = _imp.lock_held()
    yield
    while not held:
        try:
            _imp.release_lock()
        except RuntimeError:
            break
    ref = bootstrap._module_locks.get(HALF)  # type: ignore[attr-defined]
    lock = ref() if ref is not None else None
    while lock is not None and lock.owner is not None:
        lock.owner, lock.count = None, type(lock.count)()
    sys.modules.pop(HALF, None)


@pytest.mark.usefixtures("_import_system_given_back")
def test_the_global_import_lock_a_stopped_phase_held_is_given_back(code: CodeWriter) -> None:
    """The phase's thread could take the lock again itself, so nothing showed until another
    thread imported anything: it waited for good (the session hung)."""
    assert not _imp.lock_held()
    with LambdaFunction("app.import_lock", code_dir=code(app=APP)) as fn:
        assert fn.invoke({}).payload["errorType"] == "TimeoutError"
        assert not _imp.lock_held()


@pytest.mark.usefixtures("_import_system_given_back")
def test_a_module_a_stopped_phase_left_half_imported_is_imported_again(code: CodeWriter) -> None:
    """Left in sys.modules, it was handed to every later import on that thread: "cannot import
    name ... from partially initialized module" for the rest of the session."""
    with LambdaFunction("app.half_imported", code_dir=code(app=APP)) as fn:
        assert fn.invoke({"name": HALF}).payload["errorType"] == "TimeoutError"
        assert HALF not in sys.modules
        ref = bootstrap._module_locks.get(HALF)  # type: ignore[attr-defined]
        lock = ref() if ref is not None else None
        assert lock is None or lock.owner is None


class _Proxy:
    """What a lazy-module library may put in sys.modules: attribute access that raises."""

    def __getattr__(self, name: str) -> object:
        raise RuntimeError(f"{name} is loaded lazily")


@pytest.mark.usefixtures("_import_system_given_back")
def test_an_object_in_sys_modules_whose_attributes_raise_does_not_fail_the_repair(
        code: CodeWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    """The repair looks at every entry of sys.modules: one that is not a module, and raises
    on attribute access, is passed over (the invocation is reported as it ended)."""
    monkeypatch.setitem(sys.modules, "_pytest_lambda_lazy_proxy", _Proxy())
    with LambdaFunction("app.import_lock", code_dir=code(app=APP)) as fn:
        assert fn.invoke({}).payload["errorType"] == "TimeoutError"
    assert not _imp.lock_held()
