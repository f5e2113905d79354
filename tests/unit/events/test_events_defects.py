"""Issue #17's defect list: each item as a test that failed before its fix."""

from __future__ import annotations

import datetime as dt
import pathlib
import random
from collections.abc import Callable
from typing import Any

import event_checks as checks
import pytest

from pytest_lambda import events

NOW = dt.datetime(2024, 3, 4, 19, 15, 17, 123000, tzinfo=dt.UTC)
# Every notification type in the S3 user guide's "Supported event types" list, without "s3:".
S3_EVENT_NAMES = (
    "ObjectCreated:Put",
    "ObjectCreated:Post",
    "ObjectCreated:Copy",
    "ObjectCreated:CompleteMultipartUpload",
    "ObjectRemoved:Delete",
    "ObjectRemoved:DeleteMarkerCreated",
    "ObjectRestore:Post",
    "ObjectRestore:Completed",
    "ObjectRestore:Delete",
    "ReducedRedundancyLostObject",
    "Replication:OperationFailedReplication",
    "Replication:OperationMissedThreshold",
    "Replication:OperationReplicatedAfterThreshold",
    "Replication:OperationNotTracked",
    "LifecycleExpiration:Delete",
    "LifecycleExpiration:DeleteMarkerCreated",
    "LifecycleTransition",
    "IntelligentTiering",
    "ObjectTagging:Put",
    "ObjectTagging:Delete",
    "ObjectAcl:Put",
)
DOC = pathlib.Path(__file__).parents[3] / "docs" / "events.md"


@pytest.mark.parametrize(
    "name",
    [
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
    ],
)
def test_rest_request_authorizer_sends_empty_maps(name: str) -> None:
    """A REQUEST authorizer event without query/path/stage values carries {} there, not null."""
    assert events.apigateway_authorizer_request("GET", "/x")[name] == {}


def test_rest_request_authorizer_has_no_version() -> None:
    """REST REQUEST authorizer events carry no top-level version key."""
    assert "version" not in events.apigateway_authorizer_request()


def test_rest_proxy_event_has_no_version() -> None:
    """REST API proxy events carry no top-level version key (that is HTTP API payload 1.0)."""
    assert "version" not in events.apigateway_rest()


def test_http_api_named_stage_is_in_raw_path() -> None:
    """On a named stage, rawPath and requestContext.http.path start with the stage."""
    event = events.http_api("GET", "/me", stage="prod")
    assert event["rawPath"] == "/prod/me"
    assert event["requestContext"]["http"]["path"] == "/prod/me"
    assert events.http_api("GET", "/me")["rawPath"] == "/me"


def test_http_api_authorizer_named_stage_is_in_raw_path() -> None:
    """The HTTP API authorizer event also carries the stage in its paths, once in routeArn."""
    event = events.http_api_authorizer("GET", "/me", stage="prod")
    assert event["rawPath"] == "/prod/me"
    assert event["requestContext"]["http"]["path"] == "/prod/me"
    assert event["routeArn"].endswith("/prod/GET/me")


def test_s3_event_lifecycle_transition_has_storage_class() -> None:
    """s3_event(event_name='LifecycleTransition') names the destination storage class."""
    record = events.s3_event("bkt", "k", event_name="LifecycleTransition")["Records"][0]
    assert record["lifecycleEventData"]["transitionEventData"]["destinationStorageClass"]


def test_sqs_fifo_sequence_numbers_increase_in_group() -> None:
    """Within a FIFO message group, SequenceNumber increases in batch order."""
    for seed in range(30):
        batch = events.sqs_batch(["m"] * 10, fifo=True, rng=random.Random(seed), now=NOW)
        numbers = [int(r["attributes"]["SequenceNumber"]) for r in batch["Records"]]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


@pytest.mark.parametrize("fifo", [False, True])
def test_sqs_sent_timestamps_follow_send_order(fifo: bool) -> None:
    """SentTimestamp never decreases along the batch."""
    for seed in range(30):
        batch = events.sqs_batch(["m"] * 10, fifo=fifo, rng=random.Random(seed), now=NOW)
        sent = [int(r["attributes"]["SentTimestamp"]) for r in batch["Records"]]
        assert sent == sorted(sent)


