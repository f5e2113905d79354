"""Assertion helpers on captured logs and metrics whose failures show what was captured.

They come as mixins so that every log view (``fn.logs``, ``result.logs``, ``lambda_logs``) and
every metric query (``fn.metrics``, ``lambda_metrics``) offers the same ``assert_*`` methods.
Each helper hides its own frame from the traceback and fails with the evidence: the captured
log events, or the metrics and values that were recorded.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from pytest_lambda.observe.stats import MetricNotFound, MetricRecord

if TYPE_CHECKING:
    from pytest_lambda.observe.emf import EmfError
    from pytest_lambda.observe.logs import LogEvent

MAX_EVENTS_SHOWN = 50
MAX_CHARS_PER_EVENT = 300

_MISSING = object()
_TEXT_ERROR = re.compile(r"^\[(ERROR|CRITICAL|FATAL)\]|\t(ERROR|FATAL)\t")
_JSON_ERROR_LEVELS = frozenset({"ERROR", "CRITICAL", "FATAL"})
_START = re.compile(r"^START RequestId: (\S+)")
_REPORT = re.compile(r"^REPORT RequestId: (\S+)")


def show_events(events: Sequence[LogEvent], *, title: str = "Captured log events") -> str:
    """Captured events formatted for a failure message (at most 50, long ones shortened)."""
    if not events:
        return f"{title}: none (nothing was logged)"
    lines = [f"{title} ({len(events)}):"]
    for event in events[:MAX_EVENTS_SHOWN]:
        text = event.message.rstrip("\n").replace("\n", "\n      ")
        if len(text) > MAX_CHARS_PER_EVENT:
            text = text[: MAX_CHARS_PER_EVENT - 3] + "..."
        lines.append(f"  | {text}")
    if len(events) > MAX_EVENTS_SHOWN:
        lines.append(f"  ... and {len(events) - MAX_EVENTS_SHOWN} more")
    return "\n".join(lines)


def _json_object(message: str) -> dict[str, Any] | None:
    text = message.strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _lookup(obj: Any, path: str) -> Any:
    """``obj[a][b]`` for ``path`` ``"a.b"``; a key containing the full path wins (EMF style)."""
    if isinstance(obj, dict) and path in obj:
        return obj[path]
    for part in path.split("."):
        if isinstance(obj, dict) and part in obj:
            obj = obj[part]
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return _MISSING
    return obj


def is_error_line(message: str) -> bool:
    """Whether a log message is an ERROR (or worse) line in Lambda's text or JSON format."""
    doc = _json_object(message)
    if doc is not None:
        level = doc.get("level", doc.get("levelname"))
        return isinstance(level, str) and level.upper() in _JSON_ERROR_LEVELS
    return bool(_TEXT_ERROR.search(message))


def report_request_ids(events: Iterable[LogEvent]) -> tuple[list[str], list[str]]:
    """Request ids of the START and of the REPORT records among ``events`` (text or JSON)."""
    starts: list[str] = []
    reports: list[str] = []
    for event in events:
        m = _START.match(event.message)
        if m:
            starts.append(m.group(1))
            continue
        m = _REPORT.match(event.message)
        if m:
            reports.append(m.group(1))
            continue
        doc = _json_object(event.message)
        if doc is None or not isinstance(doc.get("record"), dict):
            continue
        rid = doc["record"].get("requestId")
        if doc.get("type") == "platform.start":
            starts.append(str(rid))
        elif doc.get("type") == "platform.report":
            reports.append(str(rid))
    return starts, reports


