"""S3 upload -> a thumbnail no larger than MAX_SIDE pixels, written to OUTPUT_BUCKET."""

from __future__ import annotations

import io
import logging
import os
from typing import Any
from urllib.parse import unquote_plus

import boto3
from PIL import Image

logger = logging.getLogger()
logger.setLevel(logging.INFO)
s3 = boto3.client("s3")


def thumbnail(data: bytes, max_side: int) -> bytes:
    """The image scaled to fit in ``max_side`` x ``max_side``, as PNG."""
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((max_side, max_side))
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()


#: A resize of a large photo takes up to this long: do not start one with less time left.
MIN_TIME_LEFT_MS = 1500


def handler(event: dict[str, Any], context: Any) -> list[str]:
    max_side = int(os.environ["MAX_SIDE"])
    written = []
    for record in event["Records"]:
        if context.get_remaining_time_in_millis() < MIN_TIME_LEFT_MS:
            # Failing fast lets S3's asynchronous invocation retry, instead of a timeout
            # leaving a half-written thumbnail.
            raise TimeoutError(f"{context.get_remaining_time_in_millis()} ms left, "
                               f"{MIN_TIME_LEFT_MS} needed: raise the function timeout")
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])  # S3 URL-encodes keys in events
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        target = "thumbs/" + key.rsplit("/", 1)[-1].rsplit(".", 1)[0] + ".png"
        s3.put_object(Bucket=os.environ["OUTPUT_BUCKET"], Key=target,
                      Body=thumbnail(data, max_side), ContentType="image/png")
        logger.info("resized s3://%s/%s to %s", bucket, key, target)
        written.append(target)
    return written
