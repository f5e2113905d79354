"""Plugin tests for logs/metrics fixtures, budgets, the session summary and the JSON report."""

from __future__ import annotations

import json
import textwrap

import pytest

pytest_plugins = ["pytester"]

APP = """
import json
import time


def handler(event, context):
    print(f"order {event.get('id')} received")
    if event.get("fail"):
        raise ValueError("payment declined")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("log_error"):
        print("[ERROR] something broke")
    print(json.dumps({"level": "INFO", "message": "stored", "order": {"id": event.get("id")}}))
    print(json.dumps({
        "_aws": {"Timestamp": 1700000000000, "CloudWatchMetrics": [{
            "Namespace": "Shop", "Dimensions": [["service"]],
            "Metrics": [{"Name": "Orders", "Unit": "Count"}]}]},
        "service": "orders", "Orders": event.get("n", 1)}))
    if event.get("bad_emf"):
        print(json.dumps({"_aws": {"Timestamp": 1, "CloudWatchMetrics": [{
            "Namespace": "Shop", "Dimensions": [[]], "Metrics": [{"Name": "Refunds"}]}]}}))
    return {"id": event.get("id")}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester project with a handler module ``app.py``."""
    pytester.makepyfile(app=APP)
    return pytester


def run_test(pytester: pytest.Pytester, body: str, *args: str) -> pytest.RunResult:
    """Write ``body`` as a test module and run it (in-process: pytester keeps the runs apart)."""
    pytester.makepyfile(test_it=textwrap.dedent(body))
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def test_log_helpers_pass(project: pytest.Pytester) -> None:
    """Every log helper passes on logs that satisfy it."""
    result = run_test(
        project,
        """
        def test_ok(lambda_function, lambda_logs):
            fn = lambda_function("app.handler", name="orders")
            fn.invoke({"id": 42})
            fn.invoke({"id": 43})
            lambda_logs.assert_contains("order 42 received")
            lambda_logs.assert_not_contains("declined")
            assert lambda_logs.assert_matches(r"order (\\d+) received").group(1) == "42"
            lambda_logs.assert_json_field("order.id", 43)
            lambda_logs.assert_no_errors()
            lambda_logs.assert_report_for_every_invocation()
            lambda_logs.for_function("orders").assert_contains("stored")
            assert len(lambda_logs.json_events()) == 4
        """,
    )
    result.assert_outcomes(passed=1)


