"""The SQS poller's receives on moto: the retention check it swaps in keeps moto's answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.sources import create_event_source_mapping

if TYPE_CHECKING:
    from conftest import CodeWriter

REGION = "us-east-1"
ACCOUNT = "123456789012"
APP = """
def bodies(event, context):
    return [r["body"] for r in event["Records"]]
"""


@pytest.fixture
def sqs(share_boto_models: Callable[[], None]) -> Iterator[Any]:
    """A boto3 SQS client inside an active moto mock."""
    pytest.importorskip("moto")
    from pytest_lambda.service.aws import MockedAws

    with MockedAws(REGION) as aws:
        share_boto_models()
        yield aws.client("sqs")


@pytest.fixture
def fn(code: CodeWriter) -> Iterator[LambdaFunction]:
    """A function returning the bodies of the batch it gets."""
    function = LambdaFunction("app.bodies", code_dir=code(app=APP))
    yield function
    function.close()


def _backend() -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[ACCOUNT][REGION]


def _fill(sqs: Any, name: str, count: int, **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    fifo = name.endswith(".fifo")
    for start in range(0, count, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": f"m{i}",
             **({"MessageGroupId": "g", "MessageDeduplicationId": f"d{i}"} if fifo else {})}
            for i in range(start, min(start + 10, count))])
    return url, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def test_messages_past_retention_are_still_not_delivered(sqs: Any, fn: LambdaFunction) -> None:
    """A message older than the queue's MessageRetentionPeriod is dropped as moto drops it."""
    _, arn = _fill(sqs, "jobs", 3, MessageRetentionPeriod="60")
    queue = _backend().get_queue("jobs")
    queue._messages[-1].sent_timestamp -= 120_000  # sent two minutes ago, kept for one
    results = create_event_source_mapping(fn, arn).drain()
    # moto stops a receive at an expired message: the two before it are delivered.
    assert [body for r in results for body in r.payload] == ["m0", "m1"]


def test_fifo_order_holds_over_a_long_queue(sqs: Any, fn: LambdaFunction) -> None:
    """120 messages of one FIFO group arrive in order, ten per batch, each exactly once.

    (Filling a FIFO queue costs moto O(n^2): 250 messages took 4 s to send.)"""
    _, arn = _fill(sqs, "jobs.fifo", 120, FifoQueue="true")
    results = create_event_source_mapping(fn, arn).drain()
    assert [len(r.payload) for r in results] == [10] * 12
    assert [body for r in results for body in r.payload] == [f"m{i}" for i in range(120)]


def test_the_backend_is_left_as_it_was(sqs: Any, fn: LambdaFunction) -> None:
    """After a drain, moto's backend answers with its own retention check again."""
    _, arn = _fill(sqs, "jobs", 12)
    backend = _backend()
    assert len(create_event_source_mapping(fn, arn).drain()) == 2
    assert "is_message_valid_based_on_retention_period" not in vars(backend)
