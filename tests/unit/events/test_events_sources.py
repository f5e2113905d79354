"""Round-2 sources: each validates against its Powertools model/data class and our realism rules."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Callable
from typing import Any

import event_checks as checks
import event_checks_sources as more
import powertools_oracle
import pytest

from pytest_lambda import events
from pytest_lambda.events.s3_eventbridge import S3_EVENTBRIDGE_TYPES

models = powertools_oracle.load_models()
NOW = dt.datetime(2024, 3, 4, 19, 15, 17, 123000, tzinfo=dt.UTC)
Check = Callable[[dict[str, Any]], None]


def _r() -> random.Random:
    return random.Random(7)


def _data_class(module: str, name: str) -> Callable[[dict[str, Any]], Any]:
    found = pytest.importorskip(f"aws_lambda_powertools.utilities.data_classes.{module}")
    return getattr(found, name)  # type: ignore[no-any-return]


# (id, build, Powertools parser model or None, realism check)
CASES: list[tuple[str, Callable[[], Any], str | None, Check]] = [
    (
        "lattice v2",
        lambda: events.vpc_lattice_request(),
        "VpcLatticeV2Model",
        more.check_vpc_lattice,
    ),
    (
        "lattice v2 iam body",
        lambda: events.vpc_lattice_request(
            "POST",
            "/orders",
            query={"a": ["1", "2"]},
            headers={"X-A": ["1", "2"]},
            body={"k": 1},
            auth_type="AWS_IAM",
            region="eu-west-1",
        ),
        "VpcLatticeV2Model",
        more.check_vpc_lattice,
    ),
    (
        "lattice v1",
        lambda: events.vpc_lattice_request("PUT", "/x", version="1.0", body=b"\x00\x01"),
        "VpcLatticeModel",
        more.check_vpc_lattice,
    ),
    (
        "object lambda",
        lambda: events.s3_object_lambda(),
        "S3ObjectLambdaEvent",
        more.check_s3_object_lambda,
    ),
    (
        "object lambda key",
        lambda: events.s3_object_lambda(
            "a b/ü.txt", payload='{"mask": true}', region="ap-southeast-2"
        ),
        "S3ObjectLambdaEvent",
        more.check_s3_object_lambda,
    ),
    (
        "activemq",
        lambda: events.activemq_event(["a", b"\xff", {"x": 1}], properties={"p": "1"}),
        None,
        more.check_activemq,
    ),
    (
        "rabbitmq",
        lambda: events.rabbitmq_event(["a", b"\xff"], headers={"h": "v", "n": 3}),
        None,
        more.check_rabbitmq,
    ),
    (
        "docdb insert",
        lambda: events.documentdb_change_event([{"a": 1}, {"b": 2}]),
        None,
        more.check_documentdb,
    ),
    (
        "docdb update",
        lambda: events.documentdb_change_event(
            [{"_id": "k", "a": 1}], operation="update", removed_fields=["z"]
        ),
        None,
        more.check_documentdb,
    ),
    (
        "docdb delete",
        lambda: events.documentdb_change_event(operation="delete"),
        None,
        more.check_documentdb,
    ),
    (
        "kinesis ddb",
        lambda: events.kinesis_dynamodb_batch(
            [
                {"event_name": "INSERT", "keys": {"pk": "a"}, "new_image": {"n": 1}},
                {
                    "event_name": "MODIFY",
                    "keys": {"pk": "a"},
                    "old_image": {"n": 1},
                    "new_image": {"n": 2},
                },
                {"event_name": "REMOVE", "keys": {"pk": "b"}, "ttl": True},
            ],
            precision="MILLISECOND",
        ),
        "KinesisDataStreamModel",
        more.check_kinesis_dynamodb,
    ),
    (
        "kinesis ddb one",
        lambda: events.kinesis_dynamodb_record(),
        "KinesisDataStreamModel",
        more.check_kinesis_dynamodb,
    ),
]
for _kind in S3_EVENTBRIDGE_TYPES:
    CASES.append(
        (
            f"s3 eventbridge {_kind}",
            lambda k=_kind: events.s3_eventbridge_event(k, "bkt", "a/b.txt", 5, rng=_r(), now=NOW),
            "S3EventNotificationEventBridgeModel",
            more.check_s3_eventbridge,
        )
    )


@pytest.mark.parametrize(
    ("build", "model", "check"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_source_validates_and_is_realistic(
    build: Callable[[], Any], model: str | None, check: Check
) -> None:
    """The event is JSON-ready, accepted by its Powertools model, and passes our realism rules."""
    event = build()
    assert json.loads(json.dumps(event)) == event
    if model is not None:
        getattr(models, model).model_validate(event)
    check(event)


def test_activemq_reads_through_powertools_data_class() -> None:
    """Powertools' ActiveMQEvent decodes our bodies and reads the queue name."""
    view = _data_class("active_mq_event", "ActiveMQEvent")(
        events.activemq_event(["a", {"x": 1}], queue="q1")
    )
    assert [m.decoded_data for m in view.messages] == ["a", '{"x":1}']
    assert view.message.destination_physicalname == "q1"


