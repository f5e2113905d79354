"""Concurrency: accounts, reserved concurrency, throttling and invoke_many."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import (
    InvalidParameterValueException,
    ResourceConflictException,
    TooManyRequestsException,
    ValidationException,
)
from pytest_lambda.service.account import ACCOUNT_LIMIT, RESERVED_LIMIT, Account

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture

APP = "def handler(event, context):\n    return event\n"


def make(code: CodeWriter, name: str, account: Account | None = None,
         **kwargs: object) -> LambdaFunction:
    """A trivial echo function."""
    return LambdaFunction("app.handler", code_dir=code(app=APP), name=name, account=account,
                          **kwargs)  # type: ignore[arg-type]


def test_invoke_many_throttles_at_reserved_concurrency_one(code: CodeWriter) -> None:
    """Five simultaneous requests against reserved concurrency 1: one runs, four get 429."""
    fn = make(code, "one", reserved_concurrent_executions=1)
    results = fn.invoke_many([{"i": i} for i in range(10)], concurrency=5)
    assert [r.status_code for r in results] == [200, 429, 429, 429, 429] * 2
    assert [r.payload for r in results if r.ok] == [{"i": 0}, {"i": 5}]
    throttled = results[1]
    assert throttled.throttled and throttled.payload == {
        "Reason": RESERVED_LIMIT, "Type": "User", "message": "Rate Exceeded."}
    assert (throttled.throttle_reason, throttled.concurrent_executions) == (RESERVED_LIMIT, None)
    assert (results[0].throttle_reason, results[0].concurrent_executions) == (None, 1)
    assert fn.metrics.sum("Throttles") == 8
    assert fn.metrics.sum("Invocations") == 2
    assert not throttled.logs


def test_invoke_many_within_limit_reports_concurrency(code: CodeWriter) -> None:
    """Below the limit every request runs, and ConcurrentExecutions peaks at the wave size."""
    fn = make(code, "many")
    results = fn.invoke_many([{"i": i} for i in range(8)], concurrency=4)
    assert all(r.ok for r in results)
    assert [r.payload["i"] for r in results] == list(range(8))
    assert fn.metrics.statistic("ConcurrentExecutions", "Maximum") == 4
    assert fn.account.in_flight() == 0


def test_sync_invoke_over_limit_raises(code: CodeWriter) -> None:
    """A synchronous invoke with no free slot raises TooManyRequestsException (429)."""
    fn = make(code, "zero", reserved_concurrent_executions=0)
    with pytest.raises(TooManyRequestsException) as info:
        fn.invoke({})
    assert info.value.status_code == 429
    assert info.value.response()["Reason"] == RESERVED_LIMIT
    assert fn.metrics.sum("Throttles") == 1


def test_account_limit_throttles_unreserved(code: CodeWriter) -> None:
    """Functions without a reservation share what the account has left."""
    account = Account(concurrency_limit=2, unreserved_minimum=1)
    fn = make(code, "shared", account)
    results = fn.invoke_many([{}] * 3, concurrency=3)
    assert [r.status_code for r in results] == [200, 200, 429]
    assert results[2].payload["Reason"] == ACCOUNT_LIMIT


def test_reserved_concurrency_keeps_unreserved_minimum(code: CodeWriter) -> None:
    """Reserving more than the limit minus 100 is refused with Lambda's message."""
    account = Account()
    make(code, "big", account, reserved_concurrent_executions=850)
    with pytest.raises(InvalidParameterValueException,
                       match=r"below its minimum value of \[100\]"):
        make(code, "more", account, reserved_concurrent_executions=51)
    other = make(code, "other", account)
    with pytest.raises(InvalidParameterValueException, match="minimum value"):
        other.put_function_concurrency(60)
    other.put_function_concurrency(50)
    assert account.unreserved_concurrency == 100


