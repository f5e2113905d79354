"""Requests as API Gateway, Function URLs and ALB deliver them, checked against events captured
on AWS (hotsock/voker ``vokerhttp/testdata``: one request with an encoded path, repeated and
encoded query parameters, repeated headers and two cookies, sent to each front end on
2026-07-10, and ``ingress-paths.json``: how an HTTP API delivers encoded paths)."""

from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.templates.http import single_function_client

ECHO = """
import base64
import json

def echo(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}

def cookies(event, context):
    return {"statusCode": 200, "body": "",
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}}

def extra(event, context):
    key, value = event["queryStringParameters"]["key"], json.loads(
        event["queryStringParameters"]["value"])
    return {"statusCode": 200, "body": "welcome", key: value}
"""


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(textwrap.dedent(ECHO))
    return tmp_path


def _echo(code: Path, kind: str, path: str, **kwargs: Any) -> dict[str, Any]:
    with LambdaFunction("app.echo", code_dir=code) as fn:
        response = single_function_client(fn, kind).get(path, **kwargs)
        assert response.status_code == 200, response.text
        return json.loads(response.text)  # type: ignore[no-any-return]


@pytest.mark.parametrize("kind", ["http", "url"])
def test_payload_2_responses_ignore_multi_value_headers(code: Path, kind: str) -> None:
    """Payload 2.0 responses have no multiValueHeaders: the Set-Cookie headers a handler puts
    there are lost on AWS (Kludex/mangum#215), so they must not reach a test's client."""
    with LambdaFunction("app.cookies", code_dir=code) as fn:
        response = single_function_client(fn, kind).get("/")
        assert response.status_code == 200
        assert [v for k, v in response.header_list if k.lower() == "set-cookie"] == []
        rest = single_function_client(fn, "rest").get("/")
        assert [v for k, v in rest.header_list if k.lower() == "set-cookie"] == ["a=1", "b=2"]


#: ingress-paths.json: the path a client sent, and what an HTTP API delivered (None: 400).
INGRESS_PATHS = [
    ("/capture/plain", "/capture/plain"),
    ("/capture/space%20value", "/capture/space value"),
    ("/capture/question%3Fvalue", "/capture/question"),
    ("/capture/percent%25done", None),
    ("/capture/hash%23value", "/capture/hash#value"),
    ("/capture/slash%2Fvalue", "/capture/slash/value"),
    ("/capture/unicode-%CE%BB-%E4%B8%96%E7%95%8C", "/capture/unicode-λ-世界"),
    ("/capture/literal%252Fvalue", "/capture/literal/value"),
    ("/capture/literal%253Fvalue", "/capture/literal?value"),
    ("/capture/literal%2525value", "/capture/literal%value"),
]


@pytest.mark.parametrize(("sent", "delivered"), INGRESS_PATHS)
def test_http_api_delivers_paths_as_captured(code: Path, sent: str, delivered: str | None
                                             ) -> None:
    with LambdaFunction("app.echo", code_dir=code) as fn:
        response = single_function_client(fn, "http").get(sent)
        if delivered is None:
            assert response.status_code == 400
            assert response.invocation is None
            return
        event = json.loads(response.text)
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == delivered


def test_function_urls_keep_raw_path_and_decode_the_context_path(code: Path) -> None:
    event = _echo(code, "url", "/capture/space%20value")
    assert event["rawPath"] == "/capture/space%20value"
    assert event["requestContext"]["http"]["path"] == "/capture/space value"
    # REST keeps the path, the proxy parameter and requestContext.path as sent.
    rest = _echo(code, "rest", "/capture/space%20value")
    assert rest["path"] == "/capture/space%20value"
    assert rest["pathParameters"] == {"proxy": "capture/space%20value"}


