"""The HTTP client: routes and CORS a template declares at the API level (OpenAPI definitions,
SAM Globals, serverless.yml provider settings), and the gateway rules that a quick handler
cannot reach (integration timeouts)."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.templates import gateway
from pytest_lambda.templates.http import single_function_client

RUNTIME = f"python3.{sys.version_info.minor}"
#: The Serverless Framework's default allowed headers for provider.httpApi.cors.
#: The Lambda integration URI prefix (``INVOKE/<function ARN>/invocations``), and a function
#: of another account.
INVOKE = "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions"
OTHER = (INVOKE.replace("${AWS::Region}", "us-east-1")
         + "/arn:aws:lambda:us-east-1:999999999999:function:other/invocations")
SLS_HEADERS = ("Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,"
               "X-Amz-User-Agent,X-Amzn-Trace-Id")
ECHO = """
def echo(event, context):
    return {"statusCode": 200, "body": context.function_name + " " + event.get("version", "1.0")
            + " " + str(event.get("pathParameters"))}
"""


def _app(tmp_path: Path, name: str, text: str) -> object:
    """An ``Application`` over ``text`` (``RUNTIME`` replaced), with ``app.echo`` beside it."""
    pytest.importorskip("moto")
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text(ECHO)
    path = tmp_path / name
    text = textwrap.dedent(text).replace("RUNTIME", RUNTIME)
    path.write_text(text.replace("INVOKE", INVOKE).replace("OTHER", OTHER))
    return Application(path)


@pytest.mark.parametrize(("kind", "status", "body"), [
    ("rest", 504, {"message": "Endpoint request timed out"}),
    ("http", 503, {"message": "Service Unavailable"}),
])
def test_integration_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str,
                             status: int, body: dict[str, str]) -> None:
    """An invocation longer than the API's integration timeout is the gateway's own answer."""
    (tmp_path / "app.py").write_text("def handler(event, context):\n"
                                     "    return {'statusCode': 200, 'body': 'late'}\n")
    with LambdaFunction("app.handler", code_dir=tmp_path, timeout=60) as fn:
        real_invoke = fn.invoke

        def slow_invoke(*args: object, **kwargs: object) -> object:
            result = real_invoke(*args, **kwargs)  # type: ignore[arg-type]
            assert result.report is not None
            limit = gateway.REST_TIMEOUT_S if kind == "rest" else gateway.HTTP_TIMEOUT_S
            result.report = dataclasses.replace(result.report, duration_ms=limit * 1000 + 1)
            return result

        monkeypatch.setattr(fn, "invoke", slow_invoke)
        response = single_function_client(fn, kind).get("/x")
        assert (response.status_code, response.json()) == (status, body)
        assert response.invocation is not None


def test_bad_kind_names_the_choices(tmp_path: Path) -> None:
    """An unknown API kind is refused with the three valid ones."""
    (tmp_path / "app.py").write_text("def handler(e, c):\n    return e\n")
    with LambdaFunction("app.handler", code_dir=tmp_path) as fn, \
            pytest.raises(ValueError, match=r"kind='alb' is not an API kind: use 'rest'"):
        single_function_client(fn, "alb")


def test_a_route_without_its_leading_slash_is_refused(tmp_path: Path) -> None:
    """``path="orders"`` names the fix (every request to it answered 404)."""
    (tmp_path / "app.py").write_text("def handler(e, c):\n    return e\n")
    with LambdaFunction("app.handler", code_dir=tmp_path) as fn, \
            pytest.raises(ValueError, match=r"path='orders' is not a route: start it with '/', "
                                            r"e.g. path='/orders'"):
        single_function_client(fn, "http", path="orders")


DEFINITIONS = """\
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function: {Runtime: RUNTIME, CodeUri: ., Handler: app.echo}
    Resources:
      Rest:
        Type: AWS::Serverless::Api
        Properties:
          StageName: prod
          DefinitionBody:
            openapi: "3.0.1"
            info: {title: rest, version: "1"}
            paths:
              /hello:
                get:
                  x-amazon-apigateway-integration:
                    type: aws_proxy
                    httpMethod: POST
                    uri: !Sub INVOKE/${Hello.Arn}/invocations
                options:
                  x-amazon-apigateway-integration: {type: mock}
              /items/{id}:
                x-amazon-apigateway-any-method:
                  x-amazon-apigateway-integration:
                    type: AWS_PROXY
                    httpMethod: POST
                    uri: !Sub
                      - INVOKE/${Target}/invocations
                      - {Target: !GetAtt Items.Arn}
              /files/{proxy+}:
                post:
                  x-amazon-apigateway-integration:
                    type: aws_proxy
                    httpMethod: POST
                    uri: !Join ["", ["arn:aws:apigateway:", !Ref "AWS::Region",
                                     ":lambda:path/2015-03-31/functions/", !GetAtt Hello.Arn,
                                     "/invocations"]]
              /live:
                get:
                  x-amazon-apigateway-integration:
                    type: aws_proxy
                    httpMethod: POST
                    uri: !Sub INVOKE/${Items.Alias}/invocations
              /upstream:
                get:
                  x-amazon-apigateway-integration: {type: http_proxy, uri: "https://example.com"}
              /elsewhere:
                get:
                  x-amazon-apigateway-integration:
                    type: aws_proxy
                    uri: OTHER
      Http:
        Type: AWS::Serverless::HttpApi
        Properties:
          DefinitionBody:
            openapi: "3.0.1"
            info: {title: http, version: "1"}
            x-amazon-apigateway-cors: {allowOrigins: ["https://app.example"]}
            paths:
              /v1/{id}:
                get:
                  x-amazon-apigateway-integration:
                    type: aws_proxy
                    payloadFormatVersion: "1.0"
                    uri: !GetAtt Items.Arn
              /submit:
                post:
                  x-amazon-apigateway-integration:
                    type: aws_proxy
                    integrationSubtype: SQS-SendMessage
                    payloadFormatVersion: "1.0"
                    requestParameters: {QueueUrl: !Ref Jobs, MessageBody: $request.body}
              $default:
                x-amazon-apigateway-any-method:
                  x-amazon-apigateway-integration:
                    type: aws_proxy
                    payloadFormatVersion: "2.0"
                    uri: !Sub "INVOKE/${Hello.Arn}/invocations"
      External:
        Type: AWS::Serverless::Api
        Properties: {StageName: prod, DefinitionUri: ./openapi.yaml}
      Hello:
        Type: AWS::Serverless::Function
      Items:
        Type: AWS::Serverless::Function
      Jobs:
        Type: AWS::SQS::Queue
    """


def test_definition_body_routes(tmp_path: Path) -> None:
    """Lambda proxy integrations of an OpenAPI DefinitionBody are routes (every uri form);
    other integrations and a DefinitionUri are listed as not emulated."""
    with _app(tmp_path, "template.yaml", DEFINITIONS) as app:  # type: ignore[attr-defined]
        rest, http = app.http.for_api("Rest"), app.http.for_api("Http")
        assert rest.get("/hello").text == "Hello 1.0 None"
        assert rest.get("/prod/hello").text == "Hello 1.0 None"
        assert rest.delete("/items/7").text == "Items 1.0 {'id': '7'}"
        assert rest.post("/files/a/b.txt").text == "Hello 1.0 {'proxy': 'a/b.txt'}"
        assert rest.get("/live").text == "Items 1.0 None"
        with pytest.raises(LookupError, match="GET /upstream is not emulated: http_proxy"):
            rest.get("/upstream")  # declared: not answered as a path that does not exist
        # An HTTP API's SQS integration: a route on AWS, not a 404 (it answered 404).
        with pytest.raises(LookupError, match="POST /submit is not emulated: an AWS service "
                                              "integration \\(SQS-SendMessage\\)"):
            http.post("/submit", json={})
        assert http.get("/v1/9").text == "Items 1.0 {'id': '9'}"
        assert http.post("/anything/else").text.startswith("Hello 2.0 ")  # $default
        r = http.get("/v1/9", headers={"Origin": "https://app.example"})
        assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
        assert app.unsupported == [
            "Rest.DefinitionBody OPTIONS /hello (mock integration: only Lambda proxy "
            "integrations (aws_proxy) are emulated)",
            "Rest.DefinitionBody GET /upstream (http_proxy integration: only Lambda proxy "
            "integrations (aws_proxy) are emulated)",
            "Rest.DefinitionBody GET /elsewhere (a Lambda proxy integration whose uri names no "
            "function of this template)",
            "Http.DefinitionBody POST /submit (an AWS service integration (SQS-SendMessage): "
            "only Lambda proxy integrations are emulated)",
            "External.DefinitionUri (an OpenAPI definition in a file is not read: inline it as "
            "DefinitionBody, or declare the routes as the functions' events)",
        ]


def test_an_api_defined_in_a_file_only_is_named_when_a_request_finds_none(
        tmp_path: Path) -> None:
    """An API whose only routes are in an OpenAPI file (``DefinitionUri``, ``AWS::Include``):
    a request names it and the fix; it said the template "declares no API"."""
    text = """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              DefinitionBody:
                Fn::Transform: {Name: AWS::Include, Parameters: {Location: ./api.yaml}}
          Hello:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.echo, Runtime: RUNTIME, CodeUri: .}
        """
    refused = pytest.raises(LookupError, match=r"Api is declared but not emulated: its "
                                               r"DefinitionBody is an OpenAPI definition in a "
                                               r"file")
    with _app(tmp_path, "template.yaml", text) as app, refused:  # type: ignore[attr-defined]
        app.http.get("/prod/hello")


def test_a_path_routed_on_several_apis_needs_the_api_named(tmp_path: Path) -> None:
    """Each API has a host of its own on AWS: a path that two APIs route (here the HTTP API's
    $default catches everything) is refused without an API, never sent to the best match."""
    with _app(tmp_path, "template.yaml", DEFINITIONS) as app:  # type: ignore[attr-defined]
        with pytest.raises(LookupError) as e:
            app.http.get("/hello")
        assert str(e.value) == (
            "GET /hello matches routes of 2 APIs: Rest (GET /hello), Http ($default). On "
            "AWS each API has a host of its own, so a request reaches only the API it is sent "
            "to. Name it: lambda_app.http.for_api('Rest').get('/hello'), or "
            "lambda_app.http.request('GET', '/hello', api='Rest').")
        assert app.http.get("/hello", api="Rest").text == "Hello 1.0 None"
        assert app.http.get("/hello", api="Http").text.startswith("Hello 2.0 ")


def test_sam_globals_cors_apply_to_every_api(tmp_path: Path) -> None:
    """Globals.Api.Cors and Globals.HttpApi.CorsConfiguration reach the implicit APIs and
    the declared ones; a resource's own setting wins."""
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: RUNTIME, CodeUri: ., Handler: app.echo}
          Api:
            Cors: {AllowOrigin: "'*'", AllowMethods: "'GET,OPTIONS'"}
          HttpApi:
            CorsConfiguration: {AllowOrigins: ["https://app.example"], ExposeHeaders: [x-id]}
        Resources:
          Own:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              Cors: {AllowOrigin: "'https://own.example'"}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Implicit: {Type: Api, Properties: {Path: /a, Method: get}}
                Declared: {Type: Api, Properties: {RestApiId: !Ref Own, Path: /b, Method: get}}
                Http: {Type: HttpApi, Properties: {Path: /c, Method: get}}
        """
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        origin = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
        pre = app.http.for_api("ServerlessRestApi").options("/a", headers=origin)
        assert pre.status_code == 200
        assert pre.headers["Access-Control-Allow-Origin"] == "*"
        assert pre.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
        own = app.http.for_api("Own").options("/b", headers={"Origin": "https://own.example"})
        assert own.headers["Access-Control-Allow-Origin"] == "https://own.example"
        assert own.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
        r = app.http.for_api("ServerlessHttpApi").get("/c", headers=origin)
        assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
        assert r.headers["Access-Control-Expose-Headers"] == "x-id"


@pytest.mark.parametrize(("cors", "expected"), [
    ("true", {"Access-Control-Allow-Origin": "*",
              "Access-Control-Allow-Methods": "OPTIONS,GET,POST,PUT,PATCH,HEAD,DELETE",
              "Access-Control-Allow-Headers": SLS_HEADERS}),
    ("{allowedOrigins: [https://app.example], allowedHeaders: [x-key], allowCredentials: true,"
     " exposedResponseHeaders: [x-id], maxAge: 600}",
     {"Access-Control-Allow-Origin": "https://app.example",
      "Access-Control-Allow-Methods": "OPTIONS,GET,POST,PUT,PATCH,HEAD,DELETE",
      "Access-Control-Allow-Headers": "x-key", "Access-Control-Max-Age": "600",
      "Access-Control-Allow-Credentials": "true"}),
    ("{allowedMethods: [GET]}", {"Access-Control-Allow-Origin": "*",
                                 "Access-Control-Allow-Methods": "GET",
                                 "Access-Control-Allow-Headers": SLS_HEADERS}),
])
def test_serverless_provider_http_api_cors(tmp_path: Path, cors: str,
                                           expected: dict[str, str]) -> None:
    """provider.httpApi.cors (true, or the Framework's object) answers preflights with the
    Framework's defaults and methods, and marks the HTTP API's responses."""
    text = f"""\
        service: shop
        provider:
          name: aws
          runtime: RUNTIME
          httpApi:
            cors: {cors}
        functions:
          get:
            handler: app.echo
            events:
              - httpApi: GET /orders
          any:
            handler: app.echo
            events:
              - httpApi: {{method: "*", path: "/orders/{{id}}"}}
        """
    with _app(tmp_path, "serverless.yml", text) as app:  # type: ignore[attr-defined]
        origin = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
        pre = app.http.options("/orders", headers=origin)
        assert pre.status_code == 204
        assert {k: v for k, v in pre.headers.items() if k in expected or k.startswith(
            "Access-Control-")} == expected
        r = app.http.get("/orders", headers=origin)
        assert r.headers["Access-Control-Allow-Origin"] == expected[
            "Access-Control-Allow-Origin"]


def test_serverless_rest_cors_preflight(tmp_path: Path) -> None:
    """serverless.yml http `cors: true` answers with the Framework's origin, headers and the
    path's methods; a `cors` object's origin(s), headers, credentials, maxAge and
    cacheControl are used."""
    text = """\
        service: shop
        provider: {name: aws, runtime: RUNTIME}
        functions:
          open:
            handler: app.echo
            events:
              - http: {path: open, method: post, cors: true}
              - http: {path: open, method: get, cors: true}
          strict:
            handler: app.echo
            events:
              - http:
                  path: strict
                  method: get
                  cors:
                    origin: https://app.example
                    headers: [Content-Type, X-Custom]
                    allowCredentials: true
                    maxAge: 86400
                    cacheControl: max-age=600
          many:
            handler: app.echo
            events:
              - http:
                  path: many
                  method: any
                  cors: {origins: ["https://a.example", "https://*.b.example"]}
        """
    with _app(tmp_path, "serverless.yml", text) as app:  # type: ignore[attr-defined]
        pre = app.http.options("/open", headers={"Origin": "https://x.example"})
        assert pre.status_code == 200
        assert {k: v for k, v in pre.headers.items() if k.startswith("Access-Control-")} == {
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": "OPTIONS,GET,POST",
            "Access-Control-Allow-Headers": SLS_HEADERS.removesuffix(",X-Amzn-Trace-Id")}
        strict = app.http.options("/strict")
        assert {k: v for k, v in strict.headers.items() if k != "Content-Type"} == {
            "Access-Control-Allow-Origin": "https://app.example",
            "Access-Control-Allow-Methods": "OPTIONS,GET",
            "Access-Control-Allow-Headers": "Content-Type,X-Custom",
            "Access-Control-Allow-Credentials": "true", "Access-Control-Max-Age": "86400",
            "Cache-Control": "max-age=600"}
        many = app.http.options("/many", headers={"Origin": "https://c.b.example"})
        assert many.headers["Access-Control-Allow-Origin"] == "https://c.b.example"
        assert many.headers["Access-Control-Allow-Methods"] == \
            "OPTIONS,DELETE,GET,HEAD,PATCH,POST,PUT"
        other = app.http.options("/many", headers={"Origin": "https://evil.example"})
        assert other.headers["Access-Control-Allow-Origin"] == "https://a.example"


def test_sam_rest_cors_without_allow_methods(tmp_path: Path) -> None:
    """SAM Api Cors without AllowMethods allows each path's methods plus OPTIONS (all of them
    for ANY), sorted as the SAM translator writes them."""
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Api:
            Cors: {AllowOrigin: "'https://example.com'"}
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: RUNTIME
              Handler: app.echo
              Events:
                Get: {Type: Api, Properties: {Path: /items, Method: GET}}
                Post: {Type: Api, Properties: {Path: /items, Method: POST}}
                Any: {Type: Api, Properties: {Path: /all, Method: ANY}}
        """
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        pre = app.http.options("/items", headers={"Origin": "https://example.com"})
        assert pre.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS,POST"
        assert pre.headers["Access-Control-Allow-Origin"] == "https://example.com"
        assert app.http.options("/all").headers["Access-Control-Allow-Methods"] == \
            "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"


