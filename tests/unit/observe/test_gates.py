"""Unit tests for the gates' pure logic (observe/gates.py, observe/event_gate.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from pytest_lambda.observe.event_gate import Declared, EventCheck
from pytest_lambda.observe.event_gate import table as events_table
from pytest_lambda.observe.function_coverage import Figures
from pytest_lambda.observe.gates import (
    FunctionInfo,
    Minimum,
    evaluate,
    parse_fail_under,
    table,
)


def test_parse_fail_under_lines_and_branches() -> None:
    """"80" asks 80 % of both; "85:70" splits lines and branches; overrides by name."""
    parsed = parse_fail_under(["80", "Orders=85:70, Refunds=90"])
    assert parsed.default == Minimum(80.0)
    assert parsed.default.branch_minimum == 80.0
    assert parsed.overrides == {"Orders": Minimum(85.0, 70.0), "Refunds": Minimum(90.0)}


@pytest.mark.parametrize("token", ["80:", ":70", "80:101", "Orders=x:1"])
def test_parse_fail_under_rejects_bad_minimums(token: str) -> None:
    """A malformed or out-of-range part names the option and shows the syntax."""
    with pytest.raises(ValueError, match=r"is not a percentage.*80:70"):
        parse_fail_under([token])


def test_branch_minimum_applies_only_when_branches_were_measured() -> None:
    """Line-only figures ignore the branch minimum; branch figures must meet it."""
    fns = [FunctionInfo("a", "/a"), FunctionInfo("b", "/b")]
    coverage = {"a": Figures(10, 9), "b": Figures(10, 9, 4, 2, branch=True)}
    rows, problems = evaluate(fns, {"a": 1, "b": 1}, require_invoked=False,
                              fail_under=parse_fail_under(["80:75"]), coverage=coverage)
    assert problems == []
    assert [r.problems for r in rows] == [(), ("branches 50.00% < 75%",)]
    lines = table(rows)
    assert lines[0].split() == ["function", "invocations", "lines", "cover", "branches",
                                "bcover", "required", "result"]
    assert lines[2].split() == ["b", "1", "9/10", "90.00%", "2/4", "50.00%", "80%:75%",
                                "FAIL:", "branches", "50.00%", "<", "75%"]


def test_missing_events_fail_only_when_required() -> None:
    """A declared source whose accepted shapes never arrived is a problem under the gate."""
    api = Declared("GetOrder", "Api", frozenset({"Api"}))
    custom = Declared("Nightly", "Schedule", frozenset({"custom"}))
    check = EventCheck("a", [api, custom], Counter({"custom": 2, "SQS": 1}))
    assert check.missing == [api]
    fns = [FunctionInfo("a", None, "A")]
    rows, _ = evaluate(fns, {"a": 3}, require_invoked=False, fail_under=parse_fail_under([]),
                       coverage=None, require_events=True, events={"a": check})
    assert rows[0].problems == ("events not exercised: Api (GetOrder)",)
    rows, _ = evaluate(fns, {"a": 3}, require_invoked=False, fail_under=parse_fail_under([]),
                       coverage=None, require_events=False, events={"a": check})
    assert rows[0].problems == ()
    lines = events_table([("A (a)", check)])
    assert lines[1].startswith("A (a)")
    assert lines[1].endswith("Api (GetOrder)")
    assert "SQS x1, custom x2" in lines[1]


def test_an_override_for_a_function_only_other_tests_create_is_no_error_on_a_subset() -> None:
    """``-k`` ran the tests of ``a`` only: ``b=50`` named a function "of no session, fix the
    name", though the name was right. The whole suite still refuses a wrong name."""
    fns = [FunctionInfo("a", "/a")]
    fail_under = parse_fail_under(["50", "b=50"])
    _, problems = evaluate(fns, {"a": 1}, require_invoked=False, fail_under=fail_under,
                           coverage={"a": Figures(10, 9)}, partial=True)
    assert problems == []
    _, problems = evaluate(fns, {"a": 1}, require_invoked=False, fail_under=fail_under,
                           coverage={"a": Figures(10, 9)})
    assert problems and "names b, which is no function of this session" in problems[0]
