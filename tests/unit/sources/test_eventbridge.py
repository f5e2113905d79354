"""EventBridge pattern rules that target a function: delivery through moto, target inputs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

pytest.importorskip("moto")

from pytest_lambda import LambdaFunction
from pytest_lambda.sources.eventbridge import _transform

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture

EVENT: dict[str, Any] = {
    "version": "0", "id": "e1", "detail-type": "Login", "source": "auth",
    "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
    "resources": [], "detail": {"user": "ann", "n": 3, "tags": ["a"], "quote": 'say "hi"'}}
RULE = "arn:aws:events:us-east-1:123456789012:rule/r1"


@pytest.mark.parametrize(("template", "expected"), [
    ('{"who": <user>, "n": <n>, "tags": <tags>}', {"who": "ann", "n": 3, "tags": ["a"]}),
    ('{"text": "<user> logged in <n> times"}', {"text": "ann logged in 3 times"}),
    ('{"q": <quote>, "inside": "<quote>"}', {"q": 'say "hi"', "inside": 'say "hi"'}),
    ('"<user> logged in"', "ann logged in"),
    ('{"missing": <nothing>}', {"missing": None}),
    ('{"rule": "<aws.events.rule-name>", "whole": <aws.events.event.json>}',
     {"rule": "r1", "whole": EVENT}),
    ("plain <user> text", "plain <user> text"),
])
def test_input_transformer(template: str, expected: Any) -> None:
    """Placeholders in JSON strings are text, elsewhere JSON values; other text is kept."""
    paths = {"user": "$.detail.user", "n": "$.detail.n", "tags": "$.detail.tags",
             "quote": "$.detail.quote", "nothing": "$.detail.none"}
    if template.startswith("plain"):
        paths = {}
    assert _transform(EVENT, {"InputPathsMap": paths, "InputTemplate": template},
                      RULE) == expected


def test_connect_eventbridge_delivers_matching_events(code: CodeWriter) -> None:
    """A pattern rule on the default bus: matching events are delivered asynchronously with
    Lambda's EventBridge shape; closing the trigger removes the rule."""
    import boto3
    from moto import mock_aws

    with mock_aws(), LambdaFunction("app.handler", code_dir=code(
            app="def handler(e, c):\n    return e\n")) as fn:
        trigger = fn.connect_eventbridge({"source": ["auth"]}, input_path="$.detail")
        bridge = boto3.client("events", region_name="us-east-1")
        bridge.put_events(Entries=[
            {"Source": "auth", "DetailType": "Login", "Detail": json.dumps({"user": "ann"})},
            {"Source": "other", "DetailType": "Login", "Detail": json.dumps({"user": "bob"})}])
        assert [r.payload for r in trigger.drain()] == [{"user": "ann"}]
        trigger.close()
        assert bridge.list_rules()["Rules"] == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"input": "{", "input_path": None}, r"input='\{' is not JSON text"),
    ({"input_path": "$.detail[0]"}, r"input_path='\$.detail\[0\]': only a path of keys"),
    ({"input_transformer": {"InputPathsMap": {}}}, "has no InputTemplate"),
    ({"input_transformer": {"InputPathsMap": {"a": "detail"}, "InputTemplate": "<a>"}},
     r"InputPathsMap 'a': 'detail' is not emulated"),
    ({"input": "{}", "input_path": "$"}, "input and input_path given"),
])
def test_bad_target_settings_name_the_argument(code: CodeWriter, kwargs: dict[str, Any],
                                               message: str) -> None:
    """Refused before anything is created, with the argument named."""
    fn = LambdaFunction("app.handler", code_dir=code(app="def handler(e, c):\n    return e\n"))
    with pytest.raises(ValueError, match=message):
        fn.connect_eventbridge({"source": ["a"]}, **kwargs)