def test_log_helpers_see_what_init_logged(pytester: pytest.Pytester) -> None:
    """Module-level output and an import error's lines are in the function's log stream on
    Lambda: the helpers see them (``assert_no_errors`` passed for a function whose import
    failed, and nothing printed at import could be found)."""
    pytester.makepyfile(
        loud="print('loading config')\ndef handler(event, context):\n    return 1\n",
        broken="import not_installed_anywhere\ndef handler(event, context):\n    return 1\n")
    result = run_test(
        pytester,
        """
        import pytest

        def test_init_output(lambda_function, lambda_logs):
            lambda_function("loud.handler", name="loud").invoke({})
            lambda_logs.assert_contains("loading config")
            lambda_logs.for_function("loud").assert_contains("loading config")
            lambda_logs.assert_no_errors()

        def test_import_error(lambda_function, lambda_logs):
            assert lambda_function("broken.handler", name="broken").invoke({}).function_error
            with pytest.raises(AssertionError, match="ERROR log line"):
                lambda_logs.assert_no_errors()
            lambda_logs.for_function("broken").assert_contains("Runtime.ImportModuleError")
        """,
    )
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            'lambda_logs.assert_contains("order 99")',
            [
                "E*AssertionError: no log event contains 'order 99'",
                "E*Captured log events (*):",
                "E*| START RequestId: * Version: $LATEST",
                "E*| order 42 received",
            ],
        ),
        (
            'lambda_logs.assert_matches(r"order \\d{3}")',
            ["E*AssertionError: no log event matches the pattern 'order \\\\d{3}'"],
        ),
        (
            'lambda_logs.assert_json_field("order.id", 7)',
            ["E*AssertionError: no JSON log event has order.id == 7; the field's values were: 42"],
        ),
        (
            "lambda_logs.assert_no_errors()",
            [
                "E*AssertionError: 1 ERROR log line(s) were captured",
                "E*| [[]ERROR] something broke",
            ],
        ),
        (
            'lambda_logs.for_function("payments")',
            [
                "E*AssertionError: no Lambda function named 'payments' was invoked in this test; "
                "invoked functions: 'orders'"
            ],
        ),
        (
            'lambda_logs.assert_report_for_every_invocation(["not-a-request"])',
            ["E*AssertionError: 1 of 1 invocation(s) have no REPORT: not-a-request"],
        ),
    ],
)
def test_log_helper_failures_show_captured_logs(
    project: pytest.Pytester, call: str, expected: list[str]
) -> None:
    """A failing log helper names what it looked for and shows the captured log lines."""
    result = run_test(
        project,
        f"""
        def test_it(lambda_function, lambda_logs):
            fn = lambda_function("app.handler", name="orders")
            fn.invoke({{"id": 42, "log_error": True}})
            {call}
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(expected)
    # The helper's own frame is hidden: the traceback ends in the test.
    result.stdout.no_fnmatch_line("*pytest_lambda/observe/assertions.py:*")


def test_metric_helpers_pass(project: pytest.Pytester) -> None:
    """Metric helpers pass on Lambda and EMF metrics, on the fixture and on ``fn.metrics``."""
    result = run_test(
        project,
        """
        def test_ok(lambda_function, lambda_metrics):
            fn = lambda_function("app.handler", name="orders")
            fn.invoke({"n": 2})
            fn.invoke({"n": 3})
            fn.invoke({"fail": True})
            lambda_metrics.assert_sum("Invocations", 3, dimensions={"FunctionName": "orders"})
            lambda_metrics.assert_sum("Errors", 1)
            lambda_metrics.assert_count("Duration", 3)
            lambda_metrics.assert_sum("Orders", 5, dimensions={"service": "orders"})
            lambda_metrics.assert_value("Orders", 3)
            lambda_metrics.assert_no_emf_errors()
            fn.metrics.assert_sum("Orders", 5, namespace="Shop")
            assert lambda_metrics.functions == ["orders"]
            assert lambda_metrics.for_function("orders").sum("Invocations") == 3
        """,
    )
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            'lambda_metrics.assert_sum("Orders", 9)',
            [
                "E*AssertionError: metric 'Orders': Sum is 2, expected 9 (values: 2)",
                "E*Recorded metrics:",
                "E*AWS/Lambda Invocations [[]Count] values=[[]1] dimensions: *",
                "E*Shop Orders [[]Count] values=[[]2] dimensions: {service=orders}",
            ],
        ),
        (
            'lambda_metrics.assert_count("Invocations", 2)',
            ["E*AssertionError: metric 'Invocations': SampleCount is 1, expected 2 (values: 1)"],
        ),
        (
            'lambda_metrics.assert_value("Orders", 5)',
            ["E*AssertionError: metric 'Orders' never had the value 5; its values were: 2"],
        ),
        (
            'lambda_metrics.assert_sum("Refunds", 1)',
            [
                "E*AssertionError: metric 'Refunds' was never emitted. Recorded metrics:",
                "E*AWS/Lambda ConcurrentExecutions *",
            ],
        ),
        (
            'lambda_metrics.assert_sum("Orders", 2, dimensions={"service": "payments"})',
            [
                "E*AssertionError: metric 'Orders' was never emitted with dimensions "
                "{service=payments}; it was emitted with: {service=orders}"
            ],
        ),
        (
            'lambda_metrics.for_function("payments")',
            [
                "E*AssertionError: no Lambda function named 'payments' was invoked in this test; "
                "invoked functions: 'orders'"
            ],
        ),
    ],
)
def test_metric_helper_failures_show_recorded_metrics(
    project: pytest.Pytester, call: str, expected: list[str]
) -> None:
    """A failing metric helper shows the metrics, values and dimensions that were recorded."""
    result = run_test(
        project,
        f"""
        def test_it(lambda_function, lambda_metrics):
            fn = lambda_function("app.handler", name="orders")
            fn.invoke({{"n": 2}})
            {call}
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(expected)
    result.stdout.no_fnmatch_line("*pytest_lambda/observe/assertions.py:*")


def test_invalid_emf_is_reported(project: pytest.Pytester) -> None:
    """A rejected EMF document fails ``assert_no_emf_errors`` and appears in the summary."""
    result = run_test(
        project,
        """
        def test_it(lambda_function, lambda_metrics):
            lambda_function("app.handler", name="orders").invoke({"bad_emf": True})
            lambda_metrics.assert_no_emf_errors()
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*AssertionError: 1 EMF document(s) were rejected:",
            "E*- metric 'Refunds' has no value: the document has no root member 'Refunds' "
            "(request *",
            "rejected EMF document from 'orders': metric 'Refunds' has no value*",
        ]
    )


SUMMARY_TESTS = """
import pytest

@pytest.mark.parametrize("i", range(3))
def test_orders(lambda_function, i):
    fn = lambda_function("app.handler", name="orders", memory_size=256)
    fn.invoke({"id": i})
    fn.invoke({"id": i, "fail": i == 0})

def test_payments(lambda_function):
    lambda_function("app.handler", name="payments").invoke({"id": 1})
"""


def test_summary_table(project: pytest.Pytester) -> None:
    """The terminal summary has one row per function with counts, durations and cost."""
    result = run_test(project, SUMMARY_TESTS)
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "*= AWS Lambda summary =*",
            "function  invocations  errors  timeouts  throttles  cold starts  p50 ms  p95 ms"
            "  max ms  max MB  $ per 1M",
            "orders              6       1         0          0            3 *",
            "payments            1       0         0          0            1 *",
            "billing rules 'current' (1 ms rounding, init billed on cold starts), "
            "us-east-1 on-demand prices, no free tier",
        ]
    )


def test_no_summary_without_invocations(pytester: pytest.Pytester) -> None:
    """A session without Lambda invocations prints no summary."""
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*AWS Lambda summary*")


def check_report(path: str) -> None:
    """The JSON report of SUMMARY_TESTS has the expected per-function and session figures."""
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    assert report["version"] == 1
    assert report["billing"] == {
        "rules": "current", "rounding_ms": 1, "init_billed": True, "free_tier": False
    }  # fmt: skip
    rows = {row["function"]: row for row in report["functions"]}
    assert set(rows) == {"orders", "payments"}
    orders = rows["orders"]
    assert (orders["invocations"], orders["errors"], orders["cold_starts"]) == (6, 1, 3)
    assert orders["memory_size_mb"] == 256
    durations = orders["duration_ms"]
    assert 0 < durations["p50"] <= durations["p95"] <= durations["max"]
    # Every invocation pays $0.20 per million requests plus at least 1 ms of 256 MB compute.
    assert orders["cost_per_million_usd"] >= 0.2 + 0.25 * 0.001 * 16.6667 - 1e-9
    session = report["session"]
    assert (session["invocations"], session["errors"], session["cold_starts"]) == (7, 1, 4)
    assert session["estimated_cost_usd"] == pytest.approx(
        orders["estimated_cost_usd"] + rows["payments"]["estimated_cost_usd"]
    )


def test_json_report(project: pytest.Pytester) -> None:
    """``--lambda-report`` writes the summary as JSON."""
    result = run_test(project, SUMMARY_TESTS, "--lambda-report=out/lambda.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR  # the out/ directory does not exist yet
    (project.path / "out").mkdir()
    result = project.runpytest_subprocess(
        "-p", "no:cacheprovider", "--lambda-report=out/lambda.json"
    )
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [f"lambda report written to {project.path / 'out' / 'lambda.json'}"]
    )
    check_report(str(project.path / "out" / "lambda.json"))


def test_json_report_from_ini(project: pytest.Pytester) -> None:
    """The ini option ``lambda_report`` is the twin of ``--lambda-report``."""
    project.makeini("[pytest]\nlambda_report = lambda.json\n")
    result = run_test(project, SUMMARY_TESTS)
    result.assert_outcomes(passed=4)
    check_report(str(project.path / "lambda.json"))


def test_summary_and_report_under_xdist(project: pytest.Pytester) -> None:
    """With ``-n 2`` the controller aggregates every worker's invocations; workers print nothing."""
    result = run_test(project, SUMMARY_TESTS, "-n", "2", "--lambda-report=lambda.json")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        ["orders              6       1         0          0            3 *",
         "payments            1       0         0          0            1 *"]
    )  # fmt: skip
    assert result.stdout.str().count("AWS Lambda summary") == 1
    check_report(str(project.path / "lambda.json"))


def test_billing_rules_option(project: pytest.Pytester) -> None:
    """``--lambda-billing=100ms`` bills every invocation in 100 ms units."""
    result = run_test(project, SUMMARY_TESTS, "--lambda-billing=100ms", "--lambda-report=r.json")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["billing rules '100ms' (100 ms rounding, init not billed)*"])
    report = json.loads((project.path / "r.json").read_text())
    assert report["session"]["billed_duration_ms"] % 100 == 0
    assert report["session"]["billed_duration_ms"] >= 700


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lambda-report="], "ERROR: --lambda-report: '' is not a file path*"),
        (["--lambda-report=."], "ERROR: --lambda-report: '.' is a directory*"),
        (
            ["--lambda-report=missing/r.json"],
            "ERROR: --lambda-report: the directory * does not exist*",
        ),
        (["--lambda-billing=2019"], "*argument --lambda-billing: invalid choice: '2019'*"),
    ],
)
def test_bad_options_are_usage_errors(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    """A malformed report path or billing rule stops the session at start-up."""
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_budget_failure(project: pytest.Pytester) -> None:
    """A test whose invocation exceeds its budget fails naming the limit, value and request."""
    result = run_test(
        project,
        """
        import pytest

        @pytest.mark.lambda_budget(max_duration_ms=20)
        def test_slow(lambda_function):
            lambda_function("app.handler", name="orders").invoke({"sleep": 0.1})

        @pytest.mark.lambda_budget(max_duration_ms=5000, max_memory_mb=10240)
        def test_within(lambda_function):
            lambda_function("app.handler", name="orders").invoke({})

        @pytest.mark.lambda_budget(max_cost_per_million=0.1)
        def test_cost(lambda_function):
            lambda_function("app.handler", name="orders").invoke({})
        """,
    )
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_slow _*",
            "lambda_budget exceeded:",
            "  max_duration_ms=20 exceeded: invocation * of function 'orders' took 1??.?? ms",
            "*_ test_cost _*",
            "lambda_budget exceeded:",
            "  max_cost_per_million=0.1 exceeded: invocation * of function 'orders' costs $0.2*"
            " per million invocations, a cold start whose * ms Init is billed with it (warm "
            "invocations cost less)",
        ]
    )


