"""Shared helpers for pytest-aws-lambda's own tests."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import textwrap
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Loaded once, before any in-process pytester run: pytester removes the modules a run imported,
# and a botocore imported again afterwards would no longer be the one moto patches, so a later
# "mocked" call could go to real AWS. The same for moto's SNS backend and the cryptography it
# signs with: its Rust extension cannot be loaded twice, so a second copy of cryptography's
# Python modules (after a pytester run that used SNS first) fails with "Algorithm must be a
# registered hash algorithm".
import boto3
import moto
import moto.sns.models  # noqa: F401
import pytest


def _share_compiled_modules() -> None:
    """Let this suite's many interpreters (xdist workers, pytester runs, process workers) share
    compiled modules, even where ``PYTHONDONTWRITEBYTECODE`` is set (CI sets it): otherwise each
    one compiles the package from source again, 0.6 s of every inner pytest run's 1 s. The
    cache lives outside the clone (``PYTHONPYCACHEPREFIX``, unless one is set already), so the
    clone stays clean; what runs is the same source.
    """
    if not (sys.dont_write_bytecode or os.environ.get("PYTHONDONTWRITEBYTECODE")):
        return
    user = getattr(os, "getuid", lambda: "user")()
    default = Path(tempfile.gettempdir(), f"pytest-aws-lambda-pycache-{user}")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(default))
    sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"]
    sys.dont_write_bytecode = False


_share_compiled_modules()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (the default in pyproject.toml): one worker more than CPUs. A fifth of this
    suite's time is spent waiting (timeouts, worker processes, inner pytest runs), when a
    worker's CPU would otherwise be idle: on 2 CPUs, 3 workers run it ~10 % faster than 2."""
    return (os.cpu_count() or 1) + 1


def pytest_configure(config: pytest.Config) -> None:
    """No full garbage collection at the end of each xdist worker: pytest >= 8.4 runs one to
    report unraisable exceptions left for the exit, 0.6 to 1.2 s on a worker's heap (moto,
    botocore's models, every environment's leftovers), on the suite's critical path. What a
    test leaves behind is checked by the test itself (tests/unit/runtime/test_isolation_leaks.py
    collects and checks after each case); pytester sets the same for its inner runs."""
    try:
        from _pytest.unraisableexception import gc_collect_iterations_key
    except ImportError:  # pytest < 8.4 collects nothing at the end
        return
    config.stash[gc_collect_iterations_key] = 0


#: What the ``code`` fixture returns; test modules import it under TYPE_CHECKING.
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


#: What the ``short_timeout`` fixture returns.
Shortener = Callable[..., Any]


@pytest.fixture
def short_timeout() -> Shortener:
    """``short_timeout(fn, 0.2)``: a timeout below Lambda's 1 s minimum, set past validation.

    For tests whose point is how a timeout is enforced (defeated timers, threads, tracers,
    restored state), not its value: each one then waits a fraction of a second, not a whole
    one. The message and Duration for Lambda's real values stay checked at 1 s elsewhere
    (``test_timeout_stops_handler``).
    """
    import dataclasses

    def shorten(fn: Any, seconds: float = 0.2) -> Any:
        fn.config = dataclasses.replace(fn.config, timeout=seconds)
        return fn

    return shorten


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester, without plugins the inner runs do not need.

    pytest-benchmark's xdist warning is an error in our suite; pytest-randomly would shuffle the
    inner runs' tests, whose order is part of what they check; hypothesis's plugin imports all of
    hypothesis at every inner run's terminal summary (pytester drops the modules an in-process run
    imported, so that is 2-6 s a run).
    """
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:benchmark -p no:randomly -p no:hypothesispytest")
    return pytester


def _share_boto_models() -> None:
    """For this suite's moto fixtures only: make boto3's default session (which moto has just
    dropped) read models through the plugin's process-wide loader, so each test does not parse
    the endpoint rules (~60 ms) and service models again. Never for handlers' memory: a fresh
    environment parsing its models is part of what it uses on Lambda (the examples check it)."""
    from pytest_lambda.service.boto import shared_session

    boto3.setup_default_session(botocore_session=shared_session())


@pytest.fixture
def share_boto_models() -> Callable[[], None]:
    """``share_boto_models()``, to call right after a moto mock starts (see above)."""
    return _share_boto_models


_LOCAL_NAMES = ("localhost", "127.0.0.1", "::1", "")


@pytest.fixture(autouse=True, scope="session")
def _no_real_dns() -> Iterator[None]:
    """Our own suite never resolves a public name: a missed mock fails instead of calling AWS."""
    real = socket.getaddrinfo

    def refuse(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if name in _LOCAL_NAMES or name.startswith("127.") or name.replace(".", "").isdigit():
            return real(host, *args, **kwargs)
        raise OSError(f"pytest-aws-lambda's own tests must not resolve {name!r}: mock it")

    socket.getaddrinfo = refuse
    yield
    socket.getaddrinfo = real



_MODULES_BEFORE = pytest.StashKey[dict[str, Any]]()


def _forget_dropped_submodules() -> None:
    """Unbind the plugin's submodules that ``sys.modules`` no longer has from their packages.

    An in-process pytester run takes the modules first imported inside it out of
    ``sys.modules`` when it ends, but the package keeps its attribute: a later
    ``from pytest_lambda.runtime.workers import process`` then got that dropped copy, while the
    product's own lazy import made a new one, so the test's monkeypatch of the first never
    reached the code (a worker that should have failed to start ran the handler)."""
    modules = sys.modules
    for name, package in list(modules.items()):
        if not name.startswith("pytest_lambda") or not hasattr(package, "__path__"):
            continue
        prefix = name + "."
        for attr, value in list(vars(package).items()):
            if (isinstance(value, types.ModuleType) and value.__name__.startswith(prefix)
                    and modules.get(value.__name__) is not value):
                delattr(package, attr)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Remember the test process's modules before the test (see the teardown check)."""
    item.stash[_MODULES_BEFORE] = sys.modules.copy()
    return (yield)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """Fail the test that took a module of the test process out of ``sys.modules`` or put
    another copy in its place (its fixtures torn down). An in-process environment hides the
    test's modules during its phases only; one left out means the next import makes a second
    copy whose classes differ from the first's, which fails a later test far from the cause
    (a hypothesis test, whose provider class is looked up by module name, did)."""
    result = yield
    if "pytester" in getattr(item, "fixturenames", ()):
        _forget_dropped_submodules()
    before = item.stash.get(_MODULES_BEFORE, None)
    if before is None or before.items() <= sys.modules.items():
        return result
    modules = sys.modules
    missing = sorted(name for name in before if name not in modules)
    replaced = sorted(name for name, module in before.items()
                      if name in modules and modules[name] is not module)
    raise AssertionError(
        f"{item.nodeid} left modules of the test process out of sys.modules: "
        f"{', '.join(missing[:20]) or 'none'}; replaced by other copies: "
        f"{', '.join(replaced[:20]) or 'none'}")
