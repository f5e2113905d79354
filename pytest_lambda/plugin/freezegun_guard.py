"""Keep freezegun's module scan from importing code while time is half-frozen.

``freezegun.freeze_time(...).start()`` first swaps ``datetime.datetime`` for ``FakeDatetime``,
then walks every loaded module with ``dir()`` and ``getattr()`` to replace references to the
real time functions. A module with a PEP 562 ``__getattr__`` imports code on that ``getattr``:
Powertools' ``aws_lambda_powertools.utilities.parser.models`` builds pydantic models, pydantic
cannot make a schema for ``FakeDatetime``, ``start()`` raises, and since nothing undoes what it
had already patched, time stays frozen for the rest of the session (freezegun issue #551 and
pydantic issue #10287 describe the same clash).

While the plugin is configured, two changes apply to every copy of ``freezegun.api`` (the one
loaded at configure, and each one executed later: pytester's in-process runs unload what their
tests imported, a handler's environment may import its own), removed at unconfigure:

- the scan reads ``vars(module)``: an attribute a lazy module has not loaded yet cannot hold a
  real time function, so skipping it loses nothing and never runs an import;
- a ``start()`` that still fails undoes what it patched before the error propagates.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import weakref
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

_TARGET = "freezegun.api"
#: Where a guarded ``freezegun.api`` keeps what the guard replaced: (scan, start).
_ORIGINALS = "_pytest_lambda_originals"


def _loaded_attributes(module: ModuleType) -> list[tuple[str, Any]]:
    """A module's attributes without running its ``__getattr__`` (no lazy imports)."""
    try:
        return list(vars(module).items())
    except TypeError:
        return []


class FreezegunGuard:
    """Installs and removes the two changes on ``freezegun.api``."""

    def __init__(self) -> None:
        #: The copies of ``freezegun.api`` changed (weakly: an environment's copy goes with it).
        self._hardened: weakref.WeakSet[ModuleType] = weakref.WeakSet()
        self._finder: _ImportWatcher | None = None

    def install(self) -> None:
        """Guard freezegun now if it is loaded, and each copy of it executed from now on."""
        api = sys.modules.get(_TARGET)
        if api is not None:
            self._harden(api)
        self._finder = _ImportWatcher(self._harden)
        sys.meta_path.insert(0, self._finder)

    def uninstall(self) -> None:
        """Give freezegun back exactly as it was."""
        if self._finder is not None:
            try:
                sys.meta_path.remove(self._finder)
            except ValueError:
                pass
            self._finder.stop()
            self._finder = None
        for api in list(self._hardened):
            originals = vars(api).pop(_ORIGINALS, None)
            if originals is not None:
                scan, start = originals
                api._get_module_attributes = scan  # type: ignore[attr-defined]
                api._freeze_time.start = start
        self._hardened.clear()

    def _harden(self, api: ModuleType) -> None:
        freeze_time_class: Any = getattr(api, "_freeze_time", None)
        scan = getattr(api, "_get_module_attributes", None)
        if freeze_time_class is None or not callable(scan):
            return  # a freezegun whose internals we do not know: leave it alone
        if _ORIGINALS in vars(api):
            return  # guarded already (by another session's guard: pytester's in-process runs)
        start, stop = freeze_time_class.start, freeze_time_class.stop
        setattr(api, _ORIGINALS, (scan, start))
        self._hardened.add(api)
        setattr(api, "_get_module_attributes", _loaded_attributes)  # noqa: B010  (private API)

        def guarded_start(freezer: Any) -> Any:
            try:
                return start(freezer)
            except BaseException:
                try:
                    stop(freezer)
                except Exception:
                    pass
                raise

        freeze_time_class.start = guarded_start


class _ImportWatcher(importlib.abc.MetaPathFinder):
    """Calls back each time ``freezegun.api`` has been executed."""

    def __init__(self, callback: Callable[[ModuleType], None]) -> None:
        self._callback = callback
        self._busy = False
        self._stopped = False

    def stop(self) -> None:
        """No more callbacks: pytester puts ``sys.meta_path`` back after an in-process run,
        so a watcher its session took off can come back."""
        self._stopped = True

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        # Busy: another watcher (a pytest session run in-process by pytester has its own) is
        # asking every finder, this one included: each called the other for good.
        if fullname != _TARGET or self._busy or self._stopped:
            return None
        self._busy = True
        try:
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    break
            else:
                return None
        finally:
            self._busy = False
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        spec.loader = _CallbackLoader(loader, self._callback)
        return spec


class _CallbackLoader(importlib.abc.Loader):
    """Delegates to the real loader, then hands the executed module to a callback."""

    def __init__(self, loader: Any, callback: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._callback = callback

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        module: ModuleType | None = self._loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        self._callback(module)
