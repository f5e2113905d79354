"""The bounded history of a function: log and metric windows, exact totals, incremental merges."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.observe.cost import CURRENT
from pytest_lambda.observe.history import FoldedMetrics
from pytest_lambda.observe.logs import LogEvent, LogGroup
from pytest_lambda.observe.metrics import MetricStore
from pytest_lambda.observe.stats import MetricRecord
from pytest_lambda.observe.summary import SessionSummary, batch_records, invocation_record

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture

APP = """
import json, random
def handler(event, context):
    print("call", event["n"])
    if event["n"] % 7 == 3:
        raise ValueError("seven")
    if event.get("emf"):
        print(json.dumps({"_aws": {"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "App",
              "Dimensions": [["Kind"]], "Metrics": [{"Name": "Score"}]}]},
              "Kind": "k", "Score": event["n"] * 1.5}))
    return event["n"]
"""


def _full_sort(group: LogGroup) -> list[LogEvent]:
    merged = [e for s in group.streams.values() for e in s.events]
    merged.sort(key=lambda e: e.timestamp)
    return merged


@pytest.mark.parametrize("seed", range(40))
def test_incremental_merge_matches_a_full_sort(seed: int) -> None:
    """fn.logs merged incrementally orders events exactly as one stable sort of all streams."""
    rng = random.Random(seed)
    group = LogGroup("/aws/lambda/x")
    for step in range(80):
        name = f"stream-{rng.randrange(3)}"
        stream = group.stream(name)
        for _ in range(rng.randrange(4)):
            stamp = rng.choice([rng.randrange(60), 40 + step // 2])
            stream.events.append(LogEvent(stamp, f"m{step}", None, name))
        if rng.random() < 0.05 and stream.events:
            cut = rng.randrange(len(stream.events))
            del stream.events[:cut]
            stream.dropped += cut
        if rng.random() < 0.5:
            assert list(group.events()) == _full_sort(group)
    assert list(group.events()) == _full_sort(group)


def test_repeated_log_access_returns_the_same_view_until_something_is_added() -> None:
    """A second fn.logs with nothing new is the same view; a new event gives a new one."""
    group = LogGroup("/aws/lambda/x")
    group.stream("a").events.append(LogEvent(1, "one"))
    first = group.events()
    assert group.events() is first
    group.stream("a").events.append(LogEvent(2, "two"))
    assert group.events().messages == ["one", "two"]


def test_folded_totals_are_exact() -> None:
    """Folded sums equal math.fsum over every value, whatever the order they came in."""
    rng = random.Random(7)
    values = [rng.uniform(-1e6, 1e6) * 10 ** rng.randrange(-8, 8) for _ in range(2000)]
    values += [float(rng.randrange(-1000, 1000)) for _ in range(500)] + [2.0 ** 60, 1.0]
    rng.shuffle(values)
    folded = FoldedMetrics()
    for v in values:
        folded.add("NS", "M", [{"D": "x"}], (v,))
    count, partials, low, high = folded.totals("NS", "M", {"D": "x"})
    assert count == len(values)
    assert math.fsum(partials) == math.fsum(values)
    assert (low, high) == (min(values), max(values))
    assert folded.totals("NS", "M", {"D": "other"})[0] == 0


def _record(n: int, value: float, kind: str = "a") -> MetricRecord:
    return MetricRecord(namespace="NS", name="M", values=(value,), unit="Count",
                        dimension_sets=({}, {"Kind": kind}), timestamp=n, request_id=f"r{n}")


def test_windowed_store_keeps_exact_statistics() -> None:
    """Past its window a store gives Sum, SampleCount, Average, Min and Max as unbounded does."""
    bounded, unbounded = MetricStore(window=10), MetricStore()
    rng = random.Random(3)
    for n in range(100):
        record = _record(n, rng.uniform(0, 100), kind="a" if n % 3 else "b")
        bounded.add(record)
        unbounded.add(record)
    assert len(bounded.records) <= 15
    for dims in (None, {"Kind": "a"}, {"Kind": "b"}):
        for stat in ("Sum", "SampleCount", "Average", "Minimum", "Maximum"):
            assert bounded.statistic("M", stat, dimensions=dims) == \
                unbounded.statistic("M", stat, dimensions=dims), (stat, dims)
        assert bounded.count("M", dimensions=dims) == unbounded.count("M", dimensions=dims)
    assert bounded.values("M") == unbounded.values("M")[-len(bounded.records):]
    # Percentiles see the window's values only.
    assert bounded.statistic("M", "p100") == max(bounded.values("M"))
    with pytest.raises(LookupError, match="was never emitted"):
        bounded.sum("Other")


def test_window_must_be_a_positive_whole_number() -> None:
    """A window of 0 records is refused with the fix in the message."""
    with pytest.raises(ValueError, match="window=0 is not valid"):
        MetricStore(window=0)


def test_history_must_be_positive(code: CodeWriter) -> None:
    """LambdaFunction(history=0) names the argument and what to pass instead."""
    with pytest.raises(ValueError, match=r"history=0 is not valid.*or None"):
        LambdaFunction("app.handler", code_dir=code(app=APP), history=0)


def test_function_history_bounds_logs_and_keeps_exact_metrics(code: CodeWriter) -> None:
    """A function with history=5 keeps recent logs only, while Lambda's metrics stay exact."""
    with LambdaFunction("app.handler", code_dir=code(app=APP), history=5) as fn:
        results = [fn.invoke({"n": n}) for n in range(40)]
        kept = {e.request_id for e in fn.logs if e.request_id}
        recent = [r.request_id for r in results]
        assert 5 <= len(kept) <= 7
        assert kept == set(recent[-len(kept):])
        assert fn.logs.filter("call 39")
        assert not fn.logs.filter("call 0\n")
        # An old result still has its own logs.
        assert results[0].logs.filter("call 0")
        assert fn.metrics.sum("Invocations") == 40
        assert fn.metrics.sum("Errors") == sum(1 for n in range(40) if n % 7 == 3)
        assert fn.metrics.count("Duration") == 40
        assert fn.metrics.statistic("Duration", "Maximum") == max(
            r.report.duration_ms for r in results if r.report)
        assert len(fn.metrics.records) <= 30


