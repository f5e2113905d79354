"""Nested C-environment swaps (a handler invoking another function in-process) restore each
level's table, and the test process's table survives them."""

from __future__ import annotations

import ctypes
import gc

from pytest_lambda.runtime import cenviron
from pytest_lambda.runtime.cenviron import CEnviron


def _c_getenv(name: str) -> str | None:
    libc = ctypes.CDLL(None)
    libc.getenv.restype = ctypes.c_char_p
    value = libc.getenv(name.encode())
    return value.decode() if value else None


def test_nested_swaps_restore_every_level() -> None:
    """Inner and outer phases see their own variables; afterwards the test process's are back."""
    before = _c_getenv("PATH")
    outer, inner = CEnviron(), CEnviron()
    outer.enter({}, {b"LEVEL": b"outer"})
    try:
        assert _c_getenv("LEVEL") == "outer"
        inner.enter({}, {b"LEVEL": b"inner"})
        try:
            assert _c_getenv("LEVEL") == "inner"
        finally:
            inner.exit()
        gc.collect()  # a table freed too early would be reused by now
        assert _c_getenv("LEVEL") == "outer"
    finally:
        outer.exit()
    gc.collect()
    assert _c_getenv("LEVEL") is None and _c_getenv("PATH") == before
    # The table live in environ is one the module still holds (not one freed with a level).
    if cenviron._ENVIRON is not None:
        assert cenviron._ENVIRON.value == ctypes.addressof(cenviron._OWNED[0])
