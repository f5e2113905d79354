"""Event filtering of event source mappings (``FilterCriteria``), as Lambda applies it.

A mapping with filters hands the function only the records that match at least one of its
patterns (at most 5; AWS docs "Control which events Lambda sends to your function"). What
each pattern sees of a record depends on the source (AWS docs "Using event filtering with an
Amazon SQS / Kinesis / DynamoDB event source"):

* SQS filters on ``body`` only: a JSON body is matched as the parsed value, any other body as
  its text. A message that matches no pattern is deleted from the queue.
* Kinesis filters on ``data`` only: the base64 payload decoded, parsed when it is JSON, as
  text otherwise. A record that matches no pattern is skipped (the shard moves past it).
* DynamoDB Streams filter on the record itself (``eventName``, ``dynamodb.NewImage`` with its
  typed values, ...). A record that matches no pattern is skipped.

The pattern syntax (exact values, ``prefix``, ``suffix``, ``anything-but``, ``numeric``,
``exists``, ``equals-ignore-case``, ``$or``) is EventBridge's; moto's implementation of it
matches the records.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from pytest_lambda.errors import InvalidParameterValueException

#: Filters per event source mapping (Lambda's quota).
MAX_FILTERS = 5
#: Characters per pattern (CloudFormation's ``Filter.Pattern`` maximum).
MAX_PATTERN = 4096
#: The comparison operators Lambda's filter rule syntax has (AWS docs "Filter rule syntax");
#: EventBridge's ``wildcard`` and ``cidr`` are not among them.
OPERATORS = frozenset({"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric",
                       "exists"})


def _text_or_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


class FilterCriteria:
    """The parsed ``FilterCriteria`` of one mapping; :meth:`matches` tests a record."""

    def __init__(self, criteria: Mapping[str, Any] | None, source: str) -> None:
        self.source = source
        self.raw: dict[str, Any] | None = None
        self._patterns: list[Any] = []
        if criteria is None:
            return
        filters = criteria.get("Filters") if isinstance(criteria, Mapping) else None
        if not isinstance(filters, list) or set(criteria) - {"Filters"}:
            raise InvalidParameterValueException(
                f"Invalid FilterCriteria {criteria!r}. Pass {{'Filters': [{{'Pattern': "
                "'<JSON pattern>'}}]}, e.g. {'Filters': [{'Pattern': "
                "'{\"body\": {\"kind\": [\"order\"]}}'}]}.")
        if len(filters) > MAX_FILTERS:
            raise InvalidParameterValueException(
                f"FilterCriteria has {len(filters)} filters; an event source mapping takes at "
                f"most {MAX_FILTERS}. Combine patterns with $or, or use fewer filters.")
        from moto.events.models import EventPattern  # moto: only for mappings with filters

        for index, item in enumerate(filters):
            pattern = item.get("Pattern") if isinstance(item, Mapping) else None
            if not isinstance(pattern, str) or len(pattern) > MAX_PATTERN:
                raise InvalidParameterValueException(
                    f"FilterCriteria.Filters[{index}] is {item!r}: each filter is "
                    f"{{'Pattern': '<JSON pattern, at most {MAX_PATTERN} characters>'}}.")
            try:
                loaded = EventPattern.load(pattern)
                _check_operators(loaded.get_pattern())
                self._patterns.append(loaded)
            except Exception as exc:
                raise InvalidParameterValueException(
                    f"Invalid filter pattern definition in FilterCriteria.Filters[{index}] "
                    f"({pattern!r}): {getattr(exc, 'message', exc)}. Write a JSON object "
                    "whose leaves are arrays, e.g. '{\"body\": {\"kind\": [\"order\"]}}'."
                ) from None
        self.raw = {"Filters": [{"Pattern": f["Pattern"]} for f in filters]}

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether Lambda would deliver ``record`` (an event record) to the function."""
        if not self._patterns:
            return True
        subject = self._subject(record)
        return any(p.matches_event(subject) for p in self._patterns)

    def _subject(self, record: Mapping[str, Any]) -> dict[str, Any]:
        if self.source == "sqs":
            return {"body": _text_or_json(str(record.get("body", "")))}
        if self.source == "kinesis":
            data = str(record.get("kinesis", {}).get("data", ""))
            try:
                text = base64.b64decode(data, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return {}  # not text: no pattern on data can match
            return {"data": _text_or_json(text)}
        return dict(record)


def _check_operators(node: Any) -> None:
    """Refuse comparison operators Lambda's filters do not have (EventBridge-only ones)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "$or" and isinstance(value, list):
                for branch in value:
                    _check_operators(branch)
            else:
                _check_operators(value)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, Mapping):
                for name in item:
                    if name not in OPERATORS:
                        raise ValueError(f"unsupported comparison operator {name!r} (Lambda "
                                         f"filters take {', '.join(sorted(OPERATORS))})")