def test_metric_assertions_count_what_the_window_folded(code: CodeWriter) -> None:
    """``assert_sum`` / ``assert_count`` / ``assert_statistic`` agree with ``sum`` / ``count``
    past the window: they read the window only (the true total failed, the window's passed)."""
    with LambdaFunction("app.handler", code_dir=code(app=APP), history=4) as fn:
        for n in range(20):
            fn.invoke({"n": n})
        errors = sum(1 for n in range(20) if n % 7 == 3)
        fn.metrics.assert_sum("Invocations", 20)
        fn.metrics.assert_count("Invocations", 20)
        fn.metrics.assert_statistic("Invocations", "Sum", 20)
        fn.metrics.assert_sum("Errors", errors)
        with pytest.raises(AssertionError, match=r"Sum is 20, expected 5 .*older value"):
            fn.metrics.assert_sum("Invocations", 5)
        with pytest.raises(AssertionError, match="SampleCount is 20, expected 5"):
            fn.metrics.assert_count("Invocations", 5)


def test_unbounded_history_keeps_everything(code: CodeWriter) -> None:
    """history=None keeps every log event and record (the previous behaviour)."""
    with LambdaFunction("app.handler", code_dir=code(app=APP), history=None) as fn:
        for n in range(30):
            fn.invoke({"n": n})
        assert len({e.request_id for e in fn.logs if e.request_id}) == 30
        assert len(fn.metrics.records) == 120


def test_emf_metrics_past_the_window_keep_exact_totals(code: CodeWriter) -> None:
    """EMF metrics folded out of the window still add up exactly."""
    with LambdaFunction("app.handler", code_dir=code(app=APP), history=3) as fn:
        for n in range(30):
            fn.invoke({"n": n, "emf": True})
        scores = [n * 1.5 for n in range(30) if n % 7 != 3]
        assert fn.metrics.sum("Score", namespace="App") == math.fsum(scores)
        assert fn.metrics.count("Score", dimensions={"Kind": "k"}) == len(scores)


def test_batched_records_sum_like_one_record_per_invocation(code: CodeWriter) -> None:
    """The plugin's summed records give the same session summary as per-invocation records."""
    with LambdaFunction("app.handler", code_dir=code(app=APP)) as fn:
        results = [fn.invoke({"n": n, "emf": n == 5}) for n in range(20)]
        fn.cold_start()
        results.append(fn.invoke({"n": 1}))
    one_by_one, batched = SessionSummary(), SessionSummary()
    one_by_one.extend(invocation_record(r, rules=CURRENT) for r in results)
    batched.extend(batch_records(results, rules=CURRENT))
    assert batched.as_dict() == one_by_one.as_dict()
    assert batched.table() == one_by_one.table()


def test_batched_records_price_ephemeral_storage_like_per_invocation_ones(
        code: CodeWriter) -> None:
    """A function with 2 GB of /tmp on arm64: both record forms charge the storage above
    512 MB, and the report names the architecture and the /tmp size."""
    with LambdaFunction("app.handler", code_dir=code(app=APP), ephemeral_storage=2048,
                        architecture="arm64") as fn:
        results = [fn.invoke({"n": n}) for n in range(5)]
    one_by_one, batched = SessionSummary(), SessionSummary()
    one_by_one.extend(invocation_record(r, rules=CURRENT) for r in results)
    batched.extend(batch_records(results, rules=CURRENT))
    assert batched.as_dict() == one_by_one.as_dict()
    [row] = batched.as_dict()["functions"]
    assert (row["architecture"], row["ephemeral_storage_mb"]) == ("arm64", 2048)
    billed = sum(CURRENT.billed_duration_ms(r.report.duration_ms, r.report.init_duration_ms)
                 for r in results if r.report)
    storage = Decimal(2048 - 512) / 1024 * Decimal(billed) / 1000
    plain = SessionSummary()
    plain.extend({**rec, "storage_gb_seconds": "0"} for rec in batch_records(results))
    assert batched.session_cost().total() - plain.session_cost().total() == \
        storage * Decimal("0.0000000309")


def test_the_free_tier_comes_off_the_session_not_each_function(code: CodeWriter) -> None:
    """Each function's row got the account's whole free tier: the rows added up to $0 under a
    session total of several dollars."""
    with LambdaFunction("app.handler", code_dir=code(app=APP), name="one") as one, \
            LambdaFunction("app.handler", code_dir=code(app=APP), name="two") as two:
        results = [one.invoke({"n": 1}), two.invoke({"n": 2})]
    summary = SessionSummary(free_tier=True)
    summary.extend(batch_records(results, rules=CURRENT))
    report = summary.as_dict()
    assert all(r["estimated_cost_usd"] > 0 for r in report["functions"])
    assert report["session"]["estimated_cost_usd"] == 0.0
