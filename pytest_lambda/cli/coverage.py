"""``pytest-lambda coverage``: the per-function gate table from saved data, for CI steps.

Reads one or more ``--lambda-report`` JSON files (shards of a split suite are added up: their
invocations and the event sources they exercised), the template's functions and, for coverage
minimums, a coverage.py data file; prints the same tables as the plugin's gates (or JSON) and
exits 1 when a gate fails.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
from collections import Counter
from typing import Any

from pytest_lambda.observe.event_gate import Declared, checks
from pytest_lambda.observe.event_gate import table as events_table
from pytest_lambda.observe.function_coverage import coverage_by_function
from pytest_lambda.observe.gates import FunctionInfo, evaluate, parse_fail_under, table

__all__ = ["register"]


def register(parser: argparse.ArgumentParser) -> Any:
    """Add the subcommand's arguments; return its handler."""
    parser.description = __doc__.splitlines()[0] if __doc__ else None
    parser.add_argument("--report", "--combine", action="extend", nargs="+", default=[],
                        metavar="PATH|GLOB",
                        help="--lambda-report JSON files (shards); repeatable, globs allowed "
                        "(shard-*.json): invocations and event sources are added up")
    parser.add_argument("--template", default=None,
                        help="SAM template.yaml or serverless.yml naming the functions")
    parser.add_argument("--data-file", default=None,
                        help="coverage.py data file (combined), for --fail-under")
    parser.add_argument("--rcfile", default=None,
                        help="coverage.py configuration file (default: .coveragerc, setup.cfg, "
                        "tox.ini or pyproject.toml here, as coverage report reads them)")
    parser.add_argument("--require-invoked", action="store_true",
                        help="fail unless every function was invoked at least once")
    parser.add_argument("--require-events", action="store_true",
                        help="fail unless every event source a template function declares "
                        "was exercised (needs --template)")
    parser.add_argument("--fail-under", action="append", default=[],
                        metavar="PERCENT[:BRANCH]|FUNCTION=PERCENT[:BRANCH]",
                        help="minimum line (and branch) coverage per function; repeatable")
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    return _run


def _fail(message: str) -> int:
    print(f"pytest-lambda coverage: error: {message}", file=sys.stderr)
    return 2


def _close_data(cov: Any) -> None:
    """Close the database a failed ``load()`` left open (a file that is no coverage data:
    coverage.py keeps its connection, which Python 3.13 reports as unclosed when collected)."""
    data = getattr(cov, "_data", None)  # coverage.py keeps no public way to close it
    for db in list(getattr(data, "_dbs", {}).values()):
        try:
            db.close()
        except Exception:
            pass


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    if extra:
        return _fail(f"unexpected arguments {' '.join(extra)}")
    try:
        fail_under = parse_fail_under(args.fail_under)
    except ValueError as exc:
        return _fail(str(exc).replace("lambda_cov_fail_under", "--fail-under"))
    for option, given in (("--data-file", args.data_file), ("--rcfile", args.rcfile)):
        if given and not os.path.isfile(given):
            return _fail(f"{option} {given!r} does not exist (or is not a file)")
    if args.require_events and not args.template:
        return _fail("--require-events needs --template (the functions' declared events)")
    paths = [p for pattern in args.report for p in (sorted(glob.glob(pattern)) or [pattern])]
    invocations: Counter[str] = Counter()
    sources: dict[str, Counter[str]] = {}
    functions: dict[str, FunctionInfo] = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except OSError as exc:
            return _fail(f"--report {path!r} cannot be read ({exc.strerror or exc})")
        except ValueError as exc:
            return _fail(f"--report {path!r} is not JSON ({exc}): give the file pytest wrote "
                         "with --lambda-report")
        rows = data.get("functions") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not all(
                isinstance(r, dict) and isinstance(r.get("function"), str) for r in rows):
            return _fail(f"--report {path!r} is not a --lambda-report file (a JSON object "
                         "whose \"functions\" lists the functions): give the file pytest "
                         "wrote with --lambda-report")
        for row in rows:
            invocations[row["function"]] += int(row.get("invocations", 0))
            sources.setdefault(row["function"], Counter()).update(row.get("event_sources", {}))
            functions.setdefault(row["function"], FunctionInfo(row["function"],
                                                               row.get("code_dir")))
    declared: dict[str, list[Declared]] = {}
    if args.template:
        # Only with --template: the template loader.
        from pytest_lambda.template import TemplateError, load_template

        try:
            template = load_template(args.template)
        except TemplateError as exc:
            return _fail(f"--template: {exc}")
        for fn in template.values():
            try:
                code_dir: str | None = str(fn.kwargs()["code_dir"])
            except Exception:  # a function that cannot be built has no directory
                code_dir = None
            functions[fn.function_name] = FunctionInfo(fn.function_name, code_dir, fn.logical_id)
            declared[fn.function_name] = fn.declared_events()
    if not functions:
        return _fail("no functions: give --template and/or --report")
    coverage = None
    if fail_under or args.data_file:
        if args.data_file is None:
            return _fail("--fail-under needs --data-file (the combined .coverage file)")
        import coverage as coverage_py

        # The session's configuration: relative_files names, [report] exclusions, plugins.
        cov = coverage_py.Coverage(data_file=args.data_file, config_file=args.rcfile or True)
        try:
            cov.load()
        except coverage_py.CoverageException as exc:
            _close_data(cov)
            return _fail(f"--data-file {args.data_file!r} / --rcfile: {exc}")
        coverage = coverage_by_function(cov, {n: f.code_dir for n, f in functions.items()})
    event_checks = checks(declared, sources)
    rows, problems = evaluate(functions.values(), invocations,
                              require_invoked=args.require_invoked, fail_under=fail_under,
                              coverage=coverage, require_events=args.require_events,
                              events=event_checks if args.require_events else None)
    failed = bool(problems) or any(r.problems for r in rows)
    if args.json:
        print(json.dumps({"passed": not failed, "problems": problems, "functions": [
            {"function": r.function.name, "label": r.function.label or r.function.name,
             "invocations": r.invocations,
             "statements": None if r.figures is None else r.figures.statements,
             "executed": None if r.figures is None else r.figures.executed,
             "percent": r.percent,
             "branches": r.figures.branches if r.figures and r.figures.branch else None,
             "covered_branches": (r.figures.covered_branches if r.figures and r.figures.branch
                                  else None),
             "branch_percent": r.branch_percent,
             "required": None if r.required is None else {
                 "lines": r.required.lines, "branches": r.required.branch_minimum},
             "event_sources": dict(sources.get(r.function.name, {})),
             "events_missing": [d.shown for d in (r.events.missing if r.events else [])],
             "problems": list(r.problems)}
            for r in rows]}, indent=2))
    else:
        print("\n".join(table(rows)))
        for problem in problems:
            print(f"ERROR: {problem}")
        if args.require_events and event_checks:
            print("\nevent sources per function:")
            print("\n".join(events_table((r.function.shown, r.events) for r in rows
                                         if r.events is not None)))
    return 1 if failed else 0
