"""What a function keeps of its past invocations: a bounded window, and exact totals beyond it.

A function invoked many times (a session-scoped fixture, a load test in one test) would
otherwise keep every log line and metric record it ever produced. Past its ``history`` (in
invocations) a function keeps the log events of only its most recent invocations (between
``history`` and 1.5 x ``history``: cutting in batches keeps the cost per invocation flat), and
folds older metric records into exact totals (count, sum, minimum, maximum) per metric and
dimension set, which the Sum, SampleCount, Average, Minimum and Maximum statistics include.
Percentiles and the lists of records and values cover the window only.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from pytest_lambda.observe.logs import LogStream

__all__ = ["DEFAULT_HISTORY", "FoldedMetrics", "LogWindow", "check_history"]

#: Invocations a function keeps in full by default (logs and metric records).
DEFAULT_HISTORY = 10_000


def _add_exact(partials: list[float], x: float) -> None:
    """Add ``x`` to a sum kept as non-overlapping partials (Shewchuk), so the total is exact
    whatever the order: the same figure ``math.fsum`` gives over all the values."""
    i = 0
    for y in partials:
        if abs(x) < abs(y):
            x, y = y, x
        hi = x + y
        lo = y - (hi - x)
        if lo:
            partials[i] = lo
            i += 1
        x = hi
    partials[i:] = [x]


#: Whole numbers below this add up exactly in a float (Invocations, Errors, counts).
_EXACT_WHOLE = 2.0 ** 52


class _Totals:
    __slots__ = ("count", "maximum", "minimum", "partials", "whole")

    def __init__(self) -> None:
        self.count = 0
        #: Whole-number values are summed here (exact while below _EXACT_WHOLE), the others
        #: as exact partials: the total is ``math.fsum([whole, *partials])``.
        self.whole = 0.0
        self.partials: list[float] = []
        self.minimum = math.inf
        self.maximum = -math.inf

    def add(self, values: Iterable[float]) -> None:
        for v in values:
            self.add_one(v)

    def add_one(self, v: float) -> None:
        v = float(v)
        self.count += 1
        if v.is_integer() and abs(self.whole) < _EXACT_WHOLE and abs(v) < _EXACT_WHOLE:
            self.whole += v
        else:
            _add_exact(self.partials, v)
        if v < self.minimum:
            self.minimum = v
        if v > self.maximum:
            self.maximum = v


def _dims_key(dimensions: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(dimensions.items()))


class FoldedMetrics:
    """Exact totals of metric records that left the window, per metric and dimension set."""

    __slots__ = ("_shared", "_totals")

    def __init__(self) -> None:
        # (namespace, name, dimension set or None for "each emission once") -> totals
        self._totals: dict[tuple[str, str, Any], _Totals] = {}
        #: The totals one shared tuple of dimension sets feeds (Lambda's metrics share theirs),
        #: keyed by the tuple's identity; the tuple is kept so the identity stays its own.
        self._shared: dict[tuple[str, str, int], tuple[Any, list[_Totals]]] = {}

    def __bool__(self) -> bool:
        return bool(self._totals)

    def add(self, namespace: str, name: str, dimension_sets: Iterable[Mapping[str, str]],
            values: tuple[float, ...]) -> None:
        """Fold one record's values in, under each of its dimension sets."""
        totals = self._totals
        for dims in (None, *(_dims_key(ds) for ds in dimension_sets)):
            key = (namespace, name, dims)
            entry = totals.get(key)
            if entry is None:
                entry = totals[key] = _Totals()
            entry.add(values)

    def add_one(self, namespace: str, name: str,
                dimension_sets: tuple[Mapping[str, str], ...], value: float) -> None:
        """Fold one value of a record whose ``dimension_sets`` tuple is shared by many."""
        key = (namespace, name, id(dimension_sets))
        entry = self._shared.get(key)
        if entry is None:
            targets = []
            for dims in (None, *(_dims_key(ds) for ds in dimension_sets)):
                full = (namespace, name, dims)
                totals = self._totals.get(full)
                if totals is None:
                    totals = self._totals[full] = _Totals()
                targets.append(totals)
            entry = self._shared[key] = (dimension_sets, targets)
        for totals in entry[1]:
            totals.add_one(value)

    def names(self) -> set[tuple[str, str]]:
        """The ``(namespace, name)`` pairs folded."""
        return {(ns, name) for ns, name, _ in self._totals}

    def totals(self, namespace: str, name: str,
               dimensions: Mapping[str, str] | None) -> tuple[int, list[float], float, float]:
        """(count, sum partials, minimum, maximum) folded for one metric; count 0 if none."""
        entry = self._totals.get(
            (namespace, name, None if dimensions is None else _dims_key(dimensions)))
        if entry is None:
            return 0, [], math.inf, -math.inf
        return entry.count, [entry.whole, *entry.partials], entry.minimum, entry.maximum


def check_history(history: object) -> None:
    """Refuse a ``history`` that is not a number of invocations (at least 1) or None."""
    if history is not None and (isinstance(history, bool) or not isinstance(history, int)
                                or history < 1):
        raise ValueError(f"history={history!r} is not valid: pass how many recent "
                         "invocations to keep in full (logs, metric records), at least 1, "
                         "or None to keep everything (memory grows with every call).")


class LogWindow:
    """Cuts a function's log streams to the events of its most recent invocations."""

    __slots__ = ("_by_stream", "_order", "history")

    def __init__(self, history: int | None) -> None:
        self.history = history
        #: (stream, absolute position of the invocation's first event), oldest first.
        self._order: deque[tuple[LogStream, int]] = deque()
        #: Per stream, the positions of its invocations still in the window.
        self._by_stream: dict[int, deque[int]] = {}

    def add(self, stream: LogStream, first: int) -> None:
        """One invocation ran in ``stream``; its events start at index ``first`` of it now."""
        if self.history is None:
            return
        position = stream.dropped + first
        self._order.append((stream, position))
        self._by_stream.setdefault(id(stream), deque()).append(position)
        if len(self._order) > self.history + self.history // 2:
            self._cut()

    def _cut(self) -> None:
        assert self.history is not None
        touched: dict[int, LogStream] = {}
        while len(self._order) > self.history:
            stream, _ = self._order.popleft()
            self._by_stream[id(stream)].popleft()
            touched[id(stream)] = stream
        for key, stream in touched.items():
            kept = self._by_stream[key]
            # Everything before the oldest invocation still kept in this stream goes (all of
            # it when none is kept: the environment's later lines belong to no kept call).
            keep_from = kept[0] if kept else stream.dropped + len(stream.events)
            if not kept:
                del self._by_stream[key]
            cut = keep_from - stream.dropped
            if cut > 0:
                del stream.events[:cut]
                stream.dropped += cut
