"""API Gateway and Function URL access control as AWS applies it: a REST authorizer's
context as the backend sees it, API keys, and IAM-authorized Function URLs."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

RUNTIME = f"python3.{sys.version_info.minor}"
APP = """
import json

def authorize(event, context):
    token = event.get("authorizationToken") or event["headers"]["authorization"]
    ctx = {"s": "x", "n": 123, "f": 1.5, "b": True, "z": None}
    if token == "nested":
        ctx["o"] = {"a": 1}
    allow = {"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke",
             "Effect": "Allow", "Resource": event.get("methodArn") or event["routeArn"]}]}
    return {"principalId": "u", "context": ctx, "policyDocument": allow}

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""


def _app(tmp_path: Path, name: str, text: str) -> object:
    """An ``Application`` over ``text`` with the handlers of ``APP`` beside it."""
    pytest.importorskip("moto")
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text(APP)
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).replace("RUNTIME", RUNTIME))
    return Application(path)


AUTHORIZED = """\
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function: {Runtime: RUNTIME}
    Resources:
      Api:
        Type: AWS::Serverless::Api
        Properties:
          StageName: Prod
          Auth:
            DefaultAuthorizer: Tok
            Authorizers: {Tok: {FunctionArn: !GetAtt AuthFn.Arn}}
      HttpApi:
        Type: AWS::Serverless::HttpApi
        Properties:
          Auth:
            DefaultAuthorizer: Req
            Authorizers: {Req: {FunctionArn: !GetAtt AuthFn.Arn}}
      AppFn:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.handler
          Events:
            Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /, Method: GET}}
            Http: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Path: /h, Method: GET}}
      AuthFn:
        Type: AWS::Serverless::Function
        Properties: {Handler: app.authorize}
    """


def test_rest_authorizer_context_is_stringified(tmp_path: Path) -> None:
    """A REST API passes the authorizer's context with stringified values and its
    integrationLatency; an HTTP API's authorizer.lambda keeps the JSON types."""
    with _app(tmp_path, "template.yaml", AUTHORIZED) as app:  # type: ignore[attr-defined]
        got = app.http.for_api("Api").get("/", headers={"Authorization": "t"}).json()
        latency = got.pop("integrationLatency")
        assert isinstance(latency, int) and latency >= 0
        assert got == {"principalId": "u", "s": "x", "n": "123", "f": "1.5", "b": "true",
                       "z": None}
        cached = app.http.for_api("Api").get("/", headers={"Authorization": "t"}).json()
        assert cached["integrationLatency"] == 0
        http = app.http.for_api("HttpApi").get("/h", headers={"Authorization": "t"}).json()
        assert http == {"lambda": {"s": "x", "n": 123, "f": 1.5, "b": True, "z": None}}


def test_rest_authorizer_context_object_is_a_configuration_error(tmp_path: Path) -> None:
    """A context value that is an object fails the request as API Gateway does: 500,
    AuthorizerConfigurationException, and the function is not invoked."""
    with _app(tmp_path, "template.yaml", AUTHORIZED) as app:  # type: ignore[attr-defined]
        r = app.http.for_api("Api").get("/", headers={"Authorization": "nested"})
        assert (r.status_code, r.json()) == (500, {"message": None})
        assert r.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"
        assert r.invocation is None


