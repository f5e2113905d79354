"""CloudWatch-style metrics: Lambda's own metrics, EMF custom metrics, statistics and queries.

A :class:`MetricRecord` is one emission: a metric name in a namespace, one or more values, and
the dimension sets it was published under (an EMF directive with two dimension sets creates two
CloudWatch metrics from the same values). Queries with ``dimensions=None`` count each emission
once; queries with ``dimensions={...}`` select the emissions published under exactly that
dimension set, which is how CloudWatch matches dimensions.
"""

from __future__ import annotations

import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from pytest_lambda.observe.assertions import MetricAssertions
from pytest_lambda.observe.emf import EmfError, parse_event
from pytest_lambda.observe.history import FoldedMetrics
from pytest_lambda.observe.stats import (
    STATISTICS,
    MetricNotFound,
    MetricRecord,
    Source,
    percentile,
    statistic,
)

from ..arn import Arn

if TYPE_CHECKING:
    from pytest_lambda.observe.logs import LogEvent

__all__ = [
    "LAMBDA_METRIC_UNITS", "LAMBDA_NAMESPACE", "STATISTICS", "InvocationLike", "MetricNotFound",
    "MetricQuery", "MetricRecord", "MetricStore", "MetricView", "Source", "lambda_dimension_sets",
    "percentile", "qualifier_of", "statistic",
]

LAMBDA_NAMESPACE = "AWS/Lambda"
_MISSING = object()
#: The metrics Lambda records for every invocation, in the order of their row values.
_LAMBDA_NAMES = ("Invocations", "Errors", "Duration", "ConcurrentExecutions")
_INVOCATION, _THROTTLE, _LOGS = 0, 1, 2

#: Lambda's function metrics and their CloudWatch units. The async and stream metrics are
#: recorded by the features that produce them (DLQ, destinations, event source mappings).
LAMBDA_METRIC_UNITS: Mapping[str, str] = MappingProxyType(
    {
        "Invocations": "Count",
        "Errors": "Count",
        "Throttles": "Count",
        "Duration": "Milliseconds",
        "ConcurrentExecutions": "Count",
        "DeadLetterErrors": "Count",
        "DestinationDeliveryFailures": "Count",
        "IteratorAge": "Milliseconds",
        "AsyncEventAge": "Milliseconds",
        "AsyncEventsReceived": "Count",
        "AsyncEventsDropped": "Count",
        "RecursiveInvocationsDropped": "Count",
    }
)

class InvocationLike(Protocol):
    """The attributes of an ``InvokeResult`` that metrics are derived from."""

    @property
    def function_name(self) -> str: ...
    @property
    def request_id(self) -> str: ...
    @property
    def executed_version(self) -> str: ...
    @property
    def timed_out(self) -> bool: ...
    @property
    def function_error(self) -> str | None: ...
    @property
    def start_time(self) -> float: ...
    @property
    def report(self) -> Any: ...


def _fmt_dims(dimensions: Mapping[str, str]) -> str:
    if not dimensions:
        return "(no dimensions)"
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(dimensions.items())) + "}"


