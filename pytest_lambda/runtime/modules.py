"""Which modules an execution environment imports fresh, and which it shares with the test process.

On Lambda every execution environment is a new Python process: the handler's module and every
library it imports are imported afresh. In-process, each environment's Init runs with every
module that is not on the **shared list** taken out of ``sys.modules``, so the code imports its
own copy, whatever the test process imported first. The shared list is the standard library,
the test machinery that runs during phases, and the *mock layer*: the libraries tests patch from
outside, which the handler must see patched (docs/runtime.md gives the reason for each entry).

Finding the test process's own non-shared modules must not cost a scan of ``sys.modules`` per
cold start (thousands of entries in a suite that imports moto): :class:`ModuleMirror`
keeps the set up to date from the entries appended since its last look, which is what imports
do, and rescans only when something else (a deletion) changed the dictionary.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable
from types import ModuleType
from typing import Any

#: The test machinery: pytest and this plugin, and tools whose code runs inside phases (the
#: coverage tracer, xdist's I/O thread) and so may import lazily while the handler runs.
TEST_MACHINERY = frozenset({
    "pytest", "_pytest", "pluggy", "py", "pytest_lambda", "coverage", "pytest_cov", "xdist",
    "execnet", "_virtualenv", "_distutils_hack", "sitecustomize", "usercustomize",
    "__main__", "__mp_main__",
})

#: The mock layer: libraries that tests patch from outside and handlers must see patched, plus
#: the dependencies whose objects they hand to the handler (a ``datetime`` with a
#: ``dateutil.tz.tzutc`` from botocore must be an instance of the handler's ``dateutil``).
MOCK_LAYER = frozenset({
    # AWS SDK: moto registers its hook in botocore's BUILTIN_HANDLERS; tests patch boto3.client.
    "botocore", "boto3", "s3transfer", "jmespath", "dateutil", "aiobotocore",
    # six installs an importer in sys.meta_path on import: a copy per environment would leak one.
    "six",
    # HTTP: responses/requests-mock patch requests' adapter, respx/pytest_httpx patch httpx.
    "moto", "responses", "requests", "urllib3", "httpx", "httpcore", "respx",
    # Clocks: freezegun and time-machine patch the time functions process-wide.
    "freezegun", "time_machine", "_time_machine",
    # X-Ray patches botocore/requests/httpx when imported; a fresh copy would wrap them again
    # on every cold start.
    "aws_xray_sdk", "wrapt",
    # What moto imports lazily while a handler's call runs (SNS signs messages with
    # cryptography, the XML and HTTP layers): a copy made during a phase would be attributed to
    # the environment, and moto's next call would mix two copies ("Algorithm must be a
    # registered hash algorithm").
    "cryptography", "cffi", "_cffi_backend", "xmltodict", "werkzeug", "jinja2", "markupsafe",
})

#: The standard library's top-level modules the Python runtime has imported before it loads the
#: handler (measured: ``sys.modules`` after importing ``awslambdaric.bootstrap`` 4.2.2, the
#: runtime interface client, on Python 3.11). A handler module of the code folder named like
#: one of these is shadowed by the loaded module on Lambda too; one named like any other
#: standard-library module (``code.py``, ``email/``) is the handler's own file there.
RUNTIME_PRELOADED = frozenset({
    "__future__", "_abc", "_codecs", "_collections", "_collections_abc", "_decimal",
    "_frozen_importlib", "_frozen_importlib_external", "_functools", "_imp", "_io", "_json",
    "_operator", "_signal", "_sitebuiltins", "_sre", "_stat", "_string", "_thread",
    "_warnings", "_weakref", "_weakrefset", "abc", "atexit", "builtins", "codecs",
    "collections", "contextlib", "copyreg", "decimal", "encodings", "enum", "errno",
    "fnmatch", "functools", "genericpath", "importlib", "io", "ipaddress", "itertools", "json",
    "keyword", "linecache", "logging", "marshal", "math", "ntpath", "numbers", "operator",
    "os", "pathlib", "posix", "posixpath", "re", "reprlib", "site", "stat", "string", "sys",
    "textwrap", "threading", "time", "token", "tokenize", "traceback", "types", "urllib",
    "warnings", "weakref", "zipimport",
})

_ABSENT: Any = object()
_SHARED_PREFIXES = ("pytest_", "__editable__", "_cython_")


@functools.cache
def base_shared() -> frozenset[str]:
    """Top-level names every environment shares: the standard library and the lists above."""
    return frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names) \
        | TEST_MACHINERY | MOCK_LAYER


def shadowing_names(folders: Iterable[str]) -> frozenset[str]:
    """Top-level modules of the code folder (and layers) named like a standard-library module
    the runtime has not loaded: there the function's own file is imported, not the standard
    library's, so such a name is the environment's own, not shared."""
    import os

    found: set[str] = set()
    for folder in folders:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            name, ext = os.path.splitext(entry)
            if ext == ".py" or (not ext and os.path.isfile(
                    os.path.join(folder, entry, "__init__.py"))):
                found.add(name)
    return frozenset(found & frozenset(sys.stdlib_module_names)
                     - RUNTIME_PRELOADED - frozenset(sys.builtin_module_names))


class SharedModules:
    """The shared list of one function: the base list plus its extra names, less ``own``
    (standard-library names the function's own code takes, see :func:`shadowing_names`)."""

    def __init__(self, extra: Iterable[str] = (), own: Iterable[str] = ()) -> None:
        self.extra = frozenset(extra)
        self.own = frozenset(own)
        self.names = (base_shared() | self.extra) - self.own

    def __contains__(self, name: object) -> bool:
        top = str(name).partition(".")[0]
        return top in self.names or top.startswith(_SHARED_PREFIXES)


class ModuleMirror:
    """The test process's non-shared modules in ``sys.modules``, by name.

    ``known`` mirrors the names in ``sys.modules`` after each :meth:`sync`. Imports append
    entries at the end of the dictionary, so the new ones are found walking it backwards up to
    the first known name; when the count does not add up (something was deleted), one full
    rescan, at C speed, restores the mirror.
    """

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.private: set[str] = set()
        #: ``private`` by top-level package (``PIL`` -> ``PIL.Image``, ``PIL.PngImagePlugin``).
        self.by_top: dict[str, set[str]] = {}
        self.rescans = 0
        self._shared = SharedModules()

    def sync(self, modules: dict[str, ModuleType]) -> None:
        """Bring ``known`` and ``private`` up to date with ``modules``."""
        known = self.known
        new = []
        for name in reversed(modules):
            if name in known:
                break
            new.append(name)
        if len(known) + len(new) != len(modules):
            self.rescans += 1
            current = set(modules)
            self.private &= current
            self.by_top = {}
            for name in self.private:
                self.by_top.setdefault(name.partition(".")[0], set()).add(name)
            new = list(current - known)
            known.intersection_update(current)
        self.add(new)

    def add(self, names: Iterable[str]) -> None:
        """Record names now in ``sys.modules`` (imported by the test process or kept shared)."""
        shared = self._shared
        for name in names:
            self.known.add(name)
            if name not in shared:
                self.private.add(name)
                self.by_top.setdefault(name.partition(".")[0], set()).add(name)

    def hide(self, shared: SharedModules) -> dict[str, ModuleType]:
        """Take the test process's non-shared modules out of ``sys.modules`` (a cold start)."""
        modules = sys.modules
        self.sync(modules)
        extra = shared.extra
        hidden: dict[str, ModuleType] = {}
        pop = modules.pop
        for name in self.private:
            if extra and name.partition(".")[0] in extra:
                continue
            # A None entry blocks an import on purpose: hidden and restored like a module.
            module = pop(name, _ABSENT)
            if module is not _ABSENT:
                hidden[name] = module
        self.known.difference_update(hidden)
        return hidden

    def hide_packages(self, tops: Iterable[str], own: dict[str, ModuleType]
                      ) -> dict[str, ModuleType]:
        """Take out the test process's modules of the packages an environment imported fresh
        (``tops``), but not ``own`` (the environment's): for a phase after Init, so that what
        such a package imports lazily -- Pillow's image plugins, say -- is imported fresh too,
        into the environment's copy of the package, instead of being the test process's."""
        modules = sys.modules
        self.sync(modules)
        hidden: dict[str, ModuleType] = {}
        for top in tops:
            for name in self.by_top.get(top, ()):
                if name not in own:
                    module = modules.pop(name, _ABSENT)
                    if module is not _ABSENT:
                        hidden[name] = module
        self.known.difference_update(hidden)
        return hidden

    def restore(self, hidden: dict[str, ModuleType]) -> None:
        """Put back what :meth:`hide` took out (what the environment imported stays its own)."""
        sys.modules.update(hidden)
        self.known.update(hidden)


#: The one mirror of ``sys.modules``: process-wide because ``sys.modules`` is, and touched only
#: under ``lifecycle.PHASE_LOCK`` (one phase at a time in the process).
TEST_MODULES = ModuleMirror()
