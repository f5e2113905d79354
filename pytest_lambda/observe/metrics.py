"""CloudWatch-style metrics: Lambda's own metrics, EMF custom metrics, statistics and queries.

A :class:`MetricRecord` is one emission: a metric name in a namespace, one or more values, and
the dimension sets it was published under (an EMF directive with two dimension sets creates two
CloudWatch metrics from the same values). Queries with ``dimensions=None`` count each emission
once; queries with ``dimensions={...}`` select the emissions published under exactly that
dimension set, which is how CloudWatch matches dimensions.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from pytest_lambda.observe.assertions import MetricAssertions
from pytest_lambda.observe.emf import EmfError, parse_event
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
        return sorted({(r.namespace, r.name) for r in self.records})

    def describe(self) -> str:
        """A multi-line listing of what was recorded, used in failure messages."""
        lines: list[str] = []
        by_metric: dict[tuple[str, str], list[MetricRecord]] = {}
        for r in self.records:
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
        for err in self.emf_errors:
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
        records = self.records
        named = [r for r in records if r.name == name]
        if namespace is not None:
            named = [r for r in named if r.namespace == namespace]
        if not named:
            where = f" in namespace {namespace!r}" if namespace is not None else ""
            raise MetricNotFound(
                f"metric {name!r}{where} was never emitted. Recorded metrics:\n{self.describe()}"
            )
        namespaces = sorted({r.namespace for r in named})
        if len(namespaces) > 1:
            raise MetricNotFound(
                f"metric {name!r} exists in several namespaces ({', '.join(namespaces)}); "
                "pass namespace= to choose one"
            )
        if request_id is not None:
            named = [r for r in named if r.request_id == request_id]
        if dimensions is not None:
            matching = [r for r in named if r.has_dimensions(dimensions)]
            if not matching:
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
        """CloudWatch statistic ``stat`` of metric ``name`` over everything recorded."""
        return statistic(self.values(name, namespace=namespace, dimensions=dimensions), stat)

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
        return len(self.values(name, namespace=namespace, dimensions=dimensions))

    def for_request(self, request_id: str) -> MetricView:
        """The records (and rejected EMF documents) of one invocation."""
        records, errors = self._snapshot()
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
    """

    def __init__(self) -> None:
        self._records: list[MetricRecord] = []
        self._errors: list[EmfError] = []
        self._intervals: list[tuple[float, float]] = []
        # Invocations and log batches are turned into records when first queried: that keeps
        # the invoke hot path to one append.
        self._pending: list[tuple[int, Any]] = []
        self._direct: list[MetricRecord] = []
        self._deriving = False
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        records, errors = self._snapshot()
        return f"MetricStore({len(records)} records, {len(errors)} EMF errors)"

    def _snapshot(self) -> tuple[list[MetricRecord], list[EmfError]]:
        with self._lock:
            self._materialize()
            return list(self._records), list(self._errors)

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

    def add(self, record: MetricRecord) -> None:
        """Store one record (after everything recorded before it)."""
        with self._lock:
            self._materialize()
            self._records.append(record)
            if not self._deriving:
                self._direct.append(record)

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
        with self._lock:
            self._pending.append((_INVOCATION, result))

    def record_throttle(self, result: InvocationLike) -> None:
        """Record a Throttles datapoint for an invocation rejected with TooManyRequestsException."""
        with self._lock:
            self._pending.append((_THROTTLE, result))

    def ingest_log_events(self, events: Iterable[LogEvent]) -> None:
        """Turn every EMF document in ``events`` into metrics; keep rejected ones with reasons."""
        with self._lock:
            self._pending.append((_LOGS, events))

    def _record_invocation_now(self, result: InvocationLike) -> None:
        report = result.report
        if report is None:  # an Event or DryRun call that did not run (yet)
            return
        start = float(result.start_time)
        end = start + float(report.duration_ms)
        concurrent = getattr(result, "concurrent_executions", None)
        if concurrent is None:
            # Without accounting from the core, overlap in real time is the best figure.
            self._intervals = [(s, e) for s, e in self._intervals if e > start or s == start]
            self._intervals.append((start, end))
            concurrent = sum(1 for s, e in self._intervals if s <= start < e or s == start)
        failed = result.function_error is not None or result.timed_out
        common: dict[str, Any] = {
            "function_name": result.function_name,
            "timestamp": int(start),
            "qualifier": qualifier_of(result),
            "executed_version": result.executed_version,
            "request_id": result.request_id,
        }
        self.record_lambda_metric("Invocations", 1, **common)
        self.record_lambda_metric("Errors", 1 if failed else 0, **common)
        self.record_lambda_metric("Duration", float(report.duration_ms), **common)
        self.record_lambda_metric("ConcurrentExecutions", concurrent, **common)

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
