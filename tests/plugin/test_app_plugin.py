"""The application fixture as a user writes it: a template, and no resource declared in the test."""

from __future__ import annotations

import sys

import pytest

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    CodeUri: src/
    Runtime: RUNTIME
    Timeout: 5
    Layers: [!Ref SharedLayer]
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/}
  OrdersQueue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt OrdersDLQ.Arn, maxReceiveCount: 1}
  OrdersDLQ:
    Type: AWS::SQS::Queue
  OrdersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Uploads:
    Type: AWS::S3::Bucket
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      Subscription: [{Protocol: email, Endpoint: ops@example.com}]
  AlertsCopy:
    Type: AWS::SQS::Queue
  AlertsToCopy:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Alerts, Protocol: sqs, Endpoint: !GetAtt AlertsCopy.Arn,
                 RawMessageDelivery: true}
  LoaderRole:
    Type: AWS::IAM::Role
  Loader:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.load
      Environment: {Variables: {TABLE: !Ref OrdersTable}}
      Events:
        Post:
          Type: HttpApi
          Properties: {Path: /orders, Method: POST}
        Orders:
          Type: SQS
          Properties: {Queue: !GetAtt OrdersQueue.Arn, BatchSize: 5,
                       FunctionResponseTypes: [ReportBatchItemFailures]}
  Notifier:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.notify
      Environment: {Variables: {TOPIC: !Ref Alerts}}
      Events:
        Changes:
          Type: DynamoDB
          Properties: {Stream: !GetAtt OrdersTable.StreamArn, StartingPosition: TRIM_HORIZON}
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
            Filter: {S3Key: {Rules: [{Name: prefix, Value: in/}]}}
        Hourly:
          Type: Schedule
          Properties: {Schedule: rate(1 hour)}
        Audit:
          Type: EventBridgeRule
          Properties: {Pattern: {source: [orders]}, RetryPolicy: {MaximumRetryAttempts: 2}}
"""

HANDLERS = """
import json, os, boto3

