"""Session summary: per-invocation records, their aggregation per function, table and JSON.

Records are small JSON-ready dicts so they can travel on test reports from pytest-xdist
workers to the controller, which aggregates them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pytest_lambda.observe.cost import (
    CURRENT,
    FREE_STORAGE_MB,
    US_EAST_1,
    BillingRules,
    CostSummary,
    Pricing,
    gb_seconds,
    invocation_cost,
    storage_gb_seconds,
)
from pytest_lambda.observe.emf import EmfError, parse_event
from pytest_lambda.observe.event_shapes import detect_payload
from pytest_lambda.observe.metrics import MetricStore, percentile

REPORT_VERSION = 1


def invocation_record(
    result: Any, *, rules: BillingRules = CURRENT, pricing: Pricing = US_EAST_1,
    event_source: bool = False,
) -> dict[str, Any]:
    """The JSON-ready summary record of one ``InvokeResult`` (throttled ones included).

    ``event_source=True`` adds the source its event's shape shows (parsing the payload, so
    only when ``lambda_require_events`` or ``--lambda-report`` needs it).
    """
    config = getattr(result, "config", None)
    architecture = str(getattr(config, "architecture", "x86_64"))
    storage = int(getattr(config, "ephemeral_storage", FREE_STORAGE_MB) or FREE_STORAGE_MB)
    record: dict[str, Any] = {
        "function": result.function_name,
        "request_id": result.request_id,
        "throttled": bool(getattr(result, "throttled", False)),
        "architecture": architecture,
        "ephemeral_storage_mb": storage,
    }
    report = getattr(result, "report", None)
    if record["throttled"] or report is None:
        return record
    if event_source:
        record["event_source"] = detect_payload(getattr(result, "event_payload", b""))
    cost = invocation_cost(
        duration_ms=report.duration_ms,
        init_duration_ms=report.init_duration_ms,
        memory_mb=report.memory_size_mb,
        architecture=architecture,
        rules=rules,
        pricing=pricing,
        ephemeral_storage_mb=storage,
    )
    emf_errors = MetricStore.from_results([result]).emf_errors
    record.update(
        status=report.status,
        error_type=report.error_type,
        cold_start=bool(getattr(result, "cold_start", False)),
        duration_ms=float(report.duration_ms),
        init_duration_ms=report.init_duration_ms,
        billed_duration_ms=cost.billed_duration_ms,
        memory_size_mb=int(report.memory_size_mb),
        max_memory_used_mb=int(report.max_memory_used_mb),
        gb_seconds=str(cost.gb_seconds),
        storage_gb_seconds=str(cost.storage_gb_seconds),
        cost=str(cost.total),
        cost_per_million=str(cost.per_million),
        emf_errors=[str(e) for e in emf_errors],
    )
    return record


def batch_records(results: Iterable[Any], *, rules: BillingRules = CURRENT,
                  event_sources: bool = False) -> list[dict[str, Any]]:
    """Many ``InvokeResult``s summed into one JSON-ready record per function, architecture and
    memory size: what :meth:`FunctionStats.add` would count from their invocation records,
    at a small fraction of the cost (no per-invocation dict, Decimal or JSON).

    Durations are kept one by one (the percentiles need them); GB-seconds are computed once
    from the summed billed milliseconds, which is exact because they are linear in them.
    ``event_sources=True`` also counts the invocations by the source their event's shape
    shows (``"event_sources": {"SQS": 3}``), which parses each payload.
    """
    # Per group: [invocations, errors, timeouts, throttles, cold starts, max memory,
    # billed ms, durations, EMF errors], as a list: cheaper to update than a dict's keys.
    groups: dict[tuple[str, str, int, int], list[Any]] = {}
    billed_of = rules.billed_duration_ms
    for result in results:
        report = result.report
        throttled = result.throttled
        memory = 0 if throttled or report is None else report.memory_size_mb
        storage = 0 if throttled or report is None else result.config.ephemeral_storage
        key = (result.function_name, result.config.architecture, memory, storage)
        acc = groups.get(key)
        if acc is None:
            acc = groups[key] = [0, 0, 0, 0, 0, 0, 0, [], [], {}]
        if throttled:
            acc[3] += 1
            continue
        if report is None:
            continue
        acc[0] += 1
        if event_sources:
            source = detect_payload(getattr(result, "event_payload", b""))
            acc[9][source] = acc[9].get(source, 0) + 1
        status = report.status
        if status != "success":
            acc[1] += 1
            if status == "timeout":
                acc[2] += 1
        if result.cold_start:
            acc[4] += 1
        acc[7].append(report.duration_ms)
        if report.max_memory_used_mb > acc[5]:
            acc[5] = report.max_memory_used_mb
        acc[6] += billed_of(report.duration_ms, report.init_duration_ms)
        for event in result.logs:
            # The test looks_like_emf() starts with: most lines are not EMF at all.
            if '"_aws"' in event.message:
                outcome = parse_event(event)
                if isinstance(outcome, EmfError):
                    acc[8].append(str(outcome))
    return [
        {"function": name, "architecture": str(architecture), "invocations": acc[0],
         "errors": acc[1], "timeouts": acc[2], "throttles": acc[3], "cold_starts": acc[4],
         "durations": acc[7], "max_memory_used_mb": int(acc[5]), "memory_size_mb": int(memory),
         "billed_duration_ms": acc[6], "emf_errors": acc[8],
         "gb_seconds": str(gb_seconds(memory, acc[6])),
         "ephemeral_storage_mb": int(storage),
         "storage_gb_seconds": str(storage_gb_seconds(storage, acc[6])),
         **({"event_sources": acc[9]} if event_sources else {})}
        for (name, architecture, memory, storage), acc in groups.items()]


@dataclass
class FunctionStats:
    """Aggregated figures of one function over the session."""

    name: str
    invocations: int = 0
    errors: int = 0
    timeouts: int = 0
    throttles: int = 0
    cold_starts: int = 0
    durations: list[float] = field(default_factory=list)
    max_memory_used_mb: int = 0
    memory_size_mb: int = 0
    emf_errors: list[str] = field(default_factory=list)
    cost: CostSummary = field(default_factory=CostSummary)
    #: Invocations by the source their event's shape shows (when records carry it).
    event_sources: dict[str, int] = field(default_factory=dict)
    #: The architectures it ran on, and its largest /tmp (ephemeral storage), in MB.
    architectures: set[str] = field(default_factory=set)
    ephemeral_storage_mb: int = FREE_STORAGE_MB

    def add(self, record: Mapping[str, Any]) -> None:
        """Count one invocation record (or a batch of them, see :func:`batch_records`)."""
        if "invocations" in record:
            self._add_batch(record)
            return
        if record.get("throttled"):
            self.throttles += 1
            return
        self.invocations += 1
        status = record.get("status", "success")
        if status != "success":
            self.errors += 1
        if status == "timeout":
            self.timeouts += 1
        if record.get("cold_start"):
            self.cold_starts += 1
        source = record.get("event_source")
        if source is not None:
            self.event_sources[source] = self.event_sources.get(source, 0) + 1
        self.durations.append(float(record.get("duration_ms", 0.0)))
        self.max_memory_used_mb = max(
            self.max_memory_used_mb, int(record.get("max_memory_used_mb", 0))
        )
        self.memory_size_mb = max(self.memory_size_mb, int(record.get("memory_size_mb", 0)))
        self.emf_errors.extend(record.get("emf_errors", []))
        arch = str(record.get("architecture", "x86_64"))
        self.cost.requests += 1
        self.cost.billed_duration_ms += int(record.get("billed_duration_ms", 0))
        gbs = Decimal(str(record.get("gb_seconds", "0")))
        self.cost.gb_seconds_by_arch[arch] = (
            self.cost.gb_seconds_by_arch.get(arch, Decimal(0)) + gbs
        )
        self._note_setup(record)

    def _add_batch(self, batch: Mapping[str, Any]) -> None:
        self.throttles += int(batch["throttles"])
        count = int(batch["invocations"])
        if not count:
            return
        self.invocations += count
        self.errors += int(batch["errors"])
        self.timeouts += int(batch["timeouts"])
        self.cold_starts += int(batch["cold_starts"])
        self.durations.extend(float(d) for d in batch["durations"])
        self.max_memory_used_mb = max(self.max_memory_used_mb, int(batch["max_memory_used_mb"]))
        self.memory_size_mb = max(self.memory_size_mb, int(batch["memory_size_mb"]))
        self.emf_errors.extend(batch["emf_errors"])
        for source, n in dict(batch.get("event_sources") or {}).items():
            self.event_sources[source] = self.event_sources.get(source, 0) + int(n)
        arch = str(batch["architecture"])
        self.cost.requests += count
        self.cost.billed_duration_ms += int(batch["billed_duration_ms"])
        self.cost.gb_seconds_by_arch[arch] = (
            self.cost.gb_seconds_by_arch.get(arch, Decimal(0)) + Decimal(batch["gb_seconds"]))
        self._note_setup(batch)

    def _note_setup(self, record: Mapping[str, Any]) -> None:
        """The architecture, /tmp size and charged storage of a record (older records,
        without them: x86_64 and the free 512 MB)."""
        self.architectures.add(str(record.get("architecture", "x86_64")))
        self.ephemeral_storage_mb = max(self.ephemeral_storage_mb,
                                        int(record.get("ephemeral_storage_mb", FREE_STORAGE_MB)))
        self.cost.storage_gb_seconds += Decimal(str(record.get("storage_gb_seconds", "0")))

    def duration(self, p: float) -> float | None:
        """The ``p``-th percentile duration in ms, None when nothing ran."""
        return percentile(self.durations, p) if self.durations else None

    def as_dict(self, *, pricing: Pricing = US_EAST_1, free_tier: bool = False) -> dict[str, Any]:
        """The JSON-report row of this function."""
        return {
            "function": self.name,
            "invocations": self.invocations,
            "errors": self.errors,
            "timeouts": self.timeouts,
            "throttles": self.throttles,
            "cold_starts": self.cold_starts,
            "duration_ms": {
                "p50": self.duration(50),
                "p95": self.duration(95),
                "max": max(self.durations) if self.durations else None,
            },
            "max_memory_used_mb": self.max_memory_used_mb,
            "memory_size_mb": self.memory_size_mb,
            "architecture": ", ".join(sorted(self.architectures)) or None,
            "ephemeral_storage_mb": self.ephemeral_storage_mb,
            "billed_duration_ms": self.cost.billed_duration_ms,
            "gb_seconds": float(self.cost.gb_seconds),
            "estimated_cost_usd": float(self.cost.total(pricing=pricing, free_tier=free_tier)),
            "cost_per_million_usd": float(self.cost.per_million(pricing=pricing)),
            "emf_errors": list(self.emf_errors),
            "event_sources": dict(sorted(self.event_sources.items())),
        }


@dataclass
class SessionSummary:
    """Every function's figures for one pytest session (on the xdist controller)."""

    rules: BillingRules = CURRENT
    pricing: Pricing = US_EAST_1
    free_tier: bool = False
    functions: dict[str, FunctionStats] = field(default_factory=dict)
    #: Each function's coverage figures (``Figures.as_dict()``), set at the end of a session
    #: that measured coverage; shown as a column and written to the JSON report.
    coverage: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Each function's code directory (written to the JSON report, for the CLI's coverage).
    code_dirs: dict[str, str] = field(default_factory=dict)
    #: Every function of the session (created by a test, or the template's), invoked or not:
    #: the JSON report lists those never invoked with zero invocations, so that the CLI's
    #: ``--require-invoked`` over shards sees them as the session's own gate does.
    known: list[str] = field(default_factory=list)

    def add(self, record: Mapping[str, Any]) -> None:
        """Count one invocation record."""
        name = str(record["function"])
        stats = self.functions.get(name)
        if stats is None:
            stats = self.functions[name] = FunctionStats(name)
        stats.add(record)

    def extend(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Count many invocation records."""
        for record in records:
            self.add(record)

    def __bool__(self) -> bool:
        return bool(self.functions)

    def session_cost(self) -> CostSummary:
        """All functions' usage as one month's bill."""
        total = CostSummary()
        for stats in self.functions.values():
            total.requests += stats.cost.requests
            total.billed_duration_ms += stats.cost.billed_duration_ms
            total.storage_gb_seconds += stats.cost.storage_gb_seconds
            for arch, gbs in stats.cost.gb_seconds_by_arch.items():
                total.gb_seconds_by_arch[arch] = (
                    total.gb_seconds_by_arch.get(arch, Decimal(0)) + gbs
                )
        return total

    def billing_note(self) -> str:
        """One line saying which billing rules and prices the figures use."""
        init = "init billed on cold starts" if self.rules.bill_init else "init not billed"
        free = "free tier applied" if self.free_tier else "no free tier"
        return (
            f"billing rules {self.rules.name!r} ({self.rules.rounding_ms} ms rounding, {init}), "
            f"us-east-1 on-demand prices, {free}"
        )

    def as_dict(self) -> dict[str, Any]:
        """The whole JSON report."""
        # The free tier is the account's: it comes off the session's total only (given whole
        # to every function's row, the rows added up to $0 under a total of several dollars).
        rows = [
            self.functions.get(name, FunctionStats(name)).as_dict(pricing=self.pricing)
            for name in sorted({*self.functions, *self.known})
        ]
        for row in rows:
            if row["function"] in self.code_dirs:
                row["code_dir"] = self.code_dirs[row["function"]]
            if row["function"] in self.coverage:
                row["coverage"] = self.coverage[row["function"]]
        cost = self.session_cost()
        return {
            "version": REPORT_VERSION,
            "billing": {
                "rules": self.rules.name,
                "rounding_ms": self.rules.rounding_ms,
                "init_billed": self.rules.bill_init,
                "free_tier": self.free_tier,
            },
            "functions": rows,
            "session": {
                "invocations": sum(r["invocations"] for r in rows),
                "errors": sum(r["errors"] for r in rows),
                "timeouts": sum(r["timeouts"] for r in rows),
                "throttles": sum(r["throttles"] for r in rows),
                "cold_starts": sum(r["cold_starts"] for r in rows),
                "billed_duration_ms": cost.billed_duration_ms,
                "gb_seconds": float(cost.gb_seconds),
                "estimated_cost_usd": float(
                    cost.total(pricing=self.pricing, free_tier=self.free_tier)
                ),
                "cost_per_million_usd": float(cost.per_million(pricing=self.pricing)),
            },
        }

    def table(self) -> list[str]:
        """The terminal summary: a header and one row per function, columns aligned."""
        header = ["function", "invocations", "errors", "timeouts", "throttles", "cold starts",
                  "p50 ms", "p95 ms", "max ms", "max MB", "$ per 1M"]  # fmt: skip
        branch = any("branch_percent" in f for f in self.coverage.values())
        if self.coverage:
            header += ["cover", "branch cover"] if branch else ["cover"]

        def ms(value: float | None) -> str:
            return "-" if value is None else f"{value:.2f}"

        rows = [header]
        for name in sorted(self.functions):
            s = self.functions[name]
            rows.append(
                [
                    name,
                    str(s.invocations),
                    str(s.errors),
                    str(s.timeouts),
                    str(s.throttles),
                    str(s.cold_starts),
                    ms(s.duration(50)),
                    ms(s.duration(95)),
                    ms(max(s.durations) if s.durations else None),
                    str(s.max_memory_used_mb) if s.invocations else "-",
                    f"{s.cost.per_million(pricing=self.pricing):.4f}" if s.invocations else "-",
                    *(_cover(self.coverage.get(name), branch) if self.coverage else []),
                ]
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = [
            "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            ).rstrip()
            for row in rows
        ]
        lines.append(self.billing_note())
        for stats in self.functions.values():
            for error in stats.emf_errors:
                lines.append(f"rejected EMF document from {stats.name!r}: {error}")
        return lines

    def write_json(self, path: Path) -> None:
        """Write :meth:`as_dict` to ``path``."""
        path.write_text(json.dumps(self.as_dict(), indent=2, sort_keys=False) + "\n", "utf-8")


def _cover(figures: Mapping[str, Any] | None, branch: bool) -> list[str]:
    """The summary's coverage cells: line percent, and branch percent when measured."""
    cells = ["-" if figures is None else f"{figures['percent']:.1f}%"]
    if branch:
        cells.append("-" if figures is None or "branch_percent" not in figures
                     else f"{figures['branch_percent']:.1f}%")
    return cells
