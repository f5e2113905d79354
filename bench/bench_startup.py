"""Start-up and scale-out benchmarks: ``python bench/bench_startup.py [--tree DIR ...]``.

Prints, side by side in one run:

* import: ``from pytest_lambda import LambdaFunction`` and the first invoke (fresh interpreter,
  minus the interpreter's own start), and ``import pytest_lambda.plugin``;
* cold start: ``cold_start(); invoke()`` of a trivial handler, in-process, in process isolation
  and for Node.js (when ``node`` is installed);
* timeout lateness: how long after its call plus the handler's 1 s limit ``invoke`` returns, on
  a warm environment, per mode: a sleeping handler, a spinning one, and one stuck in C (process
  isolation: only a kill stops it);
* xdist: wall time of a generated suite (about 20 s serially on an idle 2-core machine)
  serially and with ``-n 2``, and the per-worker start-up cost (``-n 2`` versus ``-n 0`` on a
  two-test suite), with plugin autoloading off and only xdist and this plugin loaded;
* event source mapping drains: 100 and 1,000 SQS messages through a mapping on moto.

``--tree DIR`` (repeatable) runs every measurement against the package in ``DIR`` (put first on
``PYTHONPATH``), interleaving the trees round by round, so a before/after comparison is one
run: ``python bench/bench_startup.py --tree /path/to/main --tree .``. Each sample runs in a fresh
interpreter. ``--quick`` cuts repetitions and suite sizes for a smoke run; ``--only`` picks
sections. Timings are never asserted in the test suite; this script is where they are watched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

SECTIONS = ("import", "cold", "timeout", "xdist", "drain")
_PYCACHE = os.path.join(tempfile.gettempdir(), "pytest-lambda-bench-pycache")
TARGETS = {
    "import + first invoke": 20.0,
    "cold start, process": 10.0,
    "timeout late, process (stuck in C)": 5.0,
    "timeout late, process (sleep)": 5.0,
    "drain 1000 SQS messages": 2000.0,
}

APP = '''\
import itertools, os, time


def trivial(event, context):
    return event


def sleeper(event, context):
    if event.get("warm"):
        return
    time.sleep(10)


def spinner(event, context):
    if event.get("warm"):
        return
    n = 0
    while True:
        n += 1


def stuck(event, context):
    if event.get("warm"):
        return
    sum(itertools.repeat(1, 10 ** 12))  # C code: no Python signal handler runs meanwhile


def batch(event, context):
    return {"n": len(event["Records"])}
'''

NODE_APP = '''\
exports.trivial = async (event) => event;
exports.sleeper = async (event) => {
  if (event.warm) return null;
  await new Promise((r) => setTimeout(r, 10000));
};
exports.spinner = async (event) => {
  if (event.warm) return null;
  for (;;) {}
};
'''


def _child(section: str, code_dir: str, quick: bool) -> dict[str, Any]:
    """One sample set of ``section``, measured in this (fresh) interpreter."""
    return {"cold": _cold, "timeout": _timeout, "drain": _drain}[section](Path(code_dir), quick)


def _cold(code_dir: Path, quick: bool) -> dict[str, Any]:
    from pytest_lambda import LambdaFunction

    out: dict[str, Any] = {}
    modes = [("in-process", "app.trivial", {}), ("process", "app.trivial",
                                                 {"isolation": "process"})]
    if shutil.which("node"):
        modes.append(("node", "index.trivial", {"runtime": "nodejs20.x"}))
    for label, handler, kwargs in modes:
        with LambdaFunction(handler, code_dir=code_dir, **kwargs) as fn:
            fn.invoke({})  # the first one may start helpers (the worker template)
            samples = []
            for _ in range(5 if quick else 15):
                fn.cold_start()
                t0 = time.perf_counter()
                r = fn.invoke({})
                samples.append((time.perf_counter() - t0) * 1000)
                assert r.cold_start and r.function_error is None, r.payload
        out[f"cold start, {label}"] = samples
    return out


def _timeout(code_dir: Path, quick: bool) -> dict[str, Any]:
    """How long after ``invoke`` was called plus the 1 s limit it returns, on a warm
    environment (a timed-out one is discarded: each sample first warms a new one up)."""
    from pytest_lambda import LambdaFunction

    out: dict[str, Any] = {}
    cases = [("in-process", "app", {}, ("sleeper", "spinner")),
             ("process", "app", {"isolation": "process"}, ("sleeper", "spinner", "stuck"))]
    if shutil.which("node"):
        cases.append(("node", "index", {"runtime": "nodejs20.x"}, ("sleeper", "spinner")))
    for label, module, kwargs, kinds in cases:
        for kind in kinds:
            with LambdaFunction(f"{module}.{kind}", code_dir=code_dir, timeout=1,
                                **kwargs) as fn:
                samples = []
                for _ in range(2 if quick else 4):
                    assert fn.invoke({"warm": True}).function_error is None
                    t0 = time.perf_counter()
                    r = fn.invoke({})
                    returned = time.perf_counter()
                    assert r.timed_out, r.payload
                    samples.append((returned - t0 - 1.0) * 1000)
            name = {"stuck": "stuck in C", "sleeper": "sleep", "spinner": "spin"}[kind]
            out[f"timeout late, {label} ({name})"] = samples
    return out


def _drain(code_dir: Path, quick: bool) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from pytest_lambda import LambdaFunction
    from pytest_lambda.sources import create_event_source_mapping

    out: dict[str, Any] = {}
    for count in (100, 1000):
        with mock_aws():
            sqs = boto3.client("sqs", region_name="us-east-1")
            url = sqs.create_queue(QueueName="q")["QueueUrl"]
            for start in range(0, count, 10):
                sqs.send_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "MessageBody": f"m{start + i}"}
                    for i in range(min(10, count - start))])
            with LambdaFunction("app.batch", code_dir=code_dir) as fn:
                mapping = create_event_source_mapping(
                    fn, "arn:aws:sqs:us-east-1:123456789012:q")
                t0 = time.perf_counter()
                results = mapping.drain()
                elapsed = (time.perf_counter() - t0) * 1000
            assert sum(r.payload["n"] for r in results) == count
        out[f"drain {count} SQS messages"] = [elapsed]
    return out


def _run_child(tree: str | None, section: str, code_dir: Path, quick: bool) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", section, "--code-dir", str(code_dir)]
    if quick:
        cmd.append("--quick")
    proc = subprocess.run(cmd, env=_env(tree), capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"{section} failed under {tree or 'the installed package'}:\n"
                         f"{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def _env(tree: str | None) -> dict[str, str]:
    # Bytecode is cached (in a directory of our own, not in the trees): users' imports read
    # .pyc files, and PYTHONDONTWRITEBYTECODE would make every sample compile from source.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTEST_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = _PYCACHE
    if tree:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [tree, os.environ.get("PYTHONPATH")]))
    return env


def _warm_up(tree: str | None) -> None:
    """Byte-compile the package (and pytest) for ``tree`` before anything is timed."""
    import _pytest

    roots = [os.path.join(tree, "pytest_lambda")] if tree else []
    roots.append(os.path.dirname(_pytest.__file__))
    subprocess.run([sys.executable, "-m", "compileall", "-q", *roots], env=_env(tree),
                   capture_output=True, check=False)
    subprocess.run([sys.executable, "-c", "import pytest_lambda.function, pytest_lambda.plugin"],
                   env=_env(tree), capture_output=True, check=False)


def _wall_ms(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=1800)
    elapsed = (time.perf_counter() - t0) * 1000
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return elapsed


_IMPORT_PROBE = """\
import sys, time
t0 = time.perf_counter()
from pytest_lambda import LambdaFunction
t1 = time.perf_counter()
with LambdaFunction("app.trivial", code_dir=sys.argv[1]) as fn:
    fn.invoke({})
