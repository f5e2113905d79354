"""A discarded environment's leftovers are freed without ``ResourceWarning``, as on Lambda.

On Lambda an execution environment ends with its process: the kernel closes every descriptor
and no finalizer runs. In-process, a discarded environment's objects are freed whenever the
test process's garbage collector reaches them, during some later test. What its code left
open then warns there: ``unclosed <socket.socket ...>`` (a connection made at Init, as AWS
recommends for reuse; the UDP socket of X-Ray's emitter, which Powertools' Tracer creates),
``unclosed file``, ``unclosed event loop``. Under ``filterwarnings = error`` (or ``-W error``)
each became an unraisable exception and failed an unrelated test: a red run for code that
works on Lambda.

The same holds while an environment is alive: its code's garbage (an asyncio transport of a
subprocess an invocation left running, a connection in a cycle) is freed by a collection
between its phases, in the test's code, under the test's filters rather than the runtime's
(which ignore ``ResourceWarning``).

So every collection runs with ``ResourceWarning`` ignored while an in-process environment is
alive (:func:`quiet_while_alive`), and after one is discarded until its modules have been
collected (or two full collections have passed, if something of the test process still holds
one: :func:`free_quietly`). A collection is where a cycle of module globals and functions is
freed, and with it what only those globals held. The objects a collection frees cannot be told
apart by owner: a ``ResourceWarning`` for the test process's own garbage freed by a collection
in that time is not given either (a leak freed when its last reference goes, the usual case,
still warns); with no in-process environment, nothing changes.
"""

from __future__ import annotations

import atexit
import gc
import warnings
import weakref
from collections.abc import Iterable
from types import ModuleType
from typing import Any

__all__ = ["free_quietly", "quiet_while_alive"]

#: Full collections after which a discarded environment whose modules are still alive (held
#: by the test process: then they are not garbage, and warn nowhere) is no longer waited for.
_FULL_COLLECTIONS = 2
_IGNORE = ("ignore", None, ResourceWarning, None, 0)


class _Leftovers:
    __slots__ = ("full_collections", "modules")

    def __init__(self, modules: list[weakref.ref[ModuleType]]) -> None:
        self.modules = modules
        self.full_collections = 0

    def gone(self, generation: int) -> bool:
        if generation == 2:
            self.full_collections += 1
        return (self.full_collections >= _FULL_COLLECTIONS
                or all(module() is None for module in self.modules))


#: The in-process environments alive now: their garbage, too, is freed by the test
#: process's collections, between their phases (an asyncio transport an invocation dropped).
_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()
_PENDING: list[_Leftovers] = []
#: The filter list the running collection put ``_IGNORE`` in, if it did.
_QUIETED: list[list[Any]] = []


def quiet_while_alive(environment: object) -> None:
    """Let collections run without ``ResourceWarning`` while ``environment`` is alive."""
    _install()
    _LIVE.add(environment)


def free_quietly(environment: object, modules: Iterable[ModuleType]) -> None:
    """``environment`` is discarded: let the collections that free its ``modules`` and what
    only they hold run without ``ResourceWarning``. (What goes with the last reference as the
    environment drops them is the caller's to free under ``warnings.catch_warnings``.)"""
    _LIVE.discard(environment)
    refs = [weakref.ref(module) for module in modules]
    if refs:
        _install()
        _PENDING.append(_Leftovers(refs))


def _install() -> None:
    # Installed once and left in place (a callback removed while the collector calls the
    # list would make it skip the next one): with nothing to quiet it returns at once.
    if _on_collection not in gc.callbacks:
        gc.callbacks.append(_on_collection)
        atexit.register(_quiet_at_exit)


def _quiet_at_exit() -> None:
    """What is left of environments when the test process exits is freed as the interpreter
    shuts down, outside any collection: a pytest-xdist worker printed ``sys:1:
    ResourceWarning: unclosed <socket.socket ...>`` for X-Ray's socket as it ended."""
    if _LIVE or _PENDING:
        warnings.filterwarnings("ignore", category=ResourceWarning)


def _on_collection(phase: str, info: dict[str, Any]) -> None:
    # Runs on whichever thread triggered the collection; must not raise. The filter is read
    # at each warning (an "ignore" leaves nothing in the modules' registries of warnings
    # already shown), so no cache needs invalidating on the way in or out.
    filters: Any = warnings.filters
    if phase == "start":
        if (_LIVE or _PENDING) and not _QUIETED:
            filters.insert(0, _IGNORE)
            _QUIETED.append(filters)
        return
    if _QUIETED:
        quieted = _QUIETED.pop()
        try:
            quieted.remove(_IGNORE)
        except ValueError:  # a finalizer replaced the list's contents
            pass
    generation = info.get("generation", 0)
    if generation:  # modules are old: the youngest generation alone does not free them
        _PENDING[:] = [left for left in _PENDING if not left.gone(generation)]
