"""Per-request cost of the in-process HTTP client, side by side with a direct invoke.

Three ways to answer ``GET /items/7`` from one warm function, interleaved in rounds: a direct
``fn.invoke(event)`` of a prebuilt HTTP API event, ``lambda_api`` (HTTP API 2.0: routing, event
building, response mapping), and the same through a REST API route. Prints min / median per
request and the ratio to the direct invoke. Target: a request <= 1 ms median (``sam local
start-api`` takes seconds per request, a container per invocation).

Usage: ``python bench/bench_http.py [--rounds 15] [--requests 200]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pytest_lambda import LambdaFunction, events
from pytest_lambda.templates.http import single_function_client

HANDLER = """
import json
def handler(event, context):
    item = (event.get("pathParameters") or {}).get("id")
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"item": item})}
"""


def per_call_us(call: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - start) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "app.py").write_text(HANDLER)
        fn = LambdaFunction("app.handler", code_dir=folder, name="items")
        http = single_function_client(fn, "http", path="/items/{id}")
        rest = single_function_client(fn, "rest", path="/items/{id}")
        event = events.http_api("GET", "/items/7", route="/items/{id}")
        cases: dict[str, Callable[[], object]] = {
            "direct fn.invoke(event)": lambda: fn.invoke(event),
            "HTTP API client GET": lambda: http.get("/items/7"),
            "REST API client GET": lambda: rest.get("/items/7"),
        }
        for call in cases.values():
            call()
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, call in cases.items():
                samples[name].append(per_call_us(call, args.requests))
        fn.close()
    base = statistics.median(samples["direct fn.invoke(event)"])
    print(f"{'case':<26}{'min µs':>10}{'median µs':>12}{'× direct':>10}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:<26}{min(values):>10.1f}{median:>12.1f}{median / base:>10.2f}")
    worst = max(statistics.median(v) for v in samples.values())
    print(f"target: a request <= 1000 µs median -> {'met' if worst <= 1000 else 'NOT met'}")


if __name__ == "__main__":
    main()
