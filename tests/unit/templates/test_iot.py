"""IoT topic rules: topic filters, the SELECT list, and rules lambda_app refuses to guess."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_lambda.templates.errors import TemplateError
from pytest_lambda.templates.iot import TopicRule

FN: Any = object()  # the function is only carried along by the rule


@pytest.mark.parametrize(("topic_filter", "topic", "expected"), [
    ("tractors/+/telemetry", "tractors/T-1/telemetry", True),
    ("tractors/+/telemetry", "tractors/T-1/status", False),
    ("tractors/+/telemetry", "tractors/T-1/telemetry/x", False),
    ("tractors/#", "tractors/T-1/telemetry/x", True),
    ("tractors/T-1", "tractors/T-1", True),
])
def test_topic_filters(topic_filter: str, topic: str, expected: bool) -> None:
    """``+`` matches one level, ``#`` the rest, as MQTT topic filters do."""
    rule = TopicRule.parse("r", FN, f"SELECT * FROM '{topic_filter}'")
    assert rule.matches(topic) is expected


def test_select_list_shapes_the_event() -> None:
    """``*``, fields with ``AS``, nested fields and the topic/clientid functions."""
    rule = TopicRule.parse("r", FN, "SELECT *, topic(2) AS id, topic() AS t, clientid() AS c, "
                                    "engine.temp AS temp FROM 'a/+/b'")
    event = rule.event("a/x/b", {"v": 1, "engine": {"temp": 80}}, "dev-1")
    assert event == {"v": 1, "engine": {"temp": 80}, "id": "x", "t": "a/x/b", "c": "dev-1",
                     "temp": 80}


def test_where_clauses_are_refused_not_guessed() -> None:
    """A rule with WHERE is an error naming what to do instead."""
    with pytest.raises(TemplateError, match="does not evaluate; publish only matching"):
        TopicRule.parse("Fn.Events.E", FN, "SELECT * FROM 'a/b' WHERE temp > 50")