def test_binary_response_follows_the_accept_header_the_event_carries(tmp_path: Path) -> None:
    """A REST API decodes a base64 response when the request's Accept matches a binary media
    type. A request without an Accept header is sent as HTTP clients send it (``*/*``, as its
    event shows), so ``*/*`` as a binary media type decodes it; an explicit Accept decides."""
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Api: {BinaryMediaTypes: ["*~1*"]}
        Resources:
          Logo:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: RUNTIME
              CodeUri: .
              Handler: logo.handler
              Events:
                Get: {Type: Api, Properties: {Path: /logo, Method: get}}
        """
    (tmp_path / "logo.py").write_text(
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'isBase64Encoded': True, 'body': 'iVBORw==',\n"
        "            'headers': {'Content-Type': 'image/png', 'x-accept': "
        "str(event['headers'].get('Accept'))}}\n")
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        plain = app.http.get("/logo")
        assert plain.headers["x-accept"] == "*/*"
        assert plain.content == b"\x89PNG"
        assert app.http.get("/logo", headers={"Accept": "image/png"}).content == b"\x89PNG"


def test_rest_cors_preflight_fails_with_every_type_binary(tmp_path: Path) -> None:
    """SAM's CORS preflight is a MOCK integration: with ``*/*`` as a binary media type its
    request cannot be transformed and API Gateway answers 500; a narrower type leaves it be."""
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: RUNTIME, CodeUri: ., Handler: app.echo}
          Api:
            BinaryMediaTypes: [BINARY]
            Cors: {AllowOrigin: "'*'", AllowMethods: "'GET,OPTIONS'"}
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Get: {Type: Api, Properties: {Path: /todos, Method: get}}
        """
    origin = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    for name, binary, status in (("any", "'*~1*'", 500), ("png", "image~1png", 200)):
        folder = tmp_path / name
        folder.mkdir()
        with _app(folder, "template.yaml",  # type: ignore[attr-defined]
                  text.replace("BINARY", binary)) as app:
            pre = app.http.options("/todos", headers=origin)
            assert pre.status_code == status, binary
            if status == 500:
                assert pre.json() == {"message": "Internal server error"}
            assert app.http.get("/todos").status_code == 200