class MetricQuery(MetricAssertions, ABC):
    """Read-only queries over a collection of metric records (and the EMF documents rejected)."""

    @abstractmethod
    def _snapshot(self) -> tuple[list[MetricRecord], list[EmfError]]:
        """The records this query covers, and the EMF documents that were rejected."""

    def _view(self) -> tuple[Sequence[MetricRecord], Sequence[EmfError]]:
        """The records and rejected documents to read, not to keep or change (no copy where
        the collection can avoid one)."""
        return self._snapshot()

    def _folded(self) -> FoldedMetrics | None:
        """Totals of records that left the collection's window (see observe/history.py)."""
        return None

    @property
    def records(self) -> list[MetricRecord]:
        """Every record, in the order recorded."""
        return self._snapshot()[0]

    @property
    def emf_errors(self) -> list[EmfError]:
        """EMF documents that were rejected, each with the reasons."""
        return self._snapshot()[1]

    def names(self) -> list[tuple[str, str]]:
        """The distinct ``(namespace, name)`` pairs recorded, sorted."""
        return sorted({(r.namespace, r.name) for r in self._view()[0]})

    def describe(self) -> str:
        """A multi-line listing of what was recorded, used in failure messages."""
        lines: list[str] = []
        by_metric: dict[tuple[str, str], list[MetricRecord]] = {}
        records, errors = self._view()
        for r in records:
            by_metric.setdefault((r.namespace, r.name), []).append(r)
        for (ns, name), recs in sorted(by_metric.items()):
            values = [v for r in recs for v in r.values]
            dims = sorted({_fmt_dims(ds) for r in recs for ds in r.dimension_sets})
            shown = ", ".join(f"{v:g}" for v in values[:10]) + (", ..." if len(values) > 10 else "")
            lines.append(
                f"  {ns} {name} [{recs[0].unit}] values=[{shown}] dimensions: {'; '.join(dims)}"
            )
        if not lines:
            lines.append("  (no metrics were recorded)")
        for err in errors:
            lines.append(f"  rejected EMF document: {err}")
        return "\n".join(lines)

    def select(
        self,
        name: str,
        *,
        namespace: str | None = None,
        dimensions: Mapping[str, str] | None = None,
        request_id: str | None = None,
    ) -> list[MetricRecord]:
        """The records of metric ``name``; raises :class:`MetricNotFound` listing what exists.

        Without ``namespace`` the name must be unambiguous across namespaces.
        """
        named = [r for r in self._view()[0] if r.name == name]
        if namespace is not None:
            named = [r for r in named if r.namespace == namespace]
        folded = self._folded()
        folded_ns = {ns for ns, n in folded.names() if n == name and namespace in (None, ns)} \
            if folded else set()
        if not named and not folded_ns:
            where = f" in namespace {namespace!r}" if namespace is not None else ""
            raise MetricNotFound(
                f"metric {name!r}{where} was never emitted. Recorded metrics:\n{self.describe()}"
            )
        namespaces = sorted({r.namespace for r in named} | folded_ns)
        if len(namespaces) > 1:
            raise MetricNotFound(
                f"metric {name!r} exists in several namespaces ({', '.join(namespaces)}); "
                "pass namespace= to choose one"
            )
        if request_id is not None:
            named = [r for r in named if r.request_id == request_id]
        if dimensions is not None:
            matching = [r for r in named if r.has_dimensions(dimensions)]
            if not matching and not (
                    folded and folded.totals(namespaces[0], name, dimensions)[0]):
                seen = sorted({_fmt_dims(ds) for r in named for ds in r.dimension_sets})
                raise MetricNotFound(
                    f"metric {name!r} was never emitted with dimensions {_fmt_dims(dimensions)}; "
                    f"it was emitted with: {'; '.join(seen)}"
                )
            named = matching
        return named

    def values(
        self,
        name: str,
        *,
        namespace: str | None = None,
        dimensions: Mapping[str, str] | None = None,
        request_id: str | None = None,
    ) -> list[float]:
        """Every value of metric ``name`` (multi-value EMF entries flattened), in order."""
        recs = self.select(name, namespace=namespace, dimensions=dimensions, request_id=request_id)
        return [v for r in recs for v in r.values]

    def statistic(
        self,
        name: str,
        stat: str,
        *,
        namespace: str | None = None,
        dimensions: Mapping[str, str] | None = None,
    ) -> float:
        """CloudWatch statistic ``stat`` of metric ``name`` over everything recorded.

        Past the window of a long history, Sum, SampleCount, Average, Minimum and Maximum
        still count every value (exact totals are kept); percentiles see the window only.
        """
        values = self.values(name, namespace=namespace, dimensions=dimensions)
        folded = self._folded()
        if not folded:
            return statistic(values, stat)
        resolved = namespace
        if resolved is None:
            found = {ns for ns, n in folded.names() if n == name}
            resolved = found.pop() if len(found) == 1 else None
        if resolved is None:
            return statistic(values, stat)
        count, partials, low, high = folded.totals(resolved, name, dimensions)
        if not count or stat not in STATISTICS:
            return statistic(values, stat)
        if stat == "SampleCount":
            return float(count + len(values))
        total = math.fsum([*partials, *values])
        if stat == "Sum":
            return total
        if stat == "Average":
            return total / (count + len(values))
        if stat == "Minimum":
            return float(min(low, *values))
        return float(max(high, *values))

    def sum(
        self,
        name: str,
        *,
        namespace: str | None = None,
        dimensions: Mapping[str, str] | None = None,
    ) -> float:
        """The Sum statistic of metric ``name``."""
        return self.statistic(name, "Sum", namespace=namespace, dimensions=dimensions)

    def count(
        self,
        name: str,
        *,
        namespace: str | None = None,
        dimensions: Mapping[str, str] | None = None,
    ) -> int:
        """The SampleCount statistic of metric ``name``."""
        return int(self.statistic(name, "SampleCount", namespace=namespace,
                                  dimensions=dimensions))

    def for_request(self, request_id: str) -> MetricView:
        """The records (and rejected EMF documents) of one invocation."""
        records, errors = self._view()
        return MetricView(
            [r for r in records if r.request_id == request_id],
            [e for e in errors if e.request_id == request_id],
        )


