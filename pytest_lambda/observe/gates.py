"""Per-function gates over a whole session: every function invoked, every declared event
source exercised, line (and branch) coverage per function.

Pure logic over plain data (function names, code directories, invocation counts, coverage
figures per directory); the plugin (plugin/gates.py) gathers the data and prints the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .event_gate import EventCheck
from .function_coverage import Figures

__all__ = ["FailUnder", "Figures", "FunctionInfo", "GateRow", "Minimum", "evaluate",
           "parse_fail_under", "table"]


@dataclass(frozen=True)
class FunctionInfo:
    """A function the session knows: from the template, or a ``LambdaFunction`` it created."""

    name: str
    code_dir: str | None
    #: How the table names it (a template's logical id, or the function name).
    label: str = ""

    @property
    def shown(self) -> str:
        if self.label and self.label != self.name:
            return f"{self.label} ({self.name})"
        return self.name


@dataclass(frozen=True)
class Minimum:
    """A coverage minimum: lines, and branches when coverage measures them.

    ``85`` asks 85 % of both; ``85:70`` asks 85 % of lines and 70 % of branches.
    """

    lines: float
    branches: float | None = None

    @property
    def branch_minimum(self) -> float:
        return self.lines if self.branches is None else self.branches

    def shown(self, branch: bool) -> str:
        if not branch or self.branches is None:
            return f"{self.lines:g}%"
        return f"{self.lines:g}%:{self.branches:g}%"


@dataclass(frozen=True)
class FailUnder:
    """``lambda_cov_fail_under``: a default minimum and per-function overrides."""

    default: Minimum | None = None
    overrides: Mapping[str, Minimum] = field(default_factory=dict)

    def required(self, fn: FunctionInfo) -> Minimum | None:
        for key in (fn.name, fn.label):
            if key in self.overrides:
                return self.overrides[key]
        return self.default

    def __bool__(self) -> bool:
        return self.default is not None or bool(self.overrides)


def _percent(raw: str, where: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise ValueError(f"{where}: {raw!r} is not a percentage; use a number from 0 to 100, "
                         "e.g. 80, 80:70 (lines:branches) or Orders=85")
    return value


def _minimum(raw: str, where: str) -> Minimum:
    lines, sep, branches = raw.partition(":")
    if sep:
        return Minimum(_percent(lines, where), _percent(branches, where))
    return Minimum(_percent(raw, where))


def parse_fail_under(tokens: Iterable[str]) -> FailUnder:
    """``["80", "Orders=85:70"]`` (commas and spaces separate too) as a :class:`FailUnder`."""
    default: Minimum | None = None
    overrides: dict[str, Minimum] = {}
    for token in (t for raw in tokens for t in raw.replace(",", " ").split()):
        name, sep, value = token.partition("=")
        if sep:
            if not name:
                raise ValueError(f"lambda_cov_fail_under: {token!r} has no function name "
                                 "before '='; write FunctionName=85")
            overrides[name] = _minimum(value, f"lambda_cov_fail_under {name}")
        else:
            default = _minimum(token, "lambda_cov_fail_under")
    return FailUnder(default, overrides)


@dataclass(frozen=True)
class GateRow:
    """One function's line of the gate table."""

    function: FunctionInfo
    invocations: int
    figures: Figures | None
    required: Minimum | None
    problems: tuple[str, ...]
    events: EventCheck | None = None

    @property
    def percent(self) -> float | None:
        return None if self.figures is None else self.figures.line_percent

    @property
    def branch_percent(self) -> float | None:
        return None if self.figures is None else self.figures.branch_percent


def _coverage_problems(figures: Figures | None, required: Minimum) -> list[str]:
    if figures is None:
        return ["no coverage data"]
    out = []
    if round(figures.line_percent, 2) < required.lines:
        out.append(f"lines {figures.line_percent:.2f}% < {required.lines:g}%")
    branch = figures.branch_percent
    if branch is not None and round(branch, 2) < required.branch_minimum:
        out.append(f"branches {branch:.2f}% < {required.branch_minimum:g}%")
    return out


