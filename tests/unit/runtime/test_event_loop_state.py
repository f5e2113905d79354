"""asyncio's current event loop is each environment's own, as each Lambda process has its own."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter, Shortener

APP = """
import asyncio

def current(event, context):
    # What aws_embedded_metrics' metric_scope does: the current loop, made if there is none.
    loop = asyncio.get_event_loop()
    return loop.run_until_complete(asyncio.sleep(0, result=id(loop)))

def run(event, context):
    return asyncio.run(asyncio.sleep(0, result="ran"))
"""


@pytest.fixture(autouse=True)
def _test_loop_state_restored() -> Iterator[None]:
    """These tests change the test process's own loop state (asyncio.run): put it back."""
    local = asyncio.get_event_loop_policy()._local  # type: ignore[attr-defined]
    saved = (local._loop, local._set_called)
    yield
    local._loop, local._set_called = saved


def _current_loop_or_error() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: implicit loop creation
        try:
            asyncio.get_event_loop()
        except RuntimeError as exc:
            return str(exc)
    return "a loop"


def test_a_test_that_ran_asyncio_run_does_not_break_a_handler(code: CodeWriter) -> None:
    """After asyncio.run() in the test (the loop is set to None), a handler still gets a
    current loop, as in a fresh Lambda process."""
    asyncio.run(asyncio.sleep(0))  # leaves "set_event_loop(None) was called" behind
    before = _current_loop_or_error()
    with LambdaFunction("app.current", code_dir=code(app=APP)) as fn:
        first, second = fn.invoke({}), fn.invoke({})
    assert first.error is None, first.error
    assert first.payload == second.payload  # warm: the environment's own loop, kept
    assert _current_loop_or_error() == before  # and the test's state is as it was


def test_a_handler_that_ran_asyncio_run_does_not_break_the_next_environment(
        code: CodeWriter) -> None:
    """asyncio.run() in one function's handler leaves nothing for another environment."""
    root = code(app=APP)
    with LambdaFunction("app.run", code_dir=root) as runner, \
            LambdaFunction("app.current", code_dir=root) as current:
        assert runner.invoke({}).payload == "ran"
        r = current.invoke({})
    assert r.error is None, r.error


def test_the_environment_loop_is_closed_with_it(code: CodeWriter) -> None:
    """Discarding an environment closes the loop its handler made (no unclosed-loop warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        with LambdaFunction("app.current", code_dir=code(app=APP)) as fn:
            assert fn.invoke({}).error is None
            fn.cold_start()
            assert fn.invoke({}).error is None
        import gc

        gc.collect()


def test_a_handler_invoked_from_a_running_loop_can_run_its_own(code: CodeWriter) -> None:
    """Invoked from an ``async def`` test (pytest-asyncio runs it in a loop), the handler's
    ``asyncio.run()`` works, as in the runtime's thread, where no loop runs; the test's loop is
    running again afterwards."""
    fn = LambdaFunction("app.run", code_dir=code(app=APP))

    async def test_body() -> tuple[object, object]:
        loop = asyncio.get_running_loop()
        result = fn.invoke({})
        return result.payload, asyncio.get_running_loop() is loop

    try:
        assert asyncio.run(test_body()) == ("ran", True)
    finally:
        fn.close()


POLICY = """
import asyncio

class FastPolicy(asyncio.DefaultEventLoopPolicy):
    pass

asyncio.set_event_loop_policy(FastPolicy())  # what uvloop.install() does

def handler(event, context):
    return type(asyncio.get_event_loop_policy()).__name__
"""


def test_an_event_loop_policy_set_at_init_stays_in_the_environment(code: CodeWriter) -> None:
    """``uvloop.install()`` at Init: the function's policy from phase to phase, not the test's
    nor another function's."""
    before = asyncio.get_event_loop_policy()
    root = code(app=APP, uvloop_like=POLICY)
    with LambdaFunction("uvloop_like.handler", code_dir=root) as fn, \
            LambdaFunction("app.current", code_dir=root) as other:
        assert fn.invoke({}).payload == "FastPolicy"
        assert fn.invoke({}).payload == "FastPolicy"
        assert asyncio.get_event_loop_policy() is before
        assert isinstance(other.invoke({}).payload, int)
        assert type(asyncio.get_event_loop_policy()).__name__ != "FastPolicy"


PENDING = """
import asyncio

async def work():
    async def child():
        await asyncio.sleep(30)
    asyncio.create_task(child())
    await asyncio.sleep(30)

def handler(event, context):
    return asyncio.run(work())
"""


def test_a_timed_out_asyncio_run_leaves_no_pending_task_behind(
        code: CodeWriter, short_timeout: Shortener, capfd: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """A timeout inside ``asyncio.run`` ends its loop with the environment, as the runtime's end
    does on Lambda: its pending tasks were collected later in the test process, which logged
    "Task was destroyed but it is pending!" (at the session's end, or in a later test), and
    its selector stayed open until then."""
    import gc

    with short_timeout(LambdaFunction("app.handler", code_dir=code(app=PENDING))) as fn:
        result = fn.invoke({})
    assert result.timed_out
    gc.collect()
    assert "Task was destroyed" not in caplog.text + capfd.readouterr().err
