"""Clocks that freezegun and time-machine cannot freeze.

freezegun replaces ``time.monotonic``/``perf_counter`` and rewrites module attributes that
point at them; time-machine patches ``time.time`` at the C level. We keep the real functions
inside an object (freezegun only rewrites plain module attributes) and derive wall time from
the monotonic clock, so timeouts, durations and log timestamps stay real while the handler's
view of time (``time.time()``, used by ``get_remaining_time_in_millis``) follows the fake clock.
"""

from __future__ import annotations

import datetime
import time
import types

_REAL = types.SimpleNamespace(
    perf_counter=time.perf_counter,
    perf_counter_ns=time.perf_counter_ns,
    monotonic=time.monotonic,
    wall_at_start=time.time(),
    perf_at_start=time.perf_counter(),
)


def real_perf() -> float:
    """Seconds on the real high-resolution monotonic clock."""
    return float(_REAL.perf_counter())


def real_perf_ns() -> int:
    """Nanoseconds on the real high-resolution monotonic clock."""
    return int(_REAL.perf_counter_ns())


def real_time() -> float:
    """Real wall-clock seconds since the epoch, even while time is frozen or travelling."""
    return float(_REAL.wall_at_start + (_REAL.perf_counter() - _REAL.perf_at_start))


def real_time_ms() -> int:
    """Real wall-clock epoch milliseconds (a CloudWatch event timestamp)."""
    return int(real_time() * 1000)


def handler_time() -> float:
    """Wall time as the handler sees it: follows freezegun / time-machine when active."""
    return time.time()


def iso_ms(moment: float | datetime.datetime) -> str:
    """``2019-11-14T00:38:04.835Z``: the millisecond UTC timestamp AWS writes in records.

    ``moment`` is epoch seconds, or a datetime already in UTC (its fields are written as they
    are, as the event factories, which hold UTC datetimes, need).
    """
    if not isinstance(moment, datetime.datetime):
        moment = datetime.datetime.fromtimestamp(moment, datetime.UTC)
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
            f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z")
