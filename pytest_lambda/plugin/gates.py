"""The session gates of the pytest plugin: ``lambda_require_invoked``,
``lambda_require_events`` and ``lambda_cov_fail_under``; and the summary's coverage column.

The functions each test created travel on its teardown report (like the invocation records in
reporting.py, which carry each event's detected source), so the pytest-xdist controller sees
all of them; the gates are evaluated once, on the controller, at session finish (after
pytest-cov has combined its data), and a failing gate fails the run with a table.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pytest_lambda.observe.coverage import CONTEXT_FLAG, v8_directory_for
from pytest_lambda.observe.event_gate import Declared, EventCheck, checks
from pytest_lambda.observe.event_gate import table as events_table
from pytest_lambda.observe.function_coverage import Figures, coverage_by_function
from pytest_lambda.observe.gates import (
    FailUnder,
    FunctionInfo,
    GateRow,
    evaluate,
    parse_fail_under,
    table,
)
from pytest_lambda.plugin.reporting import PROPERTY as INVOCATIONS_PROPERTY
from pytest_lambda.plugin.state import FUNCTIONS_KEY, REPORTING_KEY, SETTINGS_KEY

FUNCTIONS_PROPERTY = "pytest_lambda.functions"
PLUGIN_NAME = "lambda-gates"

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0", "")


#: The key an xdist worker reports its deselected tests under (see pytest_testnodedown): a run
#: with tests deselected (-k, -m, --lf, --deselect, --sw) is a subset of the suite, whose
#: suite-wide gates are then not checked.
_DESELECTED_OUTPUT = "pytest_lambda_deselected"


def add_options(parser: pytest.Parser) -> None:
    """Register the gates' command-line options and their ini twins."""
    group = parser.getgroup("aws_lambda")
    group.addoption(
        "--lambda-require-invoked", dest="lambda_require_invoked", action="store_true",
        default=None, help="fail the run unless every function of the template (and every "
        "LambdaFunction created) was invoked at least once (ini: lambda_require_invoked)")
    group.addoption(
        "--lambda-require-events", dest="lambda_require_events", action="store_true",
        default=None, help="fail the run unless every event source a template function "
        "declares (Events:, events:, a Function URL) was exercised by an invocation with "
        "that source's event shape (ini: lambda_require_events)")
    group.addoption(
        "--lambda-cov-fail-under", dest="lambda_cov_fail_under", action="append",
        default=None, metavar="PERCENT[:BRANCH]|FUNCTION=PERCENT[:BRANCH]",
        help="fail the run if a function's code has less line (and, when measured, branch) "
        "coverage; repeatable, e.g. 80 Orders=90:75 (ini: lambda_cov_fail_under)")
    parser.addini("lambda_require_invoked", "default for --lambda-require-invoked (true or "
                  "false)", default="false")
    parser.addini("lambda_require_events", "default for --lambda-require-events (true or "
                  "false)", default="false")
    parser.addini("lambda_cov_context", "switch coverage's context to lambda:<function> "
                  "around each invocation, to attribute shared modules per function (true or "
                  "false; costs a coverage data flush per invocation)", default="true")
    parser.addini("lambda_cov_fail_under", "minimum coverage per function: a default "
                  "percentage and/or FunctionName=percent overrides; lines:branches for "
                  "separate branch minimums", type="args", default=[])


def _truth(raw: str, option: str, *, flag: bool = True) -> bool:
    value = raw.strip().lower()
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    also = f", or the --{option.replace('_', '-')} flag" if flag else ""
    raise pytest.UsageError(f"{option} = {raw!r} is not valid: use true or false (ini "
                            f"{option}{also}).")


def configure(config: pytest.Config) -> None:
    """Validate the gate options and register the plugin object."""
    require = config.getoption("lambda_require_invoked")
    if require is None:
        require = _truth(str(config.getini("lambda_require_invoked")), "lambda_require_invoked")
    events = config.getoption("lambda_require_events")
    if events is None:
        events = _truth(str(config.getini("lambda_require_events")), "lambda_require_events")
    raw = config.getoption("lambda_cov_fail_under")
    if raw is None:
        raw = list(config.getini("lambda_cov_fail_under"))
    try:
        fail_under = parse_fail_under(raw)
    except ValueError as exc:
        raise pytest.UsageError(f"{exc} (--lambda-cov-fail-under or ini "
                                "lambda_cov_fail_under)") from None
    if events:  # invocation records must carry their event's source
        reporting = config.stash.get(REPORTING_KEY, None)
        if reporting is not None:
            reporting.event_sources = True
    cov_context = _truth(str(config.getini("lambda_cov_context")), "lambda_cov_context",
                         flag=False)
    plugin = GatesPlugin(config, bool(require), bool(events), fail_under, cov_context=cov_context)
    if plugin.gated and not plugin.is_worker:
        # A gate reads the template at the session's end: one that cannot be read stops the
        # run now, not after every test has run (it ended in a bare traceback there).
        plugin.check_template()
    config.pluginmanager.register(plugin, PLUGIN_NAME)


