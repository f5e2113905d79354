"""Upload a real image to the uploads bucket; a thumbnail appears in the output bucket."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image


def png(width: int, height: int) -> bytes:
    """A real PNG of the given size (a gradient, so it does not compress to nothing)."""
    image = Image.new("RGB", (width, height))
    image.putdata([(x % 256, y % 256, (x * y) % 256) for y in range(height)
                   for x in range(width)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


@pytest.mark.lambda_budget(max_memory_mb=200, max_duration_ms=5000)
def test_upload_is_resized(lambda_app: Any) -> None:
    """A 640x480 photo becomes a 128x96 PNG thumbnail; Max Memory Used stays in budget."""
    s3 = lambda_app.client("s3")
    s3.put_object(Bucket="thumbnails-uploads", Key="photos/red flower.jpg", Body=png(640, 480))

    [result] = lambda_app.drain()

    assert result.ok, result.error
    assert result.payload == ["thumbs/red flower.png"]
    thumb = s3.get_object(Bucket="thumbnails-output", Key="thumbs/red flower.png")
    assert size_of(thumb["Body"].read()) == (128, 96)
    assert "resized s3://thumbnails-uploads/photos/red flower.jpg" in result.logs.text
    assert result.report is not None and result.report.max_memory_used_mb <= 256


def test_uploads_outside_the_prefix_are_ignored(lambda_app: Any) -> None:
    """The trigger's prefix filter: only photos/ reaches the function."""
    lambda_app.client("s3").put_object(Bucket="thumbnails-uploads", Key="docs/a.png",
                                       Body=png(8, 8))
    assert lambda_app.drain() == []


@pytest.mark.lambda_timeout(1)
def test_too_little_time_fails_fast_and_s3_retries(lambda_app: Any) -> None:
    """Under a 1 s timeout (the marker wins over the template's 10 s) the function refuses to
    start a resize it cannot finish; S3's asynchronous invocation makes three attempts."""
    fn = lambda_app.function("ResizeFunction")
    assert fn.config.timeout == 1
    lambda_app.client("s3").put_object(Bucket="thumbnails-uploads", Key="photos/x.png",
                                       Body=png(16, 16))
    results = lambda_app.drain()
    assert [r.function_error for r in results] == ["Unhandled"] * 3
    assert {r.error["errorType"] for r in results if r.error} == {"TimeoutError"}
    assert len({r.request_id for r in results}) == 1  # one event, retried


@pytest.mark.lambda_memory(128)
def test_a_huge_photo_runs_out_of_memory_at_128_mb(lambda_app: Any) -> None:
    """Decoding a 36-megapixel uncompressed photo needs more than 128 MB: the invocation ends
    as Lambda's out-of-memory error (the marker wins over the template's 256 MB), and S3
    retries it. (At 25 megapixels the decode was within a few MB of the limit and a retry
    passed now and then: the download itself costs nothing here, moto hands over the bytes
    it already holds, where on Lambda they are a copy in the function's memory.)"""
    fn = lambda_app.function("ResizeFunction")
    assert fn.config.memory_size == 128
    noise = Image.effect_noise((6000, 6000), 64).convert("RGB")
    out = io.BytesIO()
    noise.save(out, format="BMP")
    lambda_app.client("s3").put_object(Bucket="thumbnails-uploads", Key="photos/huge.bmp",
                                       Body=out.getvalue())
    results = lambda_app.drain()
    assert len(results) == 3 and all(r.function_error == "Unhandled" for r in results)
    # As on Lambda: the caller sees the runtime killed, the REPORT line says why.
    assert results[0].error is not None
    assert results[0].error["errorType"] == "Runtime.ExitError"
    assert results[0].error["errorMessage"].endswith("signal: killed")
    assert "Max Memory Used: 128 MB" in results[0].logs.text
    assert "Error Type: Runtime.OutOfMemory" in results[0].logs.text
