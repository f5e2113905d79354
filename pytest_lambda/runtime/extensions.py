"""C extensions that cannot be imported twice in one process: shared instead of crashing.

Each environment imports its libraries fresh (``modules.py``), which for a C extension means
initialising it again in the same process. Most extensions allow that; some refuse (numpy's
core raises ``ImportError: cannot load module more than once per process``). On Lambda each
environment is a new process, so the refusal is an artefact of running in-process: the
environment then gets the copy already loaded, and its log says so in one line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.machinery import ExtensionFileLoader, ModuleSpec
from types import ModuleType
from typing import Any

#: What a refusal to load twice raises (single-phase init in ``PyInit_*`` raises ImportError;
#: some extensions report it as SystemError).
_REFUSALS = (ImportError, SystemError)


class ExtensionRegistry:
    """Every C extension module loaded during a phase, to hand out when a reload is refused."""

    def __init__(self) -> None:
        # Strong references: an extension that refuses a second init keeps its state for the
        # life of the process anyway.
        self.loaded: dict[str, ModuleType] = {}

    @contextmanager
    def guard(self, hidden: Mapping[str, ModuleType]) -> Iterator[None]:
        """While active, a refused extension load returns an earlier copy of the module.

        ``hidden`` holds the test process's own modules, hidden for the phase: the first place
        to look for an earlier copy.
        """
        real_create = ExtensionFileLoader.create_module
        real_exec = ExtensionFileLoader.exec_module
        reused: set[int] = set()

        def previous(name: str, exc: BaseException) -> ModuleType:
            module = hidden.get(name) or self.loaded.get(name)
            if module is None:
                raise exc
            reused.add(id(module))
            sys.stderr.write(
                f"pytest-aws-lambda: sharing the C extension {name!r} with the test process: it "
                f"cannot be imported twice in one process ({exc})\n")
            return module

        def create_module(loader: ExtensionFileLoader, spec: ModuleSpec) -> Any:
            try:
                return real_create(loader, spec)
            except _REFUSALS as exc:
                return previous(spec.name, exc)

        def exec_module(loader: ExtensionFileLoader, module: ModuleType) -> None:
            if id(module) in reused:
                return
            try:
                real_exec(loader, module)
            except _REFUSALS as exc:  # multi-phase init refusing in its exec slot
                # importlib reads sys.modules again after exec_module: the earlier copy wins.
                sys.modules[module.__name__] = previous(module.__name__, exc)
            else:
                self.loaded[module.__name__] = module

        ExtensionFileLoader.create_module = create_module  # type: ignore[method-assign,assignment]
        ExtensionFileLoader.exec_module = exec_module  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            ExtensionFileLoader.create_module = real_create  # type: ignore[method-assign]
            ExtensionFileLoader.exec_module = real_exec  # type: ignore[method-assign]


#: Process-wide, like the extensions it records; used under ``lifecycle.PHASE_LOCK``.
EXTENSIONS = ExtensionRegistry()
