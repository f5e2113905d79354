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
memory and time in the thread's :class:`Ledger`; the in-process environment takes them off
the phase's memory and Duration. The deadline timer is not paused: a function whose timeout is
shorter than that first-use work can still time out in it (docs/runtime.md, "Memory"). Every
request moto serves is outside the sandbox for memory only (see :func:`_hook_requests`).
"""

from __future__ import annotations

import os
import resource
import sys
import threading
from time import perf_counter
from typing import Any


class Ledger:
    """Totals of the work done outside the sandbox by one thread since it started."""

    __slots__ = ("depth", "peak_kb", "retained_kb", "seconds", "timing")

    def __init__(self) -> None:
        self.retained_kb = 0
        self.peak_kb = 0
        self.seconds = 0.0
        self.depth = 0
        #: A block being timed is open (see outside_sandbox).
        self.timing = False

    def snapshot(self) -> tuple[int, int, float]:
        return self.retained_kb, self.peak_kb, self.seconds


_LOCAL = threading.local()


def current_ledger() -> Ledger:
    """This thread's ledger. Per thread: the growth a block on another thread sees (a moto
    request served to a background poller while a phase allocates) is the phase's too, and
    counted there it took a 200 MB allocation off the function (a false pass at 128 MB)."""
    try:
        ledger: Ledger = _LOCAL.ledger
    except AttributeError:
        ledger = _LOCAL.ledger = Ledger()
    return ledger


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


#: /proc/self/statm, open for this process (pid, descriptor): read with pread, as a block
#: outside the sandbox may be as small as one log record handed to the test's handlers.
_STATM: list[int] = [0, -1]


def rss_kb() -> int:
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


class outside_sandbox:  # used as a function: ``with outside_sandbox():``
    """Record the memory (and, ``timed``, the time) the block takes as not the function's.
    Nested blocks are counted once, by the outermost; a timed block inside an untimed one
    (moto's first use of a service inside a request it serves) records its time itself.
    A plain class: no generator frame for a timeout to land in."""

    __slots__ = ("_hwm", "_ledger", "_outermost", "_rss", "_started", "_timed", "claimed")

    def __init__(self, timed: bool = True) -> None:
        self._timed = timed
        #: Bytes the block is known to keep (objects the test process holds on to), however
        #: little the resident size grew: what it allocates can land in memory the phase's code
        #: freed just before, resident already, and the phase's next allocation then grows
        #: the process instead (the block's memory charged to the function).
        self.claimed = 0

    def __enter__(self) -> None:
        ledger = self._ledger = current_ledger()
        self._outermost = not ledger.depth
        self._started = perf_counter()
        if self._outermost:
            ledger.depth = 1
            ledger.timing = self._timed
            self._rss, self._hwm = rss_kb(), _getrusage(_RUSAGE).ru_maxrss
        elif self._timed and not ledger.timing:
            ledger.timing = True
        else:
            self._timed = False  # the enclosing block times it

    def __exit__(self, *exc: object) -> None:
        ledger = self._ledger
        if self._timed:
            ledger.seconds += perf_counter() - self._started
        if not self._outermost:
            if self._timed:
                ledger.timing = False
            return
        grown = max(rss_kb() - self._rss, 0, self.claimed >> 10)
        ledger.retained_kb += grown
        ledger.peak_kb += max(_getrusage(_RUSAGE).ru_maxrss - self._hwm, grown)
        ledger.depth = 0
        ledger.timing = False


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
    _hook_requests()


def _hook_requests() -> None:
    """What moto keeps while it serves a request (an S3 object's body, a queue's messages) is
    AWS's, not the function's memory: a handler putting one 1 MiB object an invocation was out
    of memory at its 42nd at 128 MB. Only the memory: a call's latency is part of Duration on
    Lambda too. (What the handler then reads from a response is allocated in its own code.)"""
    stubber = sys.modules.get("moto.core.botocore_stubber")
    cls: Any = getattr(stubber, "BotocoreStubber", None)
    # The class's __call__: the Lambda API wraps the instance's process_request.
    call = vars(cls).get("__call__") if cls is not None else None
    if call is None or getattr(call, "_outside_sandbox", False):
        return

    def served_outside(self: Any, *args: Any, **kwargs: Any) -> Any:
        with outside_sandbox(timed=False):
            return call(self, *args, **kwargs)

    served_outside._outside_sandbox = True  # type: ignore[attr-defined]
    cls.__call__ = served_outside
