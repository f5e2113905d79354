"""In-process timeouts a handler cannot defeat, and signal state that never leaks back."""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import TYPE_CHECKING, Any

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import HandlerNotStopped

if TYPE_CHECKING:
    from conftest import CodeWriter, Shortener  # the shared aliases of fixtures

APP = """
import signal, time
def spin():
    x = 0
    for i in range(100000):
        x += i
def swallow(e, c):
    while True:
        try:
            spin()
        except BaseException:
            pass
def ignore(e, c):
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        spin()
def cancel(e, c):
    signal.setitimer(signal.ITIMER_REAL, 0)
    while True:
        spin()
def block(e, c):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    while True:
        spin()
def block_only(e, c):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    return "blocked"
def own_handler(e, c):
    signal.signal(signal.SIGALRM, lambda *a: None)
    return "installed"
def cancel_then_sleep(e, c):
    # ddtrace's timeout channel: its own alarm before the deadline, cleared with alarm(0)
    # from its handler, which puts the previous handler back; then a blocking C call.
    original = signal.getsignal(signal.SIGALRM)
    def flush(signum, frame):
        signal.alarm(0)
        signal.signal(signal.SIGALRM, original)
        print("impending timeout flushed")
    signal.signal(signal.SIGALRM, flush)
    signal.setitimer(signal.ITIMER_REAL, max(c.get_remaining_time_in_millis() - 100, 1) / 1000)
    time.sleep(e.get("sleep", 3))
    return "woke"
def cancel_now_then_sleep(e, c):
    signal.setitimer(signal.ITIMER_REAL, 0)
    time.sleep(3)
    return "woke"
def stuck_in_c(e, c):
    import select
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    select.select([e["wake"]], [], [], 30)  # in C until the test wakes it
    return "woke"
"""


def _signal_state() -> tuple[Any, ...]:
    return (signal.getsignal(signal.SIGALRM), signal.pthread_sigmask(signal.SIG_BLOCK, ()),
            signal.getitimer(signal.ITIMER_REAL), sys.gettrace(), sys.getprofile())


@pytest.mark.parametrize("name", ["swallow", "ignore", "cancel", "block"])
def test_defeating_the_timer_still_times_out(code: CodeWriter, short_timeout: Shortener,
                                             name: str) -> None:
    """Swallowing the timeout, ignoring/blocking SIGALRM, cancelling the timer: still a timeout,
    and nothing of it is left over to stop quick invocations right after early."""
    before = _signal_state()
    with short_timeout(LambdaFunction(f"app.{name}", code_dir=code(app=APP)), 0.25) as fn:
        r = fn.invoke({})
    assert r.timed_out
    assert r.payload == {"errorType": "Sandbox.Timedout",
                         "errorMessage": f"RequestId: {r.request_id} Error: Task timed out "
                                         "after 0.25 seconds"}
    assert r.report is not None and r.report.duration_ms <= 250
    assert _signal_state() == before
    # A long timeout of their own: a timer left over from the defeated one would still stop
    # them (early), while a loaded CI machine stalling one of them for a second does not.
    with LambdaFunction("app.own_handler", code_dir=fn.config.code_dir, timeout=30) as quick:
        results = [quick.invoke({}) for _ in range(200)]
    assert [r.payload for r in results] == ["installed"] * 200


@pytest.mark.parametrize("name", ["cancel_then_sleep", "cancel_now_then_sleep"])
def test_a_cancelled_timer_then_a_blocking_call_still_times_out(
        code: CodeWriter, short_timeout: Shortener, name: str) -> None:
    """The code cancels the timer (ddtrace's ``signal.alarm(0)``) and then blocks in C: the
    watchdog wakes the main thread, so it is Lambda's timeout at the deadline, not a call that
    returns seconds later with ``HandlerNotStopped`` (or never, and the session hangs)."""
    before = _signal_state()
    with short_timeout(LambdaFunction(f"app.{name}", code_dir=code(app=APP)), 0.3) as fn:
        started = time.perf_counter()
        r = fn.invoke({})
        elapsed = time.perf_counter() - started
    assert r.timed_out and elapsed < 1.5, (r.payload, elapsed)
    assert r.payload["errorType"] == "Sandbox.Timedout"
    if name == "cancel_then_sleep":
        assert "impending timeout flushed\n" in r.logs.messages
    assert _signal_state() == before


def test_blocked_sigalrm_is_unblocked_after_the_phase(code: CodeWriter) -> None:
    """A handler blocking SIGALRM leaves the test process's signal mask as it was."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    with LambdaFunction("app.block_only", code_dir=code(app=APP)) as fn:
        assert fn.invoke({}).payload == "blocked"
    assert signal.pthread_sigmask(signal.SIG_BLOCK, ()) == before


def test_handler_own_sigalrm_gives_back_the_test_disposition(code: CodeWriter) -> None:
    """After a handler installs its own SIGALRM handler, the test's handler and alarms work."""
    fired: list[int] = []

    def mine(signum: int, frame: Any) -> None:
        fired.append(signum)

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        with LambdaFunction("app.own_handler", code_dir=code(app=APP)) as fn:
            assert fn.invoke({}).payload == "installed"
        assert signal.getsignal(signal.SIGALRM) is mine
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        deadline = time.monotonic() + 2
        while not fired and time.monotonic() < deadline:
            time.sleep(0.01)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_handler_that_cannot_be_stopped_fails_clearly(code: CodeWriter,
                                                      short_timeout: Shortener,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler stuck in C with SIGALRM blocked fails the test naming isolation="process"."""
    from pytest_lambda.runtime import timeout

    before = _signal_state()
    # Given up 0.5 s after the 0.2 s timeout (not 2 s); the handler stays in C until then, however
    # late a loaded machine runs the watchdog (a fixed sleep was outlasted under load).
    monkeypatch.setattr(timeout, "GIVE_UP_AFTER_S", 0.5)
    wake_r, wake_w = os.pipe()
    give_up = timeout.Deadline._give_up

    def given_up(self: timeout.Deadline) -> None:
        give_up(self)
        os.write(wake_w, b"x")

    monkeypatch.setattr(timeout.Deadline, "_give_up", given_up)
    try:
        with short_timeout(LambdaFunction("app.stuck_in_c", code_dir=code(app=APP))) as fn, \
                pytest.raises(HandlerNotStopped, match='isolation="process"') as info:
            fn.invoke({"wake": wake_r})
    finally:
        os.close(wake_r)
        os.close(wake_w)
    result = info.value.result
    assert result.timed_out
    assert result.payload["errorType"] == "Sandbox.Timedout"
    assert "SIGALRM was blocked" in str(info.value)
    assert _signal_state() == before


def test_swallowing_handler_is_stopped_on_the_real_clock_under_freezegun(
        code: CodeWriter, short_timeout: Shortener) -> None:
    """With time frozen, a handler swallowing the timeout forever is still stopped."""
    import freezegun

    with short_timeout(LambdaFunction("app.swallow", code_dir=code(app=APP))) as fn, \
            freezegun.freeze_time("2024-01-01"):
        r = fn.invoke({})  # no HandlerNotStopped: stopped within the grace period
    assert r.timed_out
    assert r.report is not None and r.report.duration_ms == 200