def test_non_string_header_values_are_sent_as_json_text(tmp_path: Path) -> None:
    """``"Access-Control-Allow-Credentials": true`` (the everyday CORS idiom) reaches the client
    as ``true``, a number as its digits: the JSON text, never Python's ``True``."""
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: RUNTIME, CodeUri: ., Handler: creds.handler}
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Rest: {Type: Api, Properties: {Path: /r, Method: get}}
                Http: {Type: HttpApi, Properties: {Path: /h, Method: get}}
        """
    (tmp_path / "creds.py").write_text(
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': '', 'headers': {\n"
        "        'Access-Control-Allow-Credentials': True, 'X-Count': 3},\n"
        "        'multiValueHeaders': {'X-Flags': [False, 1.5]}}\n")
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        for response in (app.http.get("/r"), app.http.get("/h")):
            assert response.headers["Access-Control-Allow-Credentials"] == "true"
            assert response.headers["X-Count"] == "3"
        rest = app.http.get("/r")
        assert [v for k, v in rest.header_list if k == "X-Flags"] == ["false", "1.5"]
        assert "'X-Count': '3'" in repr(rest.headers)  # printable, not an object address


def test_a_client_may_send_any_body_under_a_json_content_type(tmp_path: Path) -> None:
    """API Gateway passes a proxy request's body on as sent: malformed JSON reaches the handler
    (whose own 400 is what a test checks); the event factories still refuse it."""
    from pytest_lambda.events import EventError, http_api

    text = """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: RUNTIME, CodeUri: ., Handler: strict.handler}
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Rest: {Type: Api, Properties: {Path: /r, Method: post}}
                Http: {Type: HttpApi, Properties: {Path: /h, Method: post}}
        """
    (tmp_path / "strict.py").write_text(
        "import json\n"
        "def handler(event, context):\n"
        "    try:\n"
        "        json.loads(event['body'])\n"
        "    except ValueError:\n"
        "        return {'statusCode': 400, 'body': event['body']}\n"
        "    return {'statusCode': 200, 'body': 'ok'}\n")
    json_type = {"Content-Type": "application/json"}
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        for path in ("/r", "/h"):
            bad = app.http.post(path, data='{"id": 1,', headers=json_type)
            assert (bad.status_code, bad.text) == (400, '{"id": 1,')
            assert app.http.post(path, json={"id": 1}).text == "ok"
    with pytest.raises(EventError, match="must be JSON text"):
        http_api("POST", "/h", body='{"id": 1,', headers=json_type)


def test_a_streaming_function_url_is_listed_as_not_emulated(tmp_path: Path) -> None:
    """InvokeMode RESPONSE_STREAM is said, not skipped: the URL answers as a buffered one."""
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Streamer:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: RUNTIME
              CodeUri: .
              Handler: app.echo
              FunctionUrlConfig: {AuthType: NONE, InvokeMode: RESPONSE_STREAM}
        """
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        assert app.unsupported == [
            "Streamer.FunctionUrlConfig.InvokeMode RESPONSE_STREAM (not emulated: response "
            "streaming; the URL answers as a BUFFERED one)"]
        assert app.http.get("/").status_code == 200