class LogAssertions:
    """``assert_*`` methods for any iterable of :class:`~pytest_lambda.observe.logs.LogEvent`."""

    __slots__ = ()

    def assert_contains(self: Iterable[LogEvent], text: str) -> None:
        """Fail unless some log event's message contains ``text``."""
        __tracebackhide__ = True
        events = list(self)
        if not any(text in e.message for e in events):
            raise AssertionError(f"no log event contains {text!r}\n{show_events(events)}")

    def assert_not_contains(self: Iterable[LogEvent], text: str) -> None:
        """Fail if any log event's message contains ``text``."""
        __tracebackhide__ = True
        events = list(self)
        hits = [e for e in events if text in e.message]
        if hits:
            raise AssertionError(
                f"{len(hits)} log event(s) contain {text!r}\n{show_events(hits, title='Matching')}"
            )

    def assert_matches(self: Iterable[LogEvent], pattern: str | re.Pattern[str]) -> re.Match[str]:
        """Fail unless regex ``pattern`` is found (``re.search``) in a message; return the match."""
        __tracebackhide__ = True
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        events = list(self)
        for event in events:
            m = regex.search(event.message)
            if m:
                return m
        raise AssertionError(
            f"no log event matches the pattern {regex.pattern!r}\n{show_events(events)}"
        )

    def assert_json_field(self: Iterable[LogEvent], field: str, value: Any = _MISSING) -> None:
        """Fail unless a JSON log event has ``field`` (dotted path), equal to ``value`` if given."""
        __tracebackhide__ = True
        events = list(self)
        docs = [d for d in (_json_object(e.message) for e in events) if d is not None]
        found = [v for v in (_lookup(d, field) for d in docs) if v is not _MISSING]
        if value is _MISSING:
            if found:
                return
            problem = f"no JSON log event has the field {field!r}"
        else:
            if any(v == value for v in found):
                return
            problem = f"no JSON log event has {field} == {value!r}"
            if found:
                seen = ", ".join(repr(v) for v in found[:20])
                problem += f"; the field's values were: {seen}"
        if not docs:
            problem += " (no log event is a JSON object)"
        raise AssertionError(f"{problem}\n{show_events(events)}")

    def assert_no_errors(self: Iterable[LogEvent]) -> None:
        """Fail if any event is an ERROR/CRITICAL line (``[ERROR]`` text or JSON ``level``)."""
        __tracebackhide__ = True
        errors = [e for e in self if is_error_line(e.message)]
        if errors:
            raise AssertionError(
                f"{len(errors)} ERROR log line(s) were captured\n"
                + show_events(errors, title="ERROR lines")
            )

    def assert_report_for_every_invocation(
        self: Iterable[LogEvent], request_ids: Iterable[str] | None = None
    ) -> None:
        """Fail unless every invocation (each START, or each of ``request_ids``) has a REPORT."""
        __tracebackhide__ = True
        if isinstance(request_ids, str):
            raise TypeError(f"request_ids={request_ids!r} is a str: pass a list of request ids, "
                            f"e.g. [{request_ids!r}].")
        events = list(self)
        starts, reports = report_request_ids(events)
        expected = list(request_ids) if request_ids is not None else starts
        missing = [rid for rid in expected if rid not in reports]
        if missing:
            shown = [e for e in events if _START.match(e.message) or _REPORT.match(e.message)]
            raise AssertionError(
                f"{len(missing)} of {len(expected)} invocation(s) have no REPORT: "
                + ", ".join(missing)
                + "\n"
                + show_events(shown or events, title="START/REPORT lines")
            )


class _Queryable(Protocol):
    def select(
        self,
        name: str,
        *,
        namespace: str | None = ...,
        dimensions: Mapping[str, str] | None = ...,
        request_id: str | None = ...,
    ) -> list[MetricRecord]: ...

    def describe(self) -> str: ...

    def statistic(
        self,
        name: str,
        stat: str,
        *,
        namespace: str | None = ...,
        dimensions: Mapping[str, str] | None = ...,
    ) -> float: ...

    @property
    def emf_errors(self) -> list[EmfError]: ...


def _values(
    query: _Queryable, name: str, namespace: str | None, dimensions: Mapping[str, str] | None
) -> list[float]:
    __tracebackhide__ = True

    try:
        records = query.select(name, namespace=namespace, dimensions=dimensions)
    except MetricNotFound as exc:
        raise AssertionError(str(exc)) from None
    return [v for r in records for v in r.values]


def _shown(query: _Queryable, values: list[float], name: str, namespace: str | None,
           dimensions: Mapping[str, str] | None) -> str:
    """The values for a failure message, and how many older ones the history window folded
    into totals (counted by the statistics, no longer listed)."""
    total = int(query.statistic(name, "SampleCount", namespace=namespace, dimensions=dimensions))
    listed = ", ".join(f"{v:g}" for v in values)
    older = total - len(values)
    if older > 0:
        return (f"{listed}; and {older} older value(s) past the function's history window, "
                "kept as totals")
    return listed


def _label(name: str, dimensions: Mapping[str, str] | None) -> str:
    if dimensions is None:
        return f"metric {name!r}"
    dims = ", ".join(f"{k}={v}" for k, v in sorted(dimensions.items()))
    return f"metric {name!r} {{{dims}}}"


