"""The SQS worker and its partial batch responses."""

from __future__ import annotations

import json
from typing import Any

from conftest import put_orders

from pytest_lambda import LambdaFunction, events


def test_good_messages_update_orders(lambda_app: Any, table: Any) -> None:
    """Status messages sent to the template's queue are applied: no batch item failures."""
    ids = put_orders(table, "PENDING", "PENDING")
    sqs = lambda_app.client("sqs")
    for order_id in ids:
        sqs.send_message(QueueUrl=lambda_app.resources["StatusQueue"].physical_id,
                         MessageBody=json.dumps({"order_id": order_id, "status": "PAID"}))

    [r] = lambda_app.drain()

    assert r.payload == {"batchItemFailures": []}
    assert [table.get_item(Key={"order_id": i})["Item"]["status"] for i in ids] == ["PAID"] * 2
    assert r.cold_start


def test_a_bad_message_ends_in_the_dead_letter_queue(lambda_app: Any, table: Any) -> None:
    """A message that always fails is received three times, then SQS moves it to the DLQ."""
    sqs = lambda_app.client("sqs")
    sqs.send_message(QueueUrl=lambda_app.resources["StatusQueue"].physical_id,
                     MessageBody=json.dumps({"order_id": "o-x", "status": "LOST"}))

    results = lambda_app.drain()

    assert len(results) == 3
    dlq = lambda_app.resources["StatusDLQ"].physical_id
    [dead] = sqs.receive_message(QueueUrl=dlq)["Messages"]
    assert json.loads(dead["Body"])["status"] == "LOST"


def test_bad_messages_are_reported_as_batch_item_failures(worker: LambdaFunction, table: Any,
                                                          lambda_logs: Any) -> None:
    """Bad JSON, an unknown status and an unknown order fail alone; the rest succeeds."""
    (order_id,) = put_orders(table, "PENDING")
    event = events.sqs_batch([
        json.dumps({"order_id": order_id, "status": "SHIPPED"}),
        "not json",
        json.dumps({"order_id": order_id, "status": "LOST"}),
        json.dumps({"order_id": "o-missing", "status": "PAID"}),
    ])
    ids = [record["messageId"] for record in event["Records"]]

    r = worker.invoke(event)

    assert r.ok
    assert r.payload == events.partial_batch_response(ids[1:])
    assert table.get_item(Key={"order_id": order_id})["Item"]["status"] == "SHIPPED"
    lambda_logs.assert_contains("processed 4 messages, 3 failed")
    lambda_logs.assert_contains("unknown status 'LOST'")
    assert len(lambda_logs.filter("[ERROR]")) == 3


def test_second_batch_runs_warm(worker: LambdaFunction, table: Any) -> None:
    """Two batches in a row: one cold start, then the environment is reused."""
    (order_id,) = put_orders(table, "PENDING")
    batch = events.sqs_message(json.dumps({"order_id": order_id, "status": "PAID"}))

    first, second = worker.invoke(batch), worker.invoke(batch)

    assert (first.cold_start, second.cold_start) == (True, False)
    assert first.report is not None and first.report.init_duration_ms is not None
    assert second.report is not None and second.report.init_duration_ms is None
