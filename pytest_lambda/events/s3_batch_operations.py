"""S3 Batch Operations "Invoke AWS Lambda function" tasks (schema 1.0 and 2.0)."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterable, Mapping
from typing import Any

from ._common import b64_token, bad, check_choice, now_or_utc, rng_or_new, uuid4
from ._validate import checked
from .s3 import _check_bucket, _check_key, encode_s3_key

__all__ = ["s3_batch_operation"]


@checked
def s3_batch_operation(
    bucket: str = "my-bucket",
    keys: Iterable[str | tuple[str, str | None]] = ("my-key",),
    *,
    schema_version: str = "2.0",
    user_arguments: Mapping[str, str] | None = None,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """One batch-job invocation; *keys* items are keys or (key, version id)."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_choice("schema_version", schema_version, ("1.0", "2.0"))
    _check_bucket(bucket)
    if user_arguments is not None and schema_version == "1.0":
        raise bad("user_arguments", user_arguments, "user arguments need schema_version='2.0'")
    tasks = []
    for item in keys:
        key, version = (item, None) if isinstance(item, str) else item
        task: dict[str, Any] = {
            "taskId": b64_token(rng, 33).rstrip("="),
            "s3Key": encode_s3_key(_check_key(key)),
            "s3VersionId": version,
        }
        if schema_version == "1.0":
            task["s3BucketArn"] = f"arn:aws:s3:::{bucket}"
        else:
            task["s3Bucket"] = bucket
        tasks.append(task)
    if not tasks:
        raise bad("keys", [], "each invocation carries at least one task")
    job: dict[str, Any] = {"id": uuid4(rng)}
    if schema_version == "2.0":
        job["userArguments"] = dict(user_arguments or {})
    return {
        "invocationSchemaVersion": schema_version,
        "invocationId": b64_token(rng, 39).rstrip("="),
        "job": job,
        "tasks": tasks,
    }