CFN_REST = """\
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Api:
        Type: AWS::ApiGateway::RestApi
        Properties: {Name: raw, BinaryMediaTypes: ["image~1png"]}
      Items:
        Type: AWS::ApiGateway::Resource
        Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: items}
      Item:
        Type: AWS::ApiGateway::Resource
        Properties: {RestApiId: !Ref Api, ParentId: !Ref Items, PathPart: "{id}"}
      RootGet:
        Type: AWS::ApiGateway::Method
        Properties:
          RestApiId: !Ref Api
          ResourceId: !GetAtt Api.RootResourceId
          HttpMethod: GET
          AuthorizationType: NONE
          Integration:
            Type: AWS_PROXY
            IntegrationHttpMethod: POST
            Uri: !Sub INVOKE/${Fn.Arn}/invocations
      ItemAny:
        Type: AWS::ApiGateway::Method
        Properties:
          RestApiId: !Ref Api
          ResourceId: !Ref Item
          HttpMethod: ANY
          ApiKeyRequired: true
          Integration: {Type: AWS_PROXY, IntegrationHttpMethod: POST,
                        Uri: !Sub "INVOKE/${Fn.Arn}/invocations"}
      ItemsMock:
        Type: AWS::ApiGateway::Method
        Properties: {RestApiId: !Ref Api, ResourceId: !Ref Items, HttpMethod: GET,
                     Integration: {Type: MOCK}}
      ItemsPost:
        Type: AWS::ApiGateway::Method
        Properties:
          RestApiId: !Ref Api
          ResourceId: !Ref Items
          HttpMethod: POST
          AuthorizationType: CUSTOM
          Integration: {Type: AWS_PROXY, Uri: !Sub "INVOKE/${Fn.Arn}/invocations"}
      Deployment:
        Type: AWS::ApiGateway::Deployment
        DependsOn: [RootGet]
        Properties: {RestApiId: !Ref Api}
      Stage:
        Type: AWS::ApiGateway::Stage
        Properties: {StageName: v1, RestApiId: !Ref Api, DeploymentId: !Ref Deployment}
      Undeployed:
        Type: AWS::ApiGateway::RestApi
        Properties: {Name: nowhere}
      Fn:
        Type: AWS::Serverless::Function
        Properties: {Runtime: RUNTIME, CodeUri: ., Handler: app.echo}
    """


