"""Warm invoke, history and reporting costs, side by side: ``python bench/bench_warm.py``.

One run prints, for four handlers (trivial ``return event``, a 2 KB API Gateway event, one
``logging`` call, one ``print``), in interleaved rounds so that load drifts hit every variant
alike, the min and median time per call of:

* **direct**: the handler function called with a hand-made context;
* **ours**: ``LambdaFunction.invoke`` on a warm environment (memory measured, as by default);
* **floor**: a minimal emulator written here that keeps only what matters for fidelity: JSON
  in and out, a fresh context and request id, the environment variables swapped in, stdout
  captured, START/END/REPORT records, and a real ``setitimer`` deadline;
* **python-lambda-local** (``lambda_local.main.call``) when it is installed (it forks a process
  per call, so it gets fewer calls).

Then: the bytes of resident memory retained per invocation over many invocations of one
function (and the time of the first and a later metrics query and ``fn.logs`` access), and the
per-invocation cost of the pytest plugin's reporting (what the teardown hook adds for every
invocation a test made). Nothing here is asserted in the test suite; targets are printed next to
the figures. ``--quick`` for a smoke run.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import logging
import math
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pytest_lambda import LambdaFunction
from pytest_lambda.context import LambdaContext

_now = time.perf_counter_ns

HANDLERS = '''\
import logging

logging.getLogger().setLevel(logging.INFO)
LOG = logging.getLogger("bench")


def trivial(event, context):
    return event


def apigw(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": event["body"]}


def logs(event, context):
    LOG.info("handled %s", event.get("id"))
    return None


def prints(event, context):
    print("handled", event.get("id"))
    return None
'''


def api_gateway_event() -> dict[str, Any]:
    """An API Gateway (REST) proxy event of about 2 KB, as a browser request makes one."""
    headers = {
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Encoding": "gzip, deflate, br", "Accept-Language": "en-US,en;q=0.9",
        "CloudFront-Forwarded-Proto": "https", "CloudFront-Is-Desktop-Viewer": "true",
        "CloudFront-Viewer-Country": "US", "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
        "Via": "2.0 a1b2c3d4e5f6.cloudfront.net (CloudFront)",
        "X-Amz-Cf-Id": "cDehVQoZnx43VYQb9j2-nvCh-9z396Uhbp027Y2JvkCPNLmGJHqlaA==",
        "X-Amzn-Trace-Id": "Root=1-5e66d96f-7491f09xmpl79d18acf3d050",
        "X-Forwarded-For": "52.255.255.12", "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    return {
        "resource": "/orders/{id}", "path": "/orders/o-1", "httpMethod": "POST",
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {"expand": "items"},
        "multiValueQueryStringParameters": {"expand": ["items"]},
        "pathParameters": {"id": "o-1"}, "stageVariables": None,
        "requestContext": {
            "resourceId": "2gxmpl", "resourcePath": "/orders/{id}", "httpMethod": "POST",
            "extendedRequestId": "JJbxmplHYosFVYQ=", "requestTime": "10/Mar/2020:00:03:59 +0000",
            "path": "/Prod/orders/o-1", "accountId": "123456789012", "protocol": "HTTP/1.1",
            "stage": "Prod", "domainPrefix": "abc123", "requestTimeEpoch": 1583798639428,
            "requestId": "77375676-xmpl-4b79-853a-f982474efe18",
            "identity": {"sourceIp": "52.255.255.12", "userAgent": headers["User-Agent"]},
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com", "apiId": "abc123",
        },
        "body": json.dumps({"id": "o-1", "items": [{"sku": f"s-{i}", "qty": i}
                                                  for i in range(8)]}),
        "isBase64Encoded": False,
    }


EVENTS: dict[str, Callable[[], dict[str, Any]]] = {
    "trivial": lambda: {"id": "o-1"},
    "apigw": api_gateway_event,
    "logs": lambda: {"id": "o-1"},
    "prints": lambda: {"id": "o-1"},
}


class _Lines(io.TextIOBase):
    """A stdout stand-in that keeps complete lines (the floor's and the direct call's)."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__()
        self.sink = sink
        self.partial = ""

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if "\n" not in s:
            self.partial += s
            return len(s)
        *lines, self.partial = (self.partial + s).split("\n")
        self.sink.extend(lines)
        return len(s)


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__()
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(self.format(record))


