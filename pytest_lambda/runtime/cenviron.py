"""The C-level process environment (``environ``), swapped to the function's during a phase.

``os.environ`` is a Python copy of the process environment; C code (``getenv()``) and child
processes started without an explicit ``env`` (``subprocess``, ``os.system``,
``multiprocessing``'s spawn, ``os.exec*``) read the C-level one. In-process, a phase swaps
``os.environ``'s data; :class:`CEnviron` makes the C-level environment match it for the
phase too, so a handler's children see the function's environment (Lambda's variables, the
function's own, the fake credentials) and never the test process's real credentials. What the
handler sets or deletes with ``os.environ`` reaches its children as it would on Lambda; all of
it is undone when the phase ends.

On Linux (glibc, musl) the swap replaces the C library's ``environ`` pointer with an array
built from the function's variables, and puts the test process's back afterwards: constant
time, and whatever the phase did with ``setenv``/``unsetenv`` disappears with it. One subtlety:
``setenv`` may ``realloc`` the array it allocated last, which can be the test process's own
table; so the test process gets back a copy of its table that this module owns, never a pointer
the phase could have freed. Elsewhere each differing variable is set and unset with
``os.putenv``/``os.unsetenv`` and restored afterwards.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["CEnviron", "EnvironData"]


def _environ_pointer() -> ctypes.c_void_p | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.c_void_p.in_dll(ctypes.CDLL(None), "environ")
    except (OSError, ValueError, AttributeError):
        return None


_ENVIRON = _environ_pointer()
_POINTER = ctypes.sizeof(ctypes.c_void_p)
#: The test process's environment table, copied into memory this module owns (see above).
_OWNED: list[Any] = [None]


def _owned_copy(pointer: int) -> Any:
    """A copy of the ``environ`` table at ``pointer`` that this module owns (a ctypes array)."""
    owned = _OWNED[0]
    if owned is not None and ctypes.addressof(owned) == pointer:
        return owned  # still ours: nothing set a variable since the last phase
    table = ctypes.cast(pointer, ctypes.POINTER(ctypes.c_void_p))
    count = 0
    while table[count]:
        count += 1
    copy = (ctypes.c_void_p * (count + 1))()
    ctypes.memmove(copy, pointer, (count + 1) * _POINTER)
    _OWNED[0] = copy
    return copy


class EnvironData(dict):  # type: ignore[type-arg]
    """``os.environ``'s data for a function: a dict that counts its changes.

    ``os.environ`` sets and deletes through ``__setitem__``/``__delitem__`` of its data; the
    count lets :class:`CEnviron` rebuild the C-level table only when a variable changed,
    instead of comparing every variable on every phase.
    """

    generation = 0

    def __setitem__(self, key: Any, value: Any) -> None:
        self.generation += 1
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: Any) -> None:
        self.generation += 1
        dict.__delitem__(self, key)

    def _changed(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.generation += 1
        return method(self, *args, **kwargs)

    def pop(self, *args: Any) -> Any:
        return self._changed(dict.pop, *args)

    def popitem(self) -> Any:
        return self._changed(dict.popitem)

    def clear(self) -> None:
        self._changed(dict.clear)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._changed(dict.update, *args, **kwargs)

    def setdefault(self, *args: Any) -> Any:
        return self._changed(dict.setdefault, *args)

    def __ior__(self, other: Any) -> EnvironData:  # type: ignore[misc]
        self._changed(dict.update, other)
        return self


class CEnviron:
    """One environment's swap of the C-level environment; :meth:`enter` then :meth:`exit`."""

    __slots__ = ("_array", "_built", "_entered", "_real", "_saved", "_saved_table", "_size",
                 "_slots", "_template", "_touched")

    def __init__(self) -> None:
        self._real: tuple[Callable[..., Any], Callable[..., Any]] | None = None
        self._saved: dict[bytes, bytes] = {}
        self._touched: set[bytes] = set()
        # The table to put back, held here: a phase nested in this one (a handler invoking
        # another function in-process) makes its own copy, which must not free this one.
        self._saved_table: Any = None
        self._entered = False
        #: What the table was built from: (function data, its generation, children data).
        self._built: tuple[Any, int, Any] | None = None
        #: The table position of each function variable (to replace one in place).
        self._slots: dict[bytes, int] = {}
        self._template: Any = None
        self._array: Any = None
        self._size = 0

    def enter(self, test_data: dict[Any, Any], function_data: dict[Any, Any],
              children_only: dict[Any, Any] | None = None) -> None:
        """Replace the test process's variables (``test_data``) by the function's, plus
        ``children_only`` (variables for child processes that ``os.environ`` does not show)."""
        if _ENVIRON is not None:
            self._enter_pointer(function_data, children_only)
        else:
            if children_only:
                function_data = {**function_data, **children_only}
            self._enter_calls(test_data, function_data)

    def set_variable(self, function_data: dict[Any, Any], key: bytes, value: bytes) -> None:
        """Set one function variable between phases, replacing only its entry in the table
        (the trace id changes on every invocation; everything else rarely does)."""
        built = self._built
        dict.__setitem__(function_data, key, value)  # not counted as a change: patched here
        slot = self._slots.get(key)
        if built is None or built[0] is not function_data or slot is None \
                or built[1] != getattr(function_data, "generation", None):
            self._built = None  # rebuilt whole at the next phase
            return
        self._template[slot] = b"%s=%s" % (key, value)

    def _enter_pointer(self, data: dict[Any, Any], children_only: dict[Any, Any] | None) -> None:
        generation = getattr(data, "generation", None)
        built = self._built
        if built is None or generation is None or built[0] is not data \
                or built[1] != generation or built[2] is not children_only:
            # Rebuilt only when the function's variables changed since the last phase.
            merged = {**data, **children_only} if children_only else data
            entries = [b"%s=%s" % item for item in merged.items()]
            kind = ctypes.c_char_p * (len(entries) + 1)
            # The template holds the strings and is never handed to C; the phase gets a copy
            # of its pointers, since unsetenv() and putenv() edit the live array in place.
            self._template = kind(*entries, None)
            self._array = kind()
            self._size = ctypes.sizeof(kind)
            self._slots = {key: i for i, key in enumerate(merged)
                           if not children_only or key not in children_only}
            self._built = (data, generation, children_only) if generation is not None else None
        ctypes.memmove(self._array, self._template, self._size)
        assert _ENVIRON is not None
        current = _ENVIRON.value
        self._saved_table = _owned_copy(current) if current else None
        _ENVIRON.value = ctypes.addressof(self._array)
        self._entered = True

    def _enter_calls(self, test_data: dict[Any, Any], function_data: dict[Any, Any]) -> None:
        putenv, unsetenv = os.putenv, os.unsetenv
        self._real = (putenv, unsetenv)
        self._saved = dict(test_data)
        touched = self._touched = set()
        for key in test_data.keys() - function_data.keys():
            unsetenv(key)
            touched.add(key)
        for key, value in function_data.items():
            if test_data.get(key) != value:
                putenv(key, value)
                touched.add(key)

        def tracked_putenv(key: Any, value: Any) -> None:
            putenv(key, value)
            touched.add(os.fsencode(key))

        def tracked_unsetenv(key: Any) -> None:
            unsetenv(key)
            touched.add(os.fsencode(key))

        os.putenv, os.unsetenv = tracked_putenv, tracked_unsetenv

    def exit(self) -> None:
        """Put the test process's environment back."""
        if self._entered:
            assert _ENVIRON is not None
            table = self._saved_table
            _ENVIRON.value = ctypes.addressof(table) if table is not None else None
            # The table now live in ``environ`` must outlive this object: the module keeps it
            # (and the fast path above recognises it on the next phase).
            _OWNED[0] = table
            self._saved_table = None
            self._entered = False
            return
        if self._real is None:
            return
        putenv, unsetenv = self._real
        os.putenv, os.unsetenv = putenv, unsetenv
        self._real = None
        saved = self._saved
        for key in self._touched:
            value = saved.get(key)
            if value is None:
                try:
                    unsetenv(key)
                except OSError:
                    pass
            else:
                putenv(key, value)
        self._touched = set()
        self._saved = {}
