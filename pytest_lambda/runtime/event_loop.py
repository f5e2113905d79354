"""Each execution environment's own asyncio event-loop state, as each Lambda process has its own.

asyncio keeps process-wide state that one test process would otherwise share between the test
and every environment:

- the **event loop policy** (``uvloop.install()`` or ``set_event_loop_policy`` at Init made
  the test's and the other functions' loops the function's kind), and with it "the current
  event loop" of each thread (the loop ``asyncio.get_event_loop()`` returns, and whether
  ``set_event_loop`` was called: after ``asyncio.run()`` it was, with ``None``, and on Python
  3.11+ ``get_event_loop()`` then raises ``RuntimeError: There is no current event loop``; a
  test that ran ``asyncio.run()`` broke a later handler using ``aws_embedded_metrics``'
  ``metric_scope``, which works on Lambda, where the environment is a fresh process);
- the thread's **running loop**: invoked from an ``async def`` test (pytest-asyncio), the
  handler found the test's loop running, so its ``asyncio.run()`` failed with "cannot be called
  from a running event loop". No loop runs in the runtime's thread on Lambda.

This phase hook gives each environment its own policy (made when its code first asks for one,
as in a fresh process) and no running loop during its phases; the test's come back afterwards.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["EventLoopState"]


class EventLoopState:
    """An environment's event loop policy (and so its current loop), swapped in per phase."""

    __slots__ = ("_policy", "_saved")

    def __init__(self) -> None:
        self._policy: Any = None  # a fresh process has none yet: asyncio makes it on demand
        #: The test's policy and running loop during a phase; None: asyncio was not imported.
        self._saved: tuple[Any, Any] | None = None

    def enter(self) -> None:
        asyncio = sys.modules.get("asyncio")
        if asyncio is None:
            self._saved = None
            return
        events = asyncio.events
        running = events._get_running_loop()
        self._saved = (events._event_loop_policy, running)
        events._event_loop_policy = self._policy
        if running is not None:
            events._set_running_loop(None)

    def exit(self) -> None:
        asyncio = sys.modules.get("asyncio")
        saved, self._saved = self._saved, None
        if asyncio is None:
            return
        events = asyncio.events
        self._policy = events._event_loop_policy
        # Imported during the phase: the test process had no policy and no running loop.
        policy, running = saved if saved is not None else (None, None)
        events._event_loop_policy = policy
        events._set_running_loop(running)

    def close(self) -> None:
        """The environment ends: close the loop it left (a process's would die with it)."""
        policy, self._policy = self._policy, None
        loop = getattr(getattr(policy, "_local", None), "_loop", None)
        if loop is not None and not loop.is_running() and not loop.is_closed():
            loop.close()
