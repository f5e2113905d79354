"""lambda_require_events run as users run it: declared event sources against invoked shapes."""

from __future__ import annotations

import json

import pytest

_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: orders/
      Handler: app.handler
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt OrdersQueue.Arn
        GetOrder:
          Type: Api
          Properties:
            Path: /orders
            Method: get
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)
            Input: '{"job": "nightly"}'
  RefundsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: refunds/
      Handler: app.handler
      FunctionName: refunds-prod
  OrdersQueue:
    Type: AWS::SQS::Queue
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A SAM project whose OrdersFunction declares an SQS queue, an API and a custom schedule."""
    for name in ("orders", "refunds"):
        pytester.mkdir(name)
        pytester.path.joinpath(name, "app.py").write_text(
            "def handler(event, context):\n    return 'ok'\n")
    pytester.path.joinpath("template.yaml").write_text(_TEMPLATE)
    pytester.makeini("[pytest]\nlambda_template = template.yaml\n")
    return pytester


def _suite(project: pytest.Pytester, *, api: bool) -> None:
    project.makepyfile(f"""
        from pytest_lambda import events

        def test_queue(lambda_function):
            lambda_function("OrdersFunction").invoke(events.sqs_message(body="hi"))

        def test_nightly(lambda_function):
            lambda_function("OrdersFunction").invoke({{"job": "nightly"}})

        def test_api(lambda_function):
            if {api}:
                lambda_function("OrdersFunction").invoke(events.apigateway_rest(path="/orders"))
    """)


XDIST = pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])


@XDIST
def test_require_events_fails_with_a_table_of_missing_sources(
        project: pytest.Pytester, xdist: list[str]) -> None:
    """A declared source no invocation's event looked like fails the run, per function."""
    _suite(project, api=False)
    result = project.runpytest("-p", "no:cacheprovider", "--lambda-require-events", *xdist)
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*AWS Lambda gates: FAILED*",
        "OrdersFunction*2/3*FAIL: events not exercised: Api (GetOrder)",
        "lambda_require_events: event sources per function (1 of 1 with sources never "
        "exercised)",
        "function*declared*exercised*missing",
        "OrdersFunction*SQS (Queue), Api (GetOrder), Schedule (Nightly) [[]custom Input]"
        "*SQS x1, custom x1*Api (GetOrder)",
    ])


@XDIST
def test_require_events_passes_when_every_source_was_exercised(
        project: pytest.Pytester, xdist: list[str]) -> None:
    """Events spread over tests (and xdist workers) together satisfy the ini gate."""
    project.makeini("[pytest]\nlambda_template = template.yaml\nlambda_require_events = true\n")
    _suite(project, api=True)
    result = project.runpytest("-p", "no:cacheprovider", *xdist)
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*AWS Lambda gates: passed*", "OrdersFunction*3/3*ok",
                                 "OrdersFunction*Api x1, SQS x1, custom x1*-"])


def test_require_events_rejects_a_bad_ini_value(project: pytest.Pytester) -> None:
    """An ini value that is not a truth value is a usage error naming the option."""
    project.makeini("[pytest]\nlambda_template = template.yaml\nlambda_require_events = maybe\n")
    project.makepyfile("def test_it():\n    pass\n")
    result = project.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*lambda_require_events = 'maybe' is not valid*"])


def test_report_carries_event_sources_and_the_cli_gates_the_union(
        project: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    """Each shard's --lambda-report counts sources; the CLI over both shards passes."""
    from pytest_lambda.cli import main

    _suite(project, api=True)
    for shard, selected in (("1", "test_queue or test_nightly"), ("2", "test_api")):
        project.runpytest("-p", "no:cacheprovider", "-k", selected,
                          f"--lambda-report=shard-{shard}.json").assert_outcomes(
            passed=2 if shard == "1" else 1, deselected=1 if shard == "1" else 2)
    rows = json.loads(project.path.joinpath("shard-1.json").read_text())["functions"]
    assert rows[0]["event_sources"] == {"SQS": 1, "custom": 1}
    capsys.readouterr()
    base = ["coverage", "--template", str(project.path / "template.yaml"), "--require-events"]
    assert main([*base, "--report", str(project.path / "shard-1.json")]) == 1
    out = capsys.readouterr().out
    assert "FAIL: events not exercised: Api (GetOrder)" in out
    assert main([*base, "--report", str(project.path / "shard-*.json"), "--json"]) == 0
    orders = next(r for r in json.loads(capsys.readouterr().out)["functions"]
                  if r["label"] == "OrdersFunction")
    assert orders["event_sources"] == {"SQS": 1, "custom": 1, "Api": 1}
    assert orders["events_missing"] == []
