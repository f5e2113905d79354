"""An HTTP API's $default route: the catch-all, with the event API Gateway sends for it."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from pytest_lambda.templates.app import Application
from pytest_lambda.templates.errors import TemplateError

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


@pytest.mark.parametrize("site_first", [True, False])
@pytest.mark.parametrize(("event", "path"), [("Api", "/Prod/api/orders/7"),
                                             ("HttpApi", "/api/orders/7")])
def test_the_most_specific_route_wins_whatever_the_template_order(
        tmp_path: Path, site_first: bool, event: str, path: str) -> None:
    """``ANY /api/{proxy+}`` takes ``/api/...`` over ``ANY /{proxy+}`` (API Gateway's
    most-specific match, segment by segment), and a literal segment beats a variable one
    (``/users/{id}`` over ``/{kind}/list``). Before, both counted one variable and the function
    declared first got the request."""
    (tmp_path / "app.py").write_text(
        "import json, os\n"
        "def handler(event, context):\n"
        "    name = os.environ['AWS_LAMBDA_FUNCTION_NAME']\n"
        "    return {'statusCode': 200, 'body': json.dumps({'function': name})}\n")
    functions = {
        "Site": f'{{Type: {event}, Properties: {{Path: "/{{proxy+}}", Method: ANY}}}}',
        "Orders": f'{{Type: {event}, Properties: {{Path: "/api/{{proxy+}}", Method: ANY}}}}',
        "Kinds": f'{{Type: {event}, Properties: {{Path: "/{{kind}}/list", Method: GET}}}}',
        "Users": f'{{Type: {event}, Properties: {{Path: "/users/{{id}}", Method: GET}}}}',
    }
    order = list(functions) if site_first else list(reversed(functions))
    resources = "".join(
        f"  {name}:\n    Type: AWS::Serverless::Function\n"
        f"    Properties:\n      Events:\n        Route: {functions[name]}\n" for name in order)
    sam = tmp_path / "template.yaml"
    sam.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        f"Globals:\n  Function: {{Runtime: {RUNTIME}, CodeUri: ., Handler: app.handler}}\n"
        f"Resources:\n{resources}")
    prefix = path.removesuffix("/api/orders/7")
    with Application(sam) as app:
        assert app.http.get(path).json() == {"function": "Orders"}
        assert app.http.get(f"{prefix}/users/list").json() == {"function": "Users"}
        assert app.http.get(f"{prefix}/teams/list").json() == {"function": "Kinds"}
        assert app.http.get(f"{prefix}/index.html").json() == {"function": "Site"}


@pytest.mark.parametrize(("event", "path", "status", "body"), [
    ("Api", "/Prod", 504, {"message": "Endpoint request timed out"}),
    ("HttpApi", "", 503, {"message": "Service Unavailable"})])
def test_an_integration_timeout_from_the_template_applies(
        tmp_path: Path, event: str, path: str, status: int, body: dict[str, str]) -> None:
    """SAM's ``TimeoutInMillis`` on an ``Api``/``HttpApi`` event: a function slower than its
    integration timeout gets API Gateway's timeout answer (it was ignored, and the fixed
    29/30 s applied); out of API Gateway's range, the template is refused naming it."""
    (tmp_path / "app.py").write_text(
        "import time\n"
        "def handler(event, context):\n"
        "    time.sleep(0.3)\n"
        "    return {'statusCode': 200, 'body': 'done'}\n")

    def template(millis: int) -> Path:
        sam = tmp_path / "template.yaml"
        sam.write_text(textwrap.dedent(f"""\
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Slow:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: {RUNTIME}
                  CodeUri: .
                  Handler: app.handler
                  Events:
                    Route:
                      Type: {event}
                      Properties: {{Path: /slow, Method: GET, TimeoutInMillis: {millis}}}
            """))
        return sam

    with Application(template(100)) as app:
        response = app.http.get(f"{path}/slow")
        assert (response.status_code, response.json()) == (status, body)
    with Application(template(5000)) as app:
        assert app.http.get(f"{path}/slow").text == "done"
    with pytest.raises(TemplateError, match=r"template.yaml: Slow\.Events\.Route\.TimeoutInMillis "
                                            r"is 20; API Gateway takes 50 to"):
        Application(template(20)).__enter__()