class MetricView(MetricQuery):
    """A fixed selection of metric records."""

    __slots__ = ("_errors", "_records")

    def __init__(
        self, records: Iterable[MetricRecord] = (), emf_errors: Iterable[EmfError] = ()
    ) -> None:
        self._records = list(records)
        self._errors = list(emf_errors)

    def _snapshot(self) -> tuple[list[MetricRecord], list[EmfError]]:
        return list(self._records), list(self._errors)

    def __repr__(self) -> str:
        return f"MetricView({len(self._records)} records, {len(self._errors)} EMF errors)"


def qualifier_of(result: Any) -> str | None:
    """The version or alias an invocation was addressed to (from its ARN), None if unqualified."""
    explicit = getattr(result, "qualifier", None)
    if explicit:
        return str(explicit)
    arn = Arn.parse(getattr(result, "invoked_function_arn", None))
    return arn.qualifier if arn is not None else None


def lambda_dimension_sets(
    function_name: str, qualifier: str | None = None, executed_version: str | None = None
) -> tuple[dict[str, str], ...]:
    """The dimension sets Lambda publishes a function metric under.

    Always the account aggregate (no dimension) and ``FunctionName``; for a qualified
    invocation also ``FunctionName`` + ``Resource`` (``name:qualifier``); for an alias also
    ``FunctionName`` + ``Resource`` + ``ExecutedVersion``.
    """
    sets: list[dict[str, str]] = [{}, {"FunctionName": function_name}]
    if qualifier:
        resource = {"FunctionName": function_name, "Resource": f"{function_name}:{qualifier}"}
        sets.append(resource)
        is_alias = qualifier != "$LATEST" and not qualifier.isdigit()
        if is_alias and executed_version:
            sets.append({**resource, "ExecutedVersion": executed_version})
    return tuple(sets)


