"""What the ``lambda_logs`` and ``lambda_metrics`` fixtures return: all the test's functions made.

Both objects are live: they read the test's invocation list every time they are used, so they
can be requested before the functions are created and invoked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_lambda.observe.assertions import LogAssertions
from pytest_lambda.observe.logs import LogEvent, LogView
from pytest_lambda.observe.metrics import MetricQuery, MetricStore
from pytest_lambda.plugin.state import INVOCATIONS_KEY

if TYPE_CHECKING:
    from pytest_lambda.observe.emf import EmfError
    from pytest_lambda.observe.metrics import MetricRecord


class CapturedLogs(LogView, LogAssertions):
    """A log view with the ``assert_*`` helpers."""

    __slots__ = ()


def _events(results: Iterable[Any]) -> list[LogEvent]:
    """The log events of ``results`` in order: each cold start's Init output (module-level
    prints, an import error's lines) before its invocation's, as in the log stream."""
    return [e for r in results if not getattr(r, "throttled", False)
            for e in (*r.init_logs, *r.logs)]


def _functions(results: Iterable[Any]) -> list[str]:
    return sorted({str(r.function_name) for r in results})


def _unknown_function(name: str, results: list[Any]) -> AssertionError:
    names = _functions(results)
    listing = ", ".join(repr(n) for n in names) if names else "none (nothing was invoked)"
    return AssertionError(
        f"no Lambda function named {name!r} was invoked in this test; invoked functions: {listing}"
    )


class LambdaLogs(LogAssertions):
    """All log events of every invocation in the test, with query and assertion helpers."""

    __slots__ = ("_results",)

    def __init__(self, results: Callable[[], list[Any]]) -> None:
        self._results = results

    @property
    def invocations(self) -> list[Any]:
        """The test's invocation results, in order (throttled requests included)."""
        return list(self._results())

    @property
    def view(self) -> CapturedLogs:
        """The log events of every invocation (and of the Init before it), in order."""
        return CapturedLogs(_events(self.invocations))

    def __iter__(self) -> Iterator[LogEvent]:
        return iter(self.view)

    def __len__(self) -> int:
        return len(self.view)

    def __repr__(self) -> str:
        return f"<lambda_logs: {len(self)} events from {len(self.invocations)} invocations>"

    @property
    def messages(self) -> list[str]:
        """Every message, in order."""
        return self.view.messages

    @property
    def text(self) -> str:
        """Every message, one per line."""
        return self.view.text

    def filter(self, pattern: Any) -> CapturedLogs:
        """Events containing ``pattern`` (substring or compiled regex)."""
        return CapturedLogs(self.view.filter(pattern))

    def json_events(self) -> list[Any]:
        """The events that are JSON objects, parsed."""
        return self.view.json_events()

    def for_request(self, request_id: str) -> CapturedLogs:
        """The events of one invocation; fails listing the request ids if it never ran."""
        __tracebackhide__ = True
        ids = [str(r.request_id) for r in self.invocations]
        if request_id not in ids:
            raise AssertionError(
                f"no invocation with request id {request_id!r} in this test; "
                f"request ids: {', '.join(ids) or 'none'}"
            )
        return CapturedLogs(self.view.for_request(request_id))

    def for_function(self, name: str) -> CapturedLogs:
        """The events of function ``name``; fails listing the functions that were invoked."""
        __tracebackhide__ = True
        results = self.invocations
        mine = [r for r in results if r.function_name == name]
        if not mine:
            raise _unknown_function(name, results)
        return CapturedLogs(_events(mine))

    def assert_report_for_every_invocation(self, request_ids: Iterable[str] | None = None) -> None:
        """Fail unless every invocation of the test (or each of ``request_ids``) has a REPORT."""
        __tracebackhide__ = True
        if request_ids is None:
            request_ids = [
                str(r.request_id) for r in self.invocations if not getattr(r, "throttled", False)
            ]
        self.view.assert_report_for_every_invocation(request_ids)


class LambdaMetrics(MetricQuery):
    """Lambda and EMF metrics of every invocation in the test, with queries and assertions."""

    __slots__ = ("_functions", "_results")

    def __init__(self, results: Callable[[], list[Any]],
                 functions: Callable[[], list[Any]] = list) -> None:
        self._results = results
        self._functions = functions

    def _snapshot(self) -> tuple[list[MetricRecord], list[EmfError]]:
        records, errors = MetricStore.from_results(self._results())._snapshot()
        # Metrics the functions emitted outside an invocation result (async queue, event
        # source mappings) come from the functions themselves.
        for fn in self._functions():
            records.extend(fn.metrics.direct_records)
        return records, errors

    def __repr__(self) -> str:
        return f"<lambda_metrics: {len(self.records)} records>"

    @property
    def functions(self) -> list[str]:
        """Names of the functions invoked in the test."""
        return _functions(self._results())

    def for_function(self, name: str) -> MetricStore:
        """The metrics of function ``name``; fails listing the functions that were invoked."""
        __tracebackhide__ = True
        results = self._results()
        mine = [r for r in results if r.function_name == name]
        if not mine:
            raise _unknown_function(name, results)
        return MetricStore.from_results(mine)


def _live_results(node: pytest.Item) -> Callable[[], list[Any]]:
    def results() -> list[Any]:
        found: list[Any] | None = node.stash.get(INVOCATIONS_KEY, None)
        return list(found or [])

    return results
