"""What a cold start would pay for the shared libraries it found loaded (in-process).

The libraries on the shared list (botocore and boto3, requests, cryptography, ...: see
``modules.MOCK_LAYER``) are imported once per test process. A cold start whose Init imports one
that the test process (a test module's ``import boto3``) or an earlier environment loaded first
grows the process by nothing for it, where every execution environment on Lambda loads its own
copy: a handler that only imports boto3 measured 41 MB in-process against 56-58 MB in a fresh
process. The figure then depended on test order.

During an in-process Init the module names the code imports are recorded
(:class:`ImportRecorder`). Those of shared third-party libraries that were loaded before the
Init began are charged what importing them costs in a fresh interpreter that has loaded the
standard-library modules this process has, measured once per set of names in a child process
(:func:`fresh_import_cost`) and kept for the session: that handler now reports 51 MB. Libraries
the Init loads itself are measured as they load, as before. If the measurement fails, nothing is
charged. The standard library the test process has loaded is still not charged (in either
order: the 5 MB left between 51 and 56 MB; see docs/runtime.md).
"""

from __future__ import annotations

import builtins
import functools
import os
import subprocess
import sys
import threading
from typing import Any

from .memory import NOISE_BYTES
from .modules import _SHARED_PREFIXES, TEST_MACHINERY
from .outside import current_ledger

#: Shared libraries that are tools of the test, not of the function: never charged.
TEST_TOOLS = frozenset({
    "moto", "responses", "respx", "freezegun", "time_machine", "_time_machine",
})

#: Standard-library modules never imported to measure (they act on import).
_NOT_IMPORTED = frozenset({"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo",
                           "__main__"})

#: frozenset of names -> bytes a fresh import of them costs (the session's measurements).
_COSTS: dict[frozenset[str], int] = {}

_MEASURE = """
import importlib, sys
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE
PAGE = __import__("os").sysconf("SC_PAGE_SIZE")
for name in PRELOADED:
    try:
        importlib.import_module(name)
    except Exception:
        pass
import gc
gc.collect()
before = rss()
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception:  # a name from a "from x import y" that is no module, or not found here
        pass
print(max(rss() - before, 0))
"""


def chargeable(name: str, shared: Any) -> bool:
    """Whether ``name`` (a top-level module name) is a shared third-party library."""
    return (name in shared and name not in sys.stdlib_module_names
            and name not in TEST_MACHINERY and name not in TEST_TOOLS
            and not name.startswith(_SHARED_PREFIXES))


@functools.lru_cache(maxsize=32)
def chargeable_names(names: frozenset[str]) -> frozenset[str]:
    """The chargeable ones of a function's shared list (``SharedModules.names``): computed
    once per list, not at every cold start."""
    return frozenset(n for n in names if chargeable(n, names))


class ImportRecorder:
    """Records the module names of absolute imports made through ``builtins.__import__`` on
    this thread (``from x import y`` also records ``x.y``: it may be a submodule), while the
    phase's own work is inside the sandbox (not moto serving a request: that work is AWS's).
    Installed around an Init, outside the environment's swap, so the environment never sees it
    as a change of its builtins."""

    __slots__ = ("_original", "names")

    def __init__(self) -> None:
        self.names: set[str] = set()
        self._original: Any = None

    def __enter__(self) -> ImportRecorder:
        original = self._original = builtins.__import__
        names = self.names
        ledger = current_ledger()
        thread = threading.get_ident()

        def recording_import(name: str, globals: Any = None, locals: Any = None,
                             fromlist: Any = (), level: int = 0) -> Any:
            if level == 0 and not ledger.depth and threading.get_ident() == thread:
                names.add(name)
                if fromlist:
                    names.update(f"{name}.{item}" for item in fromlist if item != "*")
            return original(name, globals, locals, fromlist, level)

        builtins.__import__ = recording_import
        return self

    def __exit__(self, *exc: object) -> None:
        builtins.__import__ = self._original


def fresh_import_cost(names: frozenset[str]) -> int:
    """Bytes a fresh interpreter grows by importing ``names``, after the standard-library
    modules this process has loaded (0 if it cannot be measured: never a guess)."""
    cost = _COSTS.get(names)
    if cost is not None:
        return cost
    cost = 0
    if sys.platform.startswith("linux"):
        stdlib = sorted(n for n in list(sys.modules) if "." not in n
                        and n in sys.stdlib_module_names and n not in _NOT_IMPORTED)
        script = _MEASURE.replace("PRELOADED", repr(stdlib))
        env = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE_")}
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
        try:
            done = subprocess.run([sys.executable, "-S", "-c", script, *sorted(names)],
                                  capture_output=True, text=True, timeout=120, env=env,
                                  check=False)
            if done.returncode == 0:
                cost = int(done.stdout.strip().splitlines()[-1])
                if cost <= NOISE_BYTES:  # a page or two of the child's own (as for a phase)
                    cost = 0
        except (OSError, ValueError, IndexError, subprocess.SubprocessError):
            cost = 0
    _COSTS[names] = cost
    return cost
