"""Standard-library functions an environment's code patches stay that environment's own.

Error-tracking and tracing SDKs patch the standard library when the function's code sets them
up: Sentry's ``init`` replaces ``logging.Logger.callHandlers`` and
``http.client.HTTPConnection.putrequest``; ddtrace wraps ``sqlite3.connect``,
``subprocess.Popen.__init__`` and ``logging.Logger.makeRecord``. On Lambda that stays inside
the execution environment's process. In-process the standard library is shared: the patch
stayed in the test process after the function was closed, and every cold start (a fresh copy of
the SDK, which wraps what it finds) added another layer (15 cold starts, 15 nested wrappers of
every logging call, each holding a discarded copy of the SDK).

This phase hook compares the attributes of the classes and modules SDKs patch
(:data:`WATCHED`, those the test process has imported) before and after the environment's first
phases (Init and its first invocations, when SDKs set themselves up: comparing at every phase
would cost every warm invocation ~10 µs): what changed is the environment's, put in place for
each of its phases and the test process's value back after each one. A patch made later than
that, or to something not watched, is not seen. Modules the environment imported itself are
its own copies anyway (see ``modules.py``). The same holds for ``mimetypes``' registry
(``mimetypes.add_type``), the import finders the code puts on ``sys.meta_path`` and the path
entry hooks it puts on ``sys.path_hooks`` (with the finders they made, cached in
``sys.path_importer_cache``).
"""

from __future__ import annotations

import sys
from collections.abc import Container
from operator import is_
from typing import Any

__all__ = ["WATCHED", "StdlibPatches"]

#: (module, class or None for the module itself) that SDKs patch: Sentry, ddtrace,
#: OpenTelemetry, New Relic, Datadog, Lumigo. Not those the plugin itself patches during
#: phases (socket, builtins.open): their own guards.
WATCHED = (
    ("logging", "Logger"), ("logging", "Handler"), ("http.client", "HTTPConnection"),
    ("http.client", "HTTPResponse"), ("subprocess", "Popen"), ("subprocess", None),
    ("sqlite3", None), ("urllib.request", None), ("urllib.request", "OpenerDirector"),
    ("threading", "Thread"), ("concurrent.futures.thread", "ThreadPoolExecutor"),
    ("asyncio.base_events", "BaseEventLoop"), ("json", None), ("json", "JSONEncoder"),
    ("json", "JSONDecoder"),
    # The shared AWS and HTTP clients (the mock layer): OpenTelemetry's botocore and requests
    # instrumentation, imported fresh by each cold start, wrapped them again each time, and an
    # older environment's wrapper traced the newer one's calls (and the test's) into its log.
    # Only wrappers the environment's own code made are its own: a shared library's (X-Ray's
    # patch_all, one copy for the session by design) stay, the test's guard undoes them.
    ("botocore.client", "BaseClient"), ("botocore.endpoint", "Endpoint"),
    ("requests.sessions", "Session"), ("httpx", "Client"), ("httpx", "AsyncClient"),
    ("aiobotocore.client", "AioBaseClient"),
)
#: How many phases of an environment are compared (its Init and first invocations).
WATCHED_PHASES = 3
#: How many in-process phases have begun in this process (the test-level guard in
#: plugin/instrumentation.py has nothing to undo after a test during which none ran).
PHASES_BEGUN = [0]
#: Wrappers a shared library put on a watched class during a phase (X-Ray's ``patch_all`` run
#: by a handler's Init): the test-level guard takes these back after the test, and leaves the
#: wrappers the test's own fixtures made (a session-scoped OpenTelemetry instrumentation).
PHASE_WRAPPERS: dict[int, Any] = {}
_MISSING: Any = object()


def _targets() -> list[Any]:
    found: list[Any] = []
    modules = sys.modules
    for module_name, class_name in WATCHED:
        module = modules.get(module_name)
        if module is None:
            continue
        target = module if class_name is None else getattr(module, class_name, None)
        if target is not None:
            found.append(target)
    # mimetypes.add_type (S3 upload handlers register ".webp" and the like): the registry's
    # dictionaries (initialised first if it is not yet: add_type would, in the shared module).
    mimetypes: Any = modules.get("mimetypes")
    if mimetypes is not None:
        if getattr(mimetypes, "_db", True) is None:
            mimetypes.init()
        db = getattr(mimetypes, "_db", None)
        found += [*getattr(db, "types_map", ()), *getattr(db, "types_map_inv", ())]
    return found


def _space(target: Any) -> dict[Any, Any]:
    return target if type(target) is dict else vars(target)


