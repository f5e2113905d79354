"""Core overhead benchmarks for pytest-aws-lambda: ``python bench/bench_core.py``.

Measures, side by side in one run and as medians over many repetitions:

* warm invoke overhead: ``fn.invoke(event)`` on a warm environment versus calling the same
  handler function directly (capture on; with and without memory measurement);
* cold start overhead: ``fn.cold_start(); fn.invoke(event)`` versus importing the handler's
  module fresh by hand and calling it;
* timeout precision: how late ``invoke`` returns after the handler's 1 s limit, for a handler
  blocked in ``time.sleep`` and one spinning in a pure-Python loop;
* collection cost: what the plugin adds to ``pytest --collect-only`` on a project that does not
  use it (plugin loaded by its entry point versus ``-p no:aws_lambda``).

Prints a table (metric, measured, target, PASS/MISS). Timings are never asserted in the test
suite; this script is where they are watched. ``--quick`` cuts repetitions for a smoke run;
``--profile`` adds a cProfile listing of the warm invoke and cold start paths, to find out
where a missed target goes.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_lambda import LambdaFunction
from pytest_lambda.context import LambdaContext

_now = time.perf_counter_ns

HANDLER_SOURCE = '''\
import json

CACHE = {}


def handler(event, context):
    CACHE["n"] = CACHE.get("n", 0) + 1
    return {"statusCode": 200, "body": json.dumps({"id": event.get("id"), "n": CACHE["n"]})}
'''

# A module with a realistic (small) import footprint: stdlib modules that are already loaded,
# a dataclass and a few functions, so the module's own import cost is not just noise.
COLD_SOURCE = '''\
import dataclasses
import decimal
import json
import logging
import os

logger = logging.getLogger(__name__)
TABLE = os.environ.get("TABLE", "orders")


@dataclasses.dataclass
class Order:
    order_id: str
    amount: decimal.Decimal
    items: list


def parse(body):
    data = json.loads(body)
    return Order(data["id"], decimal.Decimal(str(data["amount"])), data.get("items", []))


def handler(event, context):
    return {"table": TABLE, "id": event.get("id")}
'''

TIMEOUT_SOURCE = '''\
import time

import _bench_probe


def sleeper(event, context):
    _bench_probe.started = time.perf_counter()
    time.sleep(10)


def spinner(event, context):
    _bench_probe.started = time.perf_counter()
    n = 0
    while True:
        n += 1
'''


class Row:
    """One line of the final table."""

    def __init__(self, metric: str, measured: float, unit: str, target: float | None,
                 note: str = "") -> None:
        self.metric = metric
        self.measured = measured
        self.unit = unit
        self.target = target
        self.note = note

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "info"
        return "PASS" if self.measured <= self.target else "MISS"


def _context() -> LambdaContext:
    return LambdaContext(
        aws_request_id="00000000-0000-4000-8000-000000000000",
        deadline_ms=int(time.time() * 1000) + 3000,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:bench",
        function_name="bench", function_version="$LATEST", memory_limit_in_mb="128",
        log_group_name="/aws/lambda/bench", log_stream_name="2024/01/01/[$LATEST]0")


def _fmt_us(ns: float) -> str:
    return f"{ns / 1000:.1f} µs"


def _fmt_ms(ns: float) -> str:
    return f"{ns / 1e6:.2f} ms"


def _new_warm_fns(code_dir: Path, event: dict[str, Any]) -> dict[str, LambdaFunction]:
    fns = {
        "capture+memory": LambdaFunction("bench_warm_app.handler", code_dir=code_dir,
                                         name="bench-warm"),
        "capture, measure_memory=False": LambdaFunction(
            "bench_warm_app.handler", code_dir=code_dir, name="bench-warm-nomem",
            measure_memory=False),
    }
    for fn in fns.values():
        assert fn.invoke(event).cold_start
        for _ in range(20):
            assert not fn.invoke(event).cold_start
    return fns


def bench_warm(code_dir: Path, reps: int, rounds: int, growth: int) -> list[Row]:
    """Warm ``invoke`` versus a direct call, interleaved in rounds so drift hits both alike.

    Every round uses new functions (as a test does), so the figure is the steady per-invoke
    cost of a function with a few hundred invocations behind it; the cost after ``growth``
    invocations of one function is reported separately.
    """
    sys.path.insert(0, str(code_dir))
    try:
        module = importlib.import_module("bench_warm_app")
    finally:
        sys.path.remove(str(code_dir))
    handler = module.handler
    context = _context()
    event = {"id": "o-1", "items": [1, 2, 3]}
    bare: list[int] = []
    invoked: dict[str, list[int]] = {}
    per_round = max(reps // rounds, 1)
    for _ in range(rounds):
        for _ in range(per_round):
            t0 = _now()
            handler(event, context)
            bare.append(_now() - t0)
        fns = _new_warm_fns(code_dir, event)
        for key, fn in fns.items():
            samples = invoked.setdefault(key, [])
            for _ in range(per_round):
                t0 = _now()
                fn.invoke(event)
                samples.append(_now() - t0)
            fn.close()
    bare_med = statistics.median(bare)
    rows = []
    print(f"  bare handler call         median {_fmt_us(bare_med)} over {len(bare)} calls")
    for key, samples in invoked.items():
        med = statistics.median(samples)
        p90 = statistics.quantiles(samples, n=10)[-1]
        print(f"  invoke ({key:<29}) median {_fmt_us(med)}  p90 {_fmt_us(p90)}  "
              f"ratio to bare {med / bare_med:.0f}x")
        rows.append(Row(f"warm invoke overhead ({key})", (med - bare_med) / 1000, "µs", 25.0,
                        f"median invoke {_fmt_us(med)} - bare {_fmt_us(bare_med)}"))
    # One long-lived function: does the per-invoke cost grow with the invocations behind it?
    fn = LambdaFunction("bench_warm_app.handler", code_dir=code_dir, name="bench-growth",
                        measure_memory=False)
    first: list[int] = []
    for i in range(growth):
        t0 = _now()
        fn.invoke(event)
        if 20 <= i < 220:
            first.append(_now() - t0)
    late = []
    for _ in range(200):
        t0 = _now()
        fn.invoke(event)
        late.append(_now() - t0)
    fn.close()
    early_med, late_med = statistics.median(first), statistics.median(late)
    print(f"  one function, measure_memory=False: invocations 20-220 median {_fmt_us(early_med)},"
          f" after {growth} invocations median {_fmt_us(late_med)}")
    trend = "grows with history" if late_med > 1.2 * early_med else "flat"
    rows.append(Row(f"warm invoke overhead after {growth} invokes of one fn", (late_med - bare_med)
                    / 1000, "µs", 25.0, f"vs {_fmt_us(early_med)} early: {trend}"))
    return rows


def _fresh_import_ns(code_dir: Path, name: str, event: dict[str, Any]) -> int:
    """Import ``name`` from ``code_dir`` as a fresh module by hand and call its handler once."""
    sys.modules.pop(name, None)
    sys.path.insert(0, str(code_dir))
    try:
        t0 = _now()
        module = importlib.import_module(name)
        module.handler(event, None)
        elapsed = _now() - t0
    finally:
        sys.path.remove(str(code_dir))
        sys.modules.pop(name, None)
    return elapsed


def bench_cold(code_dir: Path, reps: int) -> list[Row]:
    """``cold_start(); invoke()`` versus importing the module fresh by hand and calling it."""
    event = {"id": "o-1"}
    fns = {
        "capture+memory": LambdaFunction("bench_cold_app.handler", code_dir=code_dir,
                                         name="bench-cold"),
        "measure_memory=False": LambdaFunction("bench_cold_app.handler", code_dir=code_dir,
                                               name="bench-cold-nomem", measure_memory=False),
    }
    # Warm the bytecode cache and the import system for both paths.
    for _ in range(3):
        _fresh_import_ns(code_dir, "bench_cold_app", event)
        for fn in fns.values():
            fn.cold_start()
            fn.invoke(event)
    by_hand: list[int] = []
    cold: dict[str, list[int]] = {k: [] for k in fns}
    init: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(reps):
        by_hand.append(_fresh_import_ns(code_dir, "bench_cold_app", event))
        for key, fn in fns.items():
            t0 = _now()
            fn.cold_start()
            r = fn.invoke(event)
            cold[key].append(_now() - t0)
            assert r.cold_start and r.ok, r
            assert r.report is not None and r.report.init_duration_ms is not None
            init[key].append(r.report.init_duration_ms)
            fn.log_group.streams.clear()
    for fn in fns.values():
        fn.close()
    hand_med = statistics.median(by_hand)
    print(f"  fresh import by hand + call   median {_fmt_ms(hand_med)} over {reps}")
    rows = []
    for key, samples in cold.items():
        med = statistics.median(samples)
        print(f"  cold_start()+invoke ({key:<21}) median {_fmt_ms(med)}  "
              f"(reported Init Duration median {statistics.median(init[key]):.2f} ms)")
        rows.append(Row(f"cold start overhead ({key})", (med - hand_med) / 1e6, "ms", 2.0,
                        f"median {_fmt_ms(med)} - import by hand {_fmt_ms(hand_med)}"))
    return rows


def bench_timeout(code_dir: Path, runs: int) -> list[Row]:
    """How long after the 1 s limit ``invoke`` returns, for a sleeping and a spinning handler."""
    probe = types.ModuleType("_bench_probe")
    probe.started = 0.0  # type: ignore[attr-defined]
    sys.modules["_bench_probe"] = probe  # shared with the handler: not from the code dir
    rows = []
    try:
        for kind in ("sleeper", "spinner"):
            fn = LambdaFunction(f"bench_timeout_app.{kind}", code_dir=code_dir, timeout=1,
                                name=f"bench-timeout-{kind}")
            late_handler: list[float] = []
            late_call: list[float] = []
            for _ in range(runs):
                t0 = time.perf_counter()
                r = fn.invoke({})
                t1 = time.perf_counter()
                assert r.timed_out, r
                late_handler.append((t1 - probe.started - 1.0) * 1000)  # type: ignore[attr-defined]
                late_call.append((t1 - t0 - 1.0) * 1000)
            fn.close()
            med, worst = statistics.median(late_handler), max(late_handler)
            print(f"  {kind}: return after handler start - 1 s: median {med:+.2f} ms, "
                  f"max {worst:+.2f} ms; whole invoke (incl. cold init) - 1 s: median "
                  f"{statistics.median(late_call):+.2f} ms")
            worst_abs = max(abs(x) for x in late_handler)
            rows.append(Row(f"timeout precision, {kind} (max |late|)", worst_abs, "ms", 5.0,
                            f"median {med:+.2f} ms over {runs} runs"))
    finally:
        sys.modules.pop("_bench_probe", None)
    return rows


def _make_project(root: Path, files: int = 5, tests_per_file: int = 10) -> None:
    (root / "pytest.ini").write_text("[pytest]\n")
    for f in range(files):
        body = "\n\n".join(f"def test_{f}_{i}():\n    assert {i} == {i}\n"
                           for i in range(tests_per_file))
        (root / f"test_mod{f}.py").write_text(body)


def _collect_once(root: Path, extra: list[str], env: dict[str, str]) -> int:
    cmd = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
           *extra]
    t0 = _now()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    elapsed = _now() - t0
    if proc.returncode != 0:
        raise SystemExit(f"pytest failed ({' '.join(cmd)}):\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def _extra_imports_ms(root: Path, env: dict[str, str]) -> tuple[float, list[str]]:
    """Self import time of the modules only the with-plugin run imports (``-X importtime``)."""
    seen: list[dict[str, int]] = []
    for extra in ([], ["-p", "no:aws_lambda"]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "pytest", "--collect-only", "-q", "-p",
             "no:cacheprovider", *extra], cwd=root, env=env, capture_output=True, text=True)
        modules = {}
        for line in proc.stderr.splitlines():
            if line.startswith("import time:") and "self [us]" not in line:
                self_us, _, name = line[len("import time:"):].split("|")
                modules[name.strip()] = int(self_us)
        seen.append(modules)
    extra_modules = sorted(set(seen[0]) - set(seen[1]), key=lambda m: -seen[0][m])
    return sum(seen[0][m] for m in extra_modules) / 1000, extra_modules


def bench_collect(runs: int) -> list[Row]:
    """What loading the plugin adds to ``pytest --collect-only`` on a project not using it."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "PYTHONSTARTUP"))}
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as tmp:
        root = Path(tmp)
        _make_project(root)
        variants = {"with plugin": [], "-p no:aws_lambda": ["-p", "no:aws_lambda"]}
        times: dict[str, list[int]] = {k: [] for k in variants}
        for extra in variants.values():  # warm-up: bytecode caches, page cache
            _collect_once(root, extra, env)
        for i in range(runs):
            order = list(variants.items())
            if i % 2:
                order.reverse()
            for key, extra in order:
                times[key].append(_collect_once(root, extra, env))
        import_ms, modules = _extra_imports_ms(root, env)
    with_t, without_t = times["with plugin"], times["-p no:aws_lambda"]
    diffs = [a - b for a, b in zip(with_t, without_t, strict=True)]
    q1, _, q3 = statistics.quantiles(diffs, n=4)
    print(f"  with plugin median {_fmt_ms(statistics.median(with_t))} (min {_fmt_ms(min(with_t))}),"
          f" -p no:aws_lambda median {_fmt_ms(statistics.median(without_t))} "
          f"(min {_fmt_ms(min(without_t))}), {runs} runs each, alternating")
    print(f"  paired differences: median {_fmt_ms(statistics.median(diffs))}, IQR "
          f"{_fmt_ms(q1)} .. {_fmt_ms(q3)}; difference of minimums "
          f"{_fmt_ms(min(with_t) - min(without_t))}")
    print(f"  modules only the plugin run imports: {len(modules)}, {import_ms:.1f} ms self time "
          f"({', '.join(modules[:6])}{', ...' if len(modules) > 6 else ''})")
    return [
        Row("pytest --collect-only added (median paired diff)",
            statistics.median(diffs) / 1e6, "ms", 30.0,
            f"IQR {q1 / 1e6:.0f}..{q3 / 1e6:.0f} ms: wall time on a shared machine is noisy"),
        Row("pytest --collect-only added (diff of minimums)",
            (min(with_t) - min(without_t)) / 1e6, "ms", 30.0,
            f"plugin-only imports {import_ms:.1f} ms"),
    ]


