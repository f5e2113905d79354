"""ALB listener rules in front of Lambda target groups, through the application's HTTP client."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("moto")

from pytest_lambda.templates.app import Application

RUNTIME = f"python3.{sys.version_info.minor}"
HANDLERS = """
import base64, json
def orders(event, context):
    if event["path"] == "/orders/fail":
        raise ValueError("boom")
    if event["path"] == "/orders/bad":
        return {"body": "no status"}
    if event["path"] == "/orders/big":
        return {"statusCode": 200, "body": "x" * (1024 * 1024)}
    headers = event.get("multiValueHeaders") or event.get("headers")
    return {"statusCode": 200, "statusDescription": "200 OK",
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": json.dumps({"path": event["path"], "method": event["httpMethod"],
                                "multi": "multiValueHeaders" in event,
                                "group": event["requestContext"]["elb"]["targetGroupArn"]})}
def images(event, context):
    return {"statusCode": 200, "headers": {"content-type": "image/png"},
            "body": base64.b64encode(b"png").decode(), "isBase64Encoded": True}
"""


@pytest.fixture
def alb_app(tmp_path: Path) -> Path:
    """A template with an ALB: two rules and a fixed-response default action."""
    (tmp_path / "app.py").write_text(HANDLERS)
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent("""\
        Resources:
          Orders:
            Type: AWS::Lambda::Function
            Properties: {Handler: app.orders, Runtime: RUNTIME, Code: .}
          Images:
            Type: AWS::Lambda::Function
            Properties: {Handler: app.images, Runtime: RUNTIME, Code: .}
          OrdersGroup:
            Type: AWS::ElasticLoadBalancingV2::TargetGroup
            Properties:
              TargetType: lambda
              Targets: [{Id: !GetAtt Orders.Arn}]
              TargetGroupAttributes: [{Key: lambda.multi_value_headers.enabled, Value: "true"}]
          ImagesGroup:
            Type: AWS::ElasticLoadBalancingV2::TargetGroup
            Properties: {TargetType: lambda, Targets: [{Id: !GetAtt Images.Arn}]}
          Balancer: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer}
          Listener:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Properties:
              LoadBalancerArn: !Ref Balancer
              DefaultActions:
                - Type: fixed-response
                  FixedResponseConfig: {StatusCode: "404", ContentType: text/plain,
                                        MessageBody: nothing here}
          OrdersRule:
            Type: AWS::ElasticLoadBalancingV2::ListenerRule
            Properties:
              ListenerArn: !Ref Listener
              Priority: 10
              Conditions:
                - {Field: path-pattern, PathPatternConfig: {Values: ["/orders*"]}}
                - {Field: http-request-method, HttpRequestMethodConfig: {Values: [GET, POST]}}
              Actions: [{Type: forward, TargetGroupArn: !Ref OrdersGroup}]
          ImagesRule:
            Type: AWS::ElasticLoadBalancingV2::ListenerRule
            Properties:
              ListenerArn: !Ref Listener
              Priority: 20
              Conditions: [{Field: path-pattern, Values: ["/img/*.png"]}]
              Actions: [{Type: forward, TargetGroupArn: !Ref ImagesGroup}]
        """).replace("RUNTIME", RUNTIME))
    return path


def test_rules_route_by_priority_and_conditions(alb_app: Path) -> None:
    """Path patterns and methods pick the target group; multi-value headers as configured."""
    with Application(alb_app) as app:
        r = app.http.get("/orders/7")
        assert r.status_code == 200
        body = r.json()
        assert (body["path"], body["method"], body["multi"]) == ("/orders/7", "GET", True)
        assert body["group"].endswith(":targetgroup/OrdersGroup/" + body["group"].rsplit("/", 1)[1])
        assert r.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
        assert r.headers["Server"] == "awselb/2.0"
        image = app.http.get("/img/logo.png")
        assert (image.content, image.headers["content-type"]) == (b"png", "image/png")
        assert app.http.delete("/orders/7").text == "nothing here"  # method not in the rule
        assert app.http.get("/other").status_code == 404
        assert app.unsupported == []


def test_function_errors_and_malformed_responses_are_502(alb_app: Path) -> None:
    """The ALB answers 502 Bad Gateway itself when the target fails or answers malformed."""
    with Application(alb_app) as app:
        # /orders/big: a response JSON over 1 MB, the limit of the Elastic Load Balancing
        # user guide ("Use Lambda functions as targets", Limits).
        for path in ("/orders/fail", "/orders/bad", "/orders/big"):
            r = app.http.get(path)
            assert r.status_code == 502 and b"502 Bad Gateway" in r.content
            assert r.invocation is not None


def test_a_request_body_over_1_mb_does_not_reach_the_function(alb_app: Path) -> None:
    """A Lambda target takes request bodies up to 1 MB (Elastic Load Balancing user guide,
    "Use Lambda functions as targets", Limits): a larger one is refused before any invocation
    (it was delivered: a 3 MB upload passed)."""
    with Application(alb_app) as app:
        r = app.http.post("/orders/7", data=b"x" * (1024 * 1024 + 1))
        assert (r.status_code, r.invocation) == (413, None)
        assert b"413 Request Entity Too Large" in r.content
        # content= is httpx's name for data=: both send the body.
        assert app.http.post("/orders/7", content=b"x" * (1024 * 1024)).status_code == 200


def test_serverless_alb_events(tmp_path: Path) -> None:
    """serverless.yml ``alb`` events: conditions, priority, multiValueHeaders."""
    (tmp_path / "app.py").write_text(HANDLERS)
    path = tmp_path / "serverless.yml"
    path.write_text(textwrap.dedent("""\
        service: shop
        provider: {name: aws, runtime: RUNTIME}
        functions:
          orders:
            handler: app.orders
            events:
              - alb:
                  listenerArn: arn:aws:elasticloadbalancing:us-east-1:1:listener/app/shop/1/2
                  priority: 1
                  conditions: {path: /orders/*, method: [GET]}
        """).replace("RUNTIME", RUNTIME))
    with Application(path) as app:
        r = app.http.get("/orders/1")
        assert (r.status_code, r.json()["multi"]) == (200, False)
        assert app.http.post("/orders/1").status_code == 404


def test_forwarded_headers_name_the_listeners_protocol_and_port(alb_app: Path) -> None:
    """X-Forwarded-Proto and X-Forwarded-Port are the listener's: a port 80 HTTP listener
    sends ``http`` / ``80`` (captured on AWS: hotsock/voker alb-request.json)."""
    text = alb_app.read_text()
    (alb_app.parent / "app.py").write_text(
        "def orders(event, context):\n"
        "    h = event['multiValueHeaders']\n"
        "    return {'statusCode': 200, 'body': h['x-forwarded-proto'][0] + ' '"
        " + h['x-forwarded-port'][0]}\n"
        "images = orders\n")
    line = next(x for x in text.splitlines() if "LoadBalancerArn" in x)
    indent = line[:len(line) - len(line.lstrip())]
    for protocol, expected in (("", "http 80"), ("Protocol: HTTPS", "https 443"),
                               (f"Protocol: HTTP\n{indent}Port: 8080", "http 8080")):
        alb_app.write_text(text.replace(line, f"{line}\n{indent}{protocol}"))
        with Application(alb_app) as app:
            assert app.http.get("/orders/1").text == expected
