"""Timeouts on the real clock, and remaining time on the handler's (possibly frozen) clock."""

from __future__ import annotations

import itertools
import threading
import time
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter, Shortener  # the shared aliases of fixtures


SLOW = """
import time
def sleeper(event, context):
    if event.get("quick"):
        return "quick"
    time.sleep(5)
def spinner(event, context):
    if event.get("quick"):
        return "quick"
    while True:
        pass
def stubborn(event, context):
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        try:
            time.sleep(0.01)
        except BaseException:
            pass
    return "ran on"
def budget(event, context):
    seen = [context.get_remaining_time_in_millis()]
    while seen[-1] > 500:
        seen.append(context.get_remaining_time_in_millis())
    return seen
"""


def _timed(fn: LambdaFunction) -> tuple[float, object]:
    """The wall time of one invocation that times out, and its result. Its environment is
    warm first: the cold start before it (a fraction of a second on a loaded machine) is not
    part of what the timeout bounds, and counted in, it failed a bound once (1.51 s for a 1 s
    timeout on Python 3.12 under load)."""
    assert fn.invoke({"quick": True}).payload == "quick"
    started = time.perf_counter()
    r = fn.invoke({})
    return time.perf_counter() - started, r


@pytest.mark.parametrize(("handler", "seconds"), [("sleeper", 1.0), ("spinner", 0.2)])
def test_timeout_stops_handler(code: CodeWriter, short_timeout: Shortener, handler: str,
                               seconds: float) -> None:
    """Sleeping and CPU-bound handlers are stopped at the limit with Lambda's payload (the
    CPU-bound one at 0.2 s, below Lambda's 1 s minimum: a second of spinning is not needed to
    show it is stopped)."""
    fn = LambdaFunction(f"slow.{handler}", code_dir=code(slow=SLOW), timeout=1)
    fn = short_timeout(fn, seconds)
    elapsed, r = _timed(fn)
    assert seconds <= elapsed < seconds + 0.5
    assert r.timed_out  # type: ignore[attr-defined]
    assert r.payload == {  # type: ignore[attr-defined]
        "errorType": "Sandbox.Timedout",
        "errorMessage": (f"RequestId: {r.request_id} Error: "  # type: ignore[attr-defined]
                         f"Task timed out after {seconds:.2f} seconds"),
    }
    last = r.logs.messages[-1]  # type: ignore[attr-defined]
    assert last.startswith(f"REPORT RequestId: {r.request_id}\tDuration: {seconds * 1000:.2f} ms\t"  # type: ignore[attr-defined]
                           "Billed Duration: ")
    assert last.endswith("\tStatus: timeout\n")
    after = fn.invoke({"quick": True})
    assert after.cold_start is True and after.payload == "quick"


def test_swallowed_timeout_is_still_a_timeout(code: CodeWriter,
                                              short_timeout: Shortener) -> None:
    """A handler that swallows every interruption (for 0.5 s) is reported timed out at its
    timeout (0.2 s)."""
    fn = short_timeout(LambdaFunction("slow.stubborn", code_dir=code(slow=SLOW)))
    r = fn.invoke({})
    assert r.timed_out  # type: ignore[attr-defined]
    assert r.payload["errorType"] == "Sandbox.Timedout"  # type: ignore[attr-defined]
    assert r.report.duration_ms == 200.0  # type: ignore[attr-defined]


def test_timeout_from_non_main_thread(code: CodeWriter, short_timeout: Shortener) -> None:
    """An invocation started from another thread is stopped too (CPU loop and sleep)."""
    fn = short_timeout(LambdaFunction("slow.spinner", code_dir=code(slow=SLOW)))
    sleeper = short_timeout(LambdaFunction("slow.sleeper", code_dir=fn.config.code_dir))
    out: list[object] = []
    for f in (fn, sleeper):
        t = threading.Thread(target=lambda f=f: out.append(_timed(f)))
        t.start()
        t.join(10)
        assert not t.is_alive()
    assert [r.timed_out for _, r in out] == [True, True]  # type: ignore[attr-defined]
    assert all(0.2 <= elapsed < 0.8 for elapsed, _ in out)


def test_existing_alarm_is_restored(code: CodeWriter) -> None:
    """A SIGALRM timer set by someone else (pytest-timeout) survives an invocation."""
    import signal

    fired: list[int] = []
    old = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        quick = SLOW.replace("while True", "for _ in range(10)")
        LambdaFunction("slow.spinner", code_dir=code(slow=quick), timeout=1).invoke({})
        time.sleep(0.5)
        assert fired == [1]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class _TestTimedOut(Exception):
    pass


def test_a_test_timer_that_runs_out_during_an_invocation_fires_at_the_invoke_line(
        code: CodeWriter) -> None:
    """pytest-timeout's signal method: its timer, suspended during the phase, ran out there.
    Restarted 1 ms later it fired inside the plugin's restore or pytest's own hooks
    (INTERNALERROR, a passed test erroring at teardown); now its handler's exception comes out
    of ``invoke()`` once the invocation is complete and recorded."""
    import signal

    def test_timeout(signum: int, frame: object) -> None:
        raise _TestTimedOut("Timeout (>0.2s) from the test's own timer")

    old = signal.signal(signal.SIGALRM, test_timeout)
    nap = "import time\ndef handler(event, context):\n    time.sleep(event)\n"
    fn = LambdaFunction("nap.handler", code_dir=code(nap=nap), timeout=3)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(_TestTimedOut):
            fn.invoke(0.5)
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        [duration] = fn.metrics.values("Duration")  # recorded before the exception
        assert duration >= 500
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        fn.close()