LATEST: list[tuple[str, Callable[[int], Any]]] = [
    ("sqs", lambda s: events.sqs_batch(["a"] * 10, rng=random.Random(s), now=NOW)),
    ("sqs fifo", lambda s: events.sqs_batch(["a"] * 10, fifo=True, rng=random.Random(s), now=NOW)),
    ("s3 batch", lambda s: events.s3_batch("bkt", ["a"] * 20, rng=random.Random(s), now=NOW)),
    (
        "dynamodb batch",
        lambda s: events.dynamodb_batch(
            [{"event_name": "INSERT", "keys": {"pk": str(i)}} for i in range(100)],
            rng=random.Random(s),
            now=NOW,
        ),
    ),
]


@pytest.mark.parametrize("build", [b[1] for b in LATEST], ids=[b[0] for b in LATEST])
def test_nothing_in_a_batch_is_later_than_delivery(build: Callable[[int], Any]) -> None:
    """Every timestamp in the event is at or before the delivery time `now`."""
    for seed in range(20):
        checks.check_not_after(build(seed), NOW)


def test_sns_fifo_topic_is_rejected() -> None:
    """SNS FIFO topics deliver only to SQS, so a FIFO topic for Lambda is an error."""
    with pytest.raises(events.EventError, match="only SQS"):
        events.sns_notification(topic="orders.fifo")


@pytest.mark.parametrize("name", S3_EVENT_NAMES)
def test_s3_event_accepts_every_notification_type(name: str) -> None:
    """Each S3 notification type builds, with the type-specific block S3 sends for it."""
    event = events.s3_event("bkt", "a b", event_name=name, now=NOW)
    checks.check_s3(event)
    record = event["Records"][0]
    assert record["eventName"] == name


@pytest.mark.parametrize(
    ("name", "block"),
    [
        ("ObjectRestore:Completed", "glacierEventData"),
        ("IntelligentTiering", "intelligentTieringEventData"),
        ("Replication:OperationFailedReplication", "replicationEventData"),
        ("Replication:OperationMissedThreshold", "replicationEventData"),
        ("LifecycleTransition", "lifecycleEventData"),
    ],
)
def test_s3_type_specific_blocks(name: str, block: str) -> None:
    """Restore, tiering, replication and transition events carry their own data block."""
    assert block in events.s3_event("bkt", "k", event_name=name)["Records"][0]


WRONG_TYPES: list[tuple[str, Callable[[], Any], str]] = [
    ("s3_put bucket int", lambda: events.s3_put(123, "k"), "bucket=123"),  # type: ignore[arg-type]
    ("kinesis partition_key", lambda: events.kinesis_record(partition_key=5), "partition_key=5"),
    ("dynamodb keys str", lambda: events.dynamodb_insert("pk"), "keys='pk'"),  # type: ignore[arg-type]
    ("s3_put now str", lambda: events.s3_put("bkt", "k", now="2024-01-01"), "now='2024-01-01'"),
    ("sqs region int", lambda: events.sqs_message(region=5), "region=5"),
    (
        "sqs account int",
        lambda: events.sqs_message(account_id=123456789012),
        "account_id=123456789012",
    ),
    ("sqs_batch str", lambda: events.sqs_batch("abc"), "bodies='abc'"),
    ("s3_batch str", lambda: events.s3_batch("b-1", "abc"), "keys='abc'"),
    ("kafka_event str", lambda: events.kafka_event("abc"), "values='abc'"),
]


@pytest.mark.parametrize(
    ("call", "fragment"), [w[1:] for w in WRONG_TYPES], ids=[w[0] for w in WRONG_TYPES]
)
def test_wrong_argument_types_raise_event_error(call: Callable[[], Any], fragment: str) -> None:
    """Wrong types raise EventError naming the argument, never a raw TypeError/AttributeError."""
    with pytest.raises(events.EventError) as info:
        call()
    assert fragment in str(info.value) and "expected" in str(info.value)


def test_dynamodb_batch_docs_show_change_dicts() -> None:
    """docs/events.md says dynamodb_batch takes change dicts and shows one."""
    text = DOC.read_text(encoding="utf-8")
    assert 'events.dynamodb_batch([{"event_name": "INSERT", "keys":' in text
    assert "change dicts" in text
    block = next(b for b in text.split("```python")[1:] if "dynamodb_batch(" in b)
    scope: dict[str, Any] = {"events": events}
    exec(block.split("```")[0], scope)  # our own doc's example
    assert [r["eventName"] for r in scope["batch"]["Records"]] == ["INSERT", "MODIFY", "REMOVE"]
