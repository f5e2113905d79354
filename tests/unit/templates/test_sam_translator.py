"""Our reading of SAM, checked against AWS's own SAM transform (``aws-sam-translator``).

Each SAM template is read twice: as written (our ``AWS::Serverless::*`` handling: Globals,
events, implicit APIs) and after AWS's transform has expanded it into plain CloudFormation
(functions, event source mappings, rules, bucket notifications, subscriptions, API bodies),
which our loader then reads as CloudFormation. Functions' settings and every piece of event
wiring must come out the same both ways; a difference is a misreading of SAM (or of the
CloudFormation SAM produces).
"""

from __future__ import annotations

import copy
import functools
import json
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("samtranslator")
pytest.importorskip("moto")

from pytest_lambda.template import load_template
from pytest_lambda.templates.app import Application

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*/template.yaml"))
RUNTIME = f"python3.{sys.version_info.minor}"

#: Every event type and the function settings SAM expands, in one template.
KITCHEN_SINK = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: RUNTIME
    CodeUri: .
    Timeout: 20
    MemorySize: 256
    Tracing: Active
    Environment:
      Variables: {SHARED: "1", OVERRIDDEN: global}
Resources:
  Jobs: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 120}}
  Clicks: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      BillingMode: PAY_PER_REQUEST
      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
  Uploads: {Type: AWS::S3::Bucket}
  Alerts: {Type: AWS::SNS::Topic}
  Failures: {Type: AWS::SQS::Queue}
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: shop-bus}}
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      MemorySize: 512
      Architectures: [arm64]
      EphemeralStorage: {Size: 1024}
      Environment:
        Variables: {OVERRIDDEN: mine, QUEUE: !Ref Jobs, TABLE_ARN: !GetAtt Orders.Arn}
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 25
            MaximumBatchingWindowInSeconds: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria:
              Filters: [{Pattern: '{"body": {"kind": ["order"]}}'}]
        Stream:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Clicks.Arn
            StartingPosition: TRIM_HORIZON
            BatchSize: 50
            ParallelizationFactor: 2
            MaximumRecordAgeInSeconds: 3600
            MaximumRetryAttempts: 3
            BisectBatchOnFunctionError: true
            DestinationConfig: {OnFailure: {Destination: !GetAtt Failures.Arn}}
        Table:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Orders.StreamArn
            StartingPosition: LATEST
            Enabled: false
  Notified:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Timeout: 5
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: [s3:ObjectCreated:*, s3:ObjectRemoved:Delete]
            Filter: {S3Key: {Rules: [{Name: prefix, Value: in/}, {Name: suffix, Value: .csv}]}}
        Alert:
          Type: SNS
          Properties:
            Topic: !Ref Alerts
            FilterPolicy: {severity: [high]}
            FilterPolicyScope: MessageBody
        Hourly:
          Type: Schedule
          Properties: {Schedule: rate(1 hour), Input: '{"hourly": true}'}
        Nightly:
          Type: Schedule
          Properties: {Schedule: "cron(0 2 * * ? *)", Name: nightly, Enabled: false}
        Placed:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern: {source: [shop.orders], detail-type: [OrderPlaced]}
            InputPath: $.detail
        Audit:
          Type: CloudWatchEvent
          Properties:
            Pattern: {source: [shop.audit]}
            Input: '{"audit": 1}'
  Web:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Events:
        List: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /orders, Method: get}}
        Read: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/orders/{id}", Method: GET}}
        Implicit: {Type: Api, Properties: {Path: /ping, Method: any}}
        Http: {Type: HttpApi, Properties: {Path: "/items/{id}", Method: POST}}
        Default: {Type: HttpApi}
"""


class _NoPolicies:
    """The translator's managed-policy lookup, offline: no policy is looked up."""

    def load(self) -> dict[str, str]:
        return {}


def _translate(path: Path) -> dict[str, Any]:
    """AWS's SAM transform of ``path``, with local code given placeholder S3 locations (the
    transform only accepts code in S3; SAM CLI does the same before it validates). Each text
    is transformed once per process: both tests of a template read the same output."""
    return copy.deepcopy(_translate_text(path.read_text()))


@functools.cache
def _translate_text(text: str) -> dict[str, Any]:
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.yaml_helper import yaml_parse

    doc = yaml_parse(text)
    placeholder = "s3://pytest-lambda-placeholder/code.zip"
    for section in [doc.get("Globals", {}).get("Function", {}),
                    *[r.get("Properties", {}) for r in doc["Resources"].values()]]:
        for prop in ("CodeUri", "ContentUri"):
            if isinstance(section.get(prop), str) and not section[prop].startswith("s3://"):
                section[prop] = placeholder
    translator = Translator(_NoPolicies().load(), Parser(),
                            boto_session=boto3.Session(region_name="us-east-1"))
    out: dict[str, Any] = translator.translate(doc, parameter_values={
        "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
        "AWS::StackName": "local"})
    return out