def test_rabbitmq_reads_through_powertools_data_class() -> None:
    """Powertools' RabbitMQEvent groups our messages by queue and decodes them."""
    event = events.rabbitmq_event(["hi"], queue="q1", virtual_host="vh", headers={"h": "v"})
    view = _data_class("rabbit_mq_event", "RabbitMQEvent")(event)
    [(queue, [message])] = view.rmq_messages_by_queue.items()
    assert queue == "q1::vh" and message.decoded_data == "hi"
    assert message.basic_properties.headers == {"h": {"bytes": [118]}}


def test_kinesis_dynamodb_changes_decode_to_plain_values() -> None:
    """The record data unmarshals back to the item the caller described."""
    event = events.kinesis_dynamodb_record(
        "MODIFY", {"pk": "a"}, old_image={"n": 1}, new_image={"n": 2}
    )
    data = events.decode_kinesis_json(event["Records"][0])
    assert events.unmarshal_image(data["dynamodb"]["NewImage"]) == {"pk": "a", "n": 2}
    assert events.unmarshal_image(data["dynamodb"]["OldImage"]) == {"pk": "a", "n": 1}


def test_kinesis_dynamodb_precision_sets_the_time_unit() -> None:
    """MICROSECOND precision gives epoch µs, MILLISECOND epoch ms, both at or before `now`."""

    def stamp(precision: str) -> int:
        event = events.kinesis_dynamodb_record(precision=precision, now=NOW, rng=_r())
        return int(
            events.decode_kinesis_json(event["Records"][0])["dynamodb"][
                "ApproximateCreationDateTime"
            ]
        )

    micros, millis = stamp("MICROSECOND"), stamp("MILLISECOND")
    assert micros // 1000 == millis and millis <= int(NOW.timestamp() * 1000)


def test_lattice_v2_time_epoch_is_the_delivery_time() -> None:
    """timeEpoch is `now` in epoch microseconds."""
    context = events.vpc_lattice_request(now=NOW, rng=_r())["requestContext"]
    assert int(context["timeEpoch"]) == int(NOW.timestamp()) * 10**6 + NOW.microsecond


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: events.vpc_lattice_request(version="3.0"), "version"),
        (lambda: events.vpc_lattice_request(principal="arn:aws:iam::1:role/x"), "principal"),
        (lambda: events.vpc_lattice_request(service="Bad_Name"), "service"),
        (lambda: events.s3_object_lambda(access_point="AP"), "access_point"),
        (lambda: events.s3_eventbridge_event("Object Put"), "detail_type"),
        (lambda: events.s3_eventbridge_event("Object Tags Added", reason="PutObject"), "reason"),
        (
            lambda: events.s3_eventbridge_event("Object Created", storage_class="GLACIER"),
            "storage_class",
        ),
        (lambda: events.rabbitmq_event(queue="a::b"), "queue"),
        (lambda: events.rabbitmq_event(headers={"h": [1]}), "headers['h']"),
        (lambda: events.activemq_event(properties={"p": 1}), "properties['p']"),
        (lambda: events.documentdb_change_event(operation="upsert"), "operation"),
        (lambda: events.documentdb_change_event(updated_fields={"a": 1}), "updated_fields"),
        (lambda: events.documentdb_change_event(database="a.b"), "database"),
        (lambda: events.kinesis_dynamodb_record("INSERT", old_image={"a": 1}), "old_image"),
        (lambda: events.kinesis_dynamodb_record("MODIFY", ttl=True), "ttl"),
        (
            lambda: events.kinesis_dynamodb_batch(
                [{"event_name": "INSERT", "keys": {"pk": "a"}, "x": 1}]
            ),
            "changes[0]",
        ),
        (lambda: events.kinesis_dynamodb_record(precision="SECOND"), "precision"),
    ],
)
def test_impossible_input_names_the_argument(call: Callable[[], Any], argument: str) -> None:
    """Input AWS could not send raises EventError naming the argument."""
    with pytest.raises(events.EventError, match=rf"^{re.escape(argument)}"):
        call()


def test_sources_never_date_events_after_delivery() -> None:
    """No timestamp in any round-2 event is later than the clock that built it."""
    names = (
        "vpc_lattice_request",
        "activemq_event",
        "rabbitmq_event",
        "documentdb_change_event",
        "kinesis_dynamodb_record",
        "s3_eventbridge_event",
        "s3_object_lambda",
    )
    for seed in range(5):
        for name in names:
            checks.check_not_after(getattr(events.EventFactory(seed=seed, now=NOW), name)(), NOW)
