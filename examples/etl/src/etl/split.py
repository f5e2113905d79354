"""S3 CSV drop -> one SQS message per row (sent in batches of ten)."""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")
sqs = boto3.client("sqs")


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    sent = 0
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        for start in range(0, len(rows), 10):
            entries = [{"Id": str(i), "MessageBody": json.dumps({"file": key, "row": row})}
                       for i, row in enumerate(rows[start:start + 10])]
            response = sqs.send_message_batch(QueueUrl=os.environ["ROWS_QUEUE_URL"],
                                              Entries=entries)
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused rows of {key}: {response['Failed']}")
            sent += len(entries)
        print(f"split s3://{bucket}/{key}: {len(rows)} rows")
    return {"rows": sent}