def _as_cloudformation(sam: Path, tmp_path: Path) -> Path:
    """The transformed template, with each function's code pointing back at its folder."""
    doc = _translate(sam)
    ours = load_template(sam)
    for lid, resource in doc["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Function":
            resource["Properties"]["Code"] = str(ours[lid].kwargs()["code_dir"])
    out = tmp_path / "translated.json"
    out.write_text(json.dumps(doc, indent=1))
    return out


#: The settings of a function that SAM's transform decides.
SETTINGS = ("name", "handler", "runtime", "memory_size", "timeout", "environment", "tracing",
            "ephemeral_storage", "architecture", "layers", "log_format", "log_level",
            "reserved_concurrent_executions")


def _settings(path: Path) -> dict[str, dict[str, Any]]:
    template = load_template(path)
    return {lid: {k: v for k, v in template[lid].kwargs().items() if k in SETTINGS}
            for lid, _ in template.items()}


def _wiring(app: Application) -> dict[str, Any]:
    """Everything the application wired, as comparable values (read back from moto)."""
    s3, sns, bridge = app.client("s3"), app.client("sns"), app.client("events")
    mappings = sorted(
        # A stream ARN ends in its creation time: the two applications made two streams.
        (m.function.name, re.sub(r"/stream/.*", "/stream/*", m.event_source_arn), json.dumps(
            {k: v for k, v in m.params.items() if k != "filter_criteria"}
            | {"filters": m.params["filter_criteria"].raw}, sort_keys=True,
            default=list))
        for m in app.mappings)
    triggers = []
    for t in app.triggers:
        detail: Any
        if t.kind == "s3":
            config = s3.get_bucket_notification_configuration(Bucket=t.bucket)
            [entry] = [c for c in config["QueueConfigurations"] if c["QueueArn"] == t.queue_arn]
            # One notification per event type (as the transform writes them) or one with
            # several types deliver the same events: compare them per type.
            for event in entry["Events"]:
                triggers.append(json.dumps(("s3", t.function.name, t.bucket, event,
                                            entry.get("Filter")), sort_keys=True))
            continue
        elif t.kind == "sns":
            attrs = sns.get_subscription_attributes(SubscriptionArn=t.subscription_arn)
            detail = (t.topic_arn, attrs["Attributes"].get("FilterPolicy"),
                      attrs["Attributes"].get("FilterPolicyScope"))
        else:
            rule = bridge.describe_rule(Name=t.rule_name, EventBusName=t.bus)
            detail = (t.bus, json.loads(rule["EventPattern"]), rule["State"], t.input,
                      t.input_path, t.input_transformer)
        triggers.append(json.dumps((t.kind, t.function.name, detail), sort_keys=True,
                                   default=str))
    schedules = sorted((s.function.name, s.expression, json.dumps(s.input), s.enabled)
                       for s in app.schedules)
    return {"mappings": mappings, "triggers": sorted(triggers), "schedules": schedules}


def _routes(app: Application) -> set[tuple[str, str, str, str]]:
    return {(r.api.name, r.method, "$default" if r.default else r.path, r.function.name)
            for r in app.routes.routes}


def _translated_routes(doc: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    """The routes in the API bodies AWS's transform generated: (API, method, path, function)."""
    out = set()
    for lid, resource in doc["Resources"].items():
        if resource["Type"] not in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
            continue
        for path, methods in resource["Properties"]["Body"]["paths"].items():
            for method, spec in methods.items():
                uri = json.dumps(spec.get("x-amazon-apigateway-integration", {}).get("uri"))
                [function] = re.findall(r"\$\{(\w+)\.Arn\}", uri)
                verb = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
                out.add((lid, verb, path, function))
    return out


def _project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(KITCHEN_SINK).replace("RUNTIME", RUNTIME))
    return path


@pytest.mark.parametrize("name", [p.parent.name for p in EXAMPLES] + ["kitchen-sink"])
def test_function_settings_match_aws_sam_transform(name: str, tmp_path: Path) -> None:
    """Globals merged, defaults and every function setting: as AWS's transform expands them."""
    sam = _project(tmp_path) if name == "kitchen-sink" else ROOT / "examples" / name / (
        "template.yaml")
    assert _settings(sam) == _settings(_as_cloudformation(sam, tmp_path))


@pytest.mark.parametrize("name", [p.parent.name for p in EXAMPLES] + ["kitchen-sink"])
def test_event_wiring_matches_aws_sam_transform(name: str, tmp_path: Path) -> None:
    """Event source mappings, bucket notifications, subscriptions, schedules and rules wired
    from SAM events equal those wired from the CloudFormation AWS's transform generates."""
    sam = _project(tmp_path) if name == "kitchen-sink" else ROOT / "examples" / name / (
        "template.yaml")
    cfn = _as_cloudformation(sam, tmp_path)
    with Application(sam) as ours:
        expected = _wiring(ours)
        routes = _routes(ours)
    with Application(cfn) as theirs:
        assert _wiring(theirs) == expected
    assert routes == _translated_routes(json.loads(cfn.read_text()))