def evaluate(functions: Iterable[FunctionInfo], invocations: Mapping[str, int], *,
             require_invoked: bool, fail_under: FailUnder,
             coverage: Mapping[str, Figures | None] | None,
             require_events: bool = False,
             events: Mapping[str, EventCheck] | None = None,
             partial: bool = False) -> tuple[list[GateRow], list[str]]:
    """The table's rows and the session-level problems (e.g. an override naming no function).

    ``coverage`` holds each function's figures by name (None: no measurement); ``events``
    each function's declared and exercised event sources, by name. On a ``partial`` run (tests
    deselected) an override may name a function only the other tests create: not a problem.
    """
    rows: list[GateRow] = []
    known: set[str] = set()
    for fn in sorted(functions, key=lambda f: f.shown):
        known.update({fn.name, fn.label})
        count = invocations.get(fn.name, 0)
        problems: list[str] = []
        if require_invoked and count == 0:
            problems.append("never invoked")
        check = (events or {}).get(fn.name)
        if require_events and check is not None and check.missing:
            problems.append("events not exercised: " + ", ".join(d.shown for d in check.missing))
        required = fail_under.required(fn) if fail_under else None
        figures = None if coverage is None else coverage.get(fn.name)
        if required is not None and coverage is not None:
            problems.extend(_coverage_problems(figures, required))
        rows.append(GateRow(fn, count, figures, required, tuple(problems), check))
    session: list[str] = []
    unknown = sorted(set(fail_under.overrides) - known)
    if unknown and not partial:
        session.append(
            f"lambda_cov_fail_under names {', '.join(unknown)}, which "
            f"{'is' if len(unknown) == 1 else 'are'} no function of this session (known: "
            f"{', '.join(sorted(r.function.shown for r in rows)) or 'none'}); fix the name")
    if fail_under and coverage is None:
        session.append("lambda_cov_fail_under needs coverage measurement: run pytest with "
                       "--cov=<your code> (pytest-cov) or under 'coverage run -m pytest'")
    return rows, session


def table(rows: list[GateRow]) -> list[str]:
    """The gate table as aligned text lines (branch and event columns when there are any)."""
    branch = any(r.figures is not None and r.figures.branch for r in rows)
    with_events = any(r.events is not None for r in rows)
    with_cover = any(r.figures is not None or r.required is not None for r in rows)
    head = ["function", "invocations"] + (["lines", "cover"] if with_cover else [])
    head += ["branches", "bcover"] if branch else []
    head += ["events"] if with_events else []
    head += (["required"] if with_cover else []) + ["result"]
    body = []
    for r in rows:
        f = r.figures
        cells = [r.function.shown, str(r.invocations)]
        if with_cover:
            cells += ["-" if f is None else f"{f.executed}/{f.statements}",
                      "-" if f is None else f"{f.line_percent:.2f}%"]
        if branch:
            bp = r.branch_percent
            cells += ["-" if f is None or bp is None else f"{f.covered_branches}/{f.branches}",
                      "-" if bp is None else f"{bp:.2f}%"]
        if with_events:
            e = r.events
            cells.append("-" if e is None else
                         f"{len(e.declared) - len(e.missing)}/{len(e.declared)}")
        if with_cover:
            cells.append("-" if r.required is None else r.required.shown(branch))
        cells.append("FAIL: " + "; ".join(r.problems) if r.problems else "ok")
        body.append(cells)
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    lines = []
    for cells in [head, *body]:
        parts = [cells[0].ljust(widths[0])]
        parts += [c.rjust(w) for c, w in zip(cells[1:-1], widths[1:-1], strict=True)]
        parts.append(cells[-1])
        lines.append("  ".join(parts))
    return lines
