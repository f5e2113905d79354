"""Argument checking for event factories: each argument against its annotation, at call time.

A factory decorated with :func:`checked` raises :class:`EventError` naming the argument, the value
and the accepted types instead of failing later with a raw ``TypeError``/``AttributeError``. A
``str`` never satisfies an iterable-of-items parameter (it would be split into characters), and
one-shot iterators are materialised into a list so they can be checked and still consumed.
A factory that delegates to another (``sqs_message`` to ``sqs_batch``) is named in the message
as the one called: the user never called the delegate.
"""

from __future__ import annotations

import collections.abc as cabc
import contextvars
import datetime as _dt
import functools
import inspect
import random
import types
import typing
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from ._common import EventError

__all__ = ["checked", "is_checked"]

P = ParamSpec("P")
R = TypeVar("R")

_MARK = "__event_factory_checked__"
#: The checked factory the user called, while it runs (the delegates it calls are not named).
_CALLED: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "pytest_lambda_event_factory", default=None)


def is_checked(func: Callable[..., Any]) -> bool:
    """Whether *func* validates its arguments through :func:`checked`."""
    return bool(getattr(func, _MARK, False))


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is type(None) or tp is None:
        return "None"
    if origin in (types.UnionType, typing.Union):
        return " or ".join(dict.fromkeys(_describe(a) for a in args))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (dict, cabc.Mapping, cabc.MutableMapping):
        return "a dict" + (f" of {_describe(args[0])} to {_describe(args[1])}" if args else "")
    if origin in (list, cabc.Sequence, cabc.Iterable, set, frozenset, cabc.Set):
        inner = f" of ({_describe(args[0])})" if args and args[0] is not Any else ""
        return f"a list{inner}"
    if origin is tuple:
        return "a tuple (" + ", ".join(_describe(a) for a in args if a is not Ellipsis) + ")"
    if tp is Any:
        return "anything"
    if tp is float:
        return "a number"
    if tp is _dt.datetime:
        return "a datetime"
    if tp is random.Random:
        return "a random.Random"
    if isinstance(tp, type):
        return tp.__name__
    return str(tp)


def _is_many(tp: Any) -> bool:
    return typing.get_origin(tp) in (list, cabc.Sequence, cabc.Iterable, set, frozenset, cabc.Set)


def _matches(value: Any, tp: Any) -> bool:
    if tp is Any or tp is object:
        return True
    if tp is None or tp is type(None):
        return value is None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (types.UnionType, typing.Union):
        return any(_matches(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is bytes:
        return isinstance(value, bytes | bytearray)
    if origin in (dict, cabc.Mapping, cabc.MutableMapping):
        if not isinstance(value, cabc.Mapping):
            return False
        if args and args[0] is str:
            return all(isinstance(k, str) for k in value)
        return True
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_matches(v, args[0]) for v in value)
        return len(args) == len(value) and all(map(_matches, value, args))
    if _is_many(tp):
        # A str or bytes is iterable but never a list of items: reject it rather than split it.
        if isinstance(value, str | bytes | bytearray | cabc.Mapping):
            return False
        if origin is list and not isinstance(value, list):
            return False
        if not isinstance(value, cabc.Iterable):
            return False
        if args and isinstance(value, cabc.Collection):
            return all(_matches(v, args[0]) for v in value)
        return True
    if origin is not None:
        return isinstance(value, origin) if isinstance(origin, type) else True
    if origin is None and callable(tp) and tp.__module__ == "collections.abc":
        return isinstance(value, tp)
    if isinstance(tp, type):
        return isinstance(value, tp)
    return True


def _error(func: str, name: str, value: Any, tp: Any, called: str | None = None) -> EventError:
    """The message: which argument (or list item), its value, what is allowed, what was given;
    ``called`` is the factory the user called, when ``func`` is a delegate of it."""
    where = f" ({called or func}() argument)" if not func.startswith("_") else ""
    many = _strip_none(tp)
    if _is_many(many) and isinstance(value, cabc.Collection):
        if isinstance(value, str):
            return EventError(
                f"{name}={value!r} is not valid{where}: expected {_describe(tp)}, got a str, "
                f"which would be split into characters; wrap it in a list: {name}=[{value!r}]"
            )
        args = typing.get_args(many)
        if args and not isinstance(value, bytes | bytearray | cabc.Mapping):
            for index, item in enumerate(value):
                if not _matches(item, args[0]):
                    return EventError(
                        f"{name}[{index}]={item!r} is not valid{where}: expected "
                        f"{_describe(args[0])}, got {type(item).__name__}"
                    )
    return EventError(
        f"{name}={value!r} is not valid{where}: expected {_describe(tp)}, "
        f"got {type(value).__name__}"
    )


def _accepted(sig: inspect.Signature) -> str:
    return ", ".join(
        p.name for p in sig.parameters.values() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    )


def _unknown_keyword(sig: inspect.Signature, kwargs: dict[str, Any]) -> str:
    """"got an unexpected keyword argument 'kye' (did you mean 'key'?)", or "" if none. A
    factory that passes its other keywords on (``**kwargs``) names one only when it is close to
    one of its own arguments: a likely misspelling."""
    forwards = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    for name in kwargs:
        if name not in sig.parameters:
            import difflib

            near = difflib.get_close_matches(name, list(sig.parameters), n=1)
            if forwards and not near:
                continue
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            return f"got an unexpected keyword argument {name!r}{hint}"
    return ""


def checked(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a factory so every argument is checked against its annotation when called."""
    sig = inspect.signature(func)
    hints: dict[str, Any] | None = None

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        nonlocal hints
        called = _CALLED.get()
        if hints is None:
            # Resolved lazily: annotations may name types defined later in the module.
            hints = typing.get_type_hints(func)
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            # A call that does not fit the signature stays a TypeError, as for any function;
            # a misspelt keyword is named first (before the required argument it misses).
            raise TypeError(f"{_unknown_keyword(sig, kwargs) or exc}; accepted arguments: "
                            f"{_accepted(sig)}") from None
        for name, value in list(bound.arguments.items()):
            param = sig.parameters[name]
            if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL) or name not in hints:
                continue
            tp = hints[name]
            if _is_many(_strip_none(tp)) and isinstance(value, cabc.Iterator):
                value = list(value)
                bound.arguments[name] = value
            if not _matches(value, tp):
                raise _error(func.__name__, name, value, tp, called)
        if called is not None or func.__name__.startswith("_"):
            return func(*bound.args, **bound.kwargs)
        token = _CALLED.set(func.__name__)
        try:
            return func(*bound.args, **bound.kwargs)
        finally:
            _CALLED.reset(token)

    setattr(wrapper, _MARK, True)
    return wrapper


def _strip_none(tp: Any) -> Any:
    """``X | None`` → ``X`` (for deciding whether a parameter is a list)."""
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        rest = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return tp
