"""Scheduled: list last night's backups in S3 and publish a report to SNS.

Each database writes ``backups/<database>/<YYYY-MM-DD>.dump`` every night; a database whose
backup of the previous day is missing or empty is reported as failed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import boto3

s3 = boto3.client("s3")
sns = boto3.client("sns")


def check(day: dt.date) -> dict[str, str]:
    """``{database: "ok" | "missing" | "empty"}`` for the backups of ``day``."""
    status = {}
    for database in os.environ["DATABASES"].split(","):
        key = f"backups/{database}/{day.isoformat()}.dump"
        found = s3.list_objects_v2(Bucket=os.environ["BUCKET"], Prefix=key).get("Contents", [])
        status[database] = "missing" if not found else "empty" if found[0]["Size"] == 0 else "ok"
    return status


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The schedule's event carries the time it fired; Input replaces it for the hourly check.
    fired = dt.datetime.fromisoformat(event["time"].replace("Z", "+00:00")) if "time" in event \
        else dt.datetime.now(dt.UTC)
    day = fired.date() - dt.timedelta(days=1)
    status = check(day)
    failed = sorted(db for db, state in status.items() if state != "ok")
    if event.get("check_only"):
        return {"day": day.isoformat(), "failed": failed}
    subject = f"Backups {day.isoformat()}: " + (f"{len(failed)} FAILED" if failed else "all ok")
    sns.publish(TopicArn=os.environ["TOPIC_ARN"], Subject=subject,
                Message=json.dumps({"day": day.isoformat(), "status": status}))
    print(subject)
    return {"day": day.isoformat(), "failed": failed}