def test_path_parameters_of_an_http_api_route_are_decoded(tmp_path: Path) -> None:
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text(textwrap.dedent(ECHO))
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              CodeUri: .
              Handler: app.echo
              Events:
                Files: {Type: HttpApi, Properties: {Path: "/files/{name}", Method: get}}
        """))
    with Application(tmp_path / "template.yaml") as app:
        event = app.http.get("/files/a%20b").json()
        assert event["pathParameters"] == {"name": "a b"}
        assert event["rawPath"] == "/files/a b"
        # A decoded %2F is a slash: "/files/a/b" is not a one-segment route any more.
        assert app.http.get("/files/a%2Fb").status_code == 404


def test_http_api_payload_1_0_carries_the_decoded_path(code: Path) -> None:
    """An HTTP API decodes the path at ingress whatever the payload format: with 1.0, ``path``
    and ``requestContext.path`` agree with the decoded ``pathParameters``."""
    with LambdaFunction("app.echo", code_dir=code) as fn:
        client = single_function_client(fn, "http", payload_format="1.0")
        event = client.get("/capture/space%20value").json()
    assert event["version"] == "1.0"
    assert event["path"] == event["requestContext"]["path"] == "/capture/space value"
    assert event["pathParameters"] == {"proxy": "capture/space value"}


#: The captured request's query string (all four front ends received it).
CAPTURED_QUERY = ("repeat=one&repeat=two&redirect=https%3A%2F%2Fexample.com%2Fa%2Fb"
                  "&literalPlus=a+b&encodedPlus=a%2Bb&empty=")
DECODED = {"empty": "", "encodedPlus": "a+b", "literalPlus": "a b",
           "redirect": "https://example.com/a/b"}


@pytest.mark.parametrize("kind", ["http", "url"])
def test_raw_query_string_is_the_query_as_sent(code: Path, kind: str) -> None:
    event = _echo(code, kind, f"/capture?{CAPTURED_QUERY}")
    assert event["rawQueryString"] == CAPTURED_QUERY
    assert event["queryStringParameters"] == {**DECODED, "repeat": "one,two"}


def test_rest_decodes_query_values(code: Path) -> None:
    event = _echo(code, "rest", f"/capture?{CAPTURED_QUERY}")
    assert event["queryStringParameters"] == {**DECODED, "repeat": "two"}
    assert event["multiValueQueryStringParameters"] == {
        **{k: [v] for k, v in DECODED.items()}, "repeat": ["one", "two"]}


def test_params_are_sent_form_encoded_after_the_urls_query(code: Path) -> None:
    """As requests sends ``get(url, params=...)``: a space as ``+``, appended with ``&``."""
    event = _echo(code, "http", "/s?a=1", params={"q": "x y", "r": ["1", "2"]})
    assert event["rawQueryString"] == "a=1&q=x+y&r=1&r=2"
    assert event["queryStringParameters"] == {"a": "1", "q": "x y", "r": "1,2"}


def test_event_factories_take_the_query_string_as_sent() -> None:
    from pytest_lambda.events import alb_request, apigateway_rest, http_api

    assert http_api(query=CAPTURED_QUERY)["rawQueryString"] == CAPTURED_QUERY
    assert apigateway_rest(query="q=x+y")["queryStringParameters"] == {"q": "x y"}
    alb = alb_request(query=CAPTURED_QUERY, multi_value_headers=True)
    assert alb["multiValueQueryStringParameters"] == {
        "repeat": ["one", "two"], "redirect": ["https%3A%2F%2Fexample.com%2Fa%2Fb"],
        "literalPlus": ["a+b"], "encodedPlus": ["a%2Bb"], "empty": [""]}


def test_function_urls_keep_the_cookie_header(code: Path) -> None:
    url = _echo(code, "url", "/", headers={"Cookie": "session=abc123; theme=dark"})
    assert url["cookies"] == ["session=abc123", "theme=dark"]
    assert url["headers"]["cookie"] == "session=abc123; theme=dark"
    assert url["headers"]["x-amzn-tls-version"] == "TLSv1.3"
    http = _echo(code, "http", "/", headers={"Cookie": "session=abc123; theme=dark"})
    assert http["cookies"] == ["session=abc123", "theme=dark"]
    assert "cookie" not in http["headers"]
    assert "x-amzn-tls-version" not in http["headers"]


def test_request_ids_have_the_captured_forms(code: Path) -> None:
    import re

    http = _echo(code, "http", "/")["requestContext"]["requestId"]
    assert re.fullmatch(r"[A-Za-z0-9+/]{15}=", http)
    url = _echo(code, "url", "/")["requestContext"]["requestId"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", url)


def test_rest_binary_responses_follow_the_first_accept_type(tmp_path: Path) -> None:
    """"If a request contains multiple media types in its Accept header, API Gateway honors
    only the first Accept media type" (developer guide, "Content type conversions in API
    Gateway"): a browser's ``text/html,...,image/png`` gets the base64 text."""
    (tmp_path / "logo.py").write_text(
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'isBase64Encoded': True, 'body': 'iVBORw==',\n"
        "            'headers': {'Content-Type': 'image/png'}}\n")
    with LambdaFunction("logo.handler", code_dir=tmp_path) as fn:
        client = single_function_client(fn, "rest", binary_media_types=["image/png"])
        assert client.get("/", headers={"Accept": "image/png"}).content == b"\x89PNG"
        browser = client.get("/", headers={"Accept": "text/html,image/png,*/*;q=0.8"})
        assert browser.content == b"iVBORw=="
        assert client.get("/", headers={"Accept": "image/png, text/html"}).content == \
            b"\x89PNG"


