"""Coverage per Lambda function, from a coverage.py measurement.

A function's figure adds up two parts:

- its code directory (``CodeUri``, a ``LambdaFunction``'s ``code_dir``): every ``.py`` file
  under it (and ``.js``/``.mjs``/``.cjs`` file, from the lines observe/coverage_js.py added),
  whoever ran it (its own invocations, or tests importing the module directly), and files
  that never ran count with every statement missed;
- shared modules: any other measured file (a shared library, a layer's code) counts with the
  lines run *during that function's invocations*, told apart by the coverage context the plugin
  switches to around each invocation (``...|lambda:<function name>``, see
  ``observe/coverage.py``). Without those contexts (``[run] dynamic_context`` set by the user,
  or coverage's ``sysmon`` core, which has none), only the code directory counts.

Branch figures come with the line figures when coverage measures branches.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .v8lines import JS_SUFFIXES, code_lines, js_files

__all__ = ["Figures", "coverage_by_function", "directory_coverage"]

#: The package's own files run inside every invocation; they are never a function's code.
_OWN_PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_SKIP_DIRS = ("__pycache__", "node_modules", "site-packages")


@dataclass
class Figures:
    """Statements and branches of some files, and how many of them ran."""

    statements: int = 0
    executed: int = 0
    branches: int = 0
    covered_branches: int = 0
    #: True when coverage measured branches (``--cov-branch``, ``[run] branch``).
    branch: bool = False

    def add(self, other: Figures) -> None:
        self.statements += other.statements
        self.executed += other.executed
        self.branches += other.branches
        self.covered_branches += other.covered_branches
        self.branch = self.branch or other.branch

    @property
    def line_percent(self) -> float:
        return 100.0 if self.statements == 0 else 100.0 * self.executed / self.statements

    @property
    def branch_percent(self) -> float | None:
        if not self.branch:
            return None
        return 100.0 if self.branches == 0 else 100.0 * self.covered_branches / self.branches

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"statements": self.statements, "executed": self.executed,
                               "percent": round(self.line_percent, 2)}
        if self.branch:
            out.update(branches=self.branches, covered_branches=self.covered_branches,
                       branch_percent=round(self.branch_percent or 0.0, 2))
        return out


def _under(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:  # different drives
        return False


def _python_files(directory: str) -> Iterable[str]:
    """The .py files of a code directory (no hidden folders, caches, virtualenvs)."""
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS
                   and not os.path.exists(os.path.join(root, d, "pyvenv.cfg"))]
        yield from (os.path.join(root, f) for f in files if f.endswith(".py"))


def _javascript(cov: Any, filename: str,
                javascript: Mapping[str, set[int]] | None) -> Figures | None:
    """A JavaScript file's lines: from ``javascript`` (covered lines by real path) when given,
    else from the data (where observe/coverage_js.py recorded them)."""
    try:
        statements = code_lines(filename)
    except OSError:
        return None
    if javascript is not None:
        executed = javascript.get(os.path.realpath(filename), set()) & statements
    else:
        executed = set(cov.get_data().lines(filename) or ()) & statements
    return Figures(len(statements), len(executed))  # V8 lines: no branch figures


def _figures(cov: Any, filename: str,
             javascript: Mapping[str, set[int]] | None = None) -> Figures | None:
    """A file's figures under the data's current query contexts; None if not Python."""
    if filename.endswith(JS_SUFFIXES):
        return _javascript(cov, filename, javascript)
    try:
        analyze = getattr(cov, "_analyze", None)
        if analyze is None:  # no Analysis to read branches from: lines only
            _, statements, _, missing, _ = cov.analysis2(filename)
            return Figures(len(statements), len(statements) - len(missing))
        n = analyze(filename).numbers
    except Exception:  # source gone or not Python: coverage's report skips it too
        return None
    branch = bool(cov.get_data().has_arcs())
    return Figures(n.n_statements, n.n_executed, n.n_branches if branch else 0,
                   n.n_branches - n.n_missing_branches if branch else 0, branch)


def directory_coverage(cov: Any, directories: Iterable[str], *,
                       javascript: Mapping[str, set[int]] | None = None) -> dict[str, Figures]:
    """The figures of each code directory, whoever ran its files.

    A file of the directory that never ran counts with all its statements missed, also where
    coverage itself does not list it (Lambda code directories are seldom packages).
    """
    dirs = {d: os.path.realpath(d) for d in directories}
    # A directory has branch figures when a Python file brings them (JavaScript has none).
    totals = {d: Figures() for d in dirs}
    measured = {os.path.realpath(f): f for f in cov.get_data().measured_files()}
    for real_dir in set(dirs.values()):
        for path in (*_python_files(real_dir), *js_files(real_dir)):
            measured.setdefault(os.path.realpath(path), path)
    for real, filename in measured.items():
        owners = [d for d, r in dirs.items() if _under(real, r)]
        figures = _figures(cov, filename, javascript) if owners else None
        if figures is not None:
            for d in owners:
                totals[d].add(figures)
    return totals


def _context_pattern(name: str) -> str:
    # The innermost invocation owns the lines: a handler that invokes another function
    # in-process runs the other's code under "...|lambda:A|lambda:B".
    return rf"(^|\|)lambda:{re.escape(name)}$"


def _shared(cov: Any, name: str, code_dir: str | None) -> Figures | None:
    """Lines of files outside ``code_dir`` run during ``name``'s invocations."""
    data = cov.get_data()
    own = os.path.realpath(code_dir) if code_dir else None
    total: Figures | None = None
    data.set_query_contexts([_context_pattern(name)])
    try:
        for filename in sorted(data.measured_files()):
            real = os.path.realpath(filename)
            if ((own and _under(real, own)) or _under(real, _OWN_PACKAGE)
                    or filename.endswith(JS_SUFFIXES)):  # Node.js lines carry no contexts
                continue
            if not data.lines(filename):
                continue
            figures = _context_figures(cov, data, filename)
            if figures is not None:
                total = total or Figures()
                total.add(figures)
    finally:
        data.set_query_contexts(None)
    return total