class _FloorTimeout(BaseException):
    pass


class _FloorContext:
    __slots__ = ("aws_request_id", "deadline_ms", "function_name", "invoked_function_arn",
                 "memory_limit_in_mb")

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self.deadline_ms = deadline_ms
        self.function_name = "bench"
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
        self.memory_limit_in_mb = "128"

    def get_remaining_time_in_millis(self) -> int:
        return max(self.deadline_ms - int(time.time() * 1000), 0)


class FloorEmulator:
    """The least an in-process emulator can do per warm invoke and still be faithful."""

    def __init__(self, handler: Callable[..., Any], environ: dict[str, str]) -> None:
        self.handler = handler
        encode, value = os.environ.encodekey, os.environ.encodevalue  # type: ignore[attr-defined]
        self.environ = {encode(k): value(v) for k, v in environ.items()}
        self.log: list[str] = []
        self.stdout = _Lines(self.log)
        self.log_handler = _ListHandler(self.log)

    def _alarm(self, signum: int, frame: Any) -> None:
        raise _FloorTimeout

    def invoke(self, event: Any) -> bytes:
        payload = json.dumps(event).encode()
        request_id = os.urandom(16).hex()
        context = _FloorContext(request_id, int(time.time() * 1000) + 3000)
        log = self.log
        log.append(f"START RequestId: {request_id} Version: $LATEST")
        saved_env = os.environ._data  # type: ignore[attr-defined]
        os.environ._data = self.environ  # type: ignore[attr-defined]
        saved_out = sys.stdout
        sys.stdout = self.stdout
        root = logging.root
        saved_handlers = root.handlers
        root.handlers = [self.log_handler]
        old = signal.signal(signal.SIGALRM, self._alarm)
        signal.setitimer(signal.ITIMER_REAL, 3.0)
        started = time.perf_counter()
        try:
            result = self.handler(json.loads(payload), context)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
            root.handlers = saved_handlers
            sys.stdout = saved_out
            os.environ._data = saved_env  # type: ignore[attr-defined]
        duration = (time.perf_counter() - started) * 1000
        out = json.dumps(result).encode()
        log.append(f"END RequestId: {request_id}")
        log.append(f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled "
                   f"Duration: {math.ceil(duration)} ms\tMemory Size: 128 MB\tMax Memory "
                   "Used: 40 MB\t")
        return out


def _context() -> LambdaContext:
    return LambdaContext(
        aws_request_id="00000000-0000-4000-8000-000000000000",
        deadline_ms=int(time.time() * 1000) + 3000,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:bench",
        function_name="bench", function_version="$LATEST", memory_limit_in_mb="128",
        log_group_name="/aws/lambda/bench", log_stream_name="2024/01/01/[$LATEST]0")


@contextlib.contextmanager
def _quiet_stdout(fds: bool = False) -> Iterator[list[str]]:
    """Keep the handlers' output off the terminal (``fds``: a forked child's too)."""
    lines: list[str] = []
    saved = sys.stdout
    sys.stdout = _Lines(lines)
    saved_fds: list[int] = []
    if fds:
        sys.__stdout__.flush() if sys.__stdout__ else None
        null = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            saved_fds.append(os.dup(fd))
            os.dup2(null, fd)
        os.close(null)
    try:
        yield lines
    finally:
        sys.stdout = saved
        for fd, copy in zip((1, 2), saved_fds, strict=False):
            os.dup2(copy, fd)
            os.close(copy)


def _lambda_local() -> Callable[[Callable[..., Any], Any], Any] | None:
    handlers, level = list(logging.root.handlers), logging.root.level
    try:
        from lambda_local.context import Context  # type: ignore[import-not-found]
        from lambda_local.main import call  # type: ignore[import-not-found]
    except ImportError:
        return None
    finally:
        # Its import calls logging.basicConfig (a stdout handler on the root logger), which
        # would print, and slow down, the direct calls of the logging handler.
        logging.root.handlers[:] = handlers
        logging.root.setLevel(level)

    def run(handler: Callable[..., Any], event: Any) -> Any:
        return call(handler, event, Context(3))

    return run