def test_cloudformation_rest_api_resources_are_routed(tmp_path: Path) -> None:
    """A RestApi declared as CloudFormation resources (Resource tree, Method with an AWS_PROXY
    integration, Stage) routes as API Gateway does; a method that is not emulated (a MOCK
    integration, a CUSTOM authorizer) is listed and a request to it is refused naming it."""
    with _app(tmp_path, "template.yaml", CFN_REST) as app:  # type: ignore[attr-defined]
        assert sorted(app.unsupported) == [
            "ItemsMock (GET /items): mock integration: only Lambda proxy integrations are "
            "emulated",
            "ItemsPost (POST /items): AuthorizationType CUSTOM is not emulated, and the method "
            "is not called without it",
            "Undeployed (AWS::ApiGateway::RestApi without a Stage: it is never deployed, so "
            "nothing can call it)"]
        http = app.http
        assert http.get("/").text == "Fn 1.0 None"
        assert http.get("/v1/").text == "Fn 1.0 None"
        assert http.delete("/items/7", headers={"x-api-key": "k"}).text == "Fn 1.0 {'id': '7'}"
        assert http.delete("/items/7").status_code == 403  # ApiKeyRequired
        assert http.get("/nowhere").json() == {"message": "Missing Authentication Token"}
        with pytest.raises(LookupError, match=r"GET /items: ItemsMock \(GET /items\) is not "
                                              r"emulated: mock integration"):
            http.get("/items")
        with pytest.raises(LookupError, match=r"ItemsPost .* AuthorizationType CUSTOM"):
            http.post("/v1/items")
        with pytest.raises(KeyError, match="API 'Undeployed' is declared but not emulated: "
                                           "AWS::ApiGateway::RestApi without a Stage"):
            http.for_api("Undeployed")


