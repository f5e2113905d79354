"""What importing every library fresh per environment costs (bench/bench_fresh_imports.py).

Three measurements, each side by side in one run (interleaved rounds, min / median):

1. **Powertools cold start.** Init Duration of SAM's Powertools hello-world handler (Logger,
   Metrics, Tracer, the REST resolver), with the test process having imported the handler
   first (the SAM test layout). *shared*: its libraries named in ``shared_modules`` (what the
   emulator did before: a library the test had imported was shared); *fresh*: the default
   now. *own import*: importing the handler module in this process with its libraries taken
   out of ``sys.modules`` by hand, which is the libraries' own import time.
2. **Cold start against the size of sys.modules.** A trivial handler's cold start with
   ``sys.modules`` padded by N shared-package entries (a suite that imported moto has
   thousands), and the old code-folder scan (one pass over ``sys.modules``) at the same N.
3. **A suite with a cold start per test** (``--tests``, default 200): pytest in a subprocess on
   a project whose every test creates the Powertools function and invokes it once: *shared*
   (ini ``lambda_shared_modules``), *by hand* (shared, and each test also imports the
   libraries fresh itself: their own import time under pytest, whose import hooks make every
   import dearer than in a plain script) and *fresh* (the default). What fresh adds per test
   over shared is compared with what the import by hand adds.

Timings are never asserted in the test suite. The machine may be shared: compare figures of one
run with each other, and read them next to the load average printed at the top.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

from pytest_lambda import LambdaFunction
from pytest_lambda.runtime.modules import TEST_MODULES, SharedModules

APP = '''\
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit

app = APIGatewayRestResolver()
tracer = Tracer()
logger = Logger()
metrics = Metrics(namespace="Powertools")


@app.get("/hello")
def hello():
    metrics.add_metric(name="HelloWorldInvocations", unit=MetricUnit.Count, value=1)
    logger.info("Hello world API - HTTP 200")
    return {"message": "hello world"}


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event, context):
    return app.resolve(event, context)
'''
EVENT = {"resource": "/hello", "path": "/hello", "httpMethod": "GET", "headers": {},
         "requestContext": {"resourcePath": "/hello", "httpMethod": "GET", "requestId": "r"}}
ENV = {"POWERTOOLS_SERVICE_NAME": "hello", "POWERTOOLS_TRACE_DISABLED": "true"}


def _stats(values: list[float]) -> str:
    return f"{min(values):9.2f} {statistics.median(values):9.2f}"


def _private_tops(before: set[str]) -> list[str]:
    shared = SharedModules()
    return sorted({n.partition(".")[0] for n in set(sys.modules) - before if n not in shared})


def powertools(code: Path, rounds: int) -> list[str]:
    """(1): Init Duration shared / fresh / own import; returns the libraries imported fresh."""
    before = set(sys.modules)
    sys.path.insert(0, str(code))
    importlib.import_module("app")  # the test imports the handler first (SAM's layout)
    tops = _private_tops(before)
    shared_fn = LambdaFunction("app.lambda_handler", code_dir=code, environment=ENV,
                               shared_modules=[t for t in tops if t != "app"])
    fresh_fn = LambdaFunction("app.lambda_handler", code_dir=code, environment=ENV)
    rows: dict[str, list[float]] = {"shared": [], "fresh": [], "own import": []}
    for _ in range(rounds):
        for label, fn in (("shared", shared_fn), ("fresh", fresh_fn)):
            fn.cold_start()
            r = fn.invoke(EVENT)
            assert r.report is not None and r.report.init_duration_ms is not None, r.error
            rows[label].append(r.report.init_duration_ms)
        saved = {n: m for n, m in sys.modules.items() if n.partition(".")[0] in tops}
        for name in saved:
            del sys.modules[name]
        started = time.perf_counter()
        importlib.import_module("app")
        rows["own import"].append((time.perf_counter() - started) * 1000)
        sys.modules.update(saved)
    print(f"\n1. Powertools handler, Init Duration (ms), {rounds} interleaved rounds; "
          f"libraries imported fresh: {', '.join(t for t in tops if t != 'app')}")
    print(f"{'':14}{'min':>9} {'median':>9}")
    for label, values in rows.items():
        print(f"{label:14}{_stats(values)}")
    own = statistics.median(rows["own import"])
    print(f"fresh / own import: {statistics.median(rows['fresh']) / own:.2f}x; fresh - shared: "
          f"{statistics.median(rows['fresh']) - statistics.median(rows['shared']):.1f} ms")
    sys.path.remove(str(code))
    return tops


def _old_scan(code_dir: str) -> dict[str, types.ModuleType]:
    """The scan cold starts used before: one pass over every entry of sys.modules."""
    prefix = code_dir + os.sep
    hidden = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and file.startswith(prefix) and "site-packages" not in file \
                and not name.startswith("pytest_lambda"):
            hidden[name] = module
            del sys.modules[name]
    return hidden


def modules_size(code: Path, rounds: int) -> None:
    """(2): a trivial handler's cold start, and the old scan, against len(sys.modules)."""
    (code / "trivial.py").write_text("def handler(e, c):\n    return 1\n")
    fn = LambdaFunction("trivial.handler", code_dir=code)
    print("\n2. Trivial handler cold start (cold_start() + invoke, µs; most of it is the "
          "environment's /tmp folder) against sys.modules size; the module hiding alone "
          "(hide + restore, µs) and the old scan alone (µs), medians")
    print(f"{'padding':>8} {'entries':>8} {'cold min':>9} {'median':>9} {'hiding':>9} "
          f"{'old scan':>9}")
    shared = SharedModules()
    pad: list[str] = []
    for size in (0, 5_000, 20_000):
        while len(pad) < size:
            name = f"botocore.bench_pad_{len(pad)}"  # a shared package, like moto's thousands
            module = sys.modules[name] = types.ModuleType(name)
            module.__file__ = f"/site-packages/botocore/bench_pad_{len(pad)}.py"
            pad.append(name)
        cold, scan, hiding = [], [], []
        for _ in range(rounds):
            started = time.perf_counter_ns()
            TEST_MODULES.restore(TEST_MODULES.hide(shared))
            hiding.append((time.perf_counter_ns() - started) / 1000)
            started = time.perf_counter_ns()
            fn.cold_start()
            fn.invoke({})
            cold.append((time.perf_counter_ns() - started) / 1000)
        # Apart: its pass over every entry evicts the caches the loop above runs in.
        for _ in range(rounds):
            started = time.perf_counter_ns()
            sys.modules.update(_old_scan(str(code)))
            scan.append((time.perf_counter_ns() - started) / 1000)
        print(f"{size:8d} {len(sys.modules):8d} {_stats(cold)} "
              f"{statistics.median(hiding):9.1f} {statistics.median(scan):9.1f}")
    for name in pad:
        del sys.modules[name]


