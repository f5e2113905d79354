"""Unit tests for the log and metric assertion helpers and their failure messages."""

from __future__ import annotations

import json
import re

import pytest

from pytest_lambda.observe.assertions import LogAssertions, is_error_line, show_events
from pytest_lambda.observe.logs import LogEvent, LogView
from pytest_lambda.observe.metrics import MetricRecord, MetricView


class Logs(LogView, LogAssertions):
    """A LogView with the assertion mixin, as the core's views carry it."""

    __slots__ = ()


RID = "8f5c9a1e-0000-4000-8000-000000000001"
TEXT_LOGS = Logs(
    [
        LogEvent(1, f"START RequestId: {RID} Version: $LATEST", RID),
        LogEvent(2, f"[INFO]\t2024-01-01T00:00:00.000Z\t{RID}\torder 42 stored\n", RID),
        LogEvent(3, json.dumps({"level": "INFO", "message": "done", "order": {"id": 42}}), RID),
        LogEvent(4, f"END RequestId: {RID}", RID),
        LogEvent(5, f"REPORT RequestId: {RID}\tDuration: 1.00 ms\tBilled Duration: 1 ms\t", RID),
    ]
)


def failure(func: object, *args: object, **kwargs: object) -> str:
    """The AssertionError text raised by calling ``func``."""
    with pytest.raises(AssertionError) as info:
        func(*args, **kwargs)  # type: ignore[operator]
    return str(info.value)


def test_contains_passes_and_fails_with_captured_events() -> None:
    """``assert_contains`` finds substrings and otherwise shows every captured line."""
    TEXT_LOGS.assert_contains("order 42 stored")
    text = failure(TEXT_LOGS.assert_contains, "order 43")
    assert text.startswith("no log event contains 'order 43'\nCaptured log events (5):")
    assert "  | [INFO]\t2024-01-01T00:00:00.000Z" in text


def test_not_contains() -> None:
    """``assert_not_contains`` shows the offending lines."""
    TEXT_LOGS.assert_not_contains("secret")
    text = failure(TEXT_LOGS.assert_not_contains, "order 42")
    assert text.startswith("1 log event(s) contain 'order 42'\nMatching (1):")


def test_matches_returns_the_match() -> None:
    """``assert_matches`` returns the regex match, and fails showing the logs."""
    m = TEXT_LOGS.assert_matches(r"order (\d+)")
    assert m.group(1) == "42"
    assert TEXT_LOGS.assert_matches(re.compile("DONE", re.I))
    assert failure(TEXT_LOGS.assert_matches, r"order \d{3}").startswith(
        "no log event matches the pattern 'order \\\\d{3}'"
    )


def test_json_field_equals() -> None:
    """``assert_json_field`` compares dotted paths and lists the values seen on failure."""
    TEXT_LOGS.assert_json_field("level", "INFO")
    TEXT_LOGS.assert_json_field("order.id", 42)
    TEXT_LOGS.assert_json_field("order")
    text = failure(TEXT_LOGS.assert_json_field, "order.id", 43)
    assert text.startswith("no JSON log event has order.id == 43; the field's values were: 42")
    assert "no JSON log event has the field 'nope'" in failure(TEXT_LOGS.assert_json_field, "nope")


def test_json_field_without_json_events_says_so() -> None:
    """When nothing was logged as JSON the message says so."""
    text = failure(Logs([LogEvent(1, "plain")]).assert_json_field, "level", "INFO")
    assert "(no log event is a JSON object)" in text


def test_no_errors_pass_and_fail() -> None:
    """``assert_no_errors`` flags text and JSON ERROR lines and shows only them."""
    TEXT_LOGS.assert_no_errors()
    logs = Logs(
        [
            *TEXT_LOGS,
            LogEvent(6, f"[ERROR]\t2024-01-01T00:00:00.000Z\t{RID}\tpayment failed"),
            LogEvent(7, json.dumps({"level": "CRITICAL", "message": "disk"})),
        ]
    )
    text = failure(logs.assert_no_errors)
    assert text.startswith("2 ERROR log line(s) were captured\nERROR lines (2):")
    assert "payment failed" in text
    assert "order 42" not in text


def test_is_error_line_formats() -> None:
    """ERROR lines are recognised in Python text, Node text and JSON formats."""
    assert is_error_line("[ERROR] Runtime.HandlerNotFound: no handler")
    assert is_error_line("2024-01-01T00:00:00.000Z\tid\tERROR\tboom")
    assert is_error_line('{"level": "error", "message": "x"}')
    assert not is_error_line("[WARNING]\tt\tid\tcareful")
    assert not is_error_line("an ERROR inside a sentence")


def test_report_for_every_invocation() -> None:
    """Every START needs a REPORT; the failure names the invocation without one."""
    TEXT_LOGS.assert_report_for_every_invocation()
    TEXT_LOGS.assert_report_for_every_invocation([RID])
    broken = Logs([e for e in TEXT_LOGS if not e.message.startswith("REPORT")])
    text = failure(broken.assert_report_for_every_invocation)
    assert text.startswith(f"1 of 1 invocation(s) have no REPORT: {RID}\nSTART/REPORT lines (1):")


