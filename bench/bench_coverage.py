"""What coverage costs per warm invoke: ``python bench/bench_coverage.py [--quick]``.

Runs each configuration in a fresh interpreter (coverage must start before the function is
made), invokes a warm function many times and prints the median per invoke, side by side:

* in-process, without and with coverage.py measuring the test process (branch on);
* process isolation, without and with coverage (the worker then measures too and saves its
  data file after every invocation: that save is the added cost);
* both with coverage but without the per-function coverage context (``lambda:<function>``)
  switched around each invocation, to show what the context switch costs (coverage flushes
  its collected lines to the data file at each switch).

Configurations run in interleaved rounds (``--rounds``); the table shows the median and the
minimum over rounds of each round's median.

Timings are never asserted in the test suite; they are watched here. Figures from one run are
comparable with each other; the machine is shared, so do not compare across runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

_CHILD = textwrap.dedent('''
    import json, statistics, sys, time
    from pathlib import Path
    measure, isolation, code_dir, data_file, n = sys.argv[1:6]
    cov = None
    if measure == "2":  # coverage on, the per-function context switch off
        import contextlib
        import pytest_lambda.function
        pytest_lambda.function.function_context = lambda name: contextlib.nullcontext()
    if measure in ("1", "2"):
        import coverage
        cov = coverage.Coverage(data_file=data_file, data_suffix=True, branch=True,
                                source=[code_dir], config_file=False)
        cov.start()
    from pytest_lambda import LambdaFunction
    fn = LambdaFunction("app.handler", code_dir=code_dir, isolation=isolation)
    fn.invoke({"n": 0})
    times = []
    for i in range(int(n)):
        t = time.perf_counter_ns()
        fn.invoke({"n": i})
        times.append(time.perf_counter_ns() - t)
    fn.close()
    if cov is not None:
        cov.stop()
        cov.save()
    print(json.dumps(statistics.median(times) / 1e6))
''')

_HANDLER = textwrap.dedent('''
    def handler(event, context):
        total = 0
        for i in range(event["n"] % 50):
            total += i if i % 2 else -i
        return {"total": total}
''')


#: (label, child's measure argument): no coverage, coverage, coverage without contexts.
_CONFIGS = (("no coverage", "0"), ("coverage", "1"), ("cov, no ctx", "2"))


def _run(measure: str, isolation: str, code: Path, data: Path, n: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, measure, isolation, str(code),
         str(data / ".coverage"), str(n)], check=True, capture_output=True, text=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer invocations")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    args = parser.parse_args()
    n = 100 if args.quick else 500
    with tempfile.TemporaryDirectory() as tmp:
        code, data = Path(tmp, "task"), Path(tmp, "data")
        code.mkdir()
        data.mkdir()
        (code / "app.py").write_text(_HANDLER)
        print(f"warm invoke (ms): median / min over {args.rounds} rounds of each round's "
              f"median over {n} invocations")
        print(f"{'isolation':<12}" + "".join(f"{label:>18}" for label, _ in _CONFIGS)
              + f"{'cov ratio':>11}{'ctx cost':>10}")
        for isolation in ("in-process", "process"):
            rounds: dict[str, list[float]] = {m: [] for _, m in _CONFIGS}
            for _ in range(args.rounds):
                for _, measure in _CONFIGS:
                    rounds[measure].append(_run(measure, isolation, code, data, n))
            med = {m: statistics.median(v) for m, v in rounds.items()}
            cells = "".join(f"{med[m]:>10.3f} /{min(rounds[m]):>6.3f}" for _, m in _CONFIGS)
            print(f"{isolation:<12}{cells}{med['1'] / med['0']:>11.2f}"
                  f"{med['1'] - med['2']:>10.3f}")


if __name__ == "__main__":
    main()