def test_api_key_required(tmp_path: Path) -> None:
    """Api Auth.ApiKeyRequired (and an event's own Auth) refuse a request without x-api-key
    with 403 Forbidden, the CORS preflight included; any key is accepted."""
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: Prod
              Cors: "'*'"
              Auth: {ApiKeyRequired: true}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: RUNTIME
              Handler: app.handler
              Events:
                Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /, Method: GET}}
                Open: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /open, Method: GET,
                                               Auth: {ApiKeyRequired: false}}}
                Own: {Type: Api, Properties: {Path: /own, Method: GET,
                                              Auth: {ApiKeyRequired: true}}}
        """
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        api = app.http.for_api("Api")
        r = api.get("/")
        assert (r.status_code, r.json(), r.invocation) == (403, {"message": "Forbidden"}, None)
        assert api.get("/", headers={"x-api-key": "any"}).status_code == 200
        assert api.get("/open").status_code == 200
        assert api.options("/").status_code == 403
        assert api.options("/", headers={"x-api-key": "k"}).status_code == 200
        implicit = app.http.for_api("ServerlessRestApi")
        assert implicit.get("/own").status_code == 403


def test_serverless_private_http_event(tmp_path: Path) -> None:
    """serverless.yml `private: true` on an http event requires an x-api-key header."""
    text = """\
        service: shop
        provider: {name: aws, runtime: RUNTIME}
        functions:
          f:
            handler: app.handler
            events:
              - http: {path: secret, method: get, private: true}
              - http: {path: public, method: get}
        """
    with _app(tmp_path, "serverless.yml", text) as app:  # type: ignore[attr-defined]
        assert app.http.get("/secret").json() == {"message": "Forbidden"}
        assert app.http.get("/secret", headers={"X-Api-Key": "k"}).status_code == 200
        assert app.http.get("/public").status_code == 200


def test_function_url_aws_iam(tmp_path: Path) -> None:
    """A Function URL with AuthType AWS_IAM refuses an unsigned request with AWS's 403;
    a SigV4-signed one (not verified) reaches the function with the caller's IAM identity."""
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: RUNTIME
              Handler: app.handler
              FunctionUrlConfig: {AuthType: AWS_IAM}
        """
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        r = app.http.get("/")
        assert r.status_code == 403 and r.invocation is None
        assert r.json()["Message"].startswith("Forbidden")
        assert app.http.get("/", headers={"Authorization": "Bearer x"}).status_code == 403
        signed = app.http.get("/", headers={"Authorization": (
            "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20240101/us-east-1/lambda/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=abc")})
        assert signed.status_code == 200
        iam = json.loads(signed.text)["iam"]
        assert iam["accessKey"] == "AKIAEXAMPLE"
        assert iam["accountId"].isdigit() and len(iam["accountId"]) == 12
        assert iam["userArn"].startswith(f"arn:aws:iam::{iam['accountId']}:user/")


def test_definition_body_paths_get_the_default_authorizer_unless_none(tmp_path: Path) -> None:
    """As SAM applies DefaultAuthorizer to an inline OpenAPI definition's paths: a path
    without security (or with ``security: []``) gets it, ``{NONE: []}`` turns it off, and
    an authorizer the operation names is used."""
    invoke = ("arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
              "${AppFn.Arn}/invocations")
    integration = f'{{type: aws_proxy, httpMethod: POST, uri: !Sub "{invoke}"}}'
    text = f"""\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {{Runtime: RUNTIME}}
        Resources:
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: Prod
              Auth:
                DefaultAuthorizer: Tok
                Authorizers: {{Tok: {{FunctionArn: !GetAtt AuthFn.Arn}}}}
              DefinitionBody:
                openapi: "3.0.1"
                info: {{title: api, version: "1"}}
                paths:
                  /plain:
                    get: {{x-amazon-apigateway-integration: {integration}}}
                  /empty:
                    get: {{security: [], x-amazon-apigateway-integration: {integration}}}
                  /open:
                    get:
                      security: [{{NONE: []}}]
                      x-amazon-apigateway-integration: {integration}
                  /named:
                    get: {{security: [{{Tok: []}}], x-amazon-apigateway-integration: {integration}}}
          AppFn:
            Type: AWS::Serverless::Function
            Properties: {{Handler: app.handler}}
          AuthFn:
            Type: AWS::Serverless::Function
            Properties: {{Handler: app.authorize}}
        """
    with _app(tmp_path, "template.yaml", text) as app:  # type: ignore[attr-defined]
        api = app.http.for_api("Api")
        for path in ("/plain", "/empty", "/named"):
            assert api.get(path).status_code == 401, path
            # A token per path: the cached policy allows only the method it was issued for.
            r = api.get(path, headers={"Authorization": path})
            assert r.json()["principalId"] == "u"
        assert (api.get("/open").status_code, api.get("/open").json()) == (200, None)
        assert app.unsupported == []


POLICY_AUTH = """
import json

def authorize(event, context):
    headers = event.get("headers") or {}
    allowed = (headers.get("x-token") or headers.get("X-Token")) == "ok"
    return {"principalId": "p1", "context": {"who": "bob", "n": 1, "type": event["type"]},
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": "Allow" if allowed else "Deny",
                "Resource": event.get("methodArn") or event["routeArn"]}]}}

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""


