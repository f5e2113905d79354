"""The in-process HTTP client as a user writes tests with it: lambda_app.http and lambda_api."""

from __future__ import annotations

import sys

import pytest

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: RUNTIME, CodeUri: src/}
Resources:
  RestApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      BinaryMediaTypes: ["image~1png"]
      Cors: {AllowOrigin: "'https://app.example'", AllowMethods: "'GET,POST'"}
      Auth:
        DefaultAuthorizer: TokenAuth
        AddDefaultAuthorizerToCorsPreflight: false  # a browser's preflight has no token
        Authorizers:
          TokenAuth: {FunctionArn: !GetAtt AuthFn.Arn, Identity: {ReauthorizeEvery: 60}}
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: {AllowOrigins: ["https://app.example"], AllowMethods: [GET]}
      Auth:
        Authorizers:
          KeyAuth: {FunctionArn: !GetAtt KeyAuthFn.Arn, EnableSimpleResponses: true,
                    Identity: {Headers: [x-key]}}
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.token_auth}
  KeyAuthFn:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.key_auth}
  Rest:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.rest
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref RestApi, Path: "/orders/{id}", Method: get}}
        Png: {Type: Api, Properties: {RestApiId: !Ref RestApi, Path: /logo, Method: get,
                                      Auth: {Authorizer: NONE}}}
        Bad: {Type: Api, Properties: {RestApiId: !Ref RestApi, Path: /bad, Method: get,
                                      Auth: {Authorizer: NONE}}}
  Http:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.http
      FunctionUrlConfig: {AuthType: NONE}
      Events:
        V2: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Path: "/v2/{id}", Method: GET}}
        V1: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Path: "/v1/{id}", Method: GET,
                                         PayloadFormatVersion: "1.0"}}
        Key: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Path: /key, Method: GET,
                                          Auth: {Authorizer: KeyAuth}}}
"""

HANDLERS = """
import base64, json

def token_auth(event, context):
    token = event["authorizationToken"]
    if token == "expired":
        raise Exception("Unauthorized")
    effect = "Deny" if token == "deny" else "Allow"
    return {"principalId": "user-1", "context": {"tier": "gold"}, "policyDocument": {
        "Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke",
                                                "Effect": effect, "Resource": event["methodArn"]}]}}

def key_auth(event, context):
    return {"isAuthorized": event["headers"]["x-key"] == "ok", "context": {"key": "k1"}}

def rest(event, context):
    if event["path"] == "/bad":
        return {"statusCode": 200, "body": {"not": "a string"}}
    if event["path"] == "/logo":
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(b"\\x89PNG").decode(), "isBase64Encoded": True}
    return {"statusCode": 200,
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "headers": {"X-Stage": event["requestContext"]["stage"]},
            "body": json.dumps({"id": event["pathParameters"]["id"],
                                "q": event["multiValueQueryStringParameters"],
                                "user": event["requestContext"]["authorizer"]["principalId"],
                                "tier": event["requestContext"]["authorizer"]["tier"]})}

def http(event, context):
    if event.get("version") == "1.0":
        return {"statusCode": 200, "body": event["resource"]}
    if event["rawPath"] == "/key":
        return event["requestContext"]["authorizer"]["lambda"]
    if event["rawPath"].startswith("/v2/"):
        return {"id": event["pathParameters"]["id"], "cookies": event.get("cookies")}
    return {"statusCode": 201, "cookies": ["session=s1; Path=/"], "body": event["rawPath"]}
"""


@pytest.fixture
def http_project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A SAM project with a REST API, an HTTP API and a Function URL."""
    pytest.importorskip("moto")
    pytester.mkdir("src")
    pytester.path.joinpath("src", "app.py").write_text(HANDLERS)
    runtime = f"python3.{sys.version_info.minor}"
    pytester.path.joinpath("template.yaml").write_text(TEMPLATE.replace("RUNTIME", runtime))
    pytester.makeini("[pytest]\nlambda_template = template.yaml\n")
    return pytester


