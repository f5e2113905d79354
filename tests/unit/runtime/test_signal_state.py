"""A handler's changes to SIGALRM (its mask, its disposition) never reach the test process."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter


def test_blocked_sigalrm_is_unblocked_after_the_phase(code: CodeWriter) -> None:
    """A handler that blocks SIGALRM leaves the test process's signal mask as it was."""
    root = code(app="import signal\ndef handler(e, c):\n"
                    "    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
                    "    return 1\n")
    before = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    assert LambdaFunction("app.handler", code_dir=root).invoke({}).payload == 1
    assert signal.pthread_sigmask(signal.SIG_BLOCK, ()) == before


def test_handler_own_sigalrm_gives_back_the_test_disposition(code: CodeWriter) -> None:
    """A handler that installs its own SIGALRM handler gives the test's own one back."""
    root = code(app="import signal\ndef handler(e, c):\n"
                    "    signal.signal(signal.SIGALRM, lambda *a: None)\n"
                    "    return 1\n")

    def ours(*args: object) -> None:
        return None

    old = signal.signal(signal.SIGALRM, ours)
    try:
        assert LambdaFunction("app.handler", code_dir=root).invoke({}).payload == 1
        assert signal.getsignal(signal.SIGALRM) is ours
    finally:
        signal.signal(signal.SIGALRM, old)
