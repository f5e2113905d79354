"""The import system's state a stopped phase leaves half-done, repaired before the test goes on.

A phase that does not return (its timeout, an exception raised by the code's own signal handler,
``KeyboardInterrupt``) can be interrupted inside the import system's own code: between taking
the global import lock (``_imp.acquire_lock``) or a module's lock and the ``try`` that gives it
back, or between putting a module being imported into ``sys.modules`` and the clean-up that
takes it out again when its execution fails. On Lambda that breaks one runtime process, which
the reset discards. In-process it broke the test session:

- the phase's thread kept the global import lock: it can take it again itself, so nothing
  showed until another thread imported anything, and then it waited for good (a session hung
  in ``Environments.discard_all``, its own thread waiting for an invocation stuck importing);
- a module left half imported, with its spec still marked as initializing, was handed to every
  later import on that thread: "cannot import name ... from partially initialized module"
  (moto's ``moto.iam.models``, 27 tests of one worker failed).

:func:`snapshot` notes what the phase's thread holds before a phase (its caller may be inside
an import, a test module invoking a function at import time); :func:`repair`, after a phase
that did not return, gives back the locks the phase left held and finishes the clean-up of the
imports it abandoned, as ``importlib._bootstrap._load_unlocked`` does when a module fails.
"""

from __future__ import annotations

import _imp
import importlib._bootstrap as _bootstrap  # the import system's module locks
import sys
import threading
from typing import Any

__all__ = ["repair", "snapshot"]

Snapshot = tuple[bool, frozenset[str]]


def _owned(tid: int) -> list[tuple[str, Any]]:
    """The module locks ``tid`` owns (only imports in progress have one: a short list)."""
    owned = []
    for name, ref in list(_bootstrap._module_locks.items()):  # type: ignore[attr-defined]
        lock = ref()
        if lock is not None and getattr(lock, "owner", None) == tid:
            owned.append((name, lock))
    return owned


def snapshot() -> Snapshot:
    """Before a phase: whether the global import lock is held, and the module locks this
    thread owns (imports it is in the middle of)."""
    locks = _bootstrap._module_locks  # type: ignore[attr-defined]
    owned = frozenset(n for n, _ in _owned(threading.get_ident())) if locks else frozenset()
    return _imp.lock_held(), owned


def repair(before: Snapshot) -> None:
    """After a phase that did not return, on its thread: give back what it left held, and take
    the modules it left half imported out of ``sys.modules``."""
    held, owned_before = before
    tid = threading.get_ident()
    if not held:
        # Held by nobody before: if this thread holds it now, the phase left it held.
        # Another thread's lock is refused (RuntimeError) and left alone.
        while True:
            try:
                _imp.release_lock()
            except RuntimeError:
                break
    for name, lock in _owned(tid):
        if name not in owned_before:
            while lock.owner == tid:
                lock.release()
    modules = sys.modules
    for name, module in list(modules.items()):
        try:  # anything may be in sys.modules (a lazy proxy whose attributes raise)
            spec = getattr(module, "__spec__", None)
            if not getattr(spec, "_initializing", False) or name in owned_before:
                continue
        except Exception:
            continue
        ref = _bootstrap._module_locks.get(name)  # type: ignore[attr-defined]
        lock = ref() if ref is not None else None
        if lock is not None and getattr(lock, "owner", None) not in (None, tid):
            continue  # another thread is importing it now
        # Abandoned half way: what the import's own clean-up does when a module fails.
        spec._initializing = False  # type: ignore[union-attr]
        if modules.get(name) is module:
            del modules[name]
