"""1,000 invocations drawn from handler faults leave the test process exactly as it was."""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture

FAULTS = """
import logging, os, signal, sys, threading, time
def spin():
    x = 0
    for i in range(20000):
        x += i
def handler(event, context):
    kind = event["kind"]
    os.environ["FUZZ_" + kind.upper()] = "1"
    sys.path.append("/nonexistent/" + kind)
    logging.getLogger("fuzz." + kind).setLevel(logging.DEBUG)
    if kind == "raise":
        raise ValueError(kind)
    if kind == "exit":
        sys.exit(2)
    if kind == "os_exit":
        os._exit(9)
    if kind == "sleep":
        time.sleep(5)
    if kind == "swallow":
        while True:
            try:
                spin()
            except BaseException:
                pass
    if kind == "ignore":
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            spin()
    if kind == "cancel":
        signal.setitimer(signal.ITIMER_REAL, 0)
        while True:
            spin()
    if kind == "block":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGUSR2})
        if event.get("spin"):
            while True:
                spin()
    if kind == "handlers":
        signal.signal(signal.SIGALRM, lambda *a: None)
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    if kind == "thread":
        threading.Thread(target=time.sleep, args=(0.05,), daemon=True).start()
    if kind == "output":
        line = "o" * 511
        for _ in range(1000):
            print(line)
    return kind
"""

#: (kind, weight, event extras): timeouts are a few percent, so the run takes seconds.
DRAWS = [("ok", 60, {}), ("raise", 30, {}), ("exit", 16, {}), ("block", 16, {}),
         ("handlers", 16, {}), ("thread", 16, {}), ("output", 6, {}), ("sleep", 1, {}),
         ("swallow", 1, {}), ("ignore", 1, {}), ("cancel", 1, {}),
         ("block", 1, {"spin": True})]


def _state() -> dict[str, Any]:
    loggers = logging.root.manager.loggerDict
    return {
        "signals": {s: signal.getsignal(s) for s in signal.valid_signals()
                    if s not in (signal.SIGKILL, signal.SIGSTOP)},
        "mask": signal.pthread_sigmask(signal.SIG_BLOCK, ()),
        "itimer": signal.getitimer(signal.ITIMER_REAL),
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
        "modules": set(sys.modules),
        "path": list(sys.path),
        "fds": sorted(os.listdir("/proc/self/fd")),
        "root": (logging.root.level, list(logging.root.handlers)),
        "loggers": {n: (getattr(lg, "level", None), list(getattr(lg, "handlers", [])))
                    for n, lg in loggers.items()},
        "trace": (sys.gettrace(), sys.getprofile()),
        "hooks": (sys.unraisablehook, sys.excepthook, threading.excepthook),
        "streams": (sys.stdout, sys.stderr),
    }


def _other_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if not t.name.startswith("pytest-lambda")}


def test_thousand_faulty_invocations_leave_the_process_unchanged(code: CodeWriter) -> None:
    """Raise, exit, os._exit (process), timeouts, signal tampering, threads and output: no trace."""
    root = code(faults=FAULTS)
    fn = LambdaFunction("faults.handler", code_dir=root, timeout=1)
    # A 0.05 s timeout (below Lambda's 1 s minimum, set past validation) keeps the run short.
    fn.config = dataclasses.replace(fn.config, timeout=0.05)  # type: ignore[arg-type]
    worker = LambdaFunction("faults.handler", code_dir=root, isolation="process")
    fn.invoke({"kind": "ok"})  # the plugin's own lazy imports and watchdog thread first
    fn.cold_start()
    # The same for process workers: their modules and the per-process template (zygote) the
    # first process-isolated cold start starts, which stays for the session by design.
    worker.invoke({"kind": "ok"})
    worker.cold_start()
    threads = _other_threads()
    before = _state()
    rng = random.Random(1010)
    kinds = [k for k, w, _ in DRAWS for _ in range(w)]
    extras = {k: e for k, _, e in DRAWS}
    seen: dict[str, int] = {}
    for i in range(1000):
        if i % 250 == 125:  # a new worker process each time: a few are enough
            r = worker.invoke({"kind": "os_exit"})
            assert r.report is not None and r.report.error_type == "Runtime.ExitError"
            seen["os_exit"] = seen.get("os_exit", 0) + 1
            continue
        index = rng.randrange(len(kinds))
        kind = kinds[index]
        event = {"kind": kind, **(extras[kind] if index >= len(kinds) - 1 else {})}
        r = fn.invoke(event)
        if kind in ("sleep", "swallow", "ignore", "cancel") or event.get("spin"):
            assert r.timed_out, (i, kind)
        seen[kind] = seen.get(kind, 0) + 1
    worker.close()
    fn.close()
    deadline = time.monotonic() + 2
    while _other_threads() - threads and time.monotonic() < deadline:
        time.sleep(0.01)  # the handlers' own short-lived threads end
    assert _other_threads() == threads
    assert _state() == before
    assert set(seen) >= {"ok", "raise", "exit", "os_exit", "sleep", "swallow", "ignore",
                         "cancel", "block", "handlers", "thread", "output"}
