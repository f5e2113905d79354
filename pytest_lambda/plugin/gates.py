"""The session gates of the pytest plugin: ``lambda_require_invoked``, ``lambda_cov_fail_under``.

The functions each test created travel on its teardown report (like the invocation records in
reporting.py), so the pytest-xdist controller sees all of them; the gates are evaluated once,
on the controller, at session finish (after pytest-cov has combined its data), and a failing
gate fails the run with a table.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pytest_lambda.observe.coverage import v8_directory_for
from pytest_lambda.observe.gates import (
    FailUnder,
    FunctionInfo,
    GateRow,
    evaluate,
    line_coverage,
    parse_fail_under,
    table,
)
from pytest_lambda.observe.v8lines import js_line_coverage
from pytest_lambda.plugin.reporting import PROPERTY as INVOCATIONS_PROPERTY
from pytest_lambda.plugin.state import FUNCTIONS_KEY, SETTINGS_KEY

FUNCTIONS_PROPERTY = "pytest_lambda.functions"
PLUGIN_NAME = "lambda-gates"


def add_options(parser: pytest.Parser) -> None:
    """Register ``--lambda-require-invoked``, ``--lambda-cov-fail-under`` and their ini twins."""
    group = parser.getgroup("aws_lambda")
    group.addoption(
        "--lambda-require-invoked", dest="lambda_require_invoked", action="store_true",
        default=None, help="fail the run unless every function of the template (and every "
        "LambdaFunction created) was invoked at least once (ini: lambda_require_invoked)")
    group.addoption(
        "--lambda-cov-fail-under", dest="lambda_cov_fail_under", action="append",
        default=None, metavar="PERCENT|FUNCTION=PERCENT",
        help="fail the run if a function's code directory has less line coverage; "
        "repeatable, e.g. 80 Orders=90 (ini: lambda_cov_fail_under)")
    parser.addini("lambda_require_invoked", "default for --lambda-require-invoked",
                  type="bool", default=False)
    parser.addini("lambda_cov_fail_under", "minimum line coverage per function: a default "
                  "percentage and/or FunctionName=percent overrides", type="args", default=[])


def configure(config: pytest.Config) -> None:
    """Validate the gate options and register the plugin object when a gate is on."""
    require = config.getoption("lambda_require_invoked")
    if require is None:
        require = bool(config.getini("lambda_require_invoked"))
    raw = config.getoption("lambda_cov_fail_under")
    if raw is None:
        raw = list(config.getini("lambda_cov_fail_under"))
    try:
        fail_under = parse_fail_under(raw)
    except ValueError as exc:
        raise pytest.UsageError(f"{exc} (--lambda-cov-fail-under or ini "
                                "lambda_cov_fail_under)") from None
    if require or fail_under:
        config.pluginmanager.register(GatesPlugin(config, bool(require), fail_under),
                                      PLUGIN_NAME)


def _coverage(config: pytest.Config) -> Any:
    """The session's coverage.py measurement, combined when pytest-cov runs it; or None."""
    cov_plugin = config.pluginmanager.getplugin("_cov")
    controller = getattr(cov_plugin, "cov_controller", None)
    if controller is not None and getattr(controller, "cov", None) is not None:
        return controller.cov
    import sys

    module = sys.modules.get("coverage")
    return module.Coverage.current() if module is not None else None


class GatesPlugin:
    """Collects invocations and functions per test; evaluates the gates once per session."""

    def __init__(self, config: pytest.Config, require_invoked: bool,
                 fail_under: FailUnder) -> None:
        self.config = config
        self.is_worker = hasattr(config, "workerinput")
        self.require_invoked = require_invoked
        self.fail_under = fail_under
        self.invocations: Counter[str] = Counter()
        self.functions: dict[str, FunctionInfo] = {}
        self.rows: list[GateRow] = []
        self.problems: list[str] = []
        self.started = time.time()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item,
                                  call: pytest.CallInfo[None]) -> Any:
        report = yield
        if call.when == "teardown":
            created = item.stash.get(FUNCTIONS_KEY, None) or []
            if created:
                report.user_properties.append((FUNCTIONS_PROPERTY, json.dumps(
                    [{"name": fn.name, "code_dir": str(fn.config.code_dir)} for fn in created])))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        for name, value in report.user_properties:
            if name == FUNCTIONS_PROPERTY:
                for fn in json.loads(str(value)):
                    self.functions.setdefault(fn["name"], FunctionInfo(fn["name"],
                                                                       fn["code_dir"]))
            elif name == INVOCATIONS_PROPERTY:
                # Batched records count invocations; older per-invocation ones are flagged
                # when throttled.
                self.invocations.update(
                    r["function"] for r in json.loads(str(value))
                    if (r.get("invocations") if "invocations" in r else not r.get("throttled")))

    def _template_functions(self) -> list[FunctionInfo]:
        settings = self.config.stash.get(SETTINGS_KEY, None)
        if settings is None or settings.template is None:
            return []
        from pytest_lambda.template import load_template

        found = []
        for fn in load_template(settings.template, region=settings.region).values():
            try:
                code_dir: str | None = str(fn.kwargs()["code_dir"])
            except Exception:  # a function that cannot be built has no directory
                code_dir = None
            found.append(FunctionInfo(fn.function_name, code_dir, fn.logical_id))
        return found

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self) -> None:
        # Node.js workers' V8 coverage of an earlier run must not count in this one.
        cov = None if self.is_worker else _coverage(self.config)
        if cov is not None:
            for stale in Path(v8_directory_for(cov.config.data_file)).glob("coverage-*.json"):
                stale.unlink(missing_ok=True)

    def _add_javascript(self, coverage: dict[str, tuple[int, int]], cov: Any) -> None:
        """Add each directory's JavaScript lines, from the Node.js workers' V8 coverage."""
        folder = v8_directory_for(cov.config.data_file)
        for directory, (statements, executed) in coverage.items():
            js = js_line_coverage(folder, directory, since=self.started).values()
            coverage[directory] = (statements + sum(n for n, _ in js),
                                   executed + sum(c for _, c in js))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker:
            return
        functions = dict(self.functions)
        for fn in self._template_functions():  # the template's entry (with its label) wins
            functions[fn.name] = fn
        coverage = None
        if self.fail_under:
            cov = _coverage(self.config)
            if cov is not None:
                dirs = {f.code_dir for f in functions.values() if f.code_dir is not None}
                coverage = line_coverage(cov, dirs)
                self._add_javascript(coverage, cov)
        self.rows, self.problems = evaluate(
            functions.values(), self.invocations, require_invoked=self.require_invoked,
            fail_under=self.fail_under, coverage=coverage)
        if self.failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(r.problems for r in self.rows)

    @pytest.hookimpl(trylast=True)  # after the coverage report and the Lambda summary
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.is_worker or not (self.rows or self.problems):
            return
        title = "AWS Lambda gates: " + ("FAILED" if self.failed else "passed")
        terminalreporter.write_sep("=", title, red=self.failed, green=not self.failed)
        for line in table(self.rows):
            terminalreporter.write_line(line)
        for problem in self.problems:
            terminalreporter.write_line(f"ERROR: {problem}", red=True)
        if self.require_invoked:
            never = [r.function.shown for r in self.rows if r.invocations == 0]
            if never:
                terminalreporter.write_line(
                    f"lambda_require_invoked: {len(never)} of {len(self.rows)} functions were "
                    f"never invoked: {', '.join(never)}", red=True)
