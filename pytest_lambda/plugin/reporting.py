"""The observability half of the pytest plugin: budgets, session summary, JSON report.

Per-test invocation records travel on the teardown report's ``user_properties`` so that the
pytest-xdist controller sees every worker's invocations; only the controller prints the summary
and writes ``--lambda-report``.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_lambda.observe.cost import BILLING_RULES, BillingRules, parse_rules
from pytest_lambda.observe.summary import SessionSummary, batch_records, invocation_record
from pytest_lambda.plugin.markers import marker_arg
from pytest_lambda.plugin.state import (
    APP_NOTES_PROPERTY,
    INVOCATIONS_KEY,
    NOTES_KEY,
    REPORTING_KEY,
)

PROPERTY = "pytest_lambda.invocations"
NOTES_PROPERTY = "pytest_lambda.notes"
PLUGIN_NAME = "lambda-observability"


def add_options(parser: pytest.Parser) -> None:
    """Register ``--lambda-report``, ``--lambda-billing``, ``--lambda-free-tier`` and ini twins."""
    group = parser.getgroup("aws_lambda")
    group.addoption(
        "--lambda-report",
        dest="lambda_report",
        metavar="PATH",
        default=None,
        help="write the per-function Lambda summary (invocations, durations, cost) as JSON",
    )
    group.addoption(
        "--lambda-billing",
        dest="lambda_billing",
        default=None,
        choices=list(BILLING_RULES),
        help="billing rules for cost estimates: current (1 ms, init billed; default), "
        "no-init (1 ms, init free: before Aug 2025), 100ms (before Dec 2020)",
    )
    group.addoption(
        "--lambda-free-tier",
        dest="lambda_free_tier",
        action="store_true",
        default=None,
        help="subtract the monthly free tier from the session's estimated cost",
    )
    parser.addini("lambda_report", "default for --lambda-report", default="")
    parser.addini("lambda_billing", "default for --lambda-billing", default="current")
    # Read as text and parsed here: pytest's "bool" ini type fails with a message that does
    # not name the option ("invalid truth value 'maybe'").
    parser.addini("lambda_free_tier", "default for --lambda-free-tier (true or false)",
                  default="false")


def _report_path(config: pytest.Config) -> Path | None:
    cli = config.getoption("lambda_report")
    if cli is not None:
        raw, base, origin = str(cli), config.invocation_params.dir, "--lambda-report"
    else:
        raw = str(config.getini("lambda_report"))
        if not raw:
            return None
        base = config.inipath.parent if config.inipath else config.rootpath
        origin = "lambda_report (ini)"
    if not raw.strip() or "\0" in raw:
        raise pytest.UsageError(f"{origin}: {raw!r} is not a file path; give e.g. lambda.json")
    path = (base / raw).resolve()
    if path.is_dir() or raw.endswith(("/", "\\")):
        raise pytest.UsageError(
            f"{origin}: {raw!r} is a directory; give a file path such as "
            f"{raw.rstrip('/')}/lambda.json"
        )
    if not path.parent.is_dir():
        raise pytest.UsageError(
            f"{origin}: the directory {str(path.parent)!r} of {raw!r} does not exist; create it "
            "or choose another path"
        )
    return path


def configure(config: pytest.Config) -> None:
    """Validate the options and register the plugin object."""
    plugin = ObservabilityPlugin(config)
    config.stash[REPORTING_KEY] = plugin
    config.pluginmanager.register(plugin, PLUGIN_NAME)


_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0", "")


def _truth(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    raise pytest.UsageError(
        f"lambda_free_tier = {raw!r} is not valid: use true or false (ini lambda_free_tier, or "
        "the --lambda-free-tier flag).")


def encode_invocations(results: list[Any], rules: BillingRules, *,
                       event_sources: bool = False) -> str:
    """A test's invocations as the teardown report carries them: one summed record per
    function (see ``batch_records``), so the cost per invocation stays small."""
    return json.dumps(batch_records(results, rules=rules, event_sources=event_sources))


def report_invocations(results: list[Any], rules: BillingRules,
                       summary: SessionSummary) -> None:
    """The whole per-test path (worker, then controller) at once: what bench/ times."""
    summary.extend(json.loads(encode_invocations(results, rules)))


class ObservabilityPlugin:
    """Session state of the observability features, registered as ``lambda-observability``."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.is_worker = hasattr(config, "workerinput")
        billing = config.getoption("lambda_billing") or str(config.getini("lambda_billing"))
        try:
            rules = parse_rules(billing)
        except ValueError as exc:
            raise pytest.UsageError(f"lambda_billing: {exc}") from None
        free_tier = config.getoption("lambda_free_tier")
        if free_tier is None:
            free_tier = _truth(str(config.getini("lambda_free_tier")))
        self.report_path = _report_path(config)
        #: Records carry their event's detected source: the JSON report (the CLI's events gate
        #: over shards) and lambda_require_events (set by plugin/gates.py) need it.
        self.event_sources = self.report_path is not None
        self.summary = SessionSummary(rules=rules, free_tier=bool(free_tier))
        self.app_notes: dict[str, dict[str, None]] = {}
        #: LambdaFunction.notes of the whole session, each once, in the order first seen.
        self.notes: dict[str, None] = {}

    def pytest_report_header(self) -> str | None:
        if self.report_path is None:
            return None
        return f"lambda report: {self.report_path}"

    def _records(self, item: pytest.Item) -> list[dict[str, Any]]:
        results = item.stash.get(INVOCATIONS_KEY, None) or []
        return [invocation_record(r, rules=self.summary.rules, event_source=self.event_sources)
                for r in results]

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        outcome = yield  # a failing test keeps its own failure; budgets are checked after success
        # Checked with the other markers at collection (plugin.markers.SIGNATURES).
        budget = marker_arg(item, "lambda_budget")
        if budget is not None:
            violations = [v for rec in self._records(item) for v in budget.violations(rec)]
            if violations:
                pytest.fail(
                    "lambda_budget exceeded:\n  " + "\n  ".join(violations),
                    pytrace=False,
                )
        return outcome

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.when == "teardown":
            results = item.stash.get(INVOCATIONS_KEY, None)
            if results:
                report.user_properties.append((PROPERTY, encode_invocations(
                    results, self.summary.rules, event_sources=self.event_sources)))
            notes = item.stash.get(NOTES_KEY, None)
            if notes:
                report.user_properties.append((NOTES_PROPERTY, json.dumps(notes)))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        for name, value in report.user_properties:
            if name == PROPERTY:
                self.summary.extend(json.loads(str(value)))
            elif name == APP_NOTES_PROPERTY:
                template, notes = json.loads(str(value))
                self.app_notes.setdefault(template, dict.fromkeys(notes))
            elif name == NOTES_PROPERTY:
                self.notes.update(dict.fromkeys(json.loads(str(value))))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.is_worker:
            return
        for template, notes in self.app_notes.items():
            terminalreporter.write_sep("=", "lambda_app: not emulated")
            terminalreporter.write_line(f"{template} declares what lambda_app does not create "
                                        "or wire (see docs/application.md):")
            for note in notes:
                terminalreporter.write_line(f"  {note}")
        if not (self.summary or self.notes):
            return
        terminalreporter.write_sep("=", "AWS Lambda summary")
        if self.summary:
            for line in self.summary.table():
                terminalreporter.write_line(line)
        # Notes, not warnings: a warning is an error under `filterwarnings = error`, and
        # which Python versions a machine has says nothing about the code under test.
        for note in self.notes:
            terminalreporter.write_line(f"note: {note}", yellow=True)
        if self.report_path is not None:
            terminalreporter.write_line(f"lambda report written to {self.report_path}")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        if self.is_worker or self.report_path is None:
            return
        self.summary.write_json(self.report_path)