def _stats(samples: list[int]) -> tuple[float, float]:
    return min(samples) / 1000, statistics.median(samples) / 1000


def bench_warm(code_dir: Path, module: Any, rounds: int, per_round: int,
               local_calls: int) -> None:
    """Every variant of every handler, in interleaved rounds; prints the table."""
    local = _lambda_local()
    environ = {"AWS_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "bench",
               "PATH": os.environ.get("PATH", ""), "TZ": ":UTC", "LANG": "en_US.UTF-8"}
    samples: dict[tuple[str, str], list[int]] = {}
    roundtrip: list[int] = []
    context = _context()
    for round_no in range(rounds):
        for kind, make_event in EVENTS.items():
            event = make_event()
            handler = getattr(module, kind)
            floor = FloorEmulator(handler, environ)
            fn = LambdaFunction(f"bench_warm_handlers.{kind}", code_dir=code_dir,
                                name=f"bench-{kind}")
            for _ in range(20):
                fn.invoke(event)
            variants: list[tuple[str, Callable[[], Any], int]] = [
                ("direct", lambda h=handler, e=event: h(e, context), per_round),
                ("ours", lambda f=fn, e=event: f.invoke(e), per_round),
                ("floor", lambda f=floor, e=event: f.invoke(e), per_round),
            ]
            if local is not None and round_no < 3:
                variants.append(("python-lambda-local",
                                 lambda h=handler, e=event: local(h, e), local_calls))
            if round_no % 2:
                variants.reverse()
            for name, call, count in variants:
                out = samples.setdefault((kind, name), [])
                with _quiet_stdout(fds=name == "python-lambda-local"):
                    for _ in range(count):
                        t0 = _now()
                        call()
                        out.append(_now() - t0)
            if kind == "apigw":
                result = handler(event, context)
                for _ in range(per_round):
                    t0 = _now()
                    json.loads(json.dumps(event))
                    json.dumps(result)
                    roundtrip.append(_now() - t0)
            fn.close()
    rt_min, rt_med = _stats(roundtrip)
    print(f"{'handler':<8} {'variant':<20} {'min µs':>9} {'median µs':>10} "
          f"{'overhead µs':>12} {'x floor':>8}")
    for kind in EVENTS:
        direct = statistics.median(samples[(kind, "direct")]) / 1000
        floor_over = statistics.median(samples[(kind, "floor")]) / 1000 - direct
        for name in ("direct", "ours", "floor", "python-lambda-local"):
            if (kind, name) not in samples:
                continue
            low, med = _stats(samples[(kind, name)])
            over = med - direct
            ratio = f"{over / floor_over:.1f}" if name != "direct" and floor_over > 0 else ""
            print(f"{kind:<8} {name:<20} {low:>9.1f} {med:>10.1f} {over:>12.1f} {ratio:>8}")
    ours = statistics.median(samples[("trivial", "ours")]) / 1000
    ours -= statistics.median(samples[("trivial", "direct")]) / 1000
    print(f"\ntrivial: ours adds {ours:.1f} µs median over a direct call (target ≤ 10 µs)")
    api = statistics.median(samples[("apigw", "ours")]) / 1000
    api -= statistics.median(samples[("apigw", "direct")]) / 1000
    print(f"apigw 2 KB: JSON round trip (event in, response out) min {rt_min:.1f} / median "
          f"{rt_med:.1f} µs; ours adds {api:.1f} µs = {api / rt_med:.2f}x the round trip "
          "(target ≤ 1.5x)")
    if local is None:
        print("python-lambda-local is not installed: `pip install python-lambda-local` to "
              "compare with it")


