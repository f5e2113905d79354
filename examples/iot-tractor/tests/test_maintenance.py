"""Sensor readings as the IoT rule delivers them; the dealer's API mocked with ``responses``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

PARTS = "https://parts.dealer.example/api/orders"


@pytest.fixture
def dealer() -> Iterator[responses.RequestsMock]:
    """The dealer's parts API, mocked at the HTTP layer (no network)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def farmer_inbox(lambda_app: Any) -> Callable[[], list[Any]]:
    """An SQS queue subscribed to the farmer topic: call it to read the notifications."""
    sqs, sns = lambda_app.client("sqs"), lambda_app.client("sns")
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=lambda_app.resources["FarmerTopic"].physical_id, Protocol="sqs",
                  Endpoint=arn["Attributes"]["QueueArn"],
                  Attributes={"RawMessageDelivery": "true"})

    def read() -> list[Any]:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in messages.get("Messages", [])]

    return read


def test_worn_parts_are_ordered_and_the_farmer_told(
        lambda_app: Any, dealer: responses.RequestsMock,
        farmer_inbox: Callable[[], list[Any]]) -> None:
    """High vibration and overdue service: two parts ordered, one notification."""
    dealer.post(PARTS, json={"order_id": "ord-17"}, status=201)

    # The tractor publishes to its topic; the IoT rule selects the message and adds
    # topic(2) AS tractor_id, then invokes the function asynchronously.
    [result] = lambda_app.publish_iot("tractors/T-800/telemetry", {
        "vibration_mm_s": 14.2, "engine_hours_since_service": 612})

    assert result.invocation_type == "Event"
    assert result.payload == {"tractor": "T-800", "order": "ord-17",
                              "ordered": ["oil-filter-kit", "drive-shaft-bearing"]}
    sent = json.loads(dealer.calls[0].request.body)
    assert sent == {"tractor": "T-800", "parts": ["oil-filter-kit", "drive-shaft-bearing"],
                    "request": result.request_id}
    assert farmer_inbox() == [{"tractor": "T-800", "order": "ord-17",
                               "parts": ["oil-filter-kit", "drive-shaft-bearing"]}]


def test_healthy_readings_order_nothing(lambda_app: Any,
                                        dealer: responses.RequestsMock) -> None:
    """Readings under every threshold: no call to the dealer; other topics reach no rule."""
    results = lambda_app.publish_iot("tractors/T-1/telemetry", {"vibration_mm_s": 3})
    assert [r.payload for r in results] == [{"tractor": "T-1", "ordered": []}]
    assert lambda_app.publish_iot("tractors/T-1/status", {"vibration_mm_s": 30}) == []
    assert len(dealer.calls) == 0


def test_dealer_outage_is_retried_then_sent_to_the_failure_queue(
        lambda_app: Any, dealer: responses.RequestsMock) -> None:
    """The dealer answers 503: three attempts (two retries, about 1 and 2 minutes apart on the
    virtual clock), then the invocation record lands in the on-failure queue."""
    dealer.post(PARTS, status=503)

    attempts = lambda_app.publish_iot("tractors/T-2/telemetry", {"hydraulic_temp_c": 97})

    assert [r.error["errorType"] for r in attempts if r.error] == ["HTTPError"] * 3
    assert attempts[2].virtual_time - attempts[0].virtual_time == pytest.approx(180, abs=2)
    sqs = lambda_app.client("sqs")
    queue = lambda_app.resources["FailedOrdersQueue"].physical_id
    [message] = sqs.receive_message(QueueUrl=queue)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"hydraulic_temp_c": 97, "tractor_id": "T-2"}
    assert record["responsePayload"]["errorType"] == "HTTPError"
