"""FilterCriteria declared in a template or serverless.yml reach the event source mapping."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_lambda.templates.app import Application

RUNTIME = f"python3.{sys.version_info[1]}"
HANDLER = "def handler(event, context):\n    return [r['body'] for r in event['Records']]\n"


def _send_and_drain(app: Application, queue: str) -> list[str]:
    sqs = app.client("sqs")
    url = app.resources[queue].physical_id
    for body in ({"kind": "order"}, {"kind": "refund"}, "ping"):
        sqs.send_message(QueueUrl=url, MessageBody=body if isinstance(body, str)
                         else json.dumps(body))
    return [b for r in app.drain() for b in r.payload]


@pytest.mark.parametrize("pattern", [
    """'{"body": {"kind": ["order"]}}'""",  # CloudFormation: a JSON string
    """{body: {kind: [order]}}""",  # written as a YAML mapping
])
def test_sam_sqs_event_filter_criteria(tmp_path: Path, pattern: str) -> None:
    """A SAM SQS event's FilterCriteria filters the mapping; nothing is listed as unsupported."""
    (tmp_path / "app.py").write_text(HANDLER)
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(f"""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Jobs: {{Type: AWS::SQS::Queue}}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Runtime: {RUNTIME}
              CodeUri: .
              Events:
                Orders:
                  Type: SQS
                  Properties:
                    Queue: !GetAtt Jobs.Arn
                    FilterCriteria:
                      Filters:
                        - Pattern: {pattern}
        """))
    with Application(path) as app:
        assert _send_and_drain(app, "Jobs") == [json.dumps({"kind": "order"})]
        assert not any("FilterCriteria" in line for line in app.unsupported)


def test_serverless_filter_patterns(tmp_path: Path) -> None:
    """serverless.yml filterPatterns (a list of pattern objects) filter the mapping."""
    (tmp_path / "app.py").write_text(HANDLER)
    path = tmp_path / "serverless.yml"
    path.write_text(textwrap.dedent(f"""\
        service: shop
        provider: {{name: aws, runtime: {RUNTIME}}}
        functions:
          jobs:
            handler: app.handler
            events:
              - sqs:
                  arn: !GetAtt Jobs.Arn
                  filterPatterns:
                    - body: {{kind: [refund]}}
                    - body: [ping]
        resources:
          Resources:
            Jobs: {{Type: AWS::SQS::Queue}}
        """))
    with Application(path) as app:
        assert sorted(_send_and_drain(app, "Jobs")) == sorted(
            [json.dumps({"kind": "refund"}), "ping"])