def test_rest_api_with_token_authorizer(http_project: pytest.Pytester) -> None:
    """REST API: routing, path and query parameters, the authorizer's verdicts and context,
    header merging, binary media types, CORS preflight and the gateway's own errors."""
    http_project.makepyfile("""
        def test_rest(lambda_app):
            http = lambda_app.http.for_api("RestApi")
            r = http.get("/orders/7?tag=a&tag=b", headers={"Authorization": "good"})
            assert r.status_code == 200
            assert r.json() == {"id": "7", "q": {"tag": ["a", "b"]}, "user": "user-1",
                                "tier": "gold"}
            assert r.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
            assert r.headers["x-stage"] == "prod"
            assert r.headers["Content-Type"] == "application/json"
            assert http.get("/prod/orders/7", headers={"Authorization": "good"}).ok
            denied = http.get("/orders/7", headers={"Authorization": "deny"})
            assert (denied.status_code, denied.json()) == (403, {
                "Message": "User is not authorized to access this resource with an explicit "
                           "deny"})
            assert http.get("/orders/7", headers={"Authorization": "expired"}).json() == {
                "message": "Unauthorized"}
            assert http.get("/orders/7").status_code == 401
            assert (http.get("/nowhere").status_code, http.get("/nowhere").json()) == (
                403, {"message": "Missing Authentication Token"})
            bad = http.get("/bad")
            assert (bad.status_code, bad.json()) == (502, {"message": "Internal server error"})
            assert bad.invocation is not None and bad.invocation.ok
            assert http.get("/logo").content == b"iVBORw=="
            assert http.get("/logo", headers={"Accept": "image/png"}).content == b"\\x89PNG"
            pre = http.options("/orders/1", headers={"Origin": "https://app.example"})
            assert pre.headers["Access-Control-Allow-Origin"] == "https://app.example"
            assert pre.headers["Access-Control-Allow-Methods"] == "GET,POST"

        def test_authorizer_results_are_cached_on_the_virtual_clock(lambda_app):
            http = lambda_app.http
            first = http.get("/orders/1", headers={"Authorization": "good"})
            second = http.get("/orders/2", headers={"Authorization": "good"})
            assert len(first.authorizer_invocations) == 1
            assert second.authorizer_invocations == []
            lambda_app.advance(61)
            assert len(http.get("/orders/3", headers={"Authorization": "good"})
                       .authorizer_invocations) == 1
    """)
    http_project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_http_api_payload_formats_authorizer_and_function_url(
        http_project: pytest.Pytester) -> None:
    """HTTP API 2.0 (inferred responses, cookies, CORS), 1.0, a simple-response authorizer,
    404 for no route, and a Function URL whose cookies the client keeps."""
    http_project.makepyfile("""
        def test_http(lambda_app):
            http = lambda_app.http.for_api("HttpApi")
            r = http.get("/v2/5", headers={"Origin": "https://app.example"},
                         cookies={"c": "1"})
            assert (r.status_code, r.headers["content-type"]) == (200, "application/json")
            assert r.json() == {"id": "5", "cookies": ["c=1"]}
            assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
            assert http.get("/v1/9").text == "/v1/{id}"
            assert http.get("/key", headers={"x-key": "ok"}).json() == {"key": "k1"}
            assert (http.get("/key", headers={"x-key": "no"}).status_code,
                    http.get("/key", headers={"x-key": "no"}).json()) == (
                403, {"message": "Forbidden"})
            assert http.get("/key").json() == {"message": "Unauthorized"}
            assert (http.get("/missing").status_code, http.get("/missing").json()) == (
                404, {"message": "Not Found"})

        def test_function_url(lambda_app):
            url = lambda_app.http.for_api("Http")
            r = url.post("/any/path", json={"x": 1})
            assert (r.status_code, r.text, r.cookies) == (201, "/any/path", {"session": "s1"})
            assert url.cookies == {"session": "s1"}
    """)
    http_project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_lambda_api_for_one_function_and_powertools_resolvers(pytester: pytest.Pytester) -> None:
    """``lambda_api`` serves one function; Powertools' resolvers work through it unchanged."""
    pytest.importorskip("aws_lambda_powertools")
    pytester.mkdir("src")
    pytester.path.joinpath("src", "api.py").write_text(
        "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, "
        "APIGatewayRestResolver\n"
        "http, rest = APIGatewayHttpResolver(), APIGatewayRestResolver()\n"
        "@http.get('/items/<item>')\n"
        "def h(item):\n    return {'item': item, 'kind': 'http'}\n"
        "@rest.post('/items')\n"
        "def r():\n    return {'got': rest.current_event.json_body, 'kind': 'rest'}, 201\n"
        "def on_http(event, context):\n    return http.resolve(event, context)\n"
        "def on_rest(event, context):\n    return rest.resolve(event, context)\n")
    pytester.makeini("[pytest]\nlambda_code_dir = src\n")
    pytester.makepyfile("""
        def test_it(lambda_api):
            assert lambda_api("api.on_http").get("/items/7").json() == {
                "item": "7", "kind": "http"}
            r = lambda_api("api.on_rest", kind="rest", name="rest").post("/items", json={"a": 1})
            assert (r.status_code, r.json()) == (201, {"got": {"a": 1}, "kind": "rest"})
            assert lambda_api("api.on_http").get("/other").status_code == 404
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


OPENAPI_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: RUNTIME, CodeUri: src/, Handler: app.hello}
  Api:
    Cors: {AllowOrigin: "'*'", AllowMethods: "'GET,OPTIONS'"}
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: x, version: "1"}
        paths:
          /hello/{name}:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub INVOKE/${HelloFunction.Arn}/invocations
          /status:
            get:
              x-amazon-apigateway-integration: {type: mock}
  HelloFunction:
    Type: AWS::Serverless::Function
"""


def test_openapi_definition_body_and_globals_cors(pytester: pytest.Pytester) -> None:
    """Routes of an Api's DefinitionBody are served with Globals.Api.Cors; its mock
    integration is reported as not emulated."""
    pytest.importorskip("moto")
    pytester.mkdir("src")
    pytester.path.joinpath("src", "app.py").write_text(
        "def hello(event, context):\n"
        "    return {'statusCode': 200, 'body': 'hi ' + event['pathParameters']['name']}\n")
    runtime = f"python3.{sys.version_info.minor}"
    pytester.path.joinpath("template.yaml").write_text(
        OPENAPI_TEMPLATE.replace("RUNTIME", runtime).replace(
            "INVOKE", "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions"))
    pytester.makeini("[pytest]\nlambda_template = template.yaml\n")
    pytester.makepyfile("""
        def test_it(lambda_app):
            assert lambda_app.http.get("/hello/ann").text == "hi ann"
            pre = lambda_app.http.options("/hello/ann", headers={"Origin": "https://a.example"})
            assert pre.status_code == 200
            assert pre.headers["Access-Control-Allow-Origin"] == "*"
            assert pre.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "*lambda_app: not emulated*",
        "  MyApi.DefinitionBody GET /status (mock integration: only Lambda proxy integrations "
        "(aws_proxy) are emulated)",
    ])
