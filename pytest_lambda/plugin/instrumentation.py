"""Instrumentation a handler installs into shared libraries is taken back after each test.

Tracing SDKs patch HTTP and AWS client classes process-wide when a handler's Init creates a
tracer: Powertools' ``Tracer`` runs AWS X-Ray's ``patch_all()``, which wraps
``BaseClient._make_api_call`` and ``Endpoint.prepare_request`` in botocore, ``Session`` in
requests and ``HTTPConnection``/``HTTPResponse`` in ``http.client``, and flags the modules as
patched. On Lambda that stays inside the execution environment's own process; in-process the
libraries are shared with the test process (they are on the shared list: the mock layer and the
standard library), so without this guard every later test would send its AWS and HTTP calls
through the tracer (rewriting ``X-Amzn-Trace-Id`` headers, logging missing segments).

The guard snapshots the attributes of those classes and modules before a test and puts back
whatever changed during it. Only modules already imported are watched, so nothing is imported.
"""

from __future__ import annotations

import sys
from typing import Any

#: (module, class) pairs tracing SDKs wrap; class None means the module's own attributes
#: (where they set their "patched" flags).
WATCHED = (
    ("botocore.client", "BaseClient"), ("botocore.client", None),
    ("botocore.endpoint", "Endpoint"), ("botocore.endpoint", None),
    ("requests.sessions", "Session"), ("requests", None),
    ("http.client", "HTTPConnection"), ("http.client", "HTTPResponse"), ("http.client", None),
    ("httpx", "Client"), ("httpx", "AsyncClient"),
    ("aiobotocore.client", "AioBaseClient"),
)
_MISSING: Any = object()


def snapshot() -> list[tuple[Any, dict[str, Any]]]:
    """The current attributes of every watched class or module that is imported."""
    taken = []
    for module_name, class_name in WATCHED:
        module = sys.modules.get(module_name)
        if module is None:
            continue
        target = module if class_name is None else getattr(module, class_name, None)
        if target is not None:
            taken.append((target, dict(vars(target))))
    return taken


def restore(taken: list[tuple[Any, dict[str, Any]]]) -> list[str]:
    """Put back what changed since :func:`snapshot`; the names of what was put back."""
    changed = []
    for target, before in taken:
        now = vars(target)
        for name in [n for n in now if n not in before]:
            delattr(target, name)
            changed.append(f"{_name(target)}.{name}")
        for name, value in before.items():
            if now.get(name, _MISSING) is not value:
                setattr(target, name, value)
                changed.append(f"{_name(target)}.{name}")
    return changed


def unwrap_new(taken: list[tuple[Any, dict[str, Any]]]) -> list[str]:
    """For watched classes imported during the test (no snapshot to go back to), unwrap the
    attributes a wrapping library (wrapt, as X-Ray uses) put on them."""
    seen = {id(target) for target, _ in taken}
    changed = []
    for module_name, class_name in WATCHED:
        module = sys.modules.get(module_name)
        target = module if class_name is None or module is None else getattr(
            module, class_name, None)
        if class_name is None or target is None or id(target) in seen:
            continue
        for name, value in list(vars(target).items()):
            original = value
            while type(original).__name__ in ("FunctionWrapper", "BoundFunctionWrapper") and \
                    hasattr(original, "__wrapped__"):
                original = original.__wrapped__
            if original is not value:
                setattr(target, name, original)
                changed.append(f"{_name(target)}.{name}")
    return changed


def _name(target: Any) -> str:
    return str(getattr(target, "__qualname__", None) or getattr(target, "__name__", target))