def test_budget_does_not_hide_the_test_failure(project: pytest.Pytester) -> None:
    """When the test itself fails, its own failure is reported, not the budget."""
    result = run_test(
        project,
        """
        import pytest

        @pytest.mark.lambda_budget(max_duration_ms=1)
        def test_it(lambda_function):
            lambda_function("app.handler", name="orders").invoke({"sleep": 0.05})
            assert False, "own failure"
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*own failure*"])
    result.stdout.no_fnmatch_line("lambda_budget exceeded:")


def test_budget_marker_is_registered(pytester: pytest.Pytester) -> None:
    """``pytest --markers`` documents ``lambda_budget`` with its keywords."""
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.lambda_budget(*, max_duration_ms=None, *"])


POWERTOOLS_APP = """
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="orders")
metrics = Metrics(namespace="Shop", service="orders")
tracer = Tracer(service="orders")


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def handler(event, context):
    logger.info("order stored", extra={"order_id": event["id"]})
    if event.get("fail"):
        logger.error("payment declined")
    metrics.add_metric(name="Orders", unit=MetricUnit.Count, value=1)
    return {"id": event["id"]}
"""


def test_powertools_logger_metrics_tracer(project: pytest.Pytester) -> None:
    """Powertools Logger, Metrics and Tracer run unchanged and their output is parsed."""
    project.makepyfile(pt_app=POWERTOOLS_APP)
    result = run_test(
        project,
        """
        import pytest

        def test_it(lambda_function, lambda_logs, lambda_metrics):
            fn = lambda_function("pt_app.handler", name="orders")
            assert fn.invoke({"id": 7}).payload == {"id": 7}
            fn.invoke({"id": 8})
            lambda_logs.assert_json_field("message", "order stored")
            lambda_logs.assert_json_field("order_id", 8)
            lambda_logs.assert_json_field("cold_start", True)
            lambda_logs.assert_no_errors()
            lambda_metrics.assert_sum("Orders", 2, dimensions={"service": "orders"})
            lambda_metrics.assert_sum(
                "ColdStart", 1, dimensions={"function_name": "orders", "service": "orders"}
            )
            lambda_metrics.assert_no_emf_errors()
            fn.invoke({"id": 9, "fail": True})
            with pytest.raises(AssertionError, match="payment declined"):
                lambda_logs.assert_no_errors()
        """,
        "-W", "error",
    )  # fmt: skip
    result.assert_outcomes(passed=1)


def test_aws_embedded_metrics_in_handler(project: pytest.Pytester) -> None:
    """aws-embedded-metrics' ``metric_scope`` output inside a handler becomes metrics."""
    project.makepyfile(
        emf_app="""
from aws_embedded_metrics import metric_scope

@metric_scope
def handler(event, context, metrics):
    metrics.set_namespace("Shop")
    metrics.put_dimensions({"Operation": "Create"})
    metrics.put_metric("Orders", 3, "Count")
    metrics.put_metric("Orders", 4, "Count")
    return "ok"
"""
    )
    result = run_test(
        project,
        """
        def test_it(lambda_function, lambda_metrics):
            fn = lambda_function("emf_app.handler", name="emfer")
            fn.invoke({})
            lambda_metrics.assert_sum("Orders", 7, namespace="Shop")
            lambda_metrics.assert_count("Orders", 2)
            dims = lambda_metrics.select("Orders")[0].dimension_sets[0]
            assert dims["Operation"] == "Create" and dims["ServiceName"] == "emfer"
            lambda_metrics.assert_no_emf_errors()
        """,
    )
    result.assert_outcomes(passed=1)
