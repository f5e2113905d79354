"""Unit tests for the event sources a template function declares (templates/event_sources.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_lambda.observe.event_shapes import CUSTOM
from pytest_lambda.template import load_template

pytest.importorskip("yaml")

_SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Runtime: python3.12
      FunctionUrlConfig: {AuthType: NONE}
      Events:
        Q: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn}}
        Web: {Type: HttpApi}
        Rule: {Type: EventBridgeRule, Properties: {Pattern: {source: [x]}}}
        Custom: {Type: CloudWatchEvent, Properties: {Input: '{}'}}
        Thing: {Type: IoTRule, Properties: {Sql: SELECT * FROM 't'}}
        Tick: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(1 minute)}}
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Code: .
      Handler: app.handler
      Runtime: python3.12
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Plain
      EventSourceArn: !GetAtt Table.StreamArn
  Url:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !GetAtt Plain.Arn
      AuthType: NONE
  Queue: {Type: AWS::SQS::Queue}
  Table: {Type: AWS::DynamoDB::Table}
"""

_SLS = """\
service: shop
provider: {name: aws, runtime: python3.12}
functions:
  worker:
    handler: app.handler
    url: true
    events:
      - sqs: arn:aws:sqs:us-east-1:123456789012:q
      - http: {path: /, method: get}
      - stream: {type: dynamodb, arn: {Fn::GetAtt: [Table, StreamArn]}}
      - stream: arn:aws:kinesis:us-east-1:123456789012:stream/s
      - schedule: {rate: [rate(1 hour)], input: {job: x}}
      - schedule: {method: scheduler, rate: [rate(1 hour)]}
      - iot: {sql: SELECT * FROM 't'}
"""


def _declared(tmp_path: Path, text: str, name: str) -> list[tuple[str, str, set[str]]]:
    (tmp_path / "template.yaml").write_text(text)
    fn = load_template(tmp_path / "template.yaml")[name]
    return [(d.name, d.source, set(d.accepts)) for d in fn.declared_events()]


def test_sam_events_and_function_url(tmp_path: Path) -> None:
    """SAM Events map to detected sources; custom Input and IoT rules accept custom events."""
    assert _declared(tmp_path, _SAM, "Fn") == [
        ("Q", "SQS", {"SQS"}),
        ("Web", "HttpApi", {"HttpApi"}),
        ("Rule", "EventBridgeRule", {"EventBridgeRule"}),
        ("Custom", "EventBridgeRule", {CUSTOM}),
        ("Thing", "IoTRule", {CUSTOM}),
        ("Tick", "ScheduleV2", {"ScheduleV2"}),
        ("FunctionUrlConfig", "FunctionUrl", {"FunctionUrl"}),
    ]


def test_cloudformation_mappings_and_urls(tmp_path: Path) -> None:
    """Plain CloudFormation: event source mappings and URLs that point at the function."""
    assert _declared(tmp_path, _SAM, "Plain") == [
        ("Mapping", "DynamoDB", {"DynamoDB"}),
        ("Url", "FunctionUrl", {"FunctionUrl"}),
    ]


def test_serverless_events(tmp_path: Path) -> None:
    """serverless.yml events by key; stream sources from their type or ARN; url: true."""
    text = _SLS + "resources:\n  Resources:\n    Table: {Type: AWS::DynamoDB::Table}\n"
    assert _declared(tmp_path, text, "worker") == [
        ("events[0]", "SQS", {"SQS"}),
        ("events[1]", "Api", {"Api"}),
        ("events[2]", "DynamoDB", {"DynamoDB"}),
        ("events[3]", "Kinesis", {"Kinesis"}),
        ("events[4]", "Schedule", {CUSTOM}),
        ("events[5]", "ScheduleV2", {"ScheduleV2"}),
        ("events[6]", "iot", {CUSTOM}),
        ("url", "FunctionUrl", {"FunctionUrl"}),
    ]