def test_serverless_resources_add_methods_to_the_frameworks_rest_api(tmp_path: Path) -> None:
    """serverless.yml ``resources`` that add methods to the Framework's REST API (``RestApiId:
    !Ref ApiGatewayRestApi``, its documented way) are routes of that API (they were dropped
    silently: 403 for a route the service has); one that is not emulated is listed and named
    when called."""
    text = """\
        service: shop
        provider: {name: aws, runtime: RUNTIME}
        functions:
          health:
            handler: app.echo
            events:
              - http: {path: health, method: get}
        resources:
          Resources:
            Notify:
              Type: AWS::ApiGateway::Resource
              Properties:
                RestApiId: !Ref ApiGatewayRestApi
                ParentId: !GetAtt ApiGatewayRestApi.RootResourceId
                PathPart: notify
            NotifyPost:
              Type: AWS::ApiGateway::Method
              Properties:
                HttpMethod: POST
                RestApiId: {Ref: ApiGatewayRestApi}
                ResourceId: !GetAtt Notify.ResourceId
                AuthorizationType: NONE
                Integration:
                  Type: AWS_PROXY
                  IntegrationHttpMethod: POST
                  Uri: !Sub "INVOKE/${HealthLambdaFunction.Arn}/invocations"
            NotifyPut:
              Type: AWS::ApiGateway::Method
              Properties:
                HttpMethod: PUT
                RestApiId: !Ref ApiGatewayRestApi
                ResourceId: !Ref Notify
                Integration: {Type: AWS, Uri: arn:aws:apigateway:us-east-1:sns:path//}
    """
    with _app(tmp_path, "serverless.yml", text) as app:  # type: ignore[attr-defined]
        assert app.http.get("/health").status_code == 200
        assert app.http.post("/notify", json={}).text == "shop-dev-health 1.0 None"
        assert app.unsupported == ["NotifyPut (PUT /notify): aws integration: only Lambda proxy "
                                   "integrations are emulated"]
        with pytest.raises(LookupError, match=r"PUT /notify: NotifyPut \(PUT /notify\) is not "
                                              r"emulated"):
            app.http.put("/notify")