def test_negative_reserved_concurrency_is_a_validation_error(code: CodeWriter) -> None:
    """A negative reservation fails the API schema."""
    with pytest.raises(ValidationException, match="reservedConcurrentExecutions"):
        make(code, "neg", reserved_concurrent_executions=-1)


def test_duplicate_name_in_account(code: CodeWriter) -> None:
    """Two functions with one name cannot share an account; closing frees the name."""
    account = Account()
    first = make(code, "dup", account)
    with pytest.raises(ResourceConflictException, match="already exist"):
        make(code, "dup", account)
    first.close()
    make(code, "dup", account)


def test_invoke_many_rejects_bad_concurrency(code: CodeWriter) -> None:
    """Concurrency must be a positive whole number."""
    fn = make(code, "bad")
    with pytest.raises(InvalidParameterValueException, match="concurrency"):
        fn.invoke_many([{}], concurrency=0)


def test_slot_released_after_handler_error(code: CodeWriter) -> None:
    """A failing invocation gives its slot back."""
    fn = LambdaFunction("app.handler", name="err", reserved_concurrent_executions=1,
                        code_dir=code(app="def handler(e, c):\n    raise ValueError('x')\n"))
    assert fn.invoke({}).function_error == "Unhandled"
    assert fn.invoke({}).function_error == "Unhandled"
    assert fn.account.in_flight("err") == 0


def test_invoke_many_request_ids_follow_the_seed(code: CodeWriter) -> None:
    """With a seed, invoke_many hands out the same request ids in event order on every run."""
    ids = [[r.request_id for r in make(code, "seeded", Account(), seed=3,
                                       reserved_concurrent_executions=2)
            .invoke_many([{}] * 6, concurrency=3)] for n in range(2)]
    assert ids[0] == ids[1] and len(set(ids[0])) == 6


STATEFUL = """
import uuid
TOKEN = uuid.uuid4().hex  # one per execution environment (module state)
CALLS = 0
def handler(event, context):
    global CALLS
    CALLS += 1
    return {"token": TOKEN, "calls": CALLS, "stream": context.log_stream_name}
"""


def test_concurrent_requests_get_their_own_environments(code: CodeWriter) -> None:
    """invoke_many(100, concurrency=10): 10 cold starts, 10 environments, reused 10 times each."""
    with LambdaFunction("state.handler", code_dir=code(state=STATEFUL)) as fn:
        results = fn.invoke_many([{}] * 100, concurrency=10)
        assert all(r.ok for r in results)
        assert sum(r.cold_start for r in results) == 10
        assert all(r.cold_start for r in results[:10])
        tokens = [r.payload["token"] for r in results]
        assert len(set(tokens)) == 10
        assert all(tokens.count(t) == 10 for t in set(tokens))
        assert len({r.payload["stream"] for r in results}) == 10
        assert sorted(r.payload["calls"] for r in results[-10:]) == [10] * 10
        assert fn.metrics.statistic("ConcurrentExecutions", "Maximum") == 10
        # The warm pool is still there for a later request.
        assert fn.invoke({}).cold_start is False


def test_invoke_many_stops_a_handler_blocked_in_c_at_its_timeout(code: CodeWriter) -> None:
    """``invoke_many``'s requests run on the calling thread, where a timeout interrupts a
    handler blocked in a C call (``socket.recv``); on a pool's thread it could not, and the
    session hung."""
    import time

    root = code(app="import socket\n"
                    "def handler(event, context):\n"
                    "    a, b = socket.socketpair()\n"
                    "    a.settimeout(8)  # a regression fails the test instead of hanging it\n"
                    "    a.recv(1)  # never answered\n")
    with LambdaFunction("app.handler", code_dir=root, timeout=1) as fn:
        started = time.perf_counter()
        results = fn.invoke_many([{}, {}], concurrency=2)
        elapsed = time.perf_counter() - started
    assert [r.timed_out for r in results] == [True, True]
    assert elapsed < 5, elapsed
