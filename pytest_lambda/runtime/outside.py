"""Work the embedded AWS does during a phase that is not the function's on Lambda.

moto runs in the test process, so what it does while a handler's boto3 call is served lands in
the phase's resident memory and elapsed time. Most of it stands for AWS's own side of a call
(small, and a call's latency is part of Duration on Lambda too), but the first call to a
service imports moto's model of it and builds its backend: for EC2 about 0.7 s and 130 MB,
once per test process. Charged to the handler, that made the first ``describe_instances()`` of
a session a false ``Runtime.OutOfMemory`` at 128 MB (and ~1.3 s of Duration) while a later test
was fine: a result that depended on test order.

:func:`hook_moto` wraps those two steps (``moto.backends.get_backend`` importing a service's
module, and a region's backend being built) in :func:`outside_sandbox`, which records their
memory and time in :data:`LEDGER`; the in-process environment takes them off the phase's
memory and Duration. The deadline timer is not paused: a function whose timeout is shorter
than that first-use work can still time out in it (docs/runtime.md, "Memory").
"""

from __future__ import annotations

import os
import resource
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from time import perf_counter
from typing import Any


class Ledger:
    """Totals of the work done outside the sandbox since the process started."""

    __slots__ = ("depth", "peak_kb", "retained_kb", "seconds")

    def __init__(self) -> None:
        self.retained_kb = 0
        self.peak_kb = 0
        self.seconds = 0.0
        self.depth = 0

    def snapshot(self) -> tuple[int, int, float]:
        return self.retained_kb, self.peak_kb, self.seconds


#: The one ledger: process-wide, like the memory it accounts for.
LEDGER = Ledger()
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


#: /proc/self/statm, open for this process (pid, descriptor): read with pread, as a block
#: outside the sandbox may be as small as one log record handed to the test's handlers.
_STATM: list[int] = [0, -1]


def _rss_kb() -> int:
    pid = os.getpid()
    if _STATM[0] != pid:  # first use, or a forked child: its own file
        try:
            _STATM[1] = os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            _STATM[1] = -1
        _STATM[0] = pid
    try:
        return int(os.pread(_STATM[1], 64, 0).split()[1]) * _PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


_getrusage = resource.getrusage
_RUSAGE = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)


@contextmanager
def outside_sandbox(timed: bool = True) -> Iterator[None]:
    """Record the memory (and, ``timed``, the time) the block takes as not the function's
    (nested blocks are counted once, by the outermost)."""
    if LEDGER.depth:
        yield
        return
    LEDGER.depth = 1
    rss, hwm = _rss_kb(), _getrusage(_RUSAGE).ru_maxrss
    started = perf_counter()
    try:
        yield
    finally:
        if timed:
            LEDGER.seconds += perf_counter() - started
        grown = max(_rss_kb() - rss, 0)
        LEDGER.retained_kb += grown
        LEDGER.peak_kb += max(_getrusage(_RUSAGE).ru_maxrss - hwm, grown)
        LEDGER.depth = 0


#: The ``moto.backends`` module last hooked (moto may be imported again, e.g. by pytester).
_hooked: Any = None


def hook_moto() -> None:
    """Wrap moto's first use of a service (its import and its backends' creation) in
    :func:`outside_sandbox`, once per loaded moto; nothing when moto is not loaded."""
    global _hooked
    modules = sys.modules
    backends = modules.get("moto.backends")
    if backends is None or backends is _hooked or "moto.core.base_backend" not in modules:
        return
    _hooked = backends
    from moto.core.base_backend import AccountSpecificBackend

    get_backend = backends.get_backend

    def first_use_get_backend(name: Any) -> Any:
        safe = str(name).replace("-", "")
        module = "moto." + backends.ALT_SERVICE_NAMES.get(safe, safe)
        if module in sys.modules:
            return get_backend(name)
        with outside_sandbox():
            return get_backend(name)

    if getattr(get_backend, "_outside_sandbox", False):
        return
    getitem = AccountSpecificBackend.__getitem__

    def first_use_getitem(self: Any, region_name: str) -> Any:
        key = region_name if region_name != "global" else "aws"
        if key in self.keys() or key not in self.regions:  # built already, or never built
            return getitem(self, region_name)
        with outside_sandbox():
            return getitem(self, region_name)

    first_use_get_backend._outside_sandbox = True  # type: ignore[attr-defined]
    backends.get_backend = first_use_get_backend  # type: ignore[attr-defined]
    if not getattr(getitem, "_outside_sandbox", False):
        first_use_getitem._outside_sandbox = True  # type: ignore[attr-defined]
        AccountSpecificBackend.__getitem__ = first_use_getitem  # type: ignore[method-assign]
