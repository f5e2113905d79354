"""Asynchronous queue throughput: ``python bench/bench_async.py``.

Queues a burst of ``Event`` invocations and measures how many events per second of real time
the queue processes to completion (``fn.account.drain()``), for three handlers:

* ``ok``: succeeds at once (one invocation per event);
* ``retry``: fails on the first two attempts of every event, succeeds on the third (three
  invocations per event, 1 and 2 minutes apart on the virtual clock);
* ``fail``: always fails (three invocations, then a Lambda-function on-failure destination, i.e.
  a fourth, asynchronous invocation per event);

plus the same ``ok`` burst at reserved concurrency 10, where most events are throttled and
retried with backoff first. The virtual clock makes minutes of retry delay cost nothing, so
the figures are the per-invocation cost of the emulator. The whole burst arrives in one
virtual instant, so above the account's 1000 concurrency the rest is throttled once and retried
(the ``results`` column counts invocations and throttles). ``--events`` sets the burst size.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from pytest_lambda import LambdaFunction

SOURCE = '''\
SEEN = {}


def ok(event, context):
    return {"id": event["id"]}


def retry(event, context):
    n = SEEN[event["id"]] = SEEN.get(event["id"], 0) + 1
    if n < 3:
        raise ValueError(f"attempt {n}")
    return {"id": event["id"], "attempts": n}


def fail(event, context):
    raise RuntimeError("always")


def sink(record, context):
    return record["requestContext"]["condition"]
'''


def run(code_dir: Path, handler: str, events: int, **kwargs: Any) -> tuple[float, int, float]:
    """(events per second, results incl. throttles, virtual seconds) for one burst."""
    with LambdaFunction(f"app.{handler}", code_dir=code_dir, name=f"bench-{handler}",
                        measure_memory=False, **kwargs) as fn:
        fn.invoke({"id": -1})  # warm up: the cold start is not what is measured
        started = time.perf_counter()
        for i in range(events):
            fn.invoke({"id": i}, invocation_type="Event")
        results = fn.account.drain()
        elapsed = time.perf_counter() - started
        return events / elapsed, len(results), fn.account.clock.now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        code_dir = Path(tmp)
        (code_dir / "app.py").write_text(SOURCE)
        sink = LambdaFunction("app.sink", code_dir=code_dir, name="bench-sink",
                              measure_memory=False)
        cases: list[tuple[str, str, dict[str, Any]]] = [
            ("ok", "ok", {}),
            ("retry (3 attempts)", "retry", {}),
            ("fail + destination", "fail",
             {"destination_config": {"OnFailure": {"Destination": sink}}}),
            ("ok, reserved 10", "ok", {"reserved_concurrent_executions": 10}),
        ]
        print(f"{'case':<22} {'events/s':>10} {'results':>12} {'virtual time':>14}")
        for label, handler, kwargs in cases:
            rate, invocations, virtual = run(code_dir, handler, args.events, **kwargs)
            print(f"{label:<22} {rate:>10,.0f} {invocations:>12,} {virtual:>12,.0f} s")
        sink.close()


if __name__ == "__main__":
    main()
