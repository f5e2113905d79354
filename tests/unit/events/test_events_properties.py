"""Property tests: arbitrary keys, bodies and attribute values keep events valid and JSON-ready."""

from __future__ import annotations

import json
import string
from typing import Any

import event_checks as checks
import powertools_oracle
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pytest_lambda import events

models = powertools_oracle.load_models()

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(), json_values, max_size=5)
keys = st.text(min_size=1, max_size=200).filter(lambda k: len(k.encode()) <= 1024)
# ASCII letters and digits, drawn directly: filtering Unicode letters down to ASCII rejects
# most draws, which fails Hypothesis' filter health check for strategies built on this one.
names = st.text(string.ascii_letters + string.digits, min_size=1, max_size=20)
sqs_values = st.one_of(st.text(max_size=50), st.integers(), st.binary(max_size=20))
ddb_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.text(),
    st.binary(max_size=10),
    st.integers(min_value=-(10**30), max_value=10**30),
)
ddb_values = st.recursive(
    ddb_scalars
    | st.frozensets(st.text(), min_size=1, max_size=3)
    | st.frozensets(st.integers(-1000, 1000), min_size=1, max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(min_size=1), inner, max_size=3)
    ),
    max_leaves=8,
)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value if v is not None]
    return value


def _roundtrip(event: Any) -> Any:
    return json.loads(json.dumps(event, allow_nan=False))


@SETTINGS
@given(key=keys, size=st.integers(0, 5 * 1024**3))
def test_s3_any_key(key: str, size: int) -> None:
    """Any key up to 1024 UTF-8 bytes gives a valid, encoded, decodable S3 event."""
    event = _roundtrip(events.s3_put("bkt", key, size))
    models.S3Model.model_validate(event)
    checks.check_s3(event)
    assert events.decode_s3_key(event["Records"][0]["s3"]["object"]["key"]) == key


@SETTINGS
@given(body=json_values, attributes=st.dictionaries(names, sqs_values, max_size=10))
def test_sqs_any_body_and_attributes(body: Any, attributes: dict[str, Any]) -> None:
    """Any JSON body and attribute values give a valid SQS record with correct MD5s."""
    payload = body if isinstance(body, dict | list) else json.dumps(body)
    event = _roundtrip(events.sqs_message(payload or "x", message_attributes=attributes))
    models.SqsModel.model_validate(event)
    checks.check_sqs(event)


@SETTINGS
@given(message=json_objects, attributes=st.dictionaries(names, sqs_values, max_size=10))
def test_sns_any_message(message: dict[str, Any], attributes: dict[str, Any]) -> None:
    """Any JSON message and attribute values give a valid SNS notification."""
    event = _roundtrip(events.sns_notification(message, message_attributes=attributes))
    models.SnsModel.model_validate(event)
    checks.check_sns(event)
    assert json.loads(event["Records"][0]["Sns"]["Message"]) == message


@SETTINGS
@given(
    data=st.lists(
        st.binary(max_size=64) | st.text(max_size=64) | json_objects, min_size=1, max_size=5
    )
)
def test_kinesis_any_data(data: list[Any]) -> None:
    """Any bytes, text or JSON records validate and decode back."""
    event = _roundtrip(events.kinesis_batch(data))
    parsed = models.KinesisDataStreamModel.model_validate(event)
    for record, item in zip(parsed.Records, data, strict=True):
        raw = item if isinstance(item, bytes) else item.encode() if isinstance(item, str) else None
        if raw is not None:
            assert record.kinesis.data == raw


@SETTINGS
@given(
    image=st.dictionaries(st.text(min_size=1), ddb_values, max_size=5),
    view=st.sampled_from(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]),
)
def test_dynamodb_any_image(image: dict[str, Any], view: str) -> None:
    """Any DynamoDB-representable image validates and unmarshals back to itself."""
    image.pop("pk", None)
    event = _roundtrip(events.dynamodb_modify({"pk": "k"}, image, image, stream_view_type=view))
    models.DynamoDBStreamModel.model_validate(event)
    checks.check_dynamodb(event)
    change = event["Records"][0]["dynamodb"]
    if "NewImage" in change:
        assert events.unmarshal_image(change["NewImage"]) == {"pk": "k", **image}


@SETTINGS
@given(
    body=json_objects,
    query=st.dictionaries(
        names, st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=3), max_size=3
    ),
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
)
def test_http_events_any_body_and_query(
    body: dict[str, Any], query: dict[str, list[str]], method: str
) -> None:
    """Any JSON body and query map validate in REST v1, HTTP API v2, Function URL and ALB."""
    rest = _roundtrip(events.apigateway_rest(method, "/p", query=query, body=body))
    models.APIGatewayProxyEventModel.model_validate(rest)
    checks.check_rest_v1(rest)
    v2 = _roundtrip(events.http_api(method, "/p", query=query, body=body))
    models.APIGatewayProxyEventV2Model.model_validate(v2)
    checks.check_http_v2(v2)
    assert json.loads(v2["body"]) == body
    url = _roundtrip(events.lambda_function_url(method, "/p", query=query, body=body))
    models.LambdaFunctionUrlModel.model_validate(url)
    alb = _roundtrip(events.alb_request(method, "/p", query=query, body=body))
    models.AlbModel.model_validate(alb)
    checks.check_alb(alb)