class StdlibPatches:
    """One environment's patches to :data:`WATCHED`, swapped per phase (a phase hook)."""

    __slots__ = ("_before", "_cached_before", "_finders", "_finders_before", "_hooks",
                 "_objects", "_phases", "_saved", "_shared", "_test_hooks", "own")

    def __init__(self, shared: Container[str] = ()) -> None:
        #: The shared list: a patch made by one of its modules is not the environment's.
        self._shared = shared
        self._phases = 0
        #: (id(target), name) -> the environment's value (``_MISSING``: it deleted it).
        self.own: dict[tuple[int, Any], Any] = {}
        #: id(target) -> target, for :attr:`own` (a dictionary is no key itself).
        self._objects: dict[int, Any] = {}
        #: During a phase: the test's values of :attr:`own`'s entries, and (while watching)
        #: the snapshot the phase started from.
        self._saved: list[tuple[tuple[int, Any], Any]] = []
        self._before: list[tuple[Any, dict[Any, Any]]] | None = None
        #: Import finders the code put on ``sys.meta_path`` (ddtrace's ModuleWatchdog,
        #: pyximport), those it put first and those it put last: in place during its phases
        #: only (each cold start of a fresh copy used to add one more for the whole session).
        self._finders: tuple[list[Any], list[Any]] = ([], [])
        self._finders_before: set[int] | None = None
        #: The same for path entry hooks on ``sys.path_hooks`` (compared at every phase: a
        #: short list), with the test's list to put back; with any, the path entries whose
        #: finders a phase cached (what those hooks made) go from the cache after it.
        self._hooks: tuple[list[Any], list[Any]] = ([], [])
        self._test_hooks: list[Any] = []
        self._cached_before: set[str] | None = None

    def enter(self) -> None:
        saved = []
        for key, value in self.own.items():
            target = self._objects[key[0]]
            saved.append((key, _space(target).get(key[1], _MISSING)))
            _put(target, key[1], value)
        self._saved = saved
        first, last = self._finders
        if first or last:
            sys.meta_path[:0] = first
            sys.meta_path.extend(last)
        self._test_hooks = list(sys.path_hooks)
        hooks_first, hooks_last = self._hooks
        if hooks_first or hooks_last:
            sys.path_hooks[:0] = hooks_first
            sys.path_hooks.extend(hooks_last)
        self._phases += 1
        PHASES_BEGUN[0] += 1
        watching = self._phases <= WATCHED_PHASES
        self._before = [(t, dict(_space(t))) for t in _targets()] if watching else None
        self._finders_before = {id(f) for f in sys.meta_path} if watching else None
        self._cached_before = (set(sys.path_importer_cache)
                               if watching or hooks_first or hooks_last else None)

    def exit(self) -> None:
        self._exit_finders()
        before, self._before = self._before, None
        #: (id(target), name) -> the test's value, to put back.
        test = dict(self._saved)
        self._saved = []
        if before is not None:
            for target, values in before:
                now = _space(target)
                if _unchanged(target, now, values):
                    continue
                for name in values.keys() | now.keys():
                    value = now.get(name, _MISSING)
                    if value is values.get(name, _MISSING):
                        continue
                    if self._by_shared(value):
                        PHASE_WRAPPERS[id(value)] = value  # kept alive: the id stays its own
                        continue
                    # Changed by the code: the value the phase met was the test's, unless
                    # the entry was the environment's already.
                    test.setdefault((id(target), name), values.get(name, _MISSING))
                    self._objects[id(target)] = target
        for key, value in test.items():
            target = self._objects[key[0]]
            self.own[key] = _space(target).get(key[1], _MISSING)  # the environment's latest
            _put(target, key[1], value)

    def _by_shared(self, value: Any) -> bool:
        """Whether ``value`` is a function (or a wrapt wrapper around one) that a shared module
        defined: a shared library's patch (X-Ray's ``patch_all``, one copy for the session),
        not the environment's own."""
        function = getattr(value, "_self_wrapper", value)  # wrapt's FunctionWrapper
        namespace = getattr(function, "__globals__", None)
        if not isinstance(namespace, dict):
            return False
        name = namespace.get("__name__")
        return isinstance(name, str) and name in self._shared

    def _exit_finders(self) -> None:
        finders_before, self._finders_before = self._finders_before, None
        first, last = self._finders
        path = sys.meta_path
        if finders_before is not None:
            for index, finder in enumerate(path):
                if id(finder) not in finders_before:
                    (first if index < len(path) // 2 else last).append(finder)
        if first or last:
            ours = {id(f) for f in first} | {id(f) for f in last}
            path[:] = [f for f in path if id(f) not in ours]
        self._exit_hooks()

    def _exit_hooks(self) -> None:
        hooks, test = sys.path_hooks, self._test_hooks
        cached_before, self._cached_before = self._cached_before, None
        if len(hooks) == len(test) and all(map(is_, hooks, test)):
            return  # the environment has none (nor removed any of the test's)
        # The environment's: every entry but the test's own (each once), those before the
        # first of the test's put first again, the others last.
        remaining = [id(h) for h in test]
        first: list[Any] = []
        last: list[Any] = []
        for hook in hooks:
            if id(hook) in remaining:
                remaining.remove(id(hook))
            else:
                (first if len(remaining) == len(test) else last).append(hook)
        self._hooks = (first, last)
        hooks[:] = test
        if (first or last) and cached_before is not None:
            # The finders the phase cached may be its hooks' (a finder for the code's zip
            # archive, say): the test process would go on importing through them. Its own
            # standard finders for those entries are made again on its next import there.
            cache = sys.path_importer_cache
            for entry in cache.keys() - cached_before:
                cache.pop(entry, None)


def _unchanged(target: Any, now: dict[Any, Any], before: dict[Any, Any]) -> bool:
    """Whether a namespace holds the same entries as its snapshot, compared in C (the per-name
    walk cost ~0.4 ms a phase for the ~3,500 entries watched, most of them mimetypes' registry).
    A class's or module's by identity, not ``==``: a wrapt wrapper compares equal to the
    function it wraps; mimetypes' dictionaries (names to names) by ``==``. Any difference (for
    a namespace, even only in order) takes the per-name walk."""
    if type(target) is dict:
        return now == before
    return (len(now) == len(before) and all(map(is_, now, before))
            and all(map(is_, now.values(), before.values())))


def _put(target: Any, name: Any, value: Any) -> None:
    if type(target) is dict:
        if value is _MISSING:
            target.pop(name, None)
        else:
            target[name] = value
        return
    try:
        if value is _MISSING:
            if name in vars(target):
                delattr(target, name)
        else:
            setattr(target, name, value)
    except (AttributeError, TypeError):  # a built-in type's attribute: not patchable anyway
        pass
