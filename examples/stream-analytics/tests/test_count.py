"""Posts written to the Kinesis stream are counted per hashtag; a bad post is set aside."""

from __future__ import annotations

import json
from typing import Any


def put_posts(lambda_app: Any, posts: list[Any]) -> None:
    """Write posts to the stream as a producer would (bytes that are not JSON stay bytes)."""
    kinesis = lambda_app.client("kinesis")
    kinesis.put_records(StreamName="posts", Records=[
        {"Data": p if isinstance(p, bytes) else json.dumps(p).encode(), "PartitionKey": "p"}
        for p in posts])


def counts(lambda_app: Any) -> dict[str, int]:
    items = lambda_app.client("dynamodb").scan(TableName="hashtags")["Items"]
    return {i["tag"]["S"]: int(i["posts"]["N"]) for i in items}


def test_hashtags_are_counted_per_batch(lambda_app: Any, lambda_metrics: Any) -> None:
    """25 posts in batches of 10: every hashtag counted once; EMF and IteratorAge metrics."""
    put_posts(lambda_app, [{"user": f"u{i}", "hashtags": ["#Lambda", "#serverless"]
                            if i % 2 else ["#lambda"]} for i in range(25)])

    results = lambda_app.drain()

    assert [len(r.payload["batchItemFailures"]) for r in results] == [0, 0, 0]  # 10, 10, 5
    assert counts(lambda_app) == {"lambda": 25, "serverless": 12}
    assert lambda_metrics.sum("HashtagsCounted") == 37
    lambda_metrics.assert_count("IteratorAge", 3)
    lambda_metrics.assert_no_emf_errors()
    assert lambda_metrics.sum("PostsRejected") == 0


def test_a_bad_post_goes_to_the_on_failure_queue(lambda_app: Any, lambda_metrics: Any) -> None:
    """A record that is not JSON is reported as a failure: the posts before it are counted
    once, Kinesis retries from it, and after the retries it goes to the on-failure queue
    while the posts after it are still counted."""
    put_posts(lambda_app, [{"hashtags": ["a"]}, {"hashtags": ["b"]}, b"\x00not json",
                           {"hashtags": ["c"]}])

    lambda_app.drain()

    assert counts(lambda_app) == {"a": 1, "b": 1, "c": 1}
    assert lambda_metrics.sum("PostsRejected") >= 1
    sqs = lambda_app.client("sqs")
    queue = lambda_app.resources["RejectedQueue"].physical_id
    [message] = sqs.receive_message(QueueUrl=queue)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["KinesisBatchInfo"]["batchSize"] == 1