BINARY = """
import base64

def handler(event, context):
    body = event.get("body") or ""
    return {"statusCode": 200, "isBase64Encoded": True,
            "headers": {"Content-Type": "image/png",
                        "x-request-base64": str(event["isBase64Encoded"]).lower()},
            "body": base64.b64encode(base64.b64decode(body) if event["isBase64Encoded"]
                                     else b"\\x89PNG").decode()}
"""


def _binary_app(tmp_path: Path, name: str, text: str) -> Any:
    from pytest_lambda.templates.app import Application

    (tmp_path / "bin.py").write_text(textwrap.dedent(BINARY))
    invoke = "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions"
    (tmp_path / name).write_text(textwrap.dedent(text).replace("INVOKE", invoke))
    return Application(tmp_path / name)


@pytest.mark.parametrize("source", ["openapi", "serverless"])
def test_binary_media_types_declared_outside_the_sam_property(tmp_path: Path,
                                                              source: str) -> None:
    """The OpenAPI ``x-amazon-apigateway-binary-media-types`` extension (what ``chalice
    package`` writes) and serverless.yml ``provider.apiGateway.binaryMediaTypes`` set the REST
    API's binary media types: an octet-stream upload arrives base64-encoded, intact, and a
    base64 response is decoded for ``Accept: image/png``."""
    if source == "openapi":
        app = _binary_app(tmp_path, "template.yaml", """\
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Api:
                Type: AWS::Serverless::Api
                Properties:
                  StageName: api
                  DefinitionBody:
                    swagger: "2.0"
                    x-amazon-apigateway-binary-media-types: [application/octet-stream, image/png]
                    paths:
                      /upload:
                        post:
                          x-amazon-apigateway-integration:
                            type: aws_proxy
                            httpMethod: POST
                            uri: !Sub "INVOKE/${Fn.Arn}/invocations"
              Fn:
                Type: AWS::Serverless::Function
                Properties: {Runtime: python3.12, CodeUri: ., Handler: bin.handler}
            """)
        path = "/api/upload"
    else:
        app = _binary_app(tmp_path, "serverless.yml", """\
            service: shop
            provider:
              name: aws
              runtime: python3.12
              apiGateway:
                binaryMediaTypes: [application/octet-stream, image/png]
            functions:
              fn:
                handler: bin.handler
                events:
                  - http: {method: post, path: /upload}
            """)
        path = "/dev/upload"
    with app:
        sent = b"\xff\x00\xfe"
        response = app.http.post(path, data=sent, headers={
            "Content-Type": "application/octet-stream", "Accept": "image/png"})
        assert response.headers["x-request-base64"] == "true"
        assert response.content == sent


