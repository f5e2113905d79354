"""Event filtering of event source mappings (``FilterCriteria``), as Lambda applies it.

A mapping with filters hands the function only the records that match at least one of its
patterns (at most 5; AWS docs "Control which events Lambda sends to your function"). What
each pattern sees of a record depends on the source (AWS docs "Using event filtering with an
Amazon SQS / Kinesis / DynamoDB event source"):

* SQS filters on ``body`` (and the record's metadata, for a pattern without ``body``, as the
  guide's table has it; its newer pages say only ``body`` is supported). The formats must
  agree: a JSON body is matched, parsed, by a pattern whose ``body`` is an object, and a
  plain-text body, as its text, by a pattern whose ``body`` is a list of values; when they
  differ "Lambda drops the message" (the guide's SQS table, with-sqs-filtering.html). A
  message that matches no pattern is deleted from the queue.
* Kinesis filters on ``data`` only, and "both the data field and your filter criteria for the
  data field must be in valid JSON format. If either field isn't in a valid JSON format,
  Lambda drops the message or throws an exception" (the guide): a ``data`` pattern that is not
  an object is refused when the mapping is made, and a record whose data is not JSON matches no
  ``data`` pattern. A record that matches no pattern is skipped (the shard moves past it).
* DynamoDB Streams filter on the record itself (``eventName``, ``dynamodb.NewImage`` with its
  typed values, ...). A record that matches no pattern is skipped.

The pattern syntax (exact values, ``prefix``, ``suffix``, ``anything-but``, ``numeric``,
``exists``, ``equals-ignore-case``, ``$or``) is EventBridge's; moto's implementation of it
matches the records. Operands are checked when the mapping is made (``numeric`` takes
comparison operators and numbers, ``prefix`` a string, ``exists`` true or false), as
``CreateEventSourceMapping`` refuses an invalid pattern. Not emulated: exact numbers compare by
value here, where Lambda compares their text (``300`` does not match ``300.0`` there).
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
                _check_data_key(loaded.get_pattern(), source)
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
        if self.source == "sqs":
            return self._sqs_matches(record)
        if self.source == "kinesis":
            return self._kinesis_matches(str(record.get("kinesis", {}).get("data", "")))
        return any(p.matches_event(dict(record)) for p in self._patterns)

    def _sqs_matches(self, record: Mapping[str, Any]) -> bool:
        body = str(record.get("body", ""))
        try:
            parsed, is_json = json.loads(body), True
        except ValueError:
            parsed, is_json = body, False
        # The record's metadata too: a pattern without ``body`` filters "on the other metadata
        # properties only" (the guide's SQS table).
        subject = {**record, "body": parsed}
        for pattern in self._patterns:
            whole = pattern.get_pattern()
            shape = whole.get("body") if isinstance(whole, Mapping) else None
            if shape is not None and isinstance(shape, Mapping) != is_json:
                continue  # the formats differ: Lambda drops the message for this pattern
            if pattern.matches_event(subject):
                return True
        return False

    def _kinesis_matches(self, data: str) -> bool:
        try:
            subject = {"data": json.loads(base64.b64decode(data, validate=True).decode())}
        except (binascii.Error, UnicodeDecodeError, ValueError):
            subject = None  # not JSON: Lambda drops it for any pattern on data
        for pattern in self._patterns:
            shape = pattern.get_pattern()
            if subject is None and isinstance(shape, Mapping) and "data" in shape:
                continue
            if pattern.matches_event(subject or {}):
                return True
        return False


def _check_data_key(pattern: Any, source: str) -> None:
    """A Kinesis ``data`` pattern must be JSON (an object of fields), not a list of values."""
    if source == "kinesis" and isinstance(pattern, Mapping) and "data" in pattern \
            and not isinstance(pattern["data"], Mapping):
        raise ValueError("the filter criteria for data must be in valid JSON format (an object "
                         "of fields, e.g. {\"data\": {\"kind\": [\"order\"]}}): Kinesis "
                         "records are filtered on their JSON data only")


_COMPARISONS = frozenset({"<", "<=", "=", ">=", ">"})


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_operand(name: str, value: Any) -> None:
    """Refuse an operand the operator cannot take (``{"numeric": [">", "a"]}``)."""
    ok = True
    if name in ("prefix", "suffix"):
        ok = isinstance(value, str) or (
            isinstance(value, Mapping) and list(value) == ["equals-ignore-case"]
            and isinstance(value["equals-ignore-case"], str))
    elif name == "equals-ignore-case":
        ok = isinstance(value, str)
    elif name == "exists":
        ok = isinstance(value, bool)
    elif name == "numeric":
        ok = (isinstance(value, list) and len(value) in (2, 4)
              and all(op in _COMPARISONS for op in value[::2])
              and all(_number(v) for v in value[1::2]))
    elif name == "anything-but":
        if isinstance(value, Mapping):
            ok = len(value) == 1 and next(iter(value)) in (
                "prefix", "suffix", "equals-ignore-case") and isinstance(
                    next(iter(value.values())), str | list)
        elif isinstance(value, list):
            ok = bool(value) and all(isinstance(v, str) or _number(v) for v in value)
        else:
            ok = isinstance(value, str) or _number(value)
    if not ok:
        raise ValueError(f"invalid operand {value!r} for the comparison operator {name!r}")


def _check_operators(node: Any) -> None:
    """Refuse comparison operators Lambda's filters do not have (EventBridge-only ones), and
    operands they cannot take."""
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
                    _check_operand(name, item[name])
