"""Kinesis batch of posts -> hashtag counts added up in DynamoDB, with EMF metrics.

A record that is not a valid post is reported as a batch item failure, so Kinesis retries
from it (and, with BisectBatchOnFunctionError, splits the batch) until it goes to the
on-failure destination; the valid posts before it are counted exactly once.
"""

from __future__ import annotations

import base64
import json
import os
from collections import Counter
from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

metrics = Metrics()
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def parse(record: dict[str, Any]) -> list[str]:
    """The post's hashtags, lower-cased; ``ValueError`` for a record that is not a post."""
    post = json.loads(base64.b64decode(record["kinesis"]["data"]))
    tags = post["hashtags"]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError("hashtags must be a list of strings")
    return [t.lower().lstrip("#") for t in tags]


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for record in event["Records"]:
        try:
            counts.update(parse(record))
        except (ValueError, KeyError, TypeError):
            # Report the first bad record: Kinesis retries from its sequence number.
            failure = record["kinesis"]["sequenceNumber"]
            break
    else:
        failure = None
    for tag, count in counts.items():
        table.update_item(Key={"tag": tag}, UpdateExpression="ADD posts :n",
                          ExpressionAttributeValues={":n": count})
    metrics.add_metric(name="HashtagsCounted", unit=MetricUnit.Count, value=sum(counts.values()))
    metrics.add_metric(name="PostsRejected", unit=MetricUnit.Count, value=int(bool(failure)))
    return {"batchItemFailures": [{"itemIdentifier": failure}] if failure else []}
