"""Event details checked against events captured on AWS (or, where none is public, the SDKs'
fixtures and AWS's examples), each named next to its assertion."""

from __future__ import annotations

import re

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
