"""Instrumentation a handler installs into shared libraries is taken back after each test.

Tracing SDKs patch HTTP and AWS client classes process-wide when a handler's Init creates a
tracer: Powertools' ``Tracer`` runs AWS X-Ray's ``patch_all()``, which wraps
``BaseClient._make_api_call`` and ``Endpoint.prepare_request`` in botocore, ``Session`` in
requests and ``HTTPConnection``/``HTTPResponse`` in ``http.client``, and flags the modules as
patched. On Lambda that stays inside the execution environment's own process; in-process the
libraries are shared with the test process (they are on the shared list: the mock layer and the
standard library), so without this guard every later test would send its AWS and HTTP calls
through the tracer (rewriting ``X-Amzn-Trace-Id`` headers, logging missing segments).

The guard snapshots the attributes of those classes before a test and, after it, puts back
any that became an instrumentation wrapper (wrapt's ``FunctionWrapper``) meanwhile. Only
modules already imported are watched, so nothing is imported; the tracers' own "patched"
flags stay (their registries say the same), which only means a later tracer does not wrap
again.
"""

from __future__ import annotations

import sys
from typing import Any

#: (module, class) pairs tracing SDKs wrap.
WATCHED = (
    ("botocore.client", "BaseClient"), ("botocore.endpoint", "Endpoint"),
    ("requests.sessions", "Session"), ("http.client", "HTTPConnection"),
    ("http.client", "HTTPResponse"), ("httpx", "Client"), ("httpx", "AsyncClient"),
    ("aiobotocore.client", "AioBaseClient"),
)
_MISSING: Any = object()


class Snapshot(list[tuple[Any, dict[str, Any]]]):
    """The watched classes' attributes before a test, and how many in-process phases had
    begun by then."""

    phases = 0


def snapshot() -> Snapshot:
    """The current attributes of every watched class or module that is imported."""
    from pytest_lambda.runtime.stdlib_patches import PHASES_BEGUN

    taken = Snapshot()
    taken.phases = PHASES_BEGUN[0]
    for module_name, class_name in WATCHED:
        module = sys.modules.get(module_name)
        if module is None:
            continue
        target = getattr(module, class_name, None)
        if target is not None:
            taken.append((target, dict(vars(target))))
    return taken


def restore(taken: list[tuple[Any, dict[str, Any]]]) -> list[str]:
    """Put back the attributes that became instrumentation wrappers since :func:`snapshot`;
    the names of what was put back. Only wrappers (wrapt's, which X-Ray, OpenTelemetry and
    ddtrace use) are undone: a fixture's own patch of these classes (a mock, a function) is
    that fixture's to undo, and a session-scoped one must survive the test."""
    changed: list[str] = []
    if not _phases_ran(taken):
        return changed  # no function ran in-process: nothing here is a handler's
    for target, before in taken:
        for name, value in list(vars(target).items()):
            original = before.get(name, _MISSING)
            if original is value:
                continue
            if _phase_made(value) or (_wraps(value, original) and _environments(value)):
                if original is _MISSING:
                    original = _unwrapped(value)
                setattr(target, name, original)
                changed.append(f"{_name(target)}.{name}")
    _forget_phase_wrappers()
    return changed


def _forget_phase_wrappers() -> None:
    from pytest_lambda.runtime.stdlib_patches import PHASE_WRAPPERS

    PHASE_WRAPPERS.clear()


def _phases_ran(taken: list[tuple[Any, dict[str, Any]]]) -> bool:
    from pytest_lambda.runtime.stdlib_patches import PHASES_BEGUN

    return PHASES_BEGUN[0] != getattr(taken, "phases", -1)


def _phase_made(value: Any) -> bool:
    """Whether ``value`` is a wrapt wrapper made during a function's phase: by a shared
    library a handler set up (seen by runtime/stdlib_patches.py), or defined by an
    environment's own module. A fixture's wrapper (a session-scoped OpenTelemetry
    instrumentation) is neither."""
    from pytest_lambda.runtime.stdlib_patches import PHASE_WRAPPERS

    if not _is_wrapper(value):
        return False
    return id(value) in PHASE_WRAPPERS or _environments(getattr(value, "_self_wrapper", None))


def _environments(value: Any) -> bool:
    """Whether function ``value`` was defined by a function's environment: its module is not
    the test process's (an environment's fresh copy, out of ``sys.modules`` between phases).
    A wrapper a test or fixture defines is its own to undo."""
    namespace = getattr(value, "__globals__", None)
    if not isinstance(namespace, dict):
        return False
    module = sys.modules.get(namespace.get("__name__", ""))
    return module is None or vars(module) is not namespace


def _wraps(value: Any, original: Any) -> bool:
    """Whether ``value`` wraps ``original`` the ``functools.wraps`` way (its ``__wrapped__``
    chain leads there), as OpenTelemetry's requests instrumentation patches
    ``Session.send``: an instrumentation wrapper too, not a fixture's own replacement."""
    seen = 0
    while original is not _MISSING and seen < 50:
        value = getattr(value, "__wrapped__", _MISSING)
        if value is _MISSING:
            return False
        if value is original:
            return True
        seen += 1
    return False


def _is_wrapper(value: Any) -> bool:
    return type(value).__name__ in ("FunctionWrapper", "BoundFunctionWrapper") and \
        hasattr(value, "__wrapped__")


def _unwrapped(value: Any) -> Any:
    while _is_wrapper(value):
        value = value.__wrapped__
    return value


def unwrap_new(taken: list[tuple[Any, dict[str, Any]]]) -> list[str]:
    """For watched classes imported during the test (no snapshot to go back to), unwrap the
    attributes a wrapping library (wrapt, as X-Ray uses) put on them."""
    seen = {id(target) for target, _ in taken}
    changed: list[str] = []
    if not _phases_ran(taken):
        return changed
    for module_name, class_name in WATCHED:
        target = getattr(sys.modules.get(module_name), class_name, None)
        if target is None or id(target) in seen:
            continue
        for name, value in list(vars(target).items()):
            if _is_wrapper(value):
                setattr(target, name, _unwrapped(value))
                changed.append(f"{_name(target)}.{name}")
    return changed


def _name(target: Any) -> str:
    return str(getattr(target, "__qualname__", None) or getattr(target, "__name__", target))
