"""What coverage costs per warm invoke: ``python bench/bench_coverage.py [--quick]``.

Runs each configuration in a fresh interpreter (coverage must start before the function is
made), invokes a warm function many times and prints the median per invoke, side by side:

* in-process, without and with coverage.py measuring the test process (branch on);
* process isolation, without and with coverage (the worker then measures too and saves its
  data file after every invocation: that save is the added cost).

Timings are never asserted in the test suite; they are watched here. Figures from one run are
comparable with each other; the machine is shared, so do not compare across runs.
"""

from __future__ import annotations

import argparse
import json
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
    if measure == "1":
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


def _run(measure: bool, isolation: str, code: Path, data: Path, n: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, "1" if measure else "0", isolation, str(code),
         str(data / ".coverage"), str(n)], check=True, capture_output=True, text=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer invocations")
    n = 100 if parser.parse_args().quick else 500
    with tempfile.TemporaryDirectory() as tmp:
        code, data = Path(tmp, "task"), Path(tmp, "data")
        code.mkdir()
        data.mkdir()
        (code / "app.py").write_text(_HANDLER)
        print(f"median warm invoke over {n} invocations (ms)")
        print(f"{'isolation':<12}{'no coverage':>14}{'coverage':>12}{'added':>10}{'ratio':>8}")
        for isolation in ("in-process", "process"):
            off = _run(False, isolation, code, data, n)
            on = _run(True, isolation, code, data, n)
            print(f"{isolation:<12}{off:>14.3f}{on:>12.3f}{on - off:>10.3f}{on / off:>8.2f}")


if __name__ == "__main__":
    main()