def load(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    if "rawPath" in event:  # POST /orders through the HTTP API
        table.put_item(Item={"id": json.loads(event["body"])["id"]})
        return {"statusCode": 201, "body": ""}
    failures = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        if body.get("poison"):
            failures.append({"itemIdentifier": record["messageId"]})
        else:
            table.put_item(Item={"id": body["id"]})
    return {"batchItemFailures": failures}

def notify(event, context):
    source = (event.get("Records") or [{}])[0].get("eventSource") or event["source"]
    boto3.client("sns").publish(TopicArn=os.environ["TOPIC"], Message=source)
    return source
"""


@pytest.fixture(scope="module")
def _moto_loaded() -> None:
    """Load moto's services outside the in-process pytester runs (see tests/conftest.py)."""
    moto = pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    with moto.mock_aws():
        for service in ("sqs", "sns", "s3", "dynamodb", "dynamodbstreams"):
            boto3.client(service, region_name="us-east-1")


@pytest.fixture
def app_project(pytester: pytest.Pytester, _moto_loaded: None) -> pytest.Pytester:
    """A SAM project: the template above and its handlers."""
    pytester.mkdir("src")
    pytester.mkdir("layer")
    pytester.path.joinpath("src", "app.py").write_text(HANDLERS)
    runtime = f"python3.{sys.version_info.minor}"
    pytester.path.joinpath("template.yaml").write_text(TEMPLATE.replace("RUNTIME", runtime))
    pytester.makeini("[pytest]\nlambda_template = template.yaml\n")
    pytester.makepyfile("""
        import json

        def test_queue_to_table_with_partial_failures(lambda_app):
            sqs = lambda_app.client("sqs")
            queue = lambda_app.resources["OrdersQueue"].physical_id
            sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"id": "a"}))
            sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"id": "b", "poison": 1}))
            lambda_app.drain()
            items = lambda_app.client("dynamodb").scan(TableName="OrdersTable")["Items"]
            assert items == [{"id": {"S": "a"}}]
            dlq = lambda_app.resources["OrdersDLQ"].physical_id
            [dead] = sqs.receive_message(QueueUrl=dlq)["Messages"]
            assert json.loads(dead["Body"]) == {"id": "b", "poison": 1}
            assert lambda_app.drain() == []  # the first drain delivered everything

        def test_upload_and_stream_reach_the_notifier(lambda_app):
            lambda_app.client("s3").put_object(Bucket="uploads", Key="in/x.csv", Body=b"1")
            lambda_app.client("s3").put_object(Bucket="uploads", Key="out/y.csv", Body=b"2")
            lambda_app.client("dynamodb").put_item(TableName="OrdersTable",
                                                   Item={"id": {"S": "z"}})
            results = lambda_app.drain()
            assert sorted(r.payload for r in results) == ["aws:dynamodb", "aws:s3"]
            copy = lambda_app.resources["AlertsCopy"].physical_id
            bodies = [m["Body"] for m in lambda_app.client("sqs").receive_message(
                QueueUrl=copy, MaxNumberOfMessages=10)["Messages"]]
            assert sorted(bodies) == ["aws:dynamodb", "aws:s3"]

        def test_api_to_table(lambda_app):
            assert lambda_app.http.post("/orders", json={"id": "web"}).status_code == 201
            items = lambda_app.client("dynamodb").scan(TableName="OrdersTable")["Items"]
            assert items == [{"id": {"S": "web"}}]

        def test_schedule_runs_on_the_virtual_clock(lambda_app):
            assert [r.payload for r in lambda_app.advance(2 * 3600 + 1)] == [
                "aws.events", "aws.events"]
            assert lambda_app.function("Notifier").name == "Notifier"
    """)
    return pytester


def test_template_application_end_to_end(app_project: pytest.Pytester) -> None:
    """API -> function -> table, queue -> function -> table with a DLQ, S3 and a stream ->
    function -> SNS -> SQS, and a schedule, all declared only in template.yaml; what is not
    emulated is listed once."""
    result = app_project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([
        "*lambda_app: not emulated*",
        "template.yaml declares what lambda_app does not create or wire*",
        "  LoaderRole (AWS::IAM::Role)",
        "  Notifier.Events.Audit.RetryPolicy (not emulated: EventBridge's own target "
        "retries; Lambda's async retries apply)",
        "  Alerts.Subscription[0] (AWS::SNS::Topic inline subscription, protocol email: "
        "nothing is delivered to ops@example.com)",
    ])
    assert result.stdout.str().count("LoaderRole (AWS::IAM::Role)") == 1
    assert "SharedLayer" not in result.stdout.str()  # the functions load it


def test_lambda_app_without_a_template_is_a_usage_error(pytester: pytest.Pytester,
                                                        _moto_loaded: None) -> None:
    """Without ini lambda_template the fixture says which option to set."""
    pytester.makepyfile("def test_it(lambda_app):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*the lambda_app fixture needs a template: set the ini option "
                                 "lambda_template*"])
    assert result.ret != 0


PARAMETER_TEMPLATE = f"""\
Transform: AWS::Serverless-2016-10-31
Parameters:
  ApiKey: {{Type: String}}
Globals:
  Function: {{CodeUri: src/, Runtime: python3.{sys.version_info[1]}}}
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties: {{Handler: app.hello}}
  NeedsKey:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.key
      Environment: {{Variables: {{API_KEY: !Ref ApiKey}}}}
"""
PARAMETER_HANDLERS = """
import os

def hello(event, context):
    return "hello"

def key(event, context):
    return os.environ["API_KEY"]
"""