def _context_figures(cov: Any, data: Any, filename: str) -> Figures | None:
    """A file's figures counting only the lines and arcs of the data's query contexts.

    Read from the data itself: an Analysis made by ``Coverage._analyze`` follows the query
    contexts in recent coverage.py but not in older ones (7.10 counts every context).
    """
    try:
        analysis = cov._analyze(filename)
    except Exception:  # source gone or not Python: coverage's report skips it too
        return None
    statements = set(analysis.statements)
    executed = set(data.lines(filename) or ()) & statements
    if not data.has_arcs():
        return Figures(len(statements), len(executed))
    branch_lines = set(analysis._branch_lines())
    possible = {a for a in analysis.arc_possibilities_set if a[0] in branch_lines}
    total = sum(analysis.exit_counts[line] for line in branch_lines)
    taken = {a for a in (data.arcs(filename) or ()) if a in possible}
    return Figures(len(statements), len(executed), total, len(taken), True)


def coverage_by_function(cov: Any, functions: Mapping[str, str | None], *,
                         javascript: Mapping[str, set[int]] | None = None,
                         ) -> dict[str, Figures | None]:
    """Each function's figures (``functions``: name -> code directory); None when it has
    neither a code directory nor lines run in its invocations. ``javascript``: the covered
    lines of JavaScript files by real path, when not (yet) in the data."""
    dirs = directory_coverage(cov, {d for d in functions.values() if d}, javascript=javascript)
    data = cov.get_data()
    contexts = [c for c in data.measured_contexts() if "lambda:" in c]
    out: dict[str, Figures | None] = {}
    for name, code_dir in functions.items():
        figures = None
        if code_dir:
            figures = Figures()
            figures.add(dirs[code_dir])
        if any(re.search(_context_pattern(name), c) for c in contexts):
            shared = _shared(cov, name, code_dir)
            if shared is not None:
                figures = figures or Figures()
                figures.add(shared)
        out[name] = figures
    return out