def test_rest_request_and_http_api_policy_authorizers(tmp_path: Path) -> None:
    """A REST REQUEST authorizer and an HTTP API authorizer answering with an IAM policy
    (simple responses off): identity sources missing -> 401, Deny -> 403, Allow -> the
    context reaches the function, and the cached answer is reused until the TTL passes on the
    virtual clock."""
    pytest.importorskip("moto")
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text(POLICY_AUTH)
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: RUNTIME, CodeUri: .}
        Resources:
          Rest:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              Auth:
                DefaultAuthorizer: Req
                Authorizers:
                  Req:
                    FunctionArn: !GetAtt Auth.Arn
                    FunctionPayloadType: REQUEST
                    Identity: {Headers: [X-Token], ReauthorizeEvery: 120}
          Http:
            Type: AWS::Serverless::HttpApi
            Properties:
              Auth:
                DefaultAuthorizer: Pol
                Authorizers:
                  Pol:
                    FunctionArn: !GetAtt Auth.Arn
                    AuthorizerPayloadFormatVersion: "2.0"
                    EnableSimpleResponses: false
                    Identity: {Headers: [x-token], ReauthorizeEvery: 120}
          Auth: {Type: AWS::Serverless::Function, Properties: {Handler: app.authorize}}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Events:
                R: {Type: Api, Properties: {RestApiId: !Ref Rest, Path: /r, Method: get}}
                H: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /h, Method: get}}
        """).replace("RUNTIME", RUNTIME))
    with Application(tmp_path / "template.yaml") as app:
        rest, http = app.http.for_api("Rest"), app.http.for_api("Http")
        assert rest.get("/r").status_code == 401
        assert http.get("/h").status_code == 401
        assert rest.get("/r", headers={"X-Token": "no"}).status_code == 403
        assert http.get("/h", headers={"x-token": "no"}).status_code == 403
        allowed = rest.get("/r", headers={"X-Token": "ok"})
        got = allowed.json()
        assert (got["principalId"], got["who"], got["n"], got["type"]) == (
            "p1", "bob", "1", "REQUEST")
        assert len(allowed.authorizer_invocations) == 1
        http_got = http.get("/h", headers={"x-token": "ok"}).json()
        # Format 2.0: the context under authorizer.lambda, with its JSON types.
        assert http_got == {"lambda": {"who": "bob", "n": 1, "type": "REQUEST"}}
        assert rest.get("/r", headers={"X-Token": "ok"}).authorizer_invocations == []
        app.advance(121)
        assert len(rest.get("/r", headers={"X-Token": "ok"}).authorizer_invocations) == 1


def test_http_api_authorizer_payload_1_0_carries_the_token(tmp_path: Path) -> None:
    """An HTTP API authorizer on payload format 1.0 gets the identity sources joined in both
    identitySource and authorizationToken, as the developer guide's 1.0 example shows."""
    pytest.importorskip("moto")
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text(textwrap.dedent("""\
        def authorize(event, context):
            effect = "Allow" if event["authorizationToken"] == "good" else "Deny"
            assert event["identitySource"] == event["authorizationToken"]
            return {"principalId": "u1", "policyDocument": {"Version": "2012-10-17",
                    "Statement": [{"Action": "execute-api:Invoke", "Effect": effect,
                                   "Resource": event["methodArn"]}]}}
        def handler(event, context):
            return {"statusCode": 200, "body": "hello"}
        """))
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: RUNTIME, CodeUri: .}
        Resources:
          HttpApi:
            Type: AWS::Serverless::HttpApi
            Properties:
              Auth:
                DefaultAuthorizer: Legacy
                Authorizers:
                  Legacy:
                    AuthorizerPayloadFormatVersion: 1.0
                    FunctionArn: !GetAtt Authorizer.Arn
                    Identity: {Headers: [Authorization]}
          Authorizer: {Type: AWS::Serverless::Function, Properties: {Handler: app.authorize}}
          Api:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Events:
                Get: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Path: /hello, Method: GET}}
        """).replace("RUNTIME", RUNTIME))
    with Application(tmp_path / "template.yaml") as app:
        api = app.http.for_api("HttpApi")
        assert api.get("/hello", headers={"Authorization": "good"}).text == "hello"
        assert api.get("/hello", headers={"Authorization": "bad"}).status_code == 403


def test_values_only_a_jwt_authorizer_uses_do_not_stop_the_api(tmp_path: Path) -> None:
    """A parameter given only at deploy time, used by a JWT authorizer (not emulated) and a
    route's scopes, stops nothing: the open route answers and the authorizer is listed."""
    pytest.importorskip("moto")
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          UserPoolId: {Type: String}
        Globals:
          Function: {Runtime: RUNTIME, CodeUri: .}
        Resources:
          HttpApi:
            Type: AWS::Serverless::HttpApi
            Properties:
              Auth:
                Authorizers:
                  Jwt:
                    IdentitySource: $request.header.Authorization
                    JwtConfiguration:
                      issuer: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPoolId}
                      audience: [abc]
          Open:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Events:
                Get: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Path: /, Method: get}}
                Scoped:
                  Type: HttpApi
                  Properties:
                    ApiId: !Ref HttpApi
                    Path: /admin
                    Method: get
                    Auth: {Authorizer: Jwt, AuthorizationScopes: [!Ref UserPoolId]}
        """).replace("RUNTIME", RUNTIME))
    with Application(tmp_path / "template.yaml") as app:
        assert app.http.get("/").status_code == 200
        [note] = [n for n in app.unsupported if n.startswith("HttpApi.Auth.Authorizers.Jwt")]
        assert "JWT and Cognito authorizers are not checked" in note and "UserPoolId" in note