def test_edge_optimized_rest_apis_add_cloudfront_headers(tmp_path: Path) -> None:
    """A REST API is edge-optimized unless its EndpointConfiguration says otherwise: CloudFront
    adds its viewer headers, Via and X-Amz-Cf-Id to each request (a test's own value wins); a
    regional REST API and an HTTP API add none."""
    (tmp_path / "headers.py").write_text(
        "EDGE = ('CloudFront-', 'Via', 'X-Amz-Cf')\n"
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': '', 'headers': {\n"
        "        'x-seen': ','.join(sorted(k for k in event['headers'] if k.startswith(EDGE))),\n"
        "        'x-country': str(event['headers'].get('CloudFront-Viewer-Country'))}}\n")
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: RUNTIME, CodeUri: ., Handler: headers.handler}
        Resources:
          Regional:
            Type: AWS::Serverless::Api
            Properties: {StageName: v1, EndpointConfiguration: {Type: REGIONAL}}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Edge: {Type: Api, Properties: {Path: /edge, Method: get}}
                Reg: {Type: Api, Properties: {Path: /reg, Method: get, RestApiId: !Ref Regional}}
                Http: {Type: HttpApi, Properties: {Path: /http, Method: get}}
        """
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        edge = app.http.get("/edge")
        assert edge.headers["x-seen"] == (
            "CloudFront-Forwarded-Proto,CloudFront-Is-Desktop-Viewer,CloudFront-Is-Mobile-Viewer,"
            "CloudFront-Is-SmartTV-Viewer,CloudFront-Is-Tablet-Viewer,CloudFront-Viewer-Country,"
            "Via,X-Amz-Cf-Id")
        assert edge.headers["x-country"] == "US"
        event = json.loads(edge.invocation.event_payload)  # type: ignore[union-attr]
        assert re.fullmatch(r"2\.0 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)",
                            event["headers"]["Via"])
        assert re.fullmatch(r"[A-Za-z0-9_-]{54}==", event["headers"]["X-Amz-Cf-Id"])
        assert event["multiValueHeaders"]["CloudFront-Viewer-Country"] == ["US"]
        de = app.http.get("/edge", headers={"CloudFront-Viewer-Country": "DE"})
        assert de.headers["x-country"] == "DE"
        assert app.http.get("/reg").headers["x-seen"] == ""
        assert app.http.get("/http").headers["x-seen"] == ""


def test_endpoint_type_forms() -> None:
    """SAM's string or {Type}, CloudFormation's {Types: [...]}, serverless.yml's endpointType."""
    from pytest_lambda.templates.routes import endpoint_type

    assert endpoint_type("REGIONAL") == "REGIONAL"
    assert endpoint_type({"Type": "PRIVATE"}) == "PRIVATE"
    assert endpoint_type({"Types": ["REGIONAL"]}) == "REGIONAL"
    assert endpoint_type("regional") == "REGIONAL"
    assert endpoint_type({}) == endpoint_type(None) == "EDGE"


