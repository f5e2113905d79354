"""Realism checks where Powertools is lax, and checkers for sources it does not model."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import event_checks as checks
import pytest

from pytest_lambda import events
from pytest_lambda.events._catalog import CATALOG, Entry

NOW = dt.datetime(2024, 3, 4, 19, 15, 17, 123000, tzinfo=dt.UTC)

CASES: list[tuple[str, Callable[[], Any], Callable[[dict[str, Any]], None]]] = [
    ("s3 put", lambda: events.s3_put("bkt", "red flower+ü.jpg"), checks.check_s3),
    ("s3 batch", lambda: events.s3_batch("bkt", ["a b", "c/d e"]), checks.check_s3),
    (
        "s3 multipart",
        lambda: events.s3_multipart_upload("bkt", "x", 100 * 1024**2),
        checks.check_s3,
    ),
    (
        "sqs attrs",
        lambda: events.sqs_message("x", message_attributes={"a": "1", "b": b"2", "c": 3}),
        checks.check_sqs,
    ),
    ("sqs fifo", lambda: events.sqs_batch(["a", "b"], fifo=True), checks.check_sqs),
    (
        "sns",
        lambda: events.sns_notification(message_attributes={"a": ["x"], "n": 1}),
        checks.check_sns,
    ),
    (
        "rest",
        lambda: events.apigateway_rest("GET", "/a", query={"q": ["1", "2"]}),
        checks.check_rest_v1,
    ),
    (
        "rest binary",
        lambda: events.apigateway_rest("POST", "/a", body=b"\x00"),
        checks.check_rest_v1,
    ),
    (
        "http api",
        lambda: events.http_api("GET", "/a", query={"q": ["1", "2"]}, headers={"Cookie": "a=1"}),
        checks.check_http_v2,
    ),
    ("function url", lambda: events.lambda_function_url(), checks.check_http_v2),
    ("alb single", lambda: events.alb_request(headers={"X-A": ["1", "2"]}), checks.check_alb),
    (
        "alb multi",
        lambda: events.alb_request(
            headers={"X-A": ["1", "2"]}, query={"a": ["1", "2"]}, multi_value_headers=True
        ),
        checks.check_alb,
    ),
    ("alexa launch", lambda: events.alexa_launch(), checks.check_alexa),
    (
        "alexa intent",
        lambda: events.alexa_intent(
            "OrderIntent", {"size": "large", "color": None}, dialog_state="STARTED"
        ),
        checks.check_alexa,
    ),
    (
        "alexa ended",
        lambda: events.alexa_session_ended("ERROR", error_type="INVALID_RESPONSE", locale="de-DE"),
        checks.check_alexa,
    ),
    (
        "lex",
        lambda: events.lex_v2("BookHotel", {"City": "Paris", "Nights": None}),
        checks.check_lex_v2,
    ),
    (
        "lex fulfil",
        lambda: events.lex_v2(invocation_source="FulfillmentCodeHook", input_mode="Speech"),
        checks.check_lex_v2,
    ),
    (
        "codepipeline",
        lambda: events.codepipeline_job(user_parameters='{"a":1}', output_artifacts=["Out"]),
        checks.check_codepipeline,
    ),
    (
        "secrets",
        lambda: events.secretsmanager_rotation("finishSecret"),
        checks.check_secretsmanager,
    ),
]
for view in ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
    for name in ("INSERT", "MODIFY", "REMOVE"):
        CASES.append(
            (
                f"ddb {name} {view}",
                lambda n=name, v=view: events.dynamodb_record(n, {"pk": "a"}, stream_view_type=v),
                checks.check_dynamodb,
            )
        )


@pytest.mark.parametrize(("build", "check"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_event_is_realistic(
    build: Callable[[], Any], check: Callable[[dict[str, Any]], None]
) -> None:
    """The event passes the plugin's own realism checks and survives a JSON round trip."""
    event = build()
    assert json.loads(json.dumps(event)) == event
    check(event)


def test_iot_button_shape() -> None:
    """An IoT button press has a serial number, a click type and a battery voltage."""
    event = events.iot_button("DOUBLE")
    assert event["clickType"] == "DOUBLE" and event["serialNumber"].startswith("G030")
    assert event["batteryVoltage"].endswith("mV")