@pytest.mark.parametrize(("content_type", "base64_on_v2"), [
    ("application/x-www-form-urlencoded", True),
    (None, True),
    ("application/octet-stream", True),
    ("application/json; charset=utf-8", False),
    ("text/plain", False),
    ("application/xml", False),
])
def test_which_request_bodies_arrive_base64_encoded(code: Path, content_type: str | None,
                                                    base64_on_v2: bool) -> None:
    """HTTP APIs and Function URLs pass text/*, JSON, JavaScript and XML bodies as text and
    base64-encode every other body, form posts and bodies without a Content-Type included
    (ministackorg/ministack#766, measured on AWS; middyjs/middy#603: a Slack command's form
    post). A REST API without binary media types passes them all as text."""
    headers = {"Content-Type": content_type} if content_type else {}
    body = "a=1&b=x+y" if content_type is None or "form" in content_type else "<x/>"
    with LambdaFunction("app.echo", code_dir=code) as fn:
        for kind in ("http", "url", "rest"):
            response = single_function_client(fn, kind).post("/", data=body, headers=headers)
            event = json.loads(response.text)
            encoded = base64_on_v2 and kind != "rest"
            assert event["isBase64Encoded"] is encoded, kind
            assert event["body"] == (base64.b64encode(body.encode()).decode() if encoded
                                     else body)


def test_iam_authorized_routes_refuse_unsigned_requests(tmp_path: Path) -> None:
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text(textwrap.dedent(ECHO))
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: python3.12, CodeUri: ., Handler: app.echo}
        Resources:
          Rest:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Get:
                  Type: Api
                  Properties: {Path: /r, Method: get, Auth: {Authorizer: AWS_IAM}}
                Open: {Type: Api, Properties: {Path: /open, Method: get}}
          Http:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Get:
                  Type: HttpApi
                  Properties: {Path: /h, Method: get, Auth: {Authorizer: AWS_IAM}}
        """))
    signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/"
                               "execute-api/aws4_request, SignedHeaders=host, Signature=abc"}
    with Application(tmp_path / "template.yaml") as app:
        rest = app.http.get("/Prod/r")
        assert (rest.status_code, rest.json()) == (
            403, {"message": "Missing Authentication Token"})
        assert rest.invocation is None
        assert app.http.get("/Prod/r", headers=signed).status_code == 200
        assert app.http.get("/Prod/open").status_code == 200
        http = app.http.for_api("ServerlessHttpApi").get("/h")
        assert (http.status_code, http.json()) == (403, {"message": "Forbidden"})
        http_signed = app.http.for_api("ServerlessHttpApi").get("/h", headers=signed)
        assert http_signed.status_code == 200
        iam = http_signed.json()["requestContext"]["authorizer"]["iam"]
        assert (iam["accessKey"], iam["accountId"]) == ("AKIAEXAMPLE", "123456789012")
        rest_signed = app.http.get("/Prod/r", headers=signed).json()["requestContext"]
        assert rest_signed["identity"]["accessKey"] == "AKIAEXAMPLE"
        assert rest_signed["identity"]["userArn"] == "arn:aws:iam::123456789012:user/tester"


@pytest.mark.parametrize("kind", ["rest", "http", "url"])
def test_a_head_request_gets_no_body(code: Path, kind: str) -> None:
    with LambdaFunction("app.echo", code_dir=code) as fn:
        response = single_function_client(fn, kind).head("/")
        assert response.status_code == 200
        assert response.content == b""
        assert response.invocation is not None


def test_an_http_api_with_cors_ignores_the_functions_cors_headers(tmp_path: Path) -> None:
    """"If you configure CORS for an API, API Gateway ignores CORS headers returned from your
    backend integration" (developer guide, "Configuring CORS for an HTTP API")."""
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text(
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': 'ok', 'headers': {\n"
        "        'Access-Control-Allow-Origin': '*', 'X-Own': '1'}}\n")
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::HttpApi
            Properties:
              CorsConfiguration: {AllowOrigins: ["https://shop.example"]}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              CodeUri: .
              Handler: app.handler
              Events:
                Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /x, Method: get}}
        """))
    with Application(tmp_path / "template.yaml") as app:
        other = app.http.get("/x", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
        assert other.headers["X-Own"] == "1"
        allowed = app.http.get("/x", headers={"Origin": "https://shop.example"})
        assert allowed.headers.getlist("Access-Control-Allow-Origin") == ["https://shop.example"]


def test_api_settings_the_local_gateway_does_not_apply_are_listed(tmp_path: Path) -> None:
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text(textwrap.dedent(ECHO))
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              GatewayResponses: {DEFAULT_4XX: {StatusCode: 404}}
              MethodSettings: [{HttpMethod: "*", ResourcePath: "/*", ThrottlingRateLimit: 1}]
              Auth:
                UsagePlan: {CreateUsagePlan: PER_API}
                ResourcePolicy: {IpRangeWhitelist: [10.0.0.1/32]}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              CodeUri: .
              Handler: app.echo
              Events:
                Post:
                  Type: Api
                  Properties:
                    RestApiId: !Ref Api
                    Path: /orders
                    Method: post
                    RequestModel: {Model: Order, Required: true, ValidateBody: true}
        """))
    with Application(tmp_path / "template.yaml") as app:
        listed = "\n".join(app.unsupported)
        for entry in ("Api.GatewayResponses", "Api.MethodSettings", "Api.Auth.UsagePlan",
                      "Api.Auth.ResourcePolicy", "Fn.Events.Post.RequestModel"):
            assert f"{entry} (not emulated: " in listed, entry
        assert app.http.post("/prod/orders", json={}).status_code == 200