def test_a_throttled_function_is_the_gateways_answer(tmp_path: Path) -> None:
    """A function with no concurrency left is throttled (Lambda's 429): REST and HTTP APIs
    answer 500 as an integration failure, a Function URL passes the 429 on; the test gets a
    response, as a client would, not a Python exception; the throttle is in the metrics."""
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Paused:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: RUNTIME
              CodeUri: .
              Handler: app.echo
              ReservedConcurrentExecutions: 0
              FunctionUrlConfig: {AuthType: NONE}
              Events:
                Rest: {Type: Api, Properties: {Path: /r, Method: get}}
                Http: {Type: HttpApi, Properties: {Path: /h, Method: get}}
        """
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        rest = app.http.for_api("ServerlessRestApi").get("/r")
        assert (rest.status_code, rest.json()) == (500, {"message": "Internal server error"})
        http = app.http.for_api("ServerlessHttpApi").get("/h")
        assert (http.status_code, http.json()) == (500, {"message": "Internal Server Error"})
        url = app.http.for_api(app.functions["Paused"].name).get("/")
        assert url.status_code == 429 and url.invocation is None
        assert app.functions["Paused"].metrics.sum("Throttles") == 3


def test_json_bodies_are_sent_as_requests_sends_them(tmp_path: Path) -> None:
    """json= is serialised as requests serialises it (json.dumps's default separators), so a
    handler that checks a signature of the raw body sees the bytes a real client sends."""
    import json as stdlib_json

    text = """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: RUNTIME
              CodeUri: .
              Handler: raw.handler
              Events:
                Http: {Type: HttpApi, Properties: {Path: /hook, Method: post}}
        """
    (tmp_path / "raw.py").write_text(
        "def handler(event, context):\n    return {'statusCode': 200, 'body': event['body']}\n")
    payload = {"id": 1, "tags": ["a", "b"], "nested": {"ok": True}}
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        assert app.http.post("/hook", json=payload).text == stdlib_json.dumps(payload)
        with pytest.raises(ValueError, match="Out of range float values"):
            app.http.post("/hook", json={"x": float("nan")})


def test_the_request_trace_is_the_one_the_function_continues(tmp_path: Path) -> None:
    """The X-Amzn-Trace-Id the event carries (API Gateway's, or the client's own) is the trace
    the function continues: its _X_AMZN_TRACE_ID has the same Root."""
    (tmp_path / "trace.py").write_text(
        "import os\n"
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': event['headers']['X-Amzn-Trace-Id'] + ' ' +\n"
        "            os.environ['_X_AMZN_TRACE_ID']}\n")
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: RUNTIME
              CodeUri: .
              Handler: trace.handler
              Tracing: Active
              Events:
                Get: {Type: Api, Properties: {Path: /t, Method: get}}
        """
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        header, env = app.http.get("/t").text.split(" ")
        assert env.startswith(header.split(";")[0] + ";Parent=")
        assert ";Sampled=1" in env  # no decision upstream: the Active function samples it
        given = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0"
        header, env = app.http.get("/t", headers={"X-Amzn-Trace-Id": given}).text.split(" ")
        assert header == given
        assert env.startswith("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=")
        assert ";Sampled=0" in env  # the client's decision is respected