SUITE_TEST = '''\
import importlib
import os
import sys

import pytest

EVENT = {event!r}
TOPS = {tops!r}


def fresh_import_by_hand():
    saved = {{n: m for n, m in sys.modules.items() if n.partition(".")[0] in TOPS}}
    for name in saved:
        del sys.modules[name]
    try:
        importlib.import_module("app")
    finally:
        sys.modules.update(saved)


@pytest.mark.parametrize("n", range({tests}))
def test_cold(lambda_function, n):
    if os.environ.get("BY_HAND"):
        fresh_import_by_hand()
    r = lambda_function("app.lambda_handler", environment={env!r}).invoke(EVENT)
    assert r.cold_start and r.error is None
'''


def suite(code: Path, tests: int, tops: list[str], rounds: int) -> None:
    """(3): a pytest run with a cold start per test: shared, shared + the libraries imported
    fresh by hand in the test (their own import time, under pytest), fresh."""
    project = code / "suite"
    project.mkdir()
    (project / "app.py").write_text(APP)
    (project / "test_app.py").write_text(SUITE_TEST.format(event=EVENT, tests=tests, env=ENV,
                                                           tops=tops))
    shared = "\n    ".join(t for t in tops if t != "app")
    shared_ini = f"[pytest]\nlambda_shared_modules =\n    {shared}\n"
    runs = {"shared": (shared_ini, ""), "by hand": (shared_ini, "1"), "fresh": ("[pytest]\n", "")}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(rounds):
        for label, (ini, by_hand) in runs.items():
            (project / "pytest.ini").write_text(ini)
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:xdist",
                 "-p", "no:cacheprovider", "-x"], cwd=project, capture_output=True, text=True,
                env={**os.environ, "BY_HAND": by_hand})
            times[label].append(time.perf_counter() - started)
            if done.returncode != 0:
                raise SystemExit(done.stdout[-3000:])
    print(f"\n3. pytest run, {tests} tests, a cold start each ({rounds} interleaved rounds, s)")
    print(f"{'':8}{'min':>9} {'median':>9}")
    for label, values in times.items():
        print(f"{label:8}{_stats(values)}")
    base = statistics.median(times["shared"])
    added = (statistics.median(times["fresh"]) - base) / tests * 1000
    own = (statistics.median(times["by hand"]) - base) / tests * 1000
    print(f"added per test by fresh imports: {added:.1f} ms; the libraries' own import time "
          f"under pytest (by hand): {own:.1f} ms; ratio {added / own:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--suite-rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        code = Path(tmp)
        (code / "app.py").write_text(APP)
        tops = powertools(code, args.rounds)
        modules_size(code, args.rounds * 4)
        if args.tests:
            suite(code, args.tests, tops, args.suite_rounds)


if __name__ == "__main__":
    main()