def test_rest_answers_413_for_a_request_lambda_cannot_take(code: Path) -> None:
    """Over Lambda's 6 MB request limit (the event, base64 included) a REST API answers 413
    ``{"message": "Request Too Long"}``; over API Gateway's own 10 MB, a text 413 (both
    captured in koki-develop/lgtm-generator#10)."""
    with LambdaFunction("app.echo", code_dir=code) as fn:
        client = single_function_client(fn, "rest")
        big = client.post("/", data=b"x" * (7 * 1024 * 1024),
                          headers={"Content-Type": "text/plain"})
        assert (big.status_code, big.json()) == (413, {"message": "Request Too Long"})
        assert big.headers["x-amzn-ErrorType"] == "BadRequestException"
        huge = client.post("/", data=b"x" * (11 * 1024 * 1024))
        assert (huge.status_code, huge.text) == (
            413, "HTTP content length exceeded 10485760 bytes.")
        assert client.post("/", data=b"x" * 1024).status_code == 200


def test_a_cloudformation_function_url_is_routed(tmp_path: Path) -> None:
    """``AWS::Lambda::Url`` (CDK's and plain CloudFormation's Function URL) is the function's
    URL, with its AuthType: it was listed as not emulated."""
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text(textwrap.dedent(ECHO))
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Runtime: python3.12, Code: ., Handler: app.echo}
          Url:
            Type: AWS::Lambda::Url
            Properties: {TargetFunctionArn: !GetAtt Fn.Arn, AuthType: AWS_IAM}
        """))
    with Application(tmp_path / "template.yaml") as app:
        assert app.unsupported == []
        url = app.http.for_api(app.function("Fn").name)
        assert url.get("/a%20b").status_code == 403  # AWS_IAM: unsigned
        signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/"
                                   "us-east-1/lambda/aws4_request, Signature=abc"}
        event = url.get("/a%20b", headers=signed).json()
        assert event["rawPath"] == "/a%20b"
        assert event["requestContext"]["http"]["path"] == "/a b"


CFN_HTTP = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Code: ., Handler: app.echo}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: shop, ProtocolType: HTTP, CorsConfiguration: {AllowOrigins: ["*"]}}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Fn.Arn
      PayloadFormatVersion: "2.0"
  Items:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: GET /items/{id}
      Target: !Join [/, [integrations, !Ref Integration]]
  Private:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: POST /private
      AuthorizationType: JWT
      Target: !Join [/, [integrations, !Ref Integration]]
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}
  Quick:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: quick, ProtocolType: HTTP, Target: !GetAtt Fn.Arn}
  Sockets:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: ws, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.a}
"""


