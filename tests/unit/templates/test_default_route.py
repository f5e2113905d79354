"""An HTTP API's $default route: the catch-all, with the event API Gateway sends for it."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from pytest_lambda.templates.app import Application

RUNTIME = f"python3.{sys.version_info[1]}"
HANDLER = """
def handler(event, context):
    return {"routeKey": event["routeKey"], "context": event["requestContext"]["routeKey"],
            "params": event.get("pathParameters"), "rawPath": event["rawPath"]}
"""


def test_sam_and_serverless_default_routes(tmp_path: Path) -> None:
    """No Path (SAM) or '*' (serverless.yml) is the $default route: routeKey "$default", no
    pathParameters, and it only takes what no other route (ANY /{proxy+} included) matches."""
    (tmp_path / "app.py").write_text(HANDLER)
    sam = tmp_path / "template.yaml"
    sam.write_text(textwrap.dedent(f"""\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {{Runtime: {RUNTIME}, CodeUri: ., Handler: app.handler}}
        Resources:
          CatchAll:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Default: {{Type: HttpApi}}
          Files:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Files: {{Type: HttpApi, Properties: {{Path: "/files/{{proxy+}}", Method: ANY}}}}
        """))
    with Application(sam) as app:
        fallback = app.http.post("/orders/7", json={})
        assert fallback.json() == {"routeKey": "$default", "context": "$default",
                                   "params": None, "rawPath": "/orders/7"}
        assert fallback.invocation is not None
        assert fallback.invocation.function_name == "CatchAll"
        files = app.http.get("/files/a/b.txt").json()
        assert files["routeKey"] == "ANY /files/{proxy+}"
        assert files["params"] == {"proxy": "a/b.txt"}
    sls = tmp_path / "serverless.yml"
    sls.write_text(textwrap.dedent(f"""\
        service: shop
        provider: {{name: aws, runtime: {RUNTIME}}}
        functions:
          web:
            handler: app.handler
            events:
              - httpApi: "*"
        """))
    with Application(sls) as app:
        assert app.http.get("/x").json()["routeKey"] == "$default"
        # The catch-all takes the root too (a FastAPI/Flask app's "/" behind `httpApi: '*'`).
        assert app.http.get("/").json()["rawPath"] == "/"


def test_default_route_takes_the_root_on_a_named_stage(tmp_path: Path) -> None:
    """GET / (and GET /dev, the root of stage dev) reach the $default route's function."""
    (tmp_path / "app.py").write_text(HANDLER)
    sam = tmp_path / "template.yaml"
    sam.write_text(textwrap.dedent(f"""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::HttpApi
            Properties: {{StageName: dev}}
          CatchAll:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: {RUNTIME}
              CodeUri: .
              Handler: app.handler
              Events:
                Default: {{Type: HttpApi, Properties: {{ApiId: !Ref Api}}}}
        """))
    with Application(sam) as app:
        for path in ("/", "/dev", "/dev/"):
            response = app.http.get(path)
            assert response.status_code == 200, (path, response.text)
            assert response.json()["routeKey"] == "$default"


def test_a_route_of_a_function_not_created_says_why(tmp_path: Path) -> None:
    """When the only API's function could not be created, the client names it and the cause
    instead of saying the template declares no API."""
    (tmp_path / "app.py").write_text(HANDLER)
    sls = tmp_path / "serverless.yml"
    sls.write_text(textwrap.dedent(f"""\
        service: shop
        provider: {{name: aws, runtime: {RUNTIME}}}
        functions:
          producer:
            handler: app.handler
            environment: {{QUEUE_URL: "${{construct:jobs.queueUrl}}"}}
            events:
              - httpApi: {{method: post, path: /produce}}
        """))
    with Application(sls) as app, pytest.raises(
            LookupError, match=r"^no API, HTTP API or Function URL of the template could take "
                               r"POST /produce: producer was not created, so its routes are "
                               r"missing: .*parameter_overrides=\{'construct:jobs.queueUrl'"):
        app.http.post("/produce", json={})
