"""The morning report, with time-machine deciding what "last night" is."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from pytest_lambda.observe.cost import cost_of_report


@pytest.fixture
def reports(lambda_app: Any) -> Callable[[], list[Any]]:
    """The reports published to the topic, read through an SQS subscription."""
    sqs, sns = lambda_app.client("sqs"), lambda_app.client("sns")
    url = sqs.create_queue(QueueName="reports")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=lambda_app.resources["ReportTopic"].physical_id, Protocol="sqs",
                  Endpoint=arn["Attributes"]["QueueArn"])

    def read() -> list[Any]:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in messages.get("Messages", [])]

    return read


def backup(lambda_app: Any, database: str, day: str, body: bytes = b"dump") -> None:
    lambda_app.client("s3").put_object(Bucket="nightly-backups",
                                       Key=f"backups/{database}/{day}.dump", Body=body)


@time_machine.travel("2026-03-02 06:00:00+00:00", tick=False)
def test_morning_report_lists_the_failed_backups(
        lambda_app: Any, reports: Callable[[], list[Any]]) -> None:
    """At 06:00 the daily cron schedule reports on the night before: one missing, one empty."""
    backup(lambda_app, "orders", "2026-03-01")
    backup(lambda_app, "customers", "2026-03-01", body=b"")
    backup(lambda_app, "billing", "2026-02-28")  # the night before last: does not count

    [result] = lambda_app.run_schedule("daily-backup-report")

    assert result.payload == {"day": "2026-03-01", "failed": ["billing", "customers"]}
    [message] = reports()
    assert message["Subject"] == "Backups 2026-03-01: 2 FAILED"
    assert json.loads(message["Message"])["status"] == {
        "orders": "ok", "customers": "empty", "billing": "missing"}


@time_machine.travel("2026-03-02 06:00:00+00:00", tick=False)
def test_hourly_check_runs_on_the_virtual_clock(lambda_app: Any,
                                               reports: Callable[[], list[Any]]) -> None:
    """The rate(1 hour) schedule runs with its Input, every hour of virtual time, and
    publishes nothing; a month of it costs cents -- printed for the README."""
    for database in ("orders", "customers", "billing"):
        backup(lambda_app, database, "2026-03-01")

    results = lambda_app.advance(3 * 3600)

    assert [r.payload for r in results] == [{"day": "2026-03-01", "failed": []}] * 3
    assert reports() == []
    per_run = [cost_of_report(r.report) for r in results if r.report]
    monthly = sum((c.total for c in per_run), Decimal()) / len(per_run) * (24 * 30 + 30)
    print(f"\nestimated monthly cost (720 hourly checks + 30 reports): ${monthly:.6f}")
    assert monthly < Decimal("0.05")
