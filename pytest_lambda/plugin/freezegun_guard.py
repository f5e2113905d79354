"""Keep freezegun's module scan from importing code while time is half-frozen.

``freezegun.freeze_time(...).start()`` first swaps ``datetime.datetime`` for ``FakeDatetime``,
then walks every loaded module with ``dir()`` and ``getattr()`` to replace references to the
real time functions. A module with a PEP 562 ``__getattr__`` imports code on that ``getattr``:
Powertools' ``aws_lambda_powertools.utilities.parser.models`` builds pydantic models, pydantic
cannot make a schema for ``FakeDatetime``, ``start()`` raises, and since nothing undoes what it
had already patched, time stays frozen for the rest of the session (freezegun issue #551 and
pydantic issue #10287 describe the same clash).

While the plugin is configured, two changes apply to freezegun, installed when freezegun is
imported (or at once if it already is) and removed at unconfigure:

- the scan reads ``vars(module)``: an attribute a lazy module has not loaded yet cannot hold a
  real time function, so skipping it loses nothing and never runs an import;
- a ``start()`` that still fails undoes what it patched before the error propagates.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

_TARGET = "freezegun.api"


def _loaded_attributes(module: ModuleType) -> list[tuple[str, Any]]:
    """A module's attributes without running its ``__getattr__`` (no lazy imports)."""
    try:
        return list(vars(module).items())
    except TypeError:
        return []


class FreezegunGuard:
    """Installs and removes the two changes on ``freezegun.api``."""

    def __init__(self) -> None:
        self._originals: dict[str, Any] = {}
        self._api: ModuleType | None = None
        self._finder: _ImportWatcher | None = None

    def install(self) -> None:
        """Guard freezegun now if it is loaded, else as soon as it is imported."""
        api = sys.modules.get(_TARGET)
        if api is not None:
            self._harden(api)
        else:
            self._finder = _ImportWatcher(self._harden)
            sys.meta_path.insert(0, self._finder)

    def uninstall(self) -> None:
        """Give freezegun back exactly as it was."""
        if self._finder is not None:
            try:
                sys.meta_path.remove(self._finder)
            except ValueError:
                pass
            self._finder = None
        api, self._api = self._api, None
        if api is None:
            return
        for name, value in self._originals.items():
            if name == "start":
                api._freeze_time.start = value
            else:
                setattr(api, name, value)
        self._originals.clear()

    def _harden(self, api: ModuleType) -> None:
        if self._finder is not None:
            try:
                sys.meta_path.remove(self._finder)
            except ValueError:
                pass
            self._finder = None
        freeze_time_class: Any = getattr(api, "_freeze_time", None)
        scan = getattr(api, "_get_module_attributes", None)
        if freeze_time_class is None or not callable(scan):
            return  # a freezegun whose internals we do not know: leave it alone
        if scan is _loaded_attributes:
            return  # another guard's (a pytester in-process session's): never taken as original
        start, stop = freeze_time_class.start, freeze_time_class.stop
        self._api = api
        self._originals["_get_module_attributes"] = scan
        self._originals["start"] = start
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
    """Calls back once ``freezegun.api`` has been executed."""

    def __init__(self, callback: Callable[[ModuleType], None]) -> None:
        self._callback = callback
        self._busy = False
        self._fired = False

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        # Busy: another watcher (a pytest session run in-process by pytester has its own) is
        # asking every finder, this one included: each called the other for good.
        # Fired: it watches for one import. pytester puts sys.meta_path back after an
        # in-process run, so a watcher that fired (and took itself off) can come back.
        if fullname != _TARGET or self._busy or self._fired:
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
        spec.loader = _CallbackLoader(loader, self._fire)
        return spec

    def _fire(self, module: ModuleType) -> None:
        self._fired = True
        self._callback(module)


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