def _parameter_project(pytester: pytest.Pytester, ini: str) -> None:
    pytester.makefile(".yaml", template=PARAMETER_TEMPLATE)
    pytester.mkdir("src")
    pytester.path.joinpath("src", "app.py").write_text(PARAMETER_HANDLERS)
    pytester.makeini(f"[pytest]\nlambda_template = template.yaml\n{ini}")


def test_a_function_that_cannot_be_created_stops_only_itself(pytester: pytest.Pytester,
                                                             _moto_loaded: None) -> None:
    """A parameter without a Default stops the function using it; the others run, and using
    it raises the error naming the override, which the summary lists too."""
    _parameter_project(pytester, "")
    pytester.makepyfile("""
        import pytest
        from pytest_lambda.templates.errors import TemplateError

        def test_the_rest_runs(lambda_app):
            assert lambda_app.function("Hello").invoke({}).payload == "hello"
            assert list(lambda_app.failed) == ["NeedsKey"]
            with pytest.raises(TemplateError, match="NeedsKey was not created: .*ApiKey"):
                lambda_app.function("NeedsKey")
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["  NeedsKey (not created: *parameter 'ApiKey' has no Default*"])


def test_parameter_overrides_from_the_ini(pytester: pytest.Pytester, _moto_loaded: None) -> None:
    """lambda_parameter_overrides (KEY=VALUE lines) reach lambda_app and lambda_function."""
    _parameter_project(pytester, "lambda_parameter_overrides =\n    ApiKey = k-1=x\n")
    pytester.makepyfile("""
        def test_app(lambda_app):
            assert lambda_app.function("NeedsKey").invoke({}).payload == "k-1=x"
            assert not lambda_app.failed

        def test_function(lambda_function):
            assert lambda_function("NeedsKey").invoke({}).payload == "k-1=x"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_a_parameter_override_without_a_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """An ini line that is not KEY=VALUE is refused with the form to use."""
    _parameter_project(pytester, "lambda_parameter_overrides = ApiKey\n")
    pytester.makepyfile("def test_it():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*lambda_parameter_overrides: 'ApiKey' is not KEY=VALUE*"])


SLS_REGION = f"""\
service: shop
provider:
  name: aws
  runtime: python3.{sys.version_info[1]}
  region: eu-west-1
functions:
  where:
    handler: app.where
resources:
  Resources:
    Orders:
      Type: AWS::SQS::Queue
      Properties: {{QueueName: orders}}
"""


@pytest.mark.parametrize(("option", "expected"), [(None, "eu-west-1"),
                                                  ("us-west-2", "us-west-2")])
def test_a_serverless_yml_region_is_where_the_tests_run(
        pytester: pytest.Pytester, _moto_loaded: None, option: str | None,
        expected: str) -> None:
    """Without lambda_region, a serverless.yml's provider.region is the Region of its functions,
    resources, lambda_aws's clients and events (sls deploy deploys there); lambda_region wins."""
    pytester.makefile(".yml", serverless=SLS_REGION)
    pytester.path.joinpath("app.py").write_text(
        "import os\ndef where(event, context):\n"
        "    return [os.environ['AWS_REGION'], context.invoked_function_arn.split(':')[3]]\n")
    pytester.makeini("[pytest]\nlambda_template = serverless.yml\n")
    pytester.makepyfile(f"""
        def test_app(lambda_app, lambda_aws, lambda_events):
            assert lambda_app.function("where").invoke({{}}).payload == [{expected!r}] * 2
            assert lambda_app.resources["Orders"].physical_id.startswith(
                "https://sqs.{expected}.amazonaws.com/")
            assert lambda_aws.client("sqs").meta.region_name == {expected!r}
            assert lambda_events.sqs_batch(["x"])["Records"][0]["awsRegion"] == {expected!r}

        def test_function(lambda_function):
            assert lambda_function("where").invoke({{}}).payload == [{expected!r}] * 2
    """)
    args = ["-p", "no:cacheprovider"] + ([f"--lambda-region={option}"] if option else [])
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"aws_lambda: *region {expected},*"])