def profile(code_dir: Path) -> None:
    """cProfile listings of the warm invoke and cold start paths."""
    event = {"id": "o-1", "items": [1, 2, 3]}
    cases: dict[str, tuple[LambdaFunction, Callable[[LambdaFunction], Any], int]] = {
        "warm invoke (capture+memory)": (
            LambdaFunction("bench_warm_app.handler", code_dir=code_dir, name="prof-warm"),
            lambda fn: fn.invoke(event), 3000),
        "cold_start()+invoke (capture+memory)": (
            LambdaFunction("bench_cold_app.handler", code_dir=code_dir, name="prof-cold"),
            lambda fn: (fn.cold_start(), fn.invoke(event)), 200),
    }
    for title, (fn, call, n) in cases.items():
        call(fn)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(n):
            call(fn)
        prof.disable()
        fn.close()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        by_module: dict[str, float] = {}
        total = 0.0
        for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
            module = _module_label(filename)
            by_module[module] = by_module.get(module, 0.0) + tottime
            total += tottime
        print(f"\n--- cProfile: {title}, {n} calls: own time per module, µs per call "
              "(profiler overhead inflates absolute figures) ---")
        for module, seconds in sorted(by_module.items(), key=lambda kv: -kv[1])[:14]:
            print(f"  {seconds / n * 1e6:8.1f} µs  {seconds / total:5.1%}  {module}")
        stats.sort_stats("tottime").print_stats(16)
        print("--- top functions by own time ---")
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