def _check_number(argument: str, value: object) -> None:
    """Refuse a value that is no number (``"1"`` failed as "SampleCount is 1, expected 1")."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{argument}={value!r} is not a number ({type(value).__name__}): pass "
                        f"an int or a float, e.g. {argument}=1.")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


class MetricAssertions:
    """``assert_*`` methods for metric queries (``fn.metrics``, ``lambda_metrics``)."""

    __slots__ = ()

    def assert_sum(
        self: _Queryable,
        name: str,
        expected: float,
        *,
        dimensions: Mapping[str, str] | None = None,
        namespace: str | None = None,
    ) -> None:
        """Fail unless the Sum of metric ``name`` (with exactly ``dimensions``) is ``expected``."""
        __tracebackhide__ = True
        _check_number("expected", expected)
        values = _values(self, name, namespace, dimensions)
        # The statistic counts the values a long history folded into totals, too.
        total = self.statistic(name, "Sum", namespace=namespace, dimensions=dimensions)
        if not _close(total, expected):
            raise AssertionError(
                f"{_label(name, dimensions)}: Sum is {total:g}, expected {expected:g} "
                f"(values: {_shown(self, values, name, namespace, dimensions)})\n"
                f"Recorded metrics:\n{self.describe()}"
            )

    def assert_count(
        self: _Queryable,
        name: str,
        expected: int,
        *,
        dimensions: Mapping[str, str] | None = None,
        namespace: str | None = None,
    ) -> None:
        """Fail unless metric ``name`` has ``expected`` samples (its SampleCount)."""
        __tracebackhide__ = True
        _check_number("expected", expected)
        values = _values(self, name, namespace, dimensions)
        count = int(self.statistic(name, "SampleCount", namespace=namespace,
                                   dimensions=dimensions))
        if count != expected:
            raise AssertionError(
                f"{_label(name, dimensions)}: SampleCount is {count}, expected {expected} "
                f"(values: {_shown(self, values, name, namespace, dimensions)})\n"
                f"Recorded metrics:\n{self.describe()}"
            )

    def assert_value(
        self: _Queryable,
        name: str,
        value: float,
        *,
        dimensions: Mapping[str, str] | None = None,
        namespace: str | None = None,
    ) -> None:
        """Fail unless metric ``name`` was emitted with ``value`` at least once."""
        __tracebackhide__ = True
        values = _values(self, name, namespace, dimensions)
        if not any(_close(v, value) for v in values):
            raise AssertionError(
                f"{_label(name, dimensions)} never had the value {value:g}; its values were: "
                f"{_shown(self, values, name, namespace, dimensions)}\nRecorded metrics:\n"
                f"{self.describe()}"
            )

    def assert_statistic(
        self: _Queryable,
        name: str,
        stat: str,
        expected: float,
        *,
        dimensions: Mapping[str, str] | None = None,
        namespace: str | None = None,
    ) -> None:
        """Fail unless CloudWatch statistic ``stat`` (Sum, pNN, ...) equals ``expected``."""
        __tracebackhide__ = True

        values = _values(self, name, namespace, dimensions)
        actual = self.statistic(name, stat, namespace=namespace, dimensions=dimensions)
        if not _close(actual, expected):
            raise AssertionError(
                f"{_label(name, dimensions)}: {stat} is {actual:g}, expected {expected:g} "
                f"(values: {_shown(self, values, name, namespace, dimensions)})"
            )

    def assert_emitted(
        self: _Queryable,
        name: str,
        *,
        dimensions: Mapping[str, str] | None = None,
        namespace: str | None = None,
    ) -> None:
        """Fail unless metric ``name`` was emitted (with exactly ``dimensions`` if given)."""
        __tracebackhide__ = True
        _values(self, name, namespace, dimensions)

    def assert_not_emitted(self: _Queryable, name: str, *, namespace: str | None = None) -> None:
        """Fail if metric ``name`` was emitted at all."""
        __tracebackhide__ = True

        try:
            records = self.select(name, namespace=namespace)
        except MetricNotFound:
            return
        values = [v for r in records for v in r.values]
        raise AssertionError(
            f"metric {name!r} was emitted {len(values)} time(s) "
            f"(values: {', '.join(f'{v:g}' for v in values)})"
        )

    def assert_no_emf_errors(self: _Queryable) -> None:
        """Fail if any EMF document was rejected; the message gives each reason."""
        __tracebackhide__ = True
        errors = self.emf_errors
        if errors:
            lines = "\n".join(f"  - {e}" for e in errors)
            raise AssertionError(f"{len(errors)} EMF document(s) were rejected:\n{lines}")