@SETTINGS
@given(detail=json_objects, detail_type=st.text(min_size=1, max_size=128).filter(str.isprintable))
def test_eventbridge_any_detail(detail: dict[str, Any], detail_type: str) -> None:
    """Any JSON object detail and printable detail-type validates."""
    event = _roundtrip(events.eventbridge_event(detail_type, "com.example", detail))
    models.EventBridgeModel.model_validate(event)
    assert event["detail"] == detail


@SETTINGS
@given(messages=st.lists(st.text(max_size=100), min_size=1, max_size=5))
def test_cloudwatch_logs_any_messages(messages: list[str]) -> None:
    """Any log messages survive gzip + base64 and validate."""
    event = events.cloudwatch_logs(messages)
    parsed = models.CloudWatchLogsModel.model_validate(event)
    assert [e.message for e in parsed.awslogs.decoded_data.logEvents] == messages


@SETTINGS
@given(properties=json_objects)
def test_cloudformation_any_properties(properties: dict[str, Any]) -> None:
    """Any JSON properties validate, with every leaf stringified (nulls are not sent by CFN)."""
    cleaned = _without_nulls(properties)
    event = _roundtrip(events.cloudformation_custom_resource("Create", cleaned))
    models.CloudFormationCustomResourceCreateModel.model_validate(event)


header_names = st.text(
    st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="-"),
    min_size=1,
    max_size=20,
).filter(
    lambda s: s.isascii()
    and s.lower() not in ("connection", "expect", "keep-alive", "proxy-authenticate", "upgrade")
)


@SETTINGS
@given(
    headers=st.dictionaries(header_names, st.text(max_size=30), max_size=4),
    query=st.text(
        st.characters(whitelist_categories=("Ll", "Nd"), whitelist_characters="=&"), max_size=30
    ),
    event_type=st.sampled_from(["viewer-request", "origin-request"]),
)
@example(headers={"P": "", "p": ""}, query="", event_type="viewer-request")
def test_cloudfront_any_headers(headers: dict[str, str], query: str, event_type: str) -> None:
    """Any header set and query string keep the Lambda@Edge shape, case-folded names intact."""
    event = _roundtrip(
        events.cloudfront_request(
            "GET", "/", event_type=event_type, headers=headers, querystring=query
        )
    )
    checks.check_cloudfront(event)
    sent = event["Records"][0]["cf"]["request"]["headers"]
    for name, value in headers.items():
        assert {"key": name, "value": value} in sent[name.lower()]


@SETTINGS
@given(configuration=json_objects, parameters=json_objects)
def test_config_any_configuration(
    configuration: dict[str, Any], parameters: dict[str, Any]
) -> None:
    """Any resource configuration and rule parameters survive the JSON-string encoding."""
    data_classes = pytest.importorskip("aws_lambda_powertools.utilities.data_classes")
    event = _roundtrip(events.config_rule(configuration=configuration, rule_parameters=parameters))
    checks.check_config(event)
    view = data_classes.AWSConfigRuleEvent(event)
    assert view.rule_parameters == parameters
    assert view.invoking_event.configuration_item.configuration == configuration


@SETTINGS
@given(slots=st.dictionaries(names, st.none() | st.text(min_size=1, max_size=20), max_size=5))
def test_lex_v1_any_slots(slots: dict[str, str | None]) -> None:
    """Any slot values (None = unfilled) arrive as strings or null."""
    event = _roundtrip(events.lex_v1("BookCar", slots))
    checks.check_lex_v1(event)
    assert event["currentIntent"]["slots"] == slots


@SETTINGS
@given(parameters=st.dictionaries(names, st.text(max_size=30), max_size=5))
def test_connect_any_parameters(parameters: dict[str, str]) -> None:
    """Any string parameters reach Details.Parameters unchanged."""
    event = _roundtrip(events.connect_contact_flow(parameters=parameters))
    checks.check_connect(event)
    assert event["Details"]["Parameters"] == parameters


@SETTINGS
@given(
    route=st.sampled_from(["$connect", "$disconnect", "$default", "sendmessage"]),
    body=json_objects | st.binary(max_size=40),
    ago=st.floats(0, 7200),
)
def test_websocket_any_route_and_body(route: str, body: Any, ago: float) -> None:
    """Any route, body and connection age validate against the matching Powertools model."""
    message = route not in ("$connect", "$disconnect")
    event = _roundtrip(
        events.apigateway_websocket(route, body if message else None, connected_seconds_ago=ago)
    )
    kind = {"$connect": "Connect", "$disconnect": "Disconnect"}.get(route, "Message")
    getattr(models, f"APIGatewayWebSocket{kind}EventModel").model_validate(event)
    checks.check_websocket(event)
    if message and isinstance(body, dict):
        assert json.loads(event["body"]) == body
