"""The mailbox runs work posted from another thread under the lock, on the holder's thread."""

from __future__ import annotations

import threading

import pytest

from pytest_lambda.runtime.mailbox import Mailbox


def test_free_lock_runs_on_the_calling_thread() -> None:
    """With the lock free, the caller takes it and runs the work itself."""
    lock = threading.RLock()
    assert Mailbox().call(threading.get_ident, lock) == threading.get_ident()


def test_held_lock_runs_on_the_holder_thread() -> None:
    """While another thread holds the lock, the work runs when that thread serves."""
    lock, mailbox = threading.RLock(), Mailbox()
    answers: list[int] = []
    with lock:
        poster = threading.Thread(target=lambda: answers.append(
            mailbox.call(threading.get_ident, lock)))
        poster.start()
        while not answers:
            mailbox.serve()
            poster.join(0.01)
    poster.join()
    assert answers == [threading.get_ident()]


def test_errors_reach_the_caller() -> None:
    """An exception raised by the work is raised in the posting thread."""
    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        Mailbox().call(fail, threading.RLock())
