"""Events generated per second: S3 put and a 100-record Kinesis batch, in one run.

Usage: ``python bench/bench_events.py [--seconds 1.0]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from pytest_lambda import events


def rate(call: Callable[[], Any], seconds: float) -> float:
    """Calls per second of *call*, measured for about *seconds*."""
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(100):
            call()
        count += 100
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0)
    seconds = parser.parse_args().seconds
    factory = events.EventFactory(seed=1)
    payloads = [{"id": i, "value": "x" * 32} for i in range(100)]
    s3 = rate(lambda: factory.s3_put(bucket="my-bucket", key="photos/red flower.jpg"), seconds)
    s3_plain = rate(lambda: events.s3_put("my-bucket", "photos/red flower.jpg"), seconds)
    kinesis = rate(lambda: factory.kinesis_batch(payloads), seconds)
    print(f"s3_put (EventFactory):      {s3:>10,.0f} events/s")
    print(f"s3_put (plain function):    {s3_plain:>10,.0f} events/s")
    records = kinesis * 100
    print(f"kinesis_batch (100 records): {kinesis:>9,.0f} batches/s = {records:,.0f} records/s")


if __name__ == "__main__":
    main()
