"""Unit tests for billing rules and prices, checked against hand-computed figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pytest_lambda.observe.cost import (
    CURRENT,
    INIT_NOT_BILLED,
    ROUNDING_100MS,
    US_EAST_1,
    Budget,
    CostSummary,
    cost_of_report,
    gb_seconds,
    invocation_cost,
    parse_rules,
)
from pytest_lambda.report import Report


@pytest.mark.parametrize(
    ("duration", "init", "billed"),
    [
        (3000.00, 402.04, 3403),  # captured REPORT after the August 2025 change
        (1233.96, 463.512, 1698),  # captured REPORT after the August 2025 change
        (12.01, None, 13),
        (100.0, None, 100),
        (0.2, None, 1),
    ],
)
def test_current_rules_round_up_to_1ms_with_init(
    duration: float, init: float | None, billed: int
) -> None:
    """Today's rule bills duration plus init, rounded up to the millisecond."""
    assert CURRENT.billed_duration_ms(duration, init) == billed


def test_float_noise_does_not_add_a_millisecond() -> None:
    """A sum that is an integer up to float noise is not rounded up."""
    assert CURRENT.billed_duration_ms(0.1 + 0.2 + 99.7) == 100


def test_init_not_billed_rule() -> None:
    """Before August 2025 the init phase of a managed runtime was free."""
    assert INIT_NOT_BILLED.billed_duration_ms(1233.96, 463.512) == 1234


def test_100ms_rounding_rule() -> None:
    """Before December 2020 duration was rounded up to 100 ms."""
    assert ROUNDING_100MS.billed_duration_ms(1233.96, 463.512) == 1300
    assert ROUNDING_100MS.billed_duration_ms(3.0) == 100
    assert ROUNDING_100MS.billed_duration_ms(200.0) == 200


def test_parse_rules_names_the_choices() -> None:
    """Rule sets are found by name; a wrong name lists the valid ones."""
    assert parse_rules("100ms") is ROUNDING_100MS
    with pytest.raises(ValueError, match="choose one of current, no-init, 100ms"):
        parse_rules("old")


def test_gb_seconds() -> None:
    """GB-seconds are memory in GB times billed seconds."""
    assert gb_seconds(128, 1698) == Decimal("0.21225")
    assert gb_seconds(1024, 1000) == 1
    assert gb_seconds(512, 300) == Decimal("0.15")


def test_x86_invocation_cost_by_hand() -> None:
    """128 MB, 1233.96 ms + 463.512 ms init on x86: 1698 ms, 0.21225 GB-s."""
    cost = invocation_cost(duration_ms=1233.96, init_duration_ms=463.512, memory_mb=128)
    assert cost.billed_duration_ms == 1698
    # 0.21225 GB-s x $0.0000166667 = $0.000003537507075; request $0.20 / 1M = $0.0000002
    assert cost.compute_cost == Decimal("0.000003537507075")
    assert cost.request_cost == Decimal("0.0000002")
    assert cost.total == Decimal("0.000003737507075")
    assert cost.per_million == Decimal("3.737507075")


def test_arm64_invocation_cost_by_hand() -> None:
    """1024 MB for 100 ms on arm64 is 0.1 GB-s at $0.0000133334."""
    cost = invocation_cost(duration_ms=100, memory_mb=1024, architecture="arm64")
    assert cost.compute_cost == Decimal("0.00000133334")


def test_unknown_architecture() -> None:
    """An architecture Lambda does not offer is rejected with the valid ones."""
    with pytest.raises(ValueError, match="expected one of arm64, x86_64"):
        invocation_cost(duration_ms=1, memory_mb=128, architecture="riscv")


def test_cost_of_report_uses_its_figures() -> None:
    """A REPORT's duration, init and memory give the invocation's cost."""
    report = Report("r", 1233.96, 1698, 128, 60, 463.512)
    assert cost_of_report(report).billed_duration_ms == 1698
    assert cost_of_report(report, rules=INIT_NOT_BILLED).billed_duration_ms == 1234


def test_aws_pricing_example_with_free_tier() -> None:
    """AWS's example: 512 MB, 3 M invocations of 1 s each in a month.

    1.5 M GB-s minus 400,000 free = 1.1 M GB-s x $0.0000166667 = $18.33337;
    3 M requests minus 1 M free = 2 M x $0.20 = $0.40; total $18.73337.
    """
    summary = CostSummary()
    one = invocation_cost(duration_ms=1000, memory_mb=512)
    summary.requests = 3_000_000
    summary.gb_seconds_by_arch["x86_64"] = one.gb_seconds * 3_000_000
    assert summary.gb_seconds == 1_500_000
    assert summary.total(free_tier=True) == Decimal("18.73337")
    assert summary.total() == Decimal("25.60005")


def test_volume_tiers() -> None:
    """7 billion x86 GB-s: 6 B at $0.0000166667 plus 1 B at $0.000015."""
    assert US_EAST_1.compute_cost(Decimal(7_000_000_000), "x86_64") == Decimal("115000.2")


