"""Every factory checks every argument's type and names it in an EventError."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from typing import Any

import pytest

from pytest_lambda import events
from pytest_lambda.events._validate import _is_many, _strip_none, is_checked

# Positional arguments a factory cannot do without (everything else has a default).
REQUIRED: dict[str, tuple[Any, ...]] = {
    "dynamodb_batch": ([{"event_name": "INSERT", "keys": {"pk": "a"}}],),
    "dynamodb_insert": ({"pk": "a"},),
    "dynamodb_modify": ({"pk": "a"},),
    "dynamodb_record": ("INSERT", {"pk": "a"}),
    "dynamodb_remove": ({"pk": "a"},),
    "kinesis_batch": (["a"],),
    "s3_batch": ("bkt", ["a"]),
    "s3_copy": ("bkt", "k"),
    "s3_delete": ("bkt", "k"),
    "s3_event": ("bkt", "k"),
    "s3_lifecycle_expiration": ("bkt", "k"),
    "s3_lifecycle_transition": ("bkt", "k"),
    "s3_multipart_upload": ("bkt", "k"),
    "s3_put": ("bkt", "k"),
    "sqs_batch": (["a"],),
    "appsync_batch": ([{"id": "1"}],),
    "kinesis_dynamodb_batch": ([{"event_name": "INSERT", "keys": {"pk": "a"}}],),
}


def _only_text(tp: Any) -> bool:
    """The annotation accepts str but no number (so an int is certainly wrong)."""
    parts = typing.get_args(tp) if typing.get_origin(tp) is types.UnionType else (tp,)
    return str in parts and not ({int, float, Any, object} & set(parts))


def _params(pick: Callable[[Any], bool]) -> list[tuple[str, str]]:
    out = []
    for name, func in sorted(events.FACTORIES.items()):
        hints = typing.get_type_hints(inspect.unwrap(func))
        for param in inspect.signature(func).parameters.values():
            known = param.name in hints and param.kind is not param.VAR_KEYWORD
            if known and pick(hints[param.name]):
                out.append((name, param.name))
    return out


def _call(factory: str, param: str, value: Any) -> None:
    func = events.FACTORIES[factory]
    required = REQUIRED.get(factory, ())
    names = list(inspect.signature(func).parameters)
    args = list(required)
    if param in names[: len(args)]:
        args[names.index(param)] = value
        func(*args)
    else:
        func(*args, **{param: value})


def test_every_factory_checks_its_arguments() -> None:
    """Each public factory is wrapped by the argument checker."""
    assert [n for n, f in events.FACTORIES.items() if not is_checked(f)] == []


def test_required_arguments_table_is_complete() -> None:
    """Factories called without arguments here need only what REQUIRED lists."""
    for name, func in events.FACTORIES.items():
        func(*REQUIRED.get(name, ()))


TEXT = _params(_only_text)


@pytest.mark.parametrize(("factory", "param"), TEXT, ids=[f"{f}.{p}" for f, p in TEXT])
def test_text_argument_rejects_a_number(factory: str, param: str) -> None:
    """A number where text is expected raises EventError naming the argument and value."""
    with pytest.raises(events.EventError) as info:
        _call(factory, param, 12345)
    assert f"{param}=12345" in str(info.value) and "expected" in str(info.value)


MANY = _params(lambda tp: _is_many(_strip_none(tp)))


@pytest.mark.parametrize(("factory", "param"), MANY, ids=[f"{f}.{p}" for f, p in MANY])
def test_list_argument_rejects_a_string(factory: str, param: str) -> None:
    """A str where a list is expected is refused, never split into characters."""
    with pytest.raises(events.EventError) as info:
        _call(factory, param, "abc")
    assert f"{param}='abc'" in str(info.value) and "split into characters" in str(info.value)


def test_iterator_arguments_are_still_consumed_once() -> None:
    """A generator for a list argument is checked and still produces every record."""
    event = events.sqs_batch(b for b in ("a", "b", "c"))
    assert [r["body"] for r in event["Records"]] == ["a", "b", "c"]


def test_unknown_keyword_names_accepted_arguments() -> None:
    """A misspelt keyword raises TypeError listing the arguments the factory accepts."""
    with pytest.raises(TypeError, match=r"accepted arguments: .*bucket"):
        events.s3_put("bkt", "k", buckt="x")


def test_list_item_of_wrong_type_is_named_by_index() -> None:
    """A bad item inside a list is reported with its index."""
    with pytest.raises(events.EventError, match=r"bodies\[1\]=5"):
        events.sqs_batch(["a", 5])  # type: ignore[list-item]
