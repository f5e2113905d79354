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
    """60 messages of one FIFO group arrive in order, ten per batch, each exactly once.

    (Filling a FIFO queue costs moto O(n^2): 120 messages took 2 s to send, 250 took 4 s.)"""
    _, arn = _fill(sqs, "jobs.fifo", 60, FifoQueue="true")
    results = create_event_source_mapping(fn, arn).drain()
    assert [len(r.payload) for r in results] == [10] * 6
    assert [body for r in results for body in r.payload] == [f"m{i}" for i in range(60)]


def test_the_backend_is_left_as_it_was(sqs: Any, fn: LambdaFunction) -> None:
    """After a drain, moto's backend answers with its own retention check again."""
    _, arn = _fill(sqs, "jobs", 12)
    backend = _backend()
    assert len(create_event_source_mapping(fn, arn).drain()) == 2
    assert "is_message_valid_based_on_retention_period" not in vars(backend)
    import moto.core.utils
    import moto.sqs.models

    assert moto.sqs.models.unix_time_millis is moto.core.utils.unix_time_millis


def test_the_quick_clock_is_moto_s_clock(sqs: Any, fn: LambdaFunction) -> None:
    """During a drain moto reads the time the quick way: the same milliseconds, frozen under
    freezegun as moto's own are, so a delayed message is not delivered before its time."""
    import freezegun
    import moto.core.utils

    from pytest_lambda.sources.sqs import _quick_clock

    with _quick_clock():
        import moto.sqs.models

        quick = moto.sqs.models.unix_time_millis
        assert quick is not moto.core.utils.unix_time_millis
        assert abs(quick() - moto.core.utils.unix_time_millis()) < 5
        with freezegun.freeze_time("2024-05-01 12:00:00"):
            assert quick() == moto.core.utils.unix_time_millis() == 1714564800000.0
    url, arn = _fill(sqs, "later", 0)
    with freezegun.freeze_time("2024-05-01 12:00:00"):
        sqs.send_message(QueueUrl=url, MessageBody="now")
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        results = create_event_source_mapping(fn, arn).drain()
    assert [body for r in results for body in r.payload] == ["now"]


FAILING = "def handler(event, context):\n    raise ValueError('poison')\n"


def test_retention_runs_on_the_virtual_clock(sqs: Any, code: CodeWriter) -> None:
    """A message that keeps failing is retried once per visibility timeout until its retention
    period has passed on the virtual clock, then SQS has deleted it: 6 attempts for 60 s at
    10 s, without waiting 60 wall seconds (before, the drain retried it thousands of times)."""
    url, arn = _fill(sqs, "expiring", 0, MessageRetentionPeriod="60", VisibilityTimeout="10")
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    with LambdaFunction("app.handler", code_dir=code(app=FAILING), timeout=10) as fn:
        results = create_event_source_mapping(fn, arn).drain()
    assert [r.function_error for r in results] == ["Unhandled"] * 6
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []


def test_drain_limit_gives_the_sqs_remedies(sqs: Any, code: CodeWriter) -> None:
    """The drain limit's error names what stops an SQS retry loop (a DLQ, a shorter
    retention), not the stream-only settings."""
    url, arn = _fill(sqs, "looping", 0, VisibilityTimeout="10")
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    with LambdaFunction("app.handler", code_dir=code(app=FAILING), timeout=10) as fn, \
            pytest.raises(RuntimeError, match=r"RedrivePolicy \(maxReceiveCount\)") as error:
        create_event_source_mapping(fn, arn).drain(max_invocations=5)
    assert "maximum_retry_attempts" not in str(error.value)


def test_fifo_records_always_carry_a_sequence_number(sqs: Any, code: CodeWriter) -> None:
    """With content-based deduplication (no deduplication id sent) moto gives no
    SequenceNumber; SQS numbers every FIFO message, so the record has one, rising in order
    and kept for a retry."""
    handler = ("def handler(event, context):\n"
               "    return [r['attributes']['SequenceNumber'] for r in event['Records']]\n")
    url = sqs.create_queue(QueueName="jobs.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    with LambdaFunction("app.handler", code_dir=code(app=handler)) as fn:
        [result] = create_event_source_mapping(
            fn, f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs.fifo").drain()
    numbers = [int(n) for n in result.payload]
    assert len(numbers) == 3 and numbers == sorted(set(numbers)) and numbers[0] > 10**19
