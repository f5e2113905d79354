"""A Node.js handler in its three lives: callback on Node 22, refused on Node 24, async on 24."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(shutil.which("node") is None,
                                reason="Node.js handlers need `node` on PATH")

EVENT = {"key1": "value1", "key2": "value2", "key3": "value3"}


def test_callback_handler_on_node22(lambda_function: Callable[..., Any]) -> None:
    """The callback's result is the response; the context's values reach the log."""
    fn = lambda_function("EchoNode22")
    r = fn.invoke(EVENT)
    assert r.ok, r.error
    assert r.payload == "value1"
    assert f"\tINFO\trequest id = {r.request_id}" in r.logs.text
    assert "\tINFO\tfunction name = EchoNode22" in r.logs.text
    remaining = int(r.logs.filter("remaining time =").messages[0].rsplit("=", 1)[1])
    assert 0 < remaining <= 3000


def test_callback_handler_is_refused_on_node24(lambda_function: Callable[..., Any]) -> None:
    """Node.js 24 removed callback handlers: the init fails, as on Lambda."""
    r = lambda_function("EchoNode24Callback").invoke(EVENT)
    assert r.function_error == "Unhandled"
    assert r.error is not None
    assert r.error["errorType"] == "Runtime.CallbackHandlerDeprecated"
    assert "callback-based function handlers" in r.error["errorMessage"]


def test_async_rewrite_runs_on_node24(lambda_function: Callable[..., Any]) -> None:
    """``async (event, context) => event.key1`` answers the same on nodejs24.x."""
    r = lambda_function("EchoNode24").invoke(EVENT)
    assert r.ok, r.error
    assert r.payload == "value1"
    assert r.cold_start and r.report is not None and r.report.init_duration_ms is not None