def _module_label(filename: str) -> str:
    """``pytest_lambda/runtime/inprocess.py`` for our files, else the stdlib module or builtin."""
    if "pytest_lambda" in filename:
        return "pytest_lambda/" + filename.split("pytest_lambda/", 1)[1]
    if filename == "~":
        return "builtins (C functions)"
    return "other: " + Path(filename).name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    parser.add_argument("--profile", action="store_true",
                        help="also print cProfile listings of warm invoke and cold start")
    parser.add_argument("--skip-collect", action="store_true",
                        help="skip the pytest --collect-only comparison")
    args = parser.parse_args(argv)
    q = args.quick
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp:
        code_dir = Path(tmp)
        (code_dir / "bench_warm_app.py").write_text(HANDLER_SOURCE)
        (code_dir / "bench_cold_app.py").write_text(COLD_SOURCE)
        (code_dir / "bench_timeout_app.py").write_text(TIMEOUT_SOURCE)
        print(f"pytest-aws-lambda core benchmark — Python {sys.version.split()[0]}, "
              f"{sys.platform}, {os.cpu_count()} CPUs")
        rows: list[Row] = []
        print("\n[1] warm invoke vs bare handler call")
        rows += bench_warm(code_dir, reps=2000 if q else 20000, rounds=10 if q else 50,
                           growth=1000 if q else 5000)
        print("\n[2] cold start vs fresh import by hand")
        rows += bench_cold(code_dir, reps=30 if q else 200)
        print("\n[3] timeout precision (timeout=1)")
        rows += bench_timeout(code_dir, runs=2 if q else 5)
        if not args.skip_collect:
            print("\n[4] pytest --collect-only, 50 trivial tests")
            rows += bench_collect(runs=4 if q else 20)
        if args.profile:
            profile(code_dir)
    width = max(len(r.metric) for r in rows)
    print(f"\n{'metric':<{width}}  {'measured':>10}  {'target':>10}  result  detail")
    print("-" * (width + 40))
    for r in rows:
        target = "-" if r.target is None else f"≤ {r.target:g} {r.unit}"
        print(f"{r.metric:<{width}}  {r.measured:>7.2f} {r.unit:<2}  {target:>10}  "
              f"{r.verdict:<6}  {r.note}")
    print(f"\ntotal run time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