def test_iot_rule_passes_payload_and_metadata() -> None:
    """The rule output is the message itself plus the selected metadata functions."""
    event = events.iot_rule({"t": 1}, topic="a/b", include_metadata=True)
    assert event["t"] == 1 and event["topic"] == "a/b" and isinstance(event["timestamp"], int)


def test_stepfunctions_task_token_added() -> None:
    """The task token lands under the chosen key next to the payload."""
    event = events.stepfunctions_task_token({"order": 1}, token_field="token")
    assert event["order"] == 1 and len(event["token"]) > 300


def test_s3_lifecycle_is_sent_by_s3() -> None:
    """Lifecycle events use event version 2.3 and the S3 service as principal and source."""
    record = events.s3_lifecycle_expiration("bkt", "k")["Records"][0]
    assert record["eventVersion"] == "2.3"
    assert record["userIdentity"]["principalId"] == "s3.amazonaws.com"
    assert record["requestParameters"]["sourceIPAddress"] == "s3.amazonaws.com"


def test_multipart_etag_has_part_count() -> None:
    """A multipart ETag ends with '-<parts>'."""
    obj = events.s3_multipart_upload("bkt", "k", 20 * 1024**2, parts=3)["Records"][0]["s3"][
        "object"
    ]
    assert obj["eTag"].endswith("-3")


def test_http_api_route_and_path_parameters() -> None:
    """A route template gives the routeKey and path parameters."""
    event = events.http_api("GET", "/users/7/orders/9", route="/users/{uid}/orders/{oid}")
    assert event["routeKey"] == "GET /users/{uid}/orders/{oid}"
    assert event["pathParameters"] == {"uid": "7", "oid": "9"}


def test_rest_proxy_path_parameter() -> None:
    """A {proxy+} resource captures the rest of the path."""
    event = events.apigateway_rest("GET", "/a/b/c", resource="/{proxy+}")
    assert event["pathParameters"] == {"proxy": "a/b/c"}


def test_function_url_anonymous_account() -> None:
    """Function URLs without auth report the account as 'anonymous' and a lambda-url domain."""
    context = events.lambda_function_url()["requestContext"]
    assert context["accountId"] == "anonymous"
    assert context["domainName"].endswith(".lambda-url.us-east-1.on.aws")


def test_cloudformation_stringifies_properties() -> None:
    """CloudFormation passes numbers and booleans as strings, and repeats the ServiceToken."""
    event = events.cloudformation_custom_resource("Create", {"n": 1, "b": True, "l": [2]})
    props = event["ResourceProperties"]
    assert props == {"ServiceToken": event["ServiceToken"], "n": "1", "b": "true", "l": ["2"]}


def test_kafka_records_keyed_by_topic_partition() -> None:
    """Kafka records are grouped under '<topic>-<partition>' with byte-list headers."""
    event = events.kafka_event(["a", "b"], topic="t", partition=2, headers={"h": "v"})
    [records] = event["records"].values()
    assert list(event["records"]) == ["t-2"]
    assert [r["offset"] for r in records] == [0, 1]
    assert records[0]["headers"] == [{"h": [118]}]
    assert isinstance(event["bootstrapServers"], str)


def test_kafka_timestamps_rise_with_the_offset() -> None:
    """Within a partition a later offset was written later (log order)."""
    for seed in range(5):
        event = events.EventFactory(seed=seed).kafka_event([str(i) for i in range(20)])
        [records] = event["records"].values()
        stamps = [r["timestamp"] for r in records]
        assert stamps == sorted(stamps), seed


@pytest.mark.parametrize("entry", CATALOG, ids=[f"{e.service} {e.event}" for e in CATALOG])
def test_no_timestamp_after_delivery(entry: Entry) -> None:
    """No catalog event, built with a fixed clock, carries a time later than that clock."""
    for seed in range(5):
        factory = events.EventFactory(seed=seed, now=NOW)
        checks.check_not_after(getattr(factory, entry.factory)(**dict(entry.fixed)), NOW)