def test_cloudformation_http_apis_are_routed(tmp_path: Path) -> None:
    """``AWS::ApiGatewayV2::Api`` with its Integration, Route and Stage resources (CDK's
    HttpApi), and quick create (``Target``), are routed; what is not emulated is listed."""
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text(textwrap.dedent(ECHO))
    (tmp_path / "template.yaml").write_text(CFN_HTTP)
    with Application(tmp_path / "template.yaml") as app:
        event = app.http.for_api("Api").get("/items/a%20b").json()
        assert (event["routeKey"], event["pathParameters"]) == ("GET /items/{id}", {"id": "a b"})
        assert app.http.for_api("Api").get("/other").status_code == 404
        with pytest.raises(LookupError, match="AuthorizationType JWT is not emulated"):
            app.http.for_api("Api").post("/private")
        assert app.http.for_api("Quick").get("/anything").json()["routeKey"] == "$default"
        listed = "\n".join(app.unsupported)
        assert "Sockets (AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET" in listed
        assert "Private (POST /private): AuthorizationType JWT" in listed


@pytest.mark.parametrize(("authorizer", "status"), [("AWS_IAM", 403), ("TokenAuth", 401)])
def test_a_default_authorizer_guards_the_cors_preflight(tmp_path: Path, authorizer: str,
                                                       status: int) -> None:
    """SAM adds the DefaultAuthorizer to the CORS preflight's OPTIONS method unless
    ``AddDefaultAuthorizerToCorsPreflight: false``: a browser's preflight, which carries no
    credentials, is refused (SAM's AWS::Serverless::Api Auth reference; its transform)."""
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text(textwrap.dedent(ECHO) + (
        "\ndef auth(event, context):\n    return {'principalId': 'u', 'policyDocument': {\n"
        "        'Version': '2012-10-17', 'Statement': [{'Action': 'execute-api:Invoke',\n"
        "        'Effect': 'Allow', 'Resource': event['methodArn']}]}}\n"))
    for add, expected in (("true", status), ("false", 200)):
        (tmp_path / "template.yaml").write_text(textwrap.dedent(f"""\
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Api:
                Type: AWS::Serverless::Api
                Properties:
                  StageName: Prod
                  Cors: {{AllowOrigin: "'*'"}}
                  Auth:
                    DefaultAuthorizer: {authorizer}
                    AddDefaultAuthorizerToCorsPreflight: {add}
                    Authorizers:
                      TokenAuth: {{FunctionArn: !GetAtt Auth.Arn}}
              Auth:
                Type: AWS::Serverless::Function
                Properties: {{Runtime: python3.12, CodeUri: ., Handler: app.auth}}
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: .
                  Handler: app.echo
                  Events:
                    Get: {{Type: Api, Properties: {{RestApiId: !Ref Api, Path: /x,
                                                    Method: get}}}}
            """))
        with Application(tmp_path / "template.yaml") as app:
            preflight = app.http.options("/Prod/x", headers={
                "Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
            assert preflight.status_code == expected, add


@pytest.mark.parametrize(("key", "value"), [
    ("cookies", ["session=abc; HttpOnly"]), ("statusDescription", "200 OK"), ("ok", True)])
def test_a_rest_proxy_response_with_another_key_is_malformed(
        code: Path, key: str, value: Any) -> None:
    """A REST API's proxy output has five keys; an HTTP API's ``cookies`` or an ALB's
    ``statusDescription`` makes it "Malformed Lambda proxy response": 502 (adapters written
    for payload 2.0 shipped this bug: rails-lambda/lamby#78, fujiwara/ridge#25). Before, the
    REST API answered 200 and even set the cookie. An HTTP API's payload 1.0 has no cookies
    field: no Set-Cookie; payload 2.0 sets it."""
    query = {"key": key, "value": json.dumps(value)}
    with LambdaFunction("app.extra", code_dir=code) as fn:
        rest = single_function_client(fn, "rest").get("/", params=query)
        assert (rest.status_code, rest.json()) == (502, {"message": "Internal server error"})
        if key != "cookies":
            return
        for payload_format, cookies in (("1.0", []), ("2.0", value)):
            http = single_function_client(fn, "http", payload_format=payload_format).get(
                "/", params=query)
            assert http.status_code == 200
            assert [v for k, v in http.header_list if k.lower() == "set-cookie"] == cookies