class MetricStore(MetricQuery):
    """Every metric one function produced: Lambda's own metrics and EMF custom metrics.

    The core calls :meth:`record_invocation` and :meth:`ingest_log_events` after every
    invocation and :meth:`record_throttle` for a rejected one; it is safe to call from threads.
    With a ``window`` (in records) older records are folded into exact totals once there are
    half as many again (see observe/history.py).
    """

    def __init__(self, window: int | None = None) -> None:
        if window is not None and (not isinstance(window, int) or window < 1):
            raise ValueError(f"window={window!r} is not valid: pass a whole number of records "
                             "of at least 1, or None to keep every record.")
        self._window = window
        self._folded_metrics = FoldedMetrics()
        self._records: list[MetricRecord] = []
        self._errors: list[EmfError] = []
        self._intervals: list[tuple[float, float]] = []
        # Invocations and log batches are turned into records when first queried: that keeps
        # the invoke hot path to one append.
        self._pending: list[tuple[int, Any]] = []
        self._direct: list[MetricRecord] = []
        #: Called with each direct record as it is added (see :meth:`on_direct_record`).
        self._direct_listeners: list[Callable[[MetricRecord], None]] = []
        self._deriving = False
        self._lock = threading.RLock()
        self._qualifiers: dict[Any, Any] = {}
        self._dimensions: dict[tuple[Any, ...], tuple[dict[str, str], ...]] = {}

    def __repr__(self) -> str:
        records, errors = self._snapshot()
        return f"MetricStore({len(records)} records, {len(errors)} EMF errors)"

    def _snapshot(self) -> tuple[list[MetricRecord], list[EmfError]]:
        with self._lock:
            self._materialize()
            return list(self._records), list(self._errors)

    def _view(self) -> tuple[Sequence[MetricRecord], Sequence[EmfError]]:
        # A query reads the lists at once, as they are: a copy of the whole history on every
        # query is what made repeated queries slow.
        with self._lock:
            self._materialize()
            return self._records, self._errors

    def _folded(self) -> FoldedMetrics | None:
        return self._folded_metrics or None

    def _bound(self) -> None:
        """Fold the oldest records into totals once the window is full by half again.

        A pending invocation counts as its four records. Those past the window are folded
        straight from their compact row, without making the records first.
        """
        window = self._window
        pending = self._pending
        if window is None or len(self._records) + 4 * len(pending) <= window + window // 2:
            return
        keep = window // 4
        if len(pending) <= keep:
            self._fold_records(window - 4 * len(pending))
            return
        self._fold_records(0)  # every record is older than every pending invocation
        cut = len(pending) - keep
        oldest, self._pending = pending[:cut], pending[cut:]
        self._deriving = True
        try:
            for kind, item in oldest:
                if kind == _INVOCATION:
                    self._fold_row(item)
                elif kind == _THROTTLE:
                    self._record_throttle_now(item)
                else:
                    self._ingest_now(item)
        finally:
            self._deriving = False
        self._fold_records(window - 4 * len(self._pending))

    def _fold_records(self, keep: int) -> None:
        """Fold all records but the newest ``keep`` into the totals."""
        records = self._records
        cut = len(records) - max(keep, 0)
        if cut <= 0:
            return
        fold = self._folded_metrics.add
        for r in records[:cut]:
            fold(r.namespace, r.name, r.dimension_sets, r.values)
        del records[:cut]

    def _fold_row(self, row: tuple[Any, ...]) -> None:
        dimension_sets, _, _, values = self._row_metrics(row)
        add = self._folded_metrics.add_one
        for name, value in zip(_LAMBDA_NAMES, values, strict=True):
            add(LAMBDA_NAMESPACE, name, dimension_sets, value)

    def _materialize(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        self._deriving = True
        try:
            for kind, item in pending:
                if kind == _INVOCATION:
                    self._record_invocation_now(item)
                elif kind == _THROTTLE:
                    self._record_throttle_now(item)
                else:
                    self._ingest_now(item)
        finally:
            self._deriving = False
        window = self._window
        if window is not None and len(self._records) > window + window // 2:
            self._fold_records(window)

    def add(self, record: MetricRecord) -> None:
        """Store one record (after everything recorded before it)."""
        with self._lock:
            self._materialize()
            self._records.append(record)
            direct = not self._deriving
            if direct:
                self._direct.append(record)
                window = self._window
                if window is not None and len(self._records) > window + window // 2:
                    self._fold_records(window)
        if direct:
            for listener in self._direct_listeners:
                listener(record)

    def on_direct_record(self, listener: Callable[[MetricRecord], None]) -> None:
        """Call ``listener(record)`` for each record added that no invocation result carries
        (AsyncEventAge, IteratorAge, DeadLetterErrors, ...: see :attr:`direct_records`)."""
        self._direct_listeners.append(listener)

    @property
    def direct_records(self) -> list[MetricRecord]:
        """Records not derived from an invocation result or its logs (async queue, event
        source mappings: AsyncEventAge, DeadLetterErrors, IteratorAge, ...)."""
        with self._lock:
            self._materialize()
            return list(self._direct)

    def record_lambda_metric(
        self,
        name: str,
        value: float,
        *,
        function_name: str,
        timestamp: int,
        qualifier: str | None = None,
        executed_version: str | None = None,
        request_id: str | None = None,
    ) -> MetricRecord:
        """Record one datapoint of a Lambda metric (``AWS/Lambda``) under Lambda's dimensions."""
        unit = LAMBDA_METRIC_UNITS.get(name)
        if unit is None:
            known = ", ".join(sorted(LAMBDA_METRIC_UNITS))
            raise ValueError(f"{name!r} is not a Lambda metric; known metrics: {known}")
        record = MetricRecord(
            namespace=LAMBDA_NAMESPACE,
            name=name,
            values=(float(value),),
            unit=unit,
            dimension_sets=lambda_dimension_sets(function_name, qualifier, executed_version),
            timestamp=timestamp,
            request_id=request_id,
        )
        self.add(record)
        return record

    def record_invocation(self, result: InvocationLike) -> None:
        """Record Invocations, Errors, Duration and ConcurrentExecutions for one invocation."""
        report = result.report
        if report is None:  # an Event or DryRun call that did not run (yet)
            return
        # The few fields the metrics need, not the result: what the store keeps per
        # invocation until it is queried.
        row = (result.function_name, result.request_id, float(result.start_time),
               float(report.duration_ms), result.function_error is not None or result.timed_out,
               self._qualifier(getattr(result, "qualifier", None),
                               getattr(result, "invoked_function_arn", None)),
               result.executed_version, getattr(result, "concurrent_executions", None))
        with self._lock:
            self._pending.append((_INVOCATION, row))
            if self._window is not None:
                self._bound()

    def record_throttle(self, result: InvocationLike) -> None:
        """Record a Throttles datapoint for an invocation rejected with TooManyRequestsException."""
        with self._lock:
            self._pending.append((_THROTTLE, result))
            if self._window is not None:
                self._bound()

    def ingest_log_events(self, events: Iterable[LogEvent]) -> None:
        """Turn every EMF document in ``events`` into metrics; keep rejected ones with reasons."""
        # Only events that can be EMF are kept for later (the first test looks_like_emf makes).
        candidates = [e for e in events if '"_aws"' in e.message]
        if candidates:
            with self._lock:
                self._pending.append((_LOGS, candidates))
                if self._window is not None:
                    self._bound()

    def _row_metrics(self, row: tuple[Any, ...]) -> tuple[Any, int, str, tuple[float, ...]]:
        """(dimension sets, timestamp, request id, the values of _LAMBDA_NAMES) of one row."""
        (function_name, request_id, start, duration, failed, qualifier, executed_version,
         concurrent) = row
        if concurrent is None:
            # Without accounting from the core, overlap in real time is the best figure.
            end = start + duration
            self._intervals = [(s, e) for s, e in self._intervals if e > start or s == start]
            self._intervals.append((start, end))
            concurrent = sum(1 for s, e in self._intervals if s <= start < e or s == start)
        key = (function_name, qualifier, executed_version)
        dimension_sets = self._dimensions.get(key)
        if dimension_sets is None:
            # Shared by every record of the same function and qualifier (records are frozen).
            dimension_sets = self._dimensions[key] = lambda_dimension_sets(*key)
        values = (1.0, 1.0 if failed else 0.0, duration, float(concurrent))
        return dimension_sets, int(start), request_id, values

    def _record_invocation_now(self, row: tuple[Any, ...]) -> None:
        dimension_sets, timestamp, request_id, values = self._row_metrics(row)
        append = self._records.append
        for name, value in zip(_LAMBDA_NAMES, values, strict=True):
            append(MetricRecord(namespace=LAMBDA_NAMESPACE, name=name, values=(value,),
                                unit=LAMBDA_METRIC_UNITS[name], dimension_sets=dimension_sets,
                                timestamp=timestamp, request_id=request_id))

    def _qualifier(self, explicit: Any, arn: Any) -> str | None:
        """``qualifier_of`` with the ARN parsed once per distinct ARN."""
        if explicit:
            return str(explicit)
        found = self._qualifiers.get(arn, _MISSING)
        if found is _MISSING:
            parsed = Arn.parse(arn)
            found = self._qualifiers[arn] = parsed.qualifier if parsed else None
        return found  # type: ignore[no-any-return]

    def _record_throttle_now(self, result: InvocationLike) -> None:
        self.record_lambda_metric(
            "Throttles",
            1,
            function_name=result.function_name,
            timestamp=int(result.start_time),
            qualifier=qualifier_of(result),
            request_id=result.request_id,
        )

    def _ingest_now(self, events: Iterable[LogEvent]) -> None:
        for event in events:
            outcome = parse_event(event)
            if outcome is None:
                continue
            if isinstance(outcome, EmfError):
                self._errors.append(outcome)
                continue
            self._records.extend(outcome)

    @classmethod
    def from_results(cls, results: Iterable[Any]) -> MetricStore:
        """A store rebuilt from invocation results, as the core would have filled it."""
        store = cls()
        for result in results:
            if getattr(result, "throttled", False):
                store.record_throttle(result)
                continue
            store.record_invocation(result)
            store.ingest_log_events(getattr(result, "logs", ()))
        return store