def _rss_bytes() -> int:
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def bench_history(code_dir: Path, invokes: int) -> None:
    """Resident memory kept per invocation, and the cost of queries over a long history."""
    if not os.path.exists("/proc/self/statm"):
        print("retained memory: needs /proc (Linux)")
        return
    fn = LambdaFunction("bench_warm_handlers.trivial", code_dir=code_dir, name="bench-history")
    event = {"id": "o-1"}
    for _ in range(1000):
        fn.invoke(event)
    gc.collect()
    before = _rss_bytes()
    half = invokes // 2
    t0 = _now()
    for _ in range(half):
        fn.invoke(event)
    gc.collect()
    middle = _rss_bytes()
    for _ in range(invokes - half):
        fn.invoke(event)
    elapsed = _now() - t0
    gc.collect()
    after = _rss_bytes()
    per = (after - before) / invokes
    late = (after - middle) / (invokes - half)
    window = getattr(fn, "history", None)
    print(f"{invokes:,} warm invokes of one function (history window: {window}): "
          f"{elapsed / invokes / 1000:.1f} µs each, RSS +{(after - before) / 1e6:.1f} MB = "
          f"{per:.0f} bytes retained per invoke (target ≤ 200); over the second half alone "
          f"{late:.0f} bytes per invoke")
    for label, query in (("metrics sum(Invocations)", lambda: fn.metrics.sum("Invocations")),
                         ("fn.logs (len)", lambda: len(fn.logs))):
        first = _now()
        query()
        first = _now() - first
        later = _now()
        query()
        later = _now() - later
        print(f"  {label}: first {first / 1e6:.1f} ms, again {later / 1e6:.2f} ms")
    fn.invoke(event)
    t = _now()
    fn.metrics.sum("Invocations")
    print(f"  metrics query after one more invoke: {(_now() - t) / 1e6:.2f} ms")
    fn.close()


def bench_reporting(code_dir: Path, invokes: int) -> None:
    """What the plugin's per-test reporting costs per invocation (worker and controller)."""
    from pytest_lambda.observe.cost import CURRENT
    from pytest_lambda.plugin import reporting

    fn = LambdaFunction("bench_warm_handlers.trivial", code_dir=code_dir, name="bench-report")
    results: list[Any] = []
    fn.add_listener(results.append)
    for _ in range(invokes):
        fn.invoke({"id": "o-1"})
    fn.close()
    report = getattr(reporting, "report_invocations", None)
    if report is None:  # before the batched records: one JSON record per invocation
        from pytest_lambda.observe.summary import SessionSummary, invocation_record

        def report(results: list[Any], rules: Any, summary: Any) -> None:
            text = json.dumps([invocation_record(r, rules=rules) for r in results])
            summary.extend(json.loads(text))
    else:
        from pytest_lambda.observe.summary import SessionSummary
    best = math.inf
    for _ in range(5):
        t0 = _now()
        report(results, CURRENT, SessionSummary(rules=CURRENT))
        best = min(best, _now() - t0)
    print(f"per-invocation reporting under pytest: {best / invokes / 1000:.2f} µs "
          f"(teardown record + controller summary, best of 5 over {invokes:,} invocations; "
          "target ≤ 2 µs)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    parser.add_argument("--only", choices=["warm", "history", "reporting"], default=None)
    parser.add_argument("--invokes", type=int, default=None,
                        help="invocations for the retained-memory figure (default 100,000)")
    args = parser.parse_args(argv)
    rounds, per_round, local_calls = (4, 200, 3) if args.quick else (12, 500, 10)
    invokes = args.invokes or (10_000 if args.quick else 100_000)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"python {sys.version.split()[0]}, load average {load}")
    with tempfile.TemporaryDirectory() as tmp:
        code_dir = Path(tmp)
        (code_dir / "bench_warm_handlers.py").write_text(HANDLERS)
        sys.path.insert(0, str(code_dir))
        try:
            import bench_warm_handlers as module  # type: ignore[import-not-found]
        finally:
            sys.path.remove(str(code_dir))
        saved_level = logging.root.level
        try:
            if args.only in (None, "warm"):
                bench_warm(code_dir, module, rounds, per_round, local_calls)
            if args.only in (None, "reporting"):
                bench_reporting(code_dir, 2_000 if args.quick else 20_000)
            if args.only in (None, "history"):
                bench_history(code_dir, invokes)
        finally:
            logging.root.setLevel(saved_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
