"""Event details checked against events captured on AWS (or, where none is public, the SDKs'
fixtures and AWS's examples), each named next to its assertion."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from pytest_lambda import events

B64_16 = re.compile(r"[A-Za-z0-9+/_-]{15}=")


def test_alb_request_with_a_body_carries_its_length() -> None:
    # hotsock/voker alb-request.json: "content-length": ["66"] for a 66-byte POST
    event = events.alb_request("POST", "/c", body='{"message":"hello"}',
                               multi_value_headers=True)
    assert event["multiValueHeaders"]["content-length"] == ["19"]
    assert "content-length" not in events.alb_request("GET", "/")["headers"]


def test_http_api_jwt_claims_are_strings() -> None:
    # measured on AWS (floci-io/floci#2011): every claim a string, arrays as "[a b]"
    event = events.http_api("GET", "/me", jwt_claims={
        "exp": 1562194124, "email_verified": True, "cognito:groups": ["admin", "user"],
        "sub": "u1"})
    assert event["requestContext"]["authorizer"]["jwt"]["claims"] == {
        "exp": "1562194124", "email_verified": "true", "cognito:groups": "[admin user]",
        "sub": "u1"}


def test_websocket_ids_and_disconnect_headers() -> None:
    # aws-lambda-go testdata apigw-websocket-request-*.json (2024), aws-lambda-dotnet
    # websocket-api-connect-request.json (2022)
    message = events.apigateway_websocket("sendmessage", {"a": 1})["requestContext"]
    assert message["requestId"] == message["extendedRequestId"]
    for key in ("requestId", "connectionId", "messageId"):
        assert B64_16.fullmatch(message[key]), key
    gone = events.apigateway_websocket("$disconnect")
    assert gone["headers"] == {"Host": gone["requestContext"]["domainName"], "x-api-key": "",
                               "X-Forwarded-For": "", "x-restapi": ""}
    assert gone["requestContext"]["disconnectReason"] == ""
    no_status = events.apigateway_websocket("$disconnect", disconnect_status_code=1005)
    assert no_status["requestContext"]["disconnectReason"] == \
        "Client-side close frame status not set"
    assert "X-Amzn-Trace-Id" in events.apigateway_websocket("$connect")["headers"]


def test_rest_extended_request_id() -> None:
    # hotsock/voker apigwv1-request.json: "ATfSdF7nPHcErRA="
    assert B64_16.fullmatch(events.apigateway_rest()["requestContext"]["extendedRequestId"])


def test_activemq_unset_headers() -> None:
    # aws-lambda-go testdata activemq-event.json (a real broker, 2020)
    [message] = events.activemq_event(["hi"])["messages"]
    assert (message["correlationID"], message["replyTo"], message["type"]) == ("", "null", "")
    assert message["properties"] is None


def test_appsync_cognito_identity_has_the_tokens_claims() -> None:
    # aws-powertools tests/events/appSyncDirectResolver.json
    claims = events.appsync_resolver("getPost", {"id": "1"}, identity="cognito")[
        "identity"]["claims"]
    assert {"aud", "exp", "iat", "auth_time", "event_id", "email_verified"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 3600


def test_firehose_sourced_kinesis_analytics_uses_stream_arn() -> None:
    # aws-lambda-dotnet / aws-lambda-java-libs firehose input preprocessing events
    event = events.kinesis_analytics_preprocessing(["x"], source="firehose")
    assert ":deliverystream/" in event["streamArn"] and "firehoseArn" not in event


def test_config_change_notification_has_its_diff() -> None:
    # aws-powertools tests/events/awsConfigRuleConfigurationChanged.json
    import json

    invoking = json.loads(events.config_rule(configuration={"a": 1})["invokingEvent"])
    assert invoking["configurationItemDiff"]["changeType"] == "UPDATE"
    assert invoking["configurationItem"]["configurationStateMd5Hash"] == ""


def test_firehose_record_ids_are_digits() -> None:
    # aws-lambda-dotnet kinesis-firehose-event.json, Powertools' and aws-lambda-go's fixtures
    for record in events.firehose_transformation(["a", "b"])["records"]:
        assert record["recordId"].isdigit() and len(record["recordId"]) >= 56


def test_s3_eventbridge_request_id_and_restore_expiry() -> None:
    # S3 user guide's EventBridge examples: "189F19CB7FB1B6A4", "2021-11-13T00:00:00Z"
    detail = events.s3_eventbridge_event("Object Restore Completed", bucket="b", key="k")[
        "detail"]
    assert re.fullmatch(r"[0-9A-F]{16}", detail["request-id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", detail["restore-expiry-time"])


def test_stream_failure_shard_ids() -> None:
    # Lambda developer guide's on-failure records: "shardId-000000000001",
    # "shardId-00000001573689847184-864758bb"
    kinesis = events.lambda_stream_failure_record("kinesis")
    dynamodb = events.lambda_stream_failure_record("dynamodb")
    [k] = [v for key, v in kinesis.items() if key.endswith("BatchInfo")]
    [d] = [v for key, v in dynamodb.items() if key.endswith("BatchInfo")]
    assert re.fullmatch(r"shardId-\d{12}", k["shardId"])
    assert re.fullmatch(r"shardId-\d{20}-[0-9a-f]{8}", d["shardId"])


def test_config_items_name_and_place_resources_as_config_records_them() -> None:
    """A bucket's item carries its name and ``arn:aws:s3:::<bucket>`` (rules such as the
    awslabs S3 naming convention read ``resourceName``); IAM is global; a function's ARN is
    ``function:<name>``; a queue is named from its URL."""
    import json

    def item(**kwargs: str) -> dict[str, object]:
        event = events.config_rule(configuration={}, **kwargs)  # type: ignore[arg-type]
        invoking = json.loads(event["invokingEvent"])
        return invoking["configurationItem"]  # type: ignore[no-any-return]

    bucket = item(resource_type="AWS::S3::Bucket", resource_id="my-bucket")
    assert (bucket["resourceName"], bucket["ARN"], bucket["availabilityZone"]) == (
        "my-bucket", "arn:aws:s3:::my-bucket", "Regional")
    user = item(resource_type="AWS::IAM::User", resource_id="AIDAEXAMPLE12345",
                resource_name="alice")
    assert (user["ARN"], user["awsRegion"]) == ("arn:aws:iam::123456789012:user/alice",
                                                 "global")
    fn = item(resource_type="AWS::Lambda::Function", resource_id="orders")
    assert fn["ARN"] == "arn:aws:lambda:us-east-1:123456789012:function:orders"
    queue = item(resource_type="AWS::SQS::Queue",
                 resource_id="https://sqs.us-east-1.amazonaws.com/123456789012/jobs")
    assert (queue["resourceName"], queue["ARN"]) == (
        "jobs", "arn:aws:sqs:us-east-1:123456789012:jobs")
    instance = item()
    assert (instance["resourceName"], instance["availabilityZone"]) == (None, "us-east-1a")


# --- HTTP-family body encoding by Content-Type -------------------------------------------
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("factory", ["http_api", "lambda_function_url", "alb_request"])
@pytest.mark.parametrize("headers", [
    FORM,
    {},  # no Content-Type
    {"content-type": "multipart/form-data; boundary=x"},
    {"content-type": "application/octet-stream"},
])
def test_non_text_bodies_arrive_base64(factory: str, headers: dict[str, str]) -> None:
    # ALB user guide "Lambda functions as targets"; HTTP API measured in ministack#766 and
    # brefphp/bref#631 (a form post as "a2V5MT1kYXRhMQ=="); Function URL: LeanerCloud/CUDly#1483
    event = getattr(events, factory)("POST", "/f", body="a=1&b=2", headers=headers)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"a=1&b=2"
    length = event["headers"].get("content-length")
    assert length == "7"  # the body's bytes as the client sent them


@pytest.mark.parametrize("factory", ["http_api", "lambda_function_url", "alb_request"])
@pytest.mark.parametrize("content_type", [
    "text/plain", "text/html; charset=utf-8", "application/json", "Application/XML",
    "application/javascript",
])
def test_text_bodies_arrive_as_text(factory: str, content_type: str) -> None:
    body = '{"a": 1}'
    event = getattr(events, factory)("POST", "/f", body=body,
                                     headers={"Content-Type": content_type})
    assert (event["body"], event["isBase64Encoded"]) == (body, False)


def test_body_encoding_explicit_bytes_and_rest() -> None:
    # A bytes body stays base64 whatever its type; an empty body stays ""; a REST API's
    # choice follows its binary media types, so its text body is text.
    event = events.http_api("POST", "/f", body=b"{}", headers={"content-type": "text/plain"})
    assert (event["body"], event["isBase64Encoded"]) == ("e30=", True)
    assert events.lambda_function_url("POST", "/f", body="")["isBase64Encoded"] is False
    rest = events.apigateway_rest("POST", "/f", body="a=1", headers=FORM)
    assert (rest["body"], rest["isBase64Encoded"]) == ("a=1", False)


def test_form_post_decodes_through_powertools() -> None:
    data_classes = pytest.importorskip("aws_lambda_powertools.utilities.data_classes")
    event = events.http_api("POST", "/f", body="a=1&b=2", headers=FORM)
    assert data_classes.APIGatewayProxyEventV2(event).decoded_body == "a=1&b=2"


# --- User-Agent and X-Forwarded-For reach requestContext ---------------------------------
CLIENT = {"User-Agent": "curl/8.7.1", "X-Forwarded-For": "203.0.113.9"}


def _client_view(name: str, event: dict[str, Any]) -> tuple[str, str, str]:
    """(user agent in requestContext, its source IP, the X-Forwarded-For header)."""
    headers = {k.lower(): v for k, v in event["headers"].items()}
    context = event["requestContext"]
    seen = context["http"] if "http" in context else context["identity"]
    return seen["userAgent"], seen["sourceIp"], headers["x-forwarded-for"]


@pytest.mark.parametrize("name", ["http_api", "lambda_function_url", "apigateway_rest",
                                  "apigateway_websocket", "apigateway_authorizer_request",
                                  "http_api_authorizer"])
def test_client_headers_reach_the_request_context(name: str) -> None:
    # hotsock/voker apigwv1/apigwv2/functionurl-request.json: header and requestContext both
    # "curl/8.7.1"; a client's X-Forwarded-For gets the peer appended
    # (aws-solutions/aws-waf-security-automations#123, ustayready/fireprox#12)
    factory = getattr(events, name)
    headers = dict(CLIENT, authorization="Bearer x") if name == "http_api_authorizer" else CLIENT
    event = factory("$connect", headers=headers) if name == "apigateway_websocket" else \
        factory("GET", "/", headers=headers)
    agent, ip, forwarded = _client_view(name, event)
    assert agent == "curl/8.7.1"
    assert forwarded == f"203.0.113.9, {ip}" and ip != "203.0.113.9"
    # a header that already ends with the source address is taken as delivered
    event = factory("$connect", headers=CLIENT, source_ip_address="203.0.113.9") \
        if name == "apigateway_websocket" else \
        factory("GET", "/", headers=headers, source_ip_address="203.0.113.9")
    assert _client_view(name, event)[1:] == ("203.0.113.9", "203.0.113.9")


def test_websocket_user_agent_is_the_connections() -> None:
    # aws-lambda-go apigw-websocket-request-disconnect.json / -send-message.json (2024): the
    # connecting browser's user agent in every event's identity
    for route in ("$connect", "$disconnect", "sendmessage"):
        event = events.apigateway_websocket(route, user_agent="wscat/5.2")
        assert event["requestContext"]["identity"]["userAgent"] == "wscat/5.2"
    connect = events.apigateway_websocket("$connect", headers={"user-agent": "ws/8"})
    assert connect["requestContext"]["identity"]["userAgent"] == "ws/8"
    assert [k for k in connect["headers"] if k.lower() == "user-agent"] == ["user-agent"]


# --- Paths as sent --------------------------------------------------------------------
def test_rest_path_is_percent_encoded() -> None:
    # hotsock/voker apigwv1-request.json: "/capture/space%20value" in path, pathParameters and
    # requestContext.path
    event = events.apigateway_rest("GET", "/files/a b.txt", resource="/files/{name}")
    assert event["path"] == "/files/a%20b.txt"
    assert event["pathParameters"] == {"name": "a%20b.txt"}
    assert event["requestContext"]["path"] == "/prod/files/a%20b.txt"
    assert events.apigateway_rest("GET", "/a%20b")["path"] == "/a%20b"  # escapes kept


def test_alb_and_function_url_paths_are_percent_encoded() -> None:
    # hotsock/voker alb-request.json and functionurl-request.json: "/capture/space%20value"
    assert events.alb_request("GET", "/files/a b.txt")["path"] == "/files/a%20b.txt"
    url = events.lambda_function_url("GET", "/files/a b.txt")
    assert url["rawPath"] == "/files/a%20b.txt"
    assert url["requestContext"]["http"]["path"] == "/files/a b.txt"


def test_rest_request_authorizer_path_agrees_with_its_method_arn() -> None:
    for path in ("/files/a b.txt", "/files/a%20b.txt"):
        event = events.apigateway_authorizer_request("GET", path)
        assert event["path"] == "/files/a%20b.txt"
        assert event["methodArn"].endswith("/prod/GET/files/a%20b.txt")


def test_a_gateway_keeps_the_path_it_delivers() -> None:
    # lambda_app.http passes an HTTP API's payload 1.0 path decoded, as that front end
    # delivers it; the factory must not encode it again.
    from pytest_lambda.events._http import ANY_BODY

    token = ANY_BODY.set(True)
    try:
        event = events.apigateway_rest("GET", "/capture/space value", resource="/{proxy+}")
    finally:
        ANY_BODY.reset(token)
    assert event["path"] == "/capture/space value"


# --- WebSocket $connect query ---------------------------------------------------------
def test_websocket_connect_carries_its_query() -> None:
    # aws-lambda-go apigw-websocket-request.json: {"name": "me"} and {"name": ["me"]};
    # aws-lambda-java-libs apigw_websocket_event.json; no query: neither key
    # (aws-lambda-dotnet websocket-api-connect-request.json)
    event = events.apigateway_websocket("$connect", query={"token": "abc"})
    assert event["queryStringParameters"] == {"token": "abc"}
    assert event["multiValueQueryStringParameters"] == {"token": ["abc"]}
    sent = events.apigateway_websocket("$connect", query="token=a%20b&x=1&x=2")
    assert sent["queryStringParameters"] == {"token": "a b", "x": "2"}
    assert sent["multiValueQueryStringParameters"] == {"token": ["a b"], "x": ["1", "2"]}
    assert "queryStringParameters" not in events.apigateway_websocket("$connect")
    for route in ("$disconnect", "sendmessage"):
        with pytest.raises(events.EventError, match="query"):
            events.apigateway_websocket(route, query={"token": "abc"})


# --- Cognito V2/V3 scopes ---------------------------------------------------------------
@pytest.mark.parametrize("version", ["2", "3"])
def test_pre_token_generation_v2_v3_carry_scopes(version: str) -> None:
    # aws-lambda-go cognito-event-userpools-pretokengen-v2.json: ["aws.cognito.signin.user.admin"]
    event = events.cognito_pre_token_generation(trigger_version=version)
    assert event["request"]["scopes"] == ["aws.cognito.signin.user.admin"]
    chosen = events.cognito_pre_token_generation(trigger_version=version, scopes=["openid"])
    assert chosen["request"]["scopes"] == ["openid"]
    assert "scopes" not in events.cognito_pre_token_generation()["request"]  # version 1


# --- Function URL content-length ----------------------------------------------------------
def test_function_url_without_a_body_has_no_content_length() -> None:
    # powertools-lambda-typescript lambda/get-request.json (a browser's GET): no content-length;
    # an HTTP API sends "0" (logandk/serverless-wsgi#191)
    assert "content-length" not in events.lambda_function_url("GET", "/")["headers"]
    assert events.lambda_function_url("POST", "/", body="")["headers"]["content-length"] == "0"
    assert events.lambda_function_url("POST", "/", body={"a": 1})["headers"][
        "content-length"] == "7"
    assert events.http_api("GET", "/")["headers"]["content-length"] == "0"


def test_message_attributes_in_boto3s_shape_are_taken_as_sent() -> None:
    """``message_attributes`` as boto3's SendMessage / Publish take them (``DataType``,
    ``StringValue``, ``BinaryValue``) reach the event in its own spelling (they were refused
    as "=None is not valid")."""
    from pytest_lambda import events

    sqs = events.sqs_message("a", message_attributes={
        "k": {"DataType": "String", "StringValue": "x"},
        "b": {"DataType": "Binary", "BinaryValue": b"hi"}})["Records"][0]["messageAttributes"]
    assert sqs["k"]["stringValue"] == "x" and sqs["k"]["dataType"] == "String"
    assert sqs["b"]["binaryValue"] == "aGk=" and sqs["b"]["dataType"] == "Binary"
    sns = events.sns_notification("m", message_attributes={
        "k": {"DataType": "Number", "StringValue": "5"}})["Records"][0]["Sns"]
    assert sns["MessageAttributes"] == {"k": {"Type": "Number", "Value": "5"}}
