"""Each execution environment's own asyncio event-loop state, as each Lambda process has its own.

asyncio keeps "the current event loop" of the main thread in the event loop policy: the loop
``asyncio.get_event_loop()`` returns, and whether ``set_event_loop`` was ever called (after
``asyncio.run()`` it was, with ``None``, and on Python 3.11+ ``get_event_loop()`` then raises
``RuntimeError: There is no current event loop``). In one test process that state is shared by
the test and every environment: a test that ran ``asyncio.run()`` broke a later handler using
``aws_embedded_metrics``' ``metric_scope`` (it calls ``get_event_loop()``), which works on Lambda,
where the environment is a fresh process. This phase hook swaps the state per environment.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["EventLoopState"]


def _policy_state() -> Any:
    """The thread-local state of the current event loop policy, if asyncio has one yet."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return None
    policy = getattr(asyncio.events, "_event_loop_policy", None)
    local = getattr(policy, "_local", None)
    if local is None or not hasattr(local, "_set_called"):
        return None  # no policy yet, or one that keeps its loop elsewhere (left alone)
    return local


class EventLoopState:
    """An environment's current event loop (and whether it set one), swapped in per phase."""

    __slots__ = ("_loop", "_saved", "_set_called")

    def __init__(self) -> None:
        self._loop: Any = None  # a fresh process has none yet
        self._set_called = False
        self._saved: tuple[Any, Any, bool] | None = None

    def enter(self) -> None:
        local = _policy_state()
        if local is None:
            self._saved = None
            return
        self._saved = (local, local._loop, local._set_called)
        local._loop, local._set_called = self._loop, self._set_called

    def exit(self) -> None:
        local = _policy_state()
        saved, self._saved = self._saved, None
        if local is None:
            return
        self._loop, self._set_called = local._loop, local._set_called
        if saved is not None and saved[0] is local:
            local._loop, local._set_called = saved[1], saved[2]
        else:  # the policy was made during the phase: the test had no loop in it
            local._loop, local._set_called = None, False

    def close(self) -> None:
        """The environment ends: close the loop it left (a process's would die with it)."""
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_running() and not loop.is_closed():
            loop.close()