t2 = time.perf_counter()
import json
print(json.dumps([(t1 - t0) * 1000, (t2 - t1) * 1000]))
"""
_PLUGIN_PROBE = """\
import time
import pytest  # the plugin's own cost is what comes on top of pytest's
t0 = time.perf_counter()
import pytest_lambda.plugin
print((time.perf_counter() - t0) * 1000)
"""


def _import_sample(tree: str | None, code_dir: Path) -> dict[str, list[float]]:
    env = _env(tree)
    proc = subprocess.run([sys.executable, "-c", _IMPORT_PROBE, str(code_dir)], env=env,
                          capture_output=True, text=True, check=True)
    imp, first = json.loads(proc.stdout)
    plugin = float(subprocess.run([sys.executable, "-c", _PLUGIN_PROBE], env=env,
                                  capture_output=True, text=True, check=True).stdout)
    return {"import pytest_lambda + LambdaFunction": [imp], "first invoke": [first],
            "import + first invoke": [imp + first], "import pytest_lambda.plugin": [plugin]}


def _suite(root: Path, tests: int, invokes: int, work: int) -> None:
    """A project of ``tests`` tests, each invoking a handler ``invokes`` times; ``work`` is the
    handler's own CPU work per invocation (a loop count)."""
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "src" / "svc.py").write_text(textwrap.dedent(f"""\
        def handler(event, context):
            n = 0
            for i in range({work}):
                n += i
            return {{"n": n, "id": event["id"]}}
        """))
    (root / "pytest.ini").write_text("[pytest]\nlambda_code_dir = src\n")
    files = 8
    per_file = max(tests // files, 1)
    for f in range(files):
        (root / f"test_svc{f}.py").write_text(textwrap.dedent(f"""\
            import pytest


            @pytest.mark.parametrize("i", range({per_file}))
            def test_invokes(lambda_function, i):
                fn = lambda_function("svc.handler")
                for k in range({invokes}):
                    assert fn.invoke({{"id": k}}).payload["id"] == k
            """))


def _xdist_sample(tree: str | None, big: Path, small: Path) -> dict[str, list[float]]:
    # Only xdist and this plugin: other plugins installed here (hypothesis alone takes ~0.7 s
    # to import) would be start-up cost of every worker that is not ours.
    env = {**_env(tree), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "xdist.plugin",
            "-p", "pytest_lambda.plugin"]
    serial = _wall_ms([*base, "-n", "0"], env, big)
    parallel = _wall_ms([*base, "-n", "2"], env, big)
    small_serial = _wall_ms([*base, "-n", "0"], env, small)
    small_parallel = _wall_ms([*base, "-n", "2"], env, small)
    return {"xdist suite serial": [serial], "xdist suite -n 2": [parallel],
            "xdist speedup (-n 2)": [serial / parallel],
            "xdist per-worker start-up (-n 2 minus -n 0, 2 tests)": [small_parallel
                                                                     - small_serial]}


def _merge(into: dict[str, list[float]], new: dict[str, list[float]]) -> None:
    for key, values in new.items():
        into.setdefault(key, []).extend(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", default=[],
                        help="a source tree to measure (repeat to compare)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, small suites")
    parser.add_argument("--only", action="append", choices=SECTIONS, help="sections to run")
    parser.add_argument("--rounds", type=int, default=0, help="interleaved rounds per section")
    parser.add_argument("--child", choices=SECTIONS, help=argparse.SUPPRESS)
    parser.add_argument("--code-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.code_dir, args.quick)))
        return 0
    trees: list[str | None] = [str(Path(t).resolve()) for t in args.tree] or [None]
    sections = args.only or list(SECTIONS)
    q = args.quick
    rounds = args.rounds or (1 if q else 3)
    load = os.getloadavg()
    print(f"pytest-aws-lambda start-up benchmark — Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    started = time.perf_counter()
    results: dict[str | None, dict[str, list[float]]] = {t: {} for t in trees}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        code_dir = Path(tmp, "code")
        code_dir.mkdir()
        (code_dir / "app.py").write_text(APP)
        (code_dir / "index.js").write_text(NODE_APP)
        big, small = Path(tmp, "suite"), Path(tmp, "small")
        if "xdist" in sections:
            # About 20 s serially on an idle 2-core machine (400 tests x 50 invokes).
            _suite(big, 80 if q else 400, 50, 2000 if q else 20000)
            _suite(small, 2, 1, 1)
        for tree in trees:
            _warm_up(tree)
        for section in sections:
            print(f"\n[{section}]", flush=True)
            for r in range(rounds * (10 if section == "import" else 1)):
                order = trees if r % 2 == 0 else list(reversed(trees))
                for tree in order:
                    if section == "import":
                        sample = _import_sample(tree, code_dir)
                    elif section == "xdist":
                        sample = _xdist_sample(tree, big, small)
                    else:
                        sample = _run_child(tree, section, code_dir, q)
                    _merge(results[tree], sample)
            keys = [k for k in results[trees[0]] if _section_of(k) == section]
            _print_table(keys, trees, results)
    print(f"\nload average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"total run time {time.perf_counter() - started:.0f} s")
    return 0


def _section_of(key: str) -> str:
    for prefix, section in (("import", "import"), ("first", "import"), ("cold", "cold"),
                            ("timeout", "timeout"), ("xdist", "xdist"), ("drain", "drain")):
        if key.startswith(prefix):
            return section
    return ""


def _print_table(keys: list[str], trees: list[str | None],
                 results: dict[str | None, dict[str, list[float]]]) -> None:
    names = [t or "installed" for t in trees]
    width = max(len(k) for k in keys) if keys else 10
    header = "".join(f"  {Path(n).name[:22]:>24}" for n in names)
    print(f"  {'metric (min / median)':<{width}}{header}  target")
    for key in keys:
        unit = "x" if "speedup" in key else "ms"
        cells = []
        for tree in trees:
            values = results[tree].get(key, [])
            if not values:
                cells.append(f"  {'-':>24}")
                continue
            low = max(values) if unit == "x" else min(values)
            cells.append(f"  {f'{low:.2f} / {statistics.median(values):.2f} {unit}':>24}")
        target = TARGETS.get(key)
        goal = "≥ 1.7x" if unit == "x" else (f"≤ {target:g} ms" if target else "")
        print(f"  {key:<{width}}{''.join(cells)}  {goal}")
    if len(trees) == 2:
        for key in keys:
            a, b = (results[t].get(key) for t in trees)
            if a and b and "speedup" not in key and statistics.median(b) > 0:
                print(f"    {key}: {names[0]} / {names[1]} median ratio "
                      f"{statistics.median(a) / statistics.median(b):.1f}x")


if __name__ == "__main__":
    sys.exit(main())