def test_remaining_time_follows_freezegun(code: CodeWriter) -> None:
    """Under freezegun, remaining time moves with the fake clock, so budgets are testable."""
    import freezegun

    fn = LambdaFunction("slow.budget", code_dir=code(slow=SLOW), timeout=10)
    with freezegun.freeze_time("2024-01-01", auto_tick_seconds=1):
        seen = fn.invoke({}).payload
    assert seen[0] <= 10_000
    assert seen[-1] <= 500
    # Each call ticks the fake clock 1 s; a call from another thread of the test process
    # (freezegun's clock is global) ticks it too, so a step is one or more whole seconds.
    assert all(a - b >= 1000 and (a - b) % 1000 == 0 for a, b in itertools.pairwise(seen))
    assert sum(a - b == 1000 for a, b in itertools.pairwise(seen)) >= len(seen) // 2


def test_remaining_time_follows_time_machine(code: CodeWriter) -> None:
    """Under time-machine without ticking, remaining time stays at the full timeout."""
    import time_machine

    root = code(ctx="def handler(e, c):\n    return c.get_remaining_time_in_millis()\n")
    fn = LambdaFunction("ctx.handler", code_dir=root, timeout=7)
    with time_machine.travel("2024-01-01", tick=False):
        assert fn.invoke({}).payload == 7000


def test_freezegun_does_not_break_timeout(code: CodeWriter, short_timeout: Shortener) -> None:
    """Timeouts are enforced on the real clock even when time is frozen."""
    import freezegun

    fn = short_timeout(LambdaFunction("slow.spinner", code_dir=code(slow=SLOW)))
    with freezegun.freeze_time("2024-01-01"):
        elapsed, r = _timed(fn)
    assert r.timed_out  # type: ignore[attr-defined]
    assert elapsed < 0.7
    assert r.report.duration_ms == 200.0  # type: ignore[attr-defined]


MOTO_LOOP = """
import boto3

s3 = boto3.client("s3", region_name="us-east-1")

def handler(event, context):
    while True:  # calls served by moto until the timeout
        s3.list_buckets()
"""


def test_a_timed_out_invocations_duration_is_the_timeout_under_moto(
        code: CodeWriter, short_timeout: Shortener) -> None:
    """Time moto spends serving the handler is taken off a finished phase's Duration; a timed-out
    one was stopped at the timeout, so its Duration is the timeout (it was shown below it)."""
    pytest.importorskip("moto")
    from pytest_lambda.service.aws import MockedAws

    with MockedAws("us-east-1"), \
            short_timeout(LambdaFunction("app.handler", code_dir=code(app=MOTO_LOOP))) as fn:
        r = fn.invoke({})
    assert r.timed_out and r.report is not None
    assert r.report.duration_ms == 200.0
    # Python 3.12 could leave the HandlerTimeout in the thread's handled-exception slot (a
    # timeout inside botocore's generators): every later exception got it as its context.
    import sys

    assert sys.exc_info() == (None, None, None)


def test_a_phase_that_returned_past_its_deadline_is_a_timeout(
        code: CodeWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler that returned, but only after its deadline (a loaded machine: the process got
    no CPU for a moment, so the timer's signal found no handler code to land in): Lambda's
    timeout, not an ``AttributeError`` from ``invoke`` (the fault fuzz met it under CI load)."""
    from pytest_lambda.runtime import inprocess

    with LambdaFunction("app.handler", code_dir=code(
            app="def handler(event, context):\n    return 'ok'\n"), timeout=1) as fn:
        assert fn.invoke({}).payload == "ok"
        readings = iter([100.0, 102.0])  # the phase's start and end: 2 s apart
        real = inprocess.real_perf
        monkeypatch.setattr(inprocess, "real_perf", lambda: next(readings, None) or real())
        r = fn.invoke({})
    assert r.timed_out and r.payload["errorType"] == "Sandbox.Timedout"


def test_a_caller_past_its_deadline_runs_no_further_once_its_inner_invocation_ends() -> None:
    """An invocation made from inside another function's phase (Lambda's Invoke served
    in-process) that ends after the caller's deadline: the caller's timeout lands as soon as
    the wait ends, not when the caller's timer next fires (a millisecond later, by which time
    the caller had logged its next line: "outer after", 1 run in 4 under load)."""
    from pytest_lambda.runtime.timeout import Deadline, HandlerTimeout, outer_phase_waits

    ran_on: list[bool] = []

    def caller() -> None:
        with outer_phase_waits():
            Deadline(5).run(lambda: time.sleep(0.15))  # the inner phase, past the caller's 0.1 s
        ran_on.append(True)

    with pytest.raises(HandlerTimeout):
        Deadline(0.1).run(caller)
    assert ran_on == []