def _coverage(config: pytest.Config) -> Any:
    """The session's coverage.py measurement, combined when pytest-cov runs it; or None."""
    cov_plugin = config.pluginmanager.getplugin("_cov")
    controller = getattr(cov_plugin, "cov_controller", None)
    if controller is not None and getattr(controller, "cov", None) is not None:
        return controller.cov
    module = sys.modules.get("coverage")
    return module.Coverage.current() if module is not None else None


def _portable(code_dir: str, root: str) -> str:
    """``code_dir`` relative to the project's root when it is inside it: the report is read by
    ``pytest-lambda coverage`` in another checkout (a CI job's), from the project's root,
    where the absolute path of the shard's checkout names other files, or none."""
    absolute = os.path.abspath(code_dir)
    if absolute == root or absolute.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, root)
    return code_dir


class GatesPlugin:
    """Collects invocations and functions per test; evaluates the gates once per session.

    Registered in every session (the summary's coverage column needs the functions too); the
    gate table is printed only when a gate is on.
    """

    def __init__(self, config: pytest.Config, require_invoked: bool, require_events: bool,
                 fail_under: FailUnder, *, cov_context: bool = True) -> None:
        self.config = config
        self.is_worker = hasattr(config, "workerinput")
        self.require_invoked = require_invoked
        self.require_events = require_events
        self.fail_under = fail_under
        self.invocations: Counter[str] = Counter()
        self.sources: dict[str, Counter[str]] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.rows: list[GateRow] = []
        self.problems: list[str] = []
        self.event_checks: dict[str, EventCheck] = {}
        #: Covered lines of the Node.js handlers' files, by real path (from V8's coverage).
        self.javascript: dict[str, set[int]] = {}
        self.started = time.time()
        #: ini lambda_cov_context: switch coverage's context around each invocation.
        self.cov_context = cov_context
        #: Tests deselected in this process (-k, -m, --lf, --deselect).
        self.deselected = 0
        #: Why the run was not the whole suite, if it was not (see _partial_run).
        self.partial = ""
        #: The template's functions, once read (see check_template).
        self._template: list[tuple[FunctionInfo, list[Declared]]] | None = None

    @property
    def gated(self) -> bool:
        return self.require_invoked or self.require_events or bool(self.fail_under)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)
        output = getattr(self.config, "workeroutput", None)
        if output is not None:  # an xdist worker: the controller reads it (testnodedown)
            output[_DESELECTED_OUTPUT] = self.deselected

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """Under xdist the workers collect and deselect (-k, -m, --lf, ... from the command
        line, the ini's addopts or PYTEST_ADDOPTS alike); each deselects the same tests."""
        output = getattr(node, "workeroutput", None) or {}
        self.deselected = max(self.deselected, int(output.get(_DESELECTED_OUTPUT, 0)))

    def _partial_run(self) -> str:
        """Why this run is not the whole suite ("" if it is): tests were deselected, in this
        process or in the xdist workers, however the selection was given."""
        if self.deselected:
            return f"{self.deselected} tests were deselected"
        return ""

    @pytest.hookimpl(tryfirst=True)  # before fixtures run (they may invoke functions)
    def pytest_runtest_setup(self) -> None:
        if not self.cov_context:  # mark the measurement (started by now, xdist workers too)
            cov = _coverage(self.config)
            if cov is not None:
                setattr(cov, CONTEXT_FLAG, False)

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
                # Batched records count invocations (and their event sources); older
                # per-invocation ones are flagged when throttled.
                for record in json.loads(str(value)):
                    if "invocations" in record:
                        self.invocations[record["function"]] += int(record["invocations"])
                        sources = record.get("event_sources") or {}
                    elif record.get("throttled"):
                        continue
                    else:
                        self.invocations[record["function"]] += 1
                        sources = ({record["event_source"]: 1} if "event_source" in record
                                   else {})
                    for source, n in sources.items():
                        self.sources.setdefault(record["function"], Counter())[source] += n

    def check_template(self) -> None:
        """Read the ini template now (kept for the session's end); a ``pytest.UsageError``
        naming it when it cannot be read."""
        from pytest_lambda.template import TemplateError

        settings = self.config.stash.get(SETTINGS_KEY, None)
        if settings is None or settings.template is None:
            return
        try:
            self._template = self._template_functions()
        except (TemplateError, ValueError) as exc:
            raise pytest.UsageError(
                f"lambda_template = {str(settings.template)!r} cannot be read, and the gates "
                f"(lambda_require_invoked, lambda_require_events, lambda_cov_fail_under) need "
                f"its functions: {exc}") from None

    def _template_functions(self) -> list[tuple[FunctionInfo, list[Declared]]]:
        if self._template is not None:
            return self._template
        settings = self.config.stash.get(SETTINGS_KEY, None)
        if settings is None or settings.template is None:
            return []
        # templates load only when a gate needs one
        from pytest_lambda.template import load_template

        found = []
        for fn in load_template(settings.template, region=settings.region).values():
            try:
                code_dir: str | None = str(fn.kwargs()["code_dir"])
            except Exception:  # a function that cannot be built has no directory
                code_dir = None
            found.append((FunctionInfo(fn.function_name, code_dir, fn.logical_id),
                          fn.declared_events()))
        return found

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self) -> None:
        # Node.js workers' V8 coverage of an earlier run must not count in this one.
        cov = None if self.is_worker else _coverage(self.config)
        if cov is not None:
            for stale in Path(v8_directory_for(cov.config.data_file)).glob("coverage-*.json"):
                stale.unlink(missing_ok=True)

    def _measure(self, functions: dict[str, FunctionInfo]) -> dict[str, Figures | None] | None:
        cov = _coverage(self.config)
        if cov is None:
            return None
        with warnings.catch_warnings():
            # "No data was collected" is the gate's finding to report, not an error of its own
            # (under filterwarnings = error it would end the session with a traceback).
            warnings.simplefilter("ignore")
            return coverage_by_function(cov, {n: f.code_dir for n, f in functions.items()},
                                        javascript=self.javascript)

    def _all_functions(self) -> tuple[dict[str, FunctionInfo], dict[str, list[Declared]]]:
        """The functions the tests created and the template's (with their declared events).

        Without a gate the template is only read for the summary's figures: a template that
        cannot be read then leaves them out instead of failing the session at its end.
        """
        # templates load only when a gate needs one
        from pytest_lambda.template import TemplateError

        functions = dict(self.functions)
        declared: dict[str, list[Declared]] = {}
        try:
            from_template = self._template_functions()
        except TemplateError:
            if self.gated:
                raise
            from_template = []
        for fn, events in from_template:  # the template's entry (label) wins
            functions[fn.name] = fn
            declared[fn.name] = events
        return functions, declared

    @pytest.hookimpl(wrapper=True, trylast=True)  # inside pytest-cov's: runs before it combines
    def pytest_runtestloop(self, session: pytest.Session) -> Any:
        result = yield
        cov = None if self.is_worker else _coverage(self.config)
        if cov is not None:
            # coverage's JS plugin only with Node coverage
            from pytest_lambda.observe.coverage_js import record_javascript

            # Node.js workers' V8 coverage becomes line data of the handlers' .js files, in a
            # parallel data file that pytest-cov combines (so its reports can show them with
            # our coverage.py plugin enabled); the figures below use the same lines.
            functions, _ = self._all_functions()
            self.javascript = record_javascript(
                cov, v8_directory_for(cov.config.data_file),
                {f.code_dir for f in functions.values() if f.code_dir}, since=self.started)
        return result

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker:
            return
        reporting = self.config.stash.get(REPORTING_KEY, None)
        wanted = self.gated or _coverage(self.config) is not None or (
            reporting is not None and reporting.report_path is not None)
        if not wanted:  # no gate, no coverage column, no report: nothing to gather
            return
        functions, declared = self._all_functions()
        coverage = self._measure(functions) if functions else None
        if reporting is not None:
            root = str(self.config.rootpath)
            reporting.summary.code_dirs = {n: _portable(f.code_dir, root)
                                           for n, f in functions.items()
                                           if f.code_dir is not None}
            reporting.summary.known = list(functions)
        if coverage is not None and reporting is not None:
            reporting.summary.coverage = {n: f.as_dict() for n, f in coverage.items()
                                          if f is not None}
        if not self.gated:
            return
        self.partial = self._partial_run()
        require_invoked = self.require_invoked and not self.partial
        require_events = self.require_events and not self.partial
        self.event_checks = checks(declared, self.sources)
        self.rows, self.problems = evaluate(
            functions.values(), self.invocations, require_invoked=require_invoked,
            fail_under=self.fail_under, coverage=coverage, require_events=require_events,
            events=self.event_checks if require_events else None,
            partial=bool(self.partial))
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
        if self.partial and (self.require_invoked or self.require_events):
            terminalreporter.write_line(
                "lambda_require_invoked / lambda_require_events: not checked, "
                f"{self.partial}: they hold for the whole suite (run it without -k, -m, "
                "--lf or --deselect to check them)", yellow=True)
        elif self.require_invoked:
            never = [r.function.shown for r in self.rows if r.invocations == 0]
            if never:
                terminalreporter.write_line(
                    f"lambda_require_invoked: {len(never)} of {len(self.rows)} functions were "
                    f"never invoked: {', '.join(never)}", red=True)
        if self.require_events and self.event_checks and not self.partial:
            failing = [(r.function.shown, r.events) for r in self.rows
                       if r.events is not None and r.events.missing]
            shown = [(r.function.shown, r.events) for r in self.rows if r.events is not None]
            terminalreporter.write_line("")
            terminalreporter.write_line("lambda_require_events: event sources per function "
                                        f"({len(failing)} of {len(shown)} with sources never "
                                        "exercised)", red=bool(failing))
            for line in events_table(shown):
                terminalreporter.write_line(line)
