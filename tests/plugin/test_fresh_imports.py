"""Every execution environment imports the handler's libraries fresh, as a new process would."""

from __future__ import annotations

import pytest

#: hello_world/app.py of SAM's "Hello World Example with Powertools for AWS Lambda" template.
POWERTOOLS_APP = """
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

app = APIGatewayRestResolver()
tracer = Tracer()
logger = Logger()
metrics = Metrics(namespace="Powertools")


@app.get("/hello")
@tracer.capture_method
def hello():
    metrics.add_metric(name="HelloWorldInvocations", unit=MetricUnit.Count, value=1)
    logger.info("Hello world API - HTTP 200")
    return {"message": "hello world"}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event, context):
    return app.resolve(event, context)
"""

SAM_TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 3
    Environment:
      Variables:
        POWERTOOLS_SERVICE_NAME: PowertoolsHelloWorld
        POWERTOOLS_METRICS_NAMESPACE: Powertools
        POWERTOOLS_TRACE_DISABLED: "true"
        LOG_LEVEL: INFO
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello_world/
      Handler: app.lambda_handler
      Runtime: python3.12
"""

#: tests/unit/test_handler.py as SAM generates it (the module is imported at collection and
#: called directly with a hand-made context), followed by tests that invoke the function.
SAM_TESTS = """
import json
from dataclasses import dataclass

import pytest

from hello_world import app


@pytest.fixture()
def apigw_event():
    return {"body": "", "resource": "/hello", "path": "/hello", "httpMethod": "GET",
            "headers": {}, "queryStringParameters": None, "pathParameters": None,
            "requestContext": {"resourcePath": "/hello", "httpMethod": "GET",
                               "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"}}


@pytest.fixture()
def fake_context():
    @dataclass
    class LambdaContext:
        function_name: str = "test"
        memory_limit_in_mb: int = 128
        invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:test"
        aws_request_id: str = "da658bd3-2d6f-4e7b-8ec2-937234644fdc"

    return LambdaContext()


def test_lambda_handler(apigw_event, fake_context):
    ret = app.lambda_handler(apigw_event, fake_context)
    assert ret["statusCode"] == 200
    assert json.loads(ret["body"]) == {"message": "hello world"}


def _records(result):
    out = []
    for line in result.logs.messages:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def _cold_flags(result):
    emf = [r for r in _records(result) if "_aws" in r]
    logs = [r for r in _records(result) if "cold_start" in r]
    return any("ColdStart" in r for r in emf), {r["cold_start"] for r in logs}


def test_every_cold_start_is_cold_for_powertools(lambda_function, apigw_event):
    fn = lambda_function("HelloWorldFunction")
    first, warm = fn.invoke(apigw_event), fn.invoke(apigw_event)
    fn.cold_start()
    again = fn.invoke(apigw_event)
    assert [r.cold_start for r in (first, warm, again)] == [True, False, True]
    assert _cold_flags(first) == (True, {True})
    assert _cold_flags(warm) == (False, {False})
    assert _cold_flags(again) == (True, {True})


def test_a_later_test_is_cold_too(lambda_function, apigw_event):
    r = lambda_function("HelloWorldFunction").invoke(apigw_event)
    assert r.cold_start and _cold_flags(r) == (True, {True})
    assert r.report.init_duration_ms is not None
"""


def _sam_project(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", template=SAM_TEMPLATE)
    pytester.makeini("[pytest]\nlambda_template = template.yaml\n")
    (pytester.path / "hello_world").mkdir()
    (pytester.path / "hello_world" / "__init__.py").write_text("")
    (pytester.path / "hello_world" / "app.py").write_text(POWERTOOLS_APP)
    (pytester.path / "hello_world" / "requirements.txt").write_text("aws-lambda-powertools\n")
    (pytester.path / "tests" / "unit").mkdir(parents=True)
    (pytester.path / "tests" / "__init__.py").write_text("")
    (pytester.path / "tests" / "unit" / "__init__.py").write_text("")
    (pytester.path / "tests" / "unit" / "test_handler.py").write_text(SAM_TESTS)


def test_sam_powertools_layout_sees_every_cold_start(pytester: pytest.Pytester) -> None:
    """SAM's Powertools layout: each cold start emits ColdStart and logs cold_start true."""
    pytest.importorskip("aws_lambda_powertools")
    _sam_project(pytester)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3)


MOTO_APP = """
import sys

import boto3

IMPORTED_FIRST = "moto" not in sys.modules


def handler(event, context):
    if event.get("noop"):
        return {"moto_loaded_at_init": not IMPORTED_FIRST}
    s3 = boto3.client("s3", region_name="us-east-1")
    return sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
"""

MOTO_TEST = """
import sys

import pytest


def test_handler_imports_boto3_first(lambda_function):
    assert "boto3" not in sys.modules and "moto" not in sys.modules
    fn = lambda_function("app.handler")
    assert fn.invoke({"noop": True}).payload == {"moto_loaded_at_init": False}
    from moto import mock_aws
    import boto3

    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="made-in-test")
        assert fn.invoke({}).payload == ["made-in-test"]
        fn.cold_start()
        assert fn.invoke({}).payload == ["made-in-test"]
"""


def test_moto_mocks_a_handler_that_imported_boto3_first(pytester: pytest.Pytester) -> None:
    """A handler that imports boto3 before the test loads moto still gets moto's mocked AWS."""
    pytest.importorskip("moto")
    pytester.makepyfile(app=MOTO_APP, test_moto_order=MOTO_TEST)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


PACKAGE_TEST = """
def test_invoke(lambda_function):
    r = lambda_function("app.handler").invoke({})
    assert r.error is None, r.error["errorMessage"]
"""


def test_ini_package_check_strict_fails_and_passes(pytester: pytest.Pytester) -> None:
    """lambda_package_check = strict: an undeclared import fails like Lambda, declared passes."""
    pytest.importorskip("yaml")
    pytester.makeini("[pytest]\nlambda_package_check = strict\n")
    pytester.makepyfile(app="import yaml\ndef handler(e, c):\n    return 1\n",
                        test_pkg=PACKAGE_TEST)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Unable to import module 'app': No module named 'yaml'*"])
    (pytester.path / "requirements.txt").write_text("PyYAML\n")
    pytester.runpytest().assert_outcomes(passed=1)


def test_ini_shared_modules_and_bad_values(pytester: pytest.Pytester) -> None:
    """lambda_shared_modules shares a package; bad option values stop the run at start-up."""
    pytester.makeini("[pytest]\nlambda_shared_modules =\n    my_shared\n")
    pytester.makepyfile(my_shared="import uuid\nTOKEN = uuid.uuid4().hex\n",
                        app="import my_shared\ndef handler(e, c):\n    return my_shared.TOKEN\n",
                        test_shared="""
import my_shared

def test_shared(lambda_function):
    assert lambda_function("app.handler").invoke({}).payload == my_shared.TOKEN
""")
    pytester.runpytest().assert_outcomes(passed=1)
    result = pytester.runpytest("--lambda-package-check", "loose")
    result.stderr.fnmatch_lines(["*lambda_package_check = 'loose' is not valid: use 'off', "
                                 "'warn' or 'strict'*"])
    result = pytester.runpytest("--lambda-shared-modules", "pydantic.main")
    result.stderr.fnmatch_lines(["*lambda_shared_modules is not valid: shared_modules entry "
                                 "'pydantic.main' is not a top-level import name*"])
