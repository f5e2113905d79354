"""EventFactory binds every factory to one seed, clock, region and account."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from pytest_lambda import events
from pytest_lambda.events._catalog import CATALOG


def _calls(factory: events.EventFactory) -> list[object]:
    return [getattr(factory, e.factory)(**dict(e.fixed)) for e in CATALOG]


def test_same_seed_same_events() -> None:
    """Two factories with the same seed produce identical events for every catalog entry."""
    assert _calls(events.EventFactory(seed=42)) == _calls(events.EventFactory(seed=42))


def test_different_seed_different_ids() -> None:
    """Different seeds give different message ids."""
    a = events.EventFactory(seed=1).sqs_message()["Records"][0]["messageId"]
    b = events.EventFactory(seed=2).sqs_message()["Records"][0]["messageId"]
    assert a != b


def test_plain_functions_are_seedable() -> None:
    """Plain functions are reproducible given the same rng seed and clock."""
    now = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    first = events.kinesis_batch(["a", "b"], rng=random.Random(5), now=now)
    assert first == events.kinesis_batch(["a", "b"], rng=random.Random(5), now=now)


def test_unseeded_functions_use_current_time() -> None:
    """Without rng/now, timestamps are close to the current time and ids are fresh."""
    before = dt.datetime.now(dt.UTC).timestamp()
    record = events.kinesis_record()["Records"][0]
    assert abs(record["kinesis"]["approximateArrivalTimestamp"] - before) < 60
    assert events.sqs_message() != events.sqs_message()


def test_factory_region_and_account_flow_into_events() -> None:
    """The factory's region and account appear in ARNs; explicit arguments still win."""
    factory = events.EventFactory(seed=1, region="eu-west-1", account_id="111122223333")
    record = factory.sqs_message()["Records"][0]
    assert record["eventSourceARN"] == "arn:aws:sqs:eu-west-1:111122223333:my-queue"
    assert factory.sqs_message(region="us-west-2")["Records"][0]["awsRegion"] == "us-west-2"


def test_factory_clock_starts_at_now_and_advances() -> None:
    """A seeded factory's clock starts at `now` and moves forward between events."""
    now = dt.datetime(2023, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    factory = events.EventFactory(seed=3, now=now)
    first = factory.eventbridge_event()["time"]
    second = factory.eventbridge_event()["time"]
    assert first == "2023-05-06T07:08:09Z" and second >= first


def test_factory_rejects_unknown_name_and_bad_region() -> None:
    """Unknown factory names raise AttributeError; invalid regions raise EventError."""
    with pytest.raises(AttributeError, match="no factory"):
        events.EventFactory().nope  # noqa: B018
    with pytest.raises(events.EventError, match="region"):
        events.EventFactory(region="moon")


def test_factory_lists_every_factory() -> None:
    """dir() on a factory shows every bound factory name."""
    assert set(events.FACTORIES) <= set(dir(events.EventFactory()))


def test_package_import_is_stdlib_only() -> None:
    """Importing the events package pulls in no pydantic, boto3 or Powertools."""
    import subprocess
    import sys

    code = (
        "import sys, pytest_lambda.events as e; "
        "bad=[m for m in sys.modules if m.split('.')[0] in ('pydantic','boto3','botocore',"
        "'aws_lambda_powertools','moto')]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_names_match_the_type_checking_imports() -> None:
    """Each name the package resolves on first use comes from the module its
    TYPE_CHECKING import (what type checkers see) names."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(events))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and ast.unparse(node.test) == "TYPE_CHECKING")
    declared = {alias.name: node.module for node in block.body
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    lazy = {**events._FACTORY_MODULES, **events._HELPER_MODULES}
    assert declared == lazy
    for name, module in lazy.items():
        assert getattr(events, name).__module__ == f"pytest_lambda.events.{module}"


def test_importing_the_package_imports_no_factory_module() -> None:
    """``import pytest_lambda.events`` loads no factory until one is used."""
    import subprocess
    import sys

    code = ("import sys, pytest_lambda.events as e\n"
            "loaded = sorted(m for m in sys.modules if m.startswith('pytest_lambda.events.'))\n"
            "e.sqs_batch(['x'])\n"
            "after = sorted(m for m in sys.modules if m.startswith('pytest_lambda.events.'))\n"
            "print(loaded, 'pytest_lambda.events.sqs' in after)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "['pytest_lambda.events._common', 'pytest_lambda.events._factory'] True"


def test_a_submodule_named_like_its_factory_keeps_the_factory() -> None:
    """Importing ``pytest_lambda.events.appsync_events`` does not hide the factory."""
    import importlib

    importlib.import_module("pytest_lambda.events.appsync_events")
    importlib.import_module("pytest_lambda.events.alexa_smart_home")
    assert callable(events.appsync_events)
    assert callable(events.alexa_smart_home)
    assert events.FACTORIES["appsync_events"] is events.appsync_events
    with pytest.raises(AttributeError, match="no attribute 'not_a_factory'"):
        events.not_a_factory  # noqa: B018
    with pytest.raises(KeyError):
        events.FACTORIES["not_a_factory"]