def test_report_in_json_format() -> None:
    """``platform.report`` system records count as REPORTs."""
    rec = {"requestId": "r1"}
    logs = Logs(
        [
            LogEvent(1, json.dumps({"type": "platform.start", "record": rec})),
            LogEvent(2, json.dumps({"type": "platform.report", "record": rec})),
        ]
    )
    logs.assert_report_for_every_invocation()
    assert "have no REPORT: r2" in failure(logs.assert_report_for_every_invocation, ["r1", "r2"])


def test_show_events_truncates() -> None:
    """Long captures are cut to 50 events of 300 characters."""
    events = [LogEvent(i, "x" * 400) for i in range(60)]
    text = show_events(events)
    assert "... and 10 more" in text
    assert max(len(line) for line in text.splitlines()) == 304
    assert show_events([]) == "Captured log events: none (nothing was logged)"


VIEW = MetricView(
    [
        MetricRecord("Shop", "Orders", (2.0, 3.0), "Count", ({"service": "a"},), source="emf"),
        MetricRecord("Shop", "Orders", (5.0,), "Count", ({"service": "b"},), source="emf"),
    ]
)


def test_metric_sum_pass_and_fail() -> None:
    """``assert_sum`` compares the Sum and shows the values and recorded metrics on failure."""
    VIEW.assert_sum("Orders", 10)
    VIEW.assert_sum("Orders", 5, dimensions={"service": "a"})
    text = failure(VIEW.assert_sum, "Orders", 4, dimensions={"service": "a"})
    assert text.startswith("metric 'Orders' {service=a}: Sum is 5, expected 4 (values: 2, 3)")
    assert "Shop Orders [Count] values=[2, 3, 5] dimensions: {service=a}; {service=b}" in text


def test_metric_count_and_value() -> None:
    """``assert_count`` checks SampleCount and ``assert_value`` one emitted value."""
    VIEW.assert_count("Orders", 3)
    VIEW.assert_value("Orders", 5)
    assert failure(VIEW.assert_count, "Orders", 2).startswith(
        "metric 'Orders': SampleCount is 3, expected 2"
    )
    assert failure(VIEW.assert_value, "Orders", 7).startswith(
        "metric 'Orders' never had the value 7; its values were: 2, 3, 5"
    )


def test_metric_statistic() -> None:
    """``assert_statistic`` checks any CloudWatch statistic."""
    VIEW.assert_statistic("Orders", "Maximum", 5)
    VIEW.assert_statistic("Orders", "p50", 3)
    assert "Average is 3.33333, expected 3" in failure(
        VIEW.assert_statistic, "Orders", "Average", 3
    )


def test_unknown_metric_lists_the_recorded_ones() -> None:
    """Asserting on a metric never emitted says so and lists what was."""
    text = failure(VIEW.assert_sum, "Refunds", 1)
    assert text.startswith("metric 'Refunds' was never emitted. Recorded metrics:\n  Shop Orders")


def test_unknown_dimensions_list_the_used_ones() -> None:
    """Asserting with dimensions never used lists the dimension sets that were."""
    text = failure(VIEW.assert_emitted, "Orders", dimensions={"service": "c"})
    assert text == (
        "metric 'Orders' was never emitted with dimensions {service=c}; "
        "it was emitted with: {service=a}; {service=b}"
    )


def test_not_emitted() -> None:
    """``assert_not_emitted`` fails with the values that were emitted."""
    VIEW.assert_not_emitted("Refunds")
    assert failure(VIEW.assert_not_emitted, "Orders") == (
        "metric 'Orders' was emitted 3 time(s) (values: 2, 3, 5)"
    )


def test_no_emf_errors() -> None:
    """``assert_no_emf_errors`` lists every rejected document with its reasons."""
    from pytest_lambda.observe.emf import EmfError

    VIEW.assert_no_emf_errors()
    view = MetricView([], [EmfError(("metric 'X' has no value",), '{"_aws": {}}', "r1")])
    assert failure(view.assert_no_emf_errors) == (
        "1 EMF document(s) were rejected:\n  - metric 'X' has no value (request r1): {\"_aws\": {}}"
    )


def test_helpers_hide_their_frames() -> None:
    """Every helper sets ``__tracebackhide__`` so failures point at the test."""
    import inspect

    from pytest_lambda.observe import assertions

    for cls in (assertions.LogAssertions, assertions.MetricAssertions):
        for name, func in vars(cls).items():
            if name.startswith("assert_"):
                assert "__tracebackhide__ = True" in inspect.getsource(func), name


def test_a_wrong_type_is_named_instead_of_a_misleading_failure() -> None:
    """A single request id is not split into characters ("36 of 36 invocations have no
    REPORT: 8, e, 2, ...") and a str count is not compared with an int ("SampleCount is 1,
    expected 1"): each is a TypeError naming the argument and the fix."""
    with pytest.raises(TypeError, match=r"request_ids='8f5c.*' is a str: pass a list"):
        TEXT_LOGS.assert_report_for_every_invocation(RID)  # type: ignore[arg-type]
    TEXT_LOGS.assert_report_for_every_invocation([RID])
    with pytest.raises(TypeError, match=r"expected='3' is not a number \(str\)"):
        VIEW.assert_count("Orders", "3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"expected='1' is not a number \(str\)"):
        VIEW.assert_sum("Orders", "1")  # type: ignore[arg-type]
