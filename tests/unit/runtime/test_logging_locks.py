"""A timeout never leaves logging's locks held (the session hung on one in CI)."""

from __future__ import annotations

import dataclasses
import logging
import sys
import threading
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter

LOGGING = """
import logging
def handler(event, context):
    while True:
        logging.getLogger("app.work")  # logging's module lock, taken and given back
"""


def _lock_is_free() -> bool:
    """Whether another thread can take logging's module lock (within a second)."""
    got: list[bool] = []

    def take() -> None:
        if logging._lock.acquire(timeout=1):  # type: ignore[attr-defined]
            logging._lock.release()  # type: ignore[attr-defined]
            got.append(True)

    thread = threading.Thread(target=take)
    thread.start()
    thread.join()
    return bool(got)


@pytest.mark.parametrize("where", ["main thread", "another thread"])
def test_timeouts_inside_logging_leave_no_lock_held(code: CodeWriter, where: str) -> None:
    """A handler stopped while it is inside logging (between taking the module lock and its
    ``try``) must not leave the lock held: the next thread to log would wait forever. Before,
    this leaked within a few invocations on either thread."""
    with LambdaFunction("app.handler", code_dir=code(app=LOGGING), timeout=1) as fn:
        # A 0.02 s timeout (below Lambda's 1 s minimum, set past validation): many stops.
        fn.config = dataclasses.replace(fn.config, timeout=0.02)  # type: ignore[arg-type]
        for i in range(40):
            if where == "main thread":
                result = fn.invoke({})
            else:
                out: list[object] = []
                thread = threading.Thread(target=lambda out=out: out.append(fn.invoke({})))
                thread.start()
                thread.join(10)
                assert not thread.is_alive(), f"invocation {i} is stuck"
                result = out[0]  # type: ignore[assignment]
            assert result.timed_out, result.payload
            assert _lock_is_free(), f"logging's lock left held after invocation {i}"


SHIELDED = """
import sys
def handler(event, context):
    # Standard-library code that may hold a process-wide lock (logging's, the import
    # system's): the timeout waits until it returns.
    sys.modules["logging._slow_part"].work(0.3)
    while True:
        pass
"""


def test_a_timeout_on_another_thread_waits_for_shielded_code_to_return(
        code: CodeWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a thread that is not the main thread the timeout is an asynchronous exception, which
    lands at whatever check point comes next: it used to land inside logging's and the import
    system's own code as well (a module left half imported in ``sys.modules``, a lock held).
    It now lands once such code has returned."""
    import types

    part = types.ModuleType("logging._slow_part")
    exec("import time\nfinished = []\ndef work(seconds):\n"
         "    ends = time.perf_counter() + seconds\n"
         "    while time.perf_counter() < ends:\n        pass\n"
         "    finished.append(True)\n", part.__dict__)
    monkeypatch.setitem(sys.modules, "logging._slow_part", part)
    with LambdaFunction("app.handler", code_dir=code(app=SHIELDED), timeout=1) as fn:
        fn.config = dataclasses.replace(fn.config, timeout=0.05)  # type: ignore[arg-type]
        out: list[object] = []
        thread = threading.Thread(target=lambda: out.append(fn.invoke({})))
        thread.start()
        thread.join(10)
    assert not thread.is_alive()
    assert out[0].timed_out  # type: ignore[attr-defined]
    assert part.finished == [True], "the timeout landed inside the shielded code"
