"""``pytest-lambda coverage``: the per-function gate table from saved data, for CI steps.

Reads one or more ``--lambda-report`` JSON files (shards of a split suite are added up), the
template's functions and, for coverage minimums, a coverage.py data file; prints the same table
as the plugin's gates (or JSON) and exits 1 when a gate fails.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections import Counter
from typing import Any

from pytest_lambda.observe.gates import (
    FunctionInfo,
    evaluate,
    line_coverage,
    parse_fail_under,
    table,
)

__all__ = ["register"]


def register(parser: argparse.ArgumentParser) -> Any:
    """Add the subcommand's arguments; return its handler."""
    parser.description = __doc__.splitlines()[0] if __doc__ else None
    parser.add_argument("--report", action="append", default=[], metavar="PATH|GLOB",
                        help="a --lambda-report JSON file; repeatable, globs allowed "
                        "(shard-*.json): invocations are added up")
    parser.add_argument("--template", default=None,
                        help="SAM template.yaml or serverless.yml naming the functions")
    parser.add_argument("--data-file", default=None,
                        help="coverage.py data file (combined), for --fail-under")
    parser.add_argument("--require-invoked", action="store_true",
                        help="fail unless every function was invoked at least once")
    parser.add_argument("--fail-under", action="append", default=[],
                        metavar="PERCENT|FUNCTION=PERCENT",
                        help="minimum line coverage per function; repeatable")
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    return _run


def _fail(message: str) -> int:
    print(f"pytest-lambda coverage: error: {message}", file=sys.stderr)
    return 2


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    if extra:
        return _fail(f"unexpected arguments {' '.join(extra)}")
    try:
        fail_under = parse_fail_under(args.fail_under)
    except ValueError as exc:
        return _fail(str(exc).replace("lambda_cov_fail_under", "--fail-under"))
    paths = [p for pattern in args.report for p in (sorted(glob.glob(pattern)) or [pattern])]
    invocations: Counter[str] = Counter()
    functions: dict[str, FunctionInfo] = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                rows = json.load(f)["functions"]
        except (OSError, ValueError, KeyError) as exc:
            return _fail(f"--report {path!r} is not a readable --lambda-report file ({exc})")
        for row in rows:
            invocations[row["function"]] += int(row.get("invocations", 0))
            functions.setdefault(row["function"], FunctionInfo(row["function"], None))
    if args.template:
        from pytest_lambda.template import load_template

        for fn in load_template(args.template).values():
            try:
                code_dir: str | None = str(fn.kwargs()["code_dir"])
            except Exception:  # a function that cannot be built has no directory
                code_dir = None
            functions[fn.function_name] = FunctionInfo(fn.function_name, code_dir, fn.logical_id)
    if not functions:
        return _fail("no functions: give --template and/or --report")
    coverage = None
    if fail_under:
        if args.data_file is None:
            return _fail("--fail-under needs --data-file (the combined .coverage file)")
        import coverage as coverage_py

        cov = coverage_py.Coverage(data_file=args.data_file, config_file=False)
        cov.load()
        coverage = line_coverage(cov, {f.code_dir for f in functions.values() if f.code_dir})
    rows, problems = evaluate(functions.values(), invocations,
                              require_invoked=args.require_invoked, fail_under=fail_under,
                              coverage=coverage)
    failed = bool(problems) or any(r.problems for r in rows)
    if args.json:
        print(json.dumps({"passed": not failed, "problems": problems, "functions": [
            {"function": r.function.name, "label": r.function.label or r.function.name,
             "invocations": r.invocations, "statements": r.statements, "executed": r.executed,
             "percent": r.percent, "required": r.required, "problems": list(r.problems)}
            for r in rows]}, indent=2))
    else:
        print("\n".join(table(rows)))
        for problem in problems:
            print(f"ERROR: {problem}")
    return 1 if failed else 0
