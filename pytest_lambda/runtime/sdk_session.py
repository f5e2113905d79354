"""Each execution environment's own AWS credentials in boto3's default session.

``boto3.client(...)`` at module level, as nearly every handler writes it, uses
``boto3.DEFAULT_SESSION``, whose botocore session caches the credentials it resolved the first
time. boto3 is one module shared by the test process and every environment (the shared list),
so a session the test used first (with the machine's real credentials) signed the handler's
requests, and the credentials a function resolved (its fake ones) signed the test's own clients
afterwards. On Lambda a fresh process resolves them from the function's own environment.

This phase hook swaps the credentials that session has cached: none at first for an
environment (resolved from its variables when its code first makes a client), kept for its
later phases, and the test's back afterwards. The session itself stays shared, with its loaded
service models: a session per environment would load them again at every cold start, and
nested in-process invocations (a function invoking itself) would hold a copy each. The Region
is not cached by the session: each client reads it from the environment of the moment.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["SessionCredentials"]


def _core_session() -> Any:
    """The botocore session behind boto3's default session (None: no boto3 or no session)."""
    boto3 = sys.modules.get("boto3")
    session = getattr(boto3, "DEFAULT_SESSION", None)
    core = getattr(session, "_session", None)
    return core if hasattr(core, "_credentials") else None


class SessionCredentials:
    """The credentials cached by boto3's default session for one environment, per phase."""

    __slots__ = ("_credentials", "_saved")

    def __init__(self) -> None:
        self._credentials: Any = None  # resolved from the function's variables when needed
        #: The session and the test's credentials in it, during a phase.
        self._saved: tuple[Any, Any] | None = None

    def enter(self) -> None:
        core = _core_session()
        if core is None:
            self._saved = None
            return
        self._saved = (core, core._credentials)
        core._credentials = self._credentials

    def exit(self) -> None:
        core = _core_session()
        saved, self._saved = self._saved, None
        if core is None:
            return
        self._credentials = core._credentials
        if saved is not None and saved[0] is core:
            core._credentials = saved[1]
        else:  # the session was made during the phase: the test resolves its own when needed
            core._credentials = None
            if saved is not None:  # and the one the test had keeps the test's credentials
                saved[0]._credentials = saved[1]