def test_free_tier_is_shared_by_architectures() -> None:
    """The 400,000 free GB-s cover both architectures together, dearest first."""
    summary = CostSummary(requests=0, gb_seconds_by_arch={
        "x86_64": Decimal(300_000), "arm64": Decimal(300_000)
    })  # fmt: skip
    # x86 fully free; 100,000 arm64 GB-s free; 200,000 x $0.0000133334 remain.
    assert summary.total(free_tier=True) == Decimal("2.66668")


def test_summary_per_million() -> None:
    """The per-million figure averages the counted invocations."""
    summary = CostSummary()
    summary.add(invocation_cost(duration_ms=100, memory_mb=1024))
    summary.add(invocation_cost(duration_ms=300, memory_mb=1024))
    # average 0.2 GB-s x $0.0000166667 + $0.0000002 = $0.00000353334 -> $3.53334 per million
    assert summary.per_million() == Decimal("3.53334")
    assert CostSummary().per_million() == 0


def test_budget_validation() -> None:
    """Budget arguments must be known keywords with positive numbers."""
    assert Budget.from_kwargs(max_duration_ms=100).max_duration_ms == 100
    assert Budget.from_kwargs(max_cost_per_million=0.5).max_cost_per_million == Decimal("0.5")
    with pytest.raises(ValueError, match="unknown argument"):
        Budget.from_kwargs(max_duration=1)
    with pytest.raises(ValueError, match=r"^max_memory_mb must be a positive number, e\.g\. "
                                         r"max_memory_mb=256$"):
        Budget.from_kwargs(max_memory_mb="big")
    with pytest.raises(ValueError, match="keyword arguments"):
        Budget.from_kwargs(100)
    with pytest.raises(ValueError, match="give at least one limit"):
        Budget.from_kwargs()


def test_budget_violations_say_what_the_invocation_was() -> None:
    """A timed-out or failed invocation, and a cold start whose Init is billed, are named as
    such: the message showed only the figure."""
    budget = Budget.from_kwargs(max_duration_ms=50, max_cost_per_million=1)
    record = {"function": "orders", "request_id": "r-2", "duration_ms": 3000.0,
              "status": "timeout", "cost_per_million": "9", "cold_start": True,
              "init_duration_ms": 512.25}
    timed_out, costly = budget.violations(record)
    assert "invocation r-2 of function 'orders' (it timed out) took 3000.00 ms" in timed_out
    assert costly.endswith("a cold start whose 512.25 ms Init is billed with it (warm "
                           "invocations cost less)")
    failed = budget.violations({**record, "status": "error", "error_type": "KeyError",
                                "cold_start": False})
    assert "(it failed: KeyError)" in failed[0] and "cold start" not in failed[1]


def test_budget_violations_name_limit_value_and_request() -> None:
    """Each exceeded limit is described with the measured value and request id."""
    budget = Budget.from_kwargs(max_duration_ms=50, max_memory_mb=64, max_cost_per_million=1)
    record = {"function": "orders", "request_id": "r-1", "duration_ms": 75.5,
              "max_memory_used_mb": 80, "cost_per_million": "2.5"}  # fmt: skip
    assert budget.violations(record) == [
        "max_duration_ms=50 exceeded: invocation r-1 of function 'orders' took 75.50 ms",
        "max_memory_mb=64 exceeded: invocation r-1 of function 'orders' used 80 MB",
        "max_cost_per_million=1 exceeded: invocation r-1 of function 'orders' "
        "costs $2.5000 per million invocations",
    ]
    assert budget.violations({**record, "duration_ms": 1, "max_memory_used_mb": 1,
                              "cost_per_million": 0.1}) == []  # fmt: skip


def test_ephemeral_storage_above_512_mb_is_charged() -> None:
    """/tmp above the free 512 MB is billed per GB-second of billed duration, for both
    architectures and without a free tier (AWS Lambda pricing, ephemeral storage): a 128 MB
    function with 10,240 MB of /tmp was estimated 11 % low."""
    plain = invocation_cost(duration_ms=1000, memory_mb=128)
    big = invocation_cost(duration_ms=1000, memory_mb=128, ephemeral_storage_mb=10240)
    extra = Decimal(10240 - 512) / Decimal(1024) * Decimal("0.0000000309")
    assert big.storage_gb_seconds == Decimal("9.5")
    assert big.total - plain.total == extra
    assert invocation_cost(duration_ms=1000, memory_mb=128, ephemeral_storage_mb=512) == plain
    arm = invocation_cost(duration_ms=1000, memory_mb=128, ephemeral_storage_mb=10240,
                          architecture="arm64")
    assert arm.storage_cost == big.storage_cost
    summary = CostSummary()
    summary.add(big)
    summary.add(big)
    free = summary.total(free_tier=True)
    assert free == 2 * extra  # the free tier covers requests and compute, not storage
