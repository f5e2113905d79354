"""Per-function gates over a whole session: every function invoked, line coverage per function.

Pure logic over plain data (function names, code directories, invocation counts, coverage
figures per directory); the plugin (plugin/gates.py) gathers the data and prints the table.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FailUnder", "FunctionInfo", "GateRow", "evaluate", "line_coverage",
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
class FailUnder:
    """``lambda_cov_fail_under``: a default minimum and per-function overrides (percent)."""

    default: float | None = None
    overrides: Mapping[str, float] = field(default_factory=dict)

    def required(self, fn: FunctionInfo) -> float | None:
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
                         "e.g. 80 or Orders=85")
    return value


def parse_fail_under(tokens: Iterable[str]) -> FailUnder:
    """``["80", "Orders=85"]`` (commas and spaces separate too) as a :class:`FailUnder`."""
    default: float | None = None
    overrides: dict[str, float] = {}
    for token in (t for raw in tokens for t in raw.replace(",", " ").split()):
        name, sep, value = token.partition("=")
        if sep:
            if not name:
                raise ValueError(f"lambda_cov_fail_under: {token!r} has no function name "
                                 "before '='; write FunctionName=85")
            overrides[name] = _percent(value, f"lambda_cov_fail_under {name}")
        else:
            default = _percent(token, "lambda_cov_fail_under")
    return FailUnder(default, overrides)


def _under(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:  # different drives
        return False


_SKIP_DIRS = ("__pycache__", "node_modules", "site-packages")


def _python_files(directory: str) -> Iterable[str]:
    """The .py files of a code directory (no hidden folders, caches, virtualenvs)."""
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS
                   and not os.path.exists(os.path.join(root, d, "pyvenv.cfg"))]
        yield from (os.path.join(root, f) for f in files if f.endswith(".py"))


def line_coverage(cov: Any, directories: Iterable[str]) -> dict[str, tuple[int, int]]:
    """(statements, executed) per directory, from a coverage.py ``Coverage``'s data.

    A file of the directory that never ran counts with all its statements missed, also where
    coverage itself does not list it (Lambda code directories are seldom packages).
    """
    dirs = {d: os.path.realpath(d) for d in directories}
    totals = dict.fromkeys(dirs, (0, 0))
    with warnings.catch_warnings():
        # "No data was collected" is the gate's finding to report, not an error of its own
        # (under filterwarnings = error it would end the session with a traceback).
        warnings.simplefilter("ignore")
        data = cov.get_data()
    measured = {os.path.realpath(f): f for f in data.measured_files()}
    for real_dir in set(dirs.values()):
        for path in _python_files(real_dir):
            measured.setdefault(os.path.realpath(path), path)
    for real, filename in measured.items():
        owners = [d for d, r in dirs.items() if _under(real, r)]
        if not owners:
            continue
        try:
            _, statements, _, missing, _ = cov.analysis2(filename)
        except Exception:  # source gone or not Python: coverage skips it too
            continue
        for d in owners:
            s, e = totals[d]
            totals[d] = (s + len(statements), e + len(statements) - len(missing))
    return totals


@dataclass(frozen=True)
class GateRow:
    """One function's line of the gate table."""

    function: FunctionInfo
    invocations: int
    statements: int | None
    executed: int | None
    required: float | None
    problems: tuple[str, ...]

    @property
    def percent(self) -> float | None:
        if self.statements is None or self.executed is None:
            return None
        return 100.0 if self.statements == 0 else 100.0 * self.executed / self.statements


def evaluate(functions: Iterable[FunctionInfo], invocations: Mapping[str, int], *,
             require_invoked: bool, fail_under: FailUnder,
             coverage: Mapping[str, tuple[int, int]] | None) -> tuple[list[GateRow], list[str]]:
    """The table's rows and the session-level problems (e.g. an override naming no function)."""
    rows: list[GateRow] = []
    known: set[str] = set()
    for fn in sorted(functions, key=lambda f: f.shown):
        known.update({fn.name, fn.label})
        count = invocations.get(fn.name, 0)
        problems: list[str] = []
        if require_invoked and count == 0:
            problems.append("never invoked")
        required = fail_under.required(fn) if fail_under else None
        statements = executed = None
        if coverage is not None and fn.code_dir is not None:
            statements, executed = coverage.get(fn.code_dir, (0, 0))
        row = GateRow(fn, count, statements, executed, required, ())
        if required is not None:
            pct = row.percent
            if pct is None:
                problems.append("no coverage data")
            elif round(pct, 2) < required:
                problems.append(f"lines {pct:.2f}% < {required:g}%")
        rows.append(GateRow(fn, count, statements, executed, required, tuple(problems)))
    session: list[str] = []
    unknown = sorted(set(fail_under.overrides) - known)
    if unknown:
        session.append(
            f"lambda_cov_fail_under names {', '.join(unknown)}, which "
            f"{'is' if len(unknown) == 1 else 'are'} no function of this session (known: "
            f"{', '.join(sorted(r.function.shown for r in rows)) or 'none'}); fix the name")
    if fail_under and coverage is None:
        session.append("lambda_cov_fail_under needs coverage measurement: run pytest with "
                       "--cov=<your code> (pytest-cov) or under 'coverage run -m pytest'")
    return rows, session


def table(rows: list[GateRow]) -> list[str]:
    """The gate table as aligned text lines."""
    head = ("function", "invocations", "lines", "cover", "required", "result")
    body = []
    for r in rows:
        pct = r.percent
        body.append((
            r.function.shown,
            str(r.invocations),
            "-" if r.statements is None else f"{r.executed}/{r.statements}",
            "-" if pct is None else f"{pct:.2f}%",
            "-" if r.required is None else f"{r.required:g}%",
            "FAIL: " + "; ".join(r.problems) if r.problems else "ok",
        ))
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    lines = []
    for cells in [head, *body]:
        parts = [cells[0].ljust(widths[0])]
        parts += [c.rjust(w) for c, w in zip(cells[1:-1], widths[1:-1], strict=True)]
        parts.append(cells[-1])
        lines.append("  ".join(parts))
    return lines
