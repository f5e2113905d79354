"""CloudWatch Embedded Metric Format: recognise EMF documents in log events, validate, extract.

A log event is an EMF document when its whole message is one JSON object with an ``_aws``
member. Such a document is either turned into :class:`~pytest_lambda.observe.metrics.MetricRecord`
objects or rejected with every reason found, never dropped silently: CloudWatch drops invalid
documents without telling the function, which is exactly what a test should catch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_lambda.observe.stats import MetricRecord

if TYPE_CHECKING:
    from pytest_lambda.observe.logs import LogEvent

#: CloudWatch Logs event size limit, which EMF documents share (1 MB; 256 KB before 2025).
MAX_EVENT_BYTES = 1024 * 1024
#: The size of the pieces Lambda's log capture cuts a longer line into (runtime/capture.py's
#: ``MAX_EVENT_BYTES``): an EMF document that long arrives as pieces that are not JSON.
LAMBDA_PIECE_BYTES = 262_144 - 26
#: CloudWatch API reference, ``Metric``: a namespace is 1-255 characters.
MAX_NAMESPACE_LENGTH = 255
#: PutMetricData: "Values must be in the range of -2^360 to 2^360."
MAX_METRIC_MAGNITUDE = 2.0 ** 360
MAX_DIMENSIONS_PER_SET = 30
MAX_METRICS_PER_DIRECTIVE = 100
MAX_VALUES_PER_METRIC = 100
MAX_NAME_LENGTH = 1024
MAX_DIMENSION_KEY_LENGTH = 250
MAX_DIMENSION_VALUE_LENGTH = 1024
STORAGE_RESOLUTIONS = (1, 60)

UNITS = frozenset(
    {
        "Seconds", "Microseconds", "Milliseconds",
        "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
        "Percent", "Count",
        "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
        "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
        "Gigabits/Second", "Terabits/Second", "Count/Second",
        "None",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EmfError:
    """An EMF document CloudWatch would reject, with every reason found."""

    reasons: tuple[str, ...]
    message: str
    request_id: str | None = None
    timestamp: int | None = None

    def __str__(self) -> str:
        excerpt = self.message if len(self.message) <= 200 else self.message[:197] + "..."
        where = f" (request {self.request_id})" if self.request_id else ""
        return f"{'; '.join(self.reasons)}{where}: {excerpt}"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the error."""
        return {"reasons": list(self.reasons), "message": self.message,
                "request_id": self.request_id}  # fmt: skip


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def looks_like_emf(message: str) -> dict[str, Any] | None:
    """The parsed document if ``message`` is a JSON object with an ``_aws`` member, else None."""
    text = message.strip()
    if not (text.startswith("{") and '"_aws"' in text):
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict) or "_aws" not in doc:
        return None
    return doc


def _printable_ascii(text: str) -> bool:
    """ASCII without control characters (PutMetricData's rule for names and namespaces)."""
    return text.isascii() and text.isprintable()


def _check_metric(doc: Mapping[str, Any], where: str, definition: Any, errors: list[str]) -> None:
    if not isinstance(definition, dict):
        errors.append(f"{where} must be an object, got {type(definition).__name__}")
        return
    name = definition.get("Name")
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH:
        errors.append(f"{where}.Name must be a string of 1-{MAX_NAME_LENGTH} characters")
        return
    label = f"metric {name!r}"
    unit = definition.get("Unit", "None")
    if unit not in UNITS:
        errors.append(f"{label} has Unit {unit!r}, which is not a CloudWatch unit")
    resolution = definition.get("StorageResolution", 60)
    if resolution not in STORAGE_RESOLUTIONS or isinstance(resolution, bool):
        errors.append(f"{label} has StorageResolution {resolution!r}; it must be 1 or 60")
    if name not in doc:
        errors.append(f"{label} has no value: the document has no root member {name!r}")
        return
    value = doc[name]
    if isinstance(value, list):
        if not value:
            errors.append(f"{label} has an empty array of values")
        elif len(value) > MAX_VALUES_PER_METRIC:
            errors.append(
                f"{label} has {len(value)} values; at most {MAX_VALUES_PER_METRIC} are allowed"
            )
        if not all(_is_number(v) for v in value):
            errors.append(f"{label} has a non-numeric value in its array: {value[:5]!r}")
        elif any(abs(v) > MAX_METRIC_MAGNITUDE for v in value):
            errors.append(f"{label} has a value outside -2^360..2^360, which CloudWatch rejects")
    elif not _is_number(value):
        errors.append(f"{label} value must be a number or an array of numbers, got {value!r}")
    elif abs(value) > MAX_METRIC_MAGNITUDE:
        errors.append(f"{label} value {value!r} is outside -2^360..2^360, which CloudWatch "
                      "rejects")


def _check_directive(doc: Mapping[str, Any], i: int, directive: Any, errors: list[str]) -> None:
    where = f"_aws.CloudWatchMetrics[{i}]"
    if not isinstance(directive, dict):
        errors.append(f"{where} must be an object, got {type(directive).__name__}")
        return
    namespace = directive.get("Namespace")
    if not isinstance(namespace, str) or not 1 <= len(namespace) <= MAX_NAMESPACE_LENGTH:
        errors.append(f"{where}.Namespace must be a string of 1-{MAX_NAMESPACE_LENGTH} "
                      "characters")
    elif not _printable_ascii(namespace):
        errors.append(f"{where}.Namespace {namespace!r} must be ASCII without control "
                      "characters")
    dimension_sets = directive.get("Dimensions")
    if not isinstance(dimension_sets, list) or not dimension_sets:
        errors.append(f"{where}.Dimensions must be a non-empty array of dimension sets")
    else:
        for j, dimension_set in enumerate(dimension_sets):
            ds_where = f"{where}.Dimensions[{j}]"
            if not isinstance(dimension_set, list):
                errors.append(f"{ds_where} must be an array of dimension names")
                continue
            if len(dimension_set) > MAX_DIMENSIONS_PER_SET:
                errors.append(
                    f"{ds_where} has {len(dimension_set)} dimensions; "
                    f"at most {MAX_DIMENSIONS_PER_SET} are allowed"
                )
            for key in dimension_set:
                if not isinstance(key, str) or not 1 <= len(key) <= MAX_DIMENSION_KEY_LENGTH:
                    errors.append(
                        f"{ds_where} has dimension name {key!r}; names are strings of "
                        f"1-{MAX_DIMENSION_KEY_LENGTH} characters"
                    )
                elif not key.isascii() or not key.strip() or key.startswith(":"):
                    # CloudWatch API reference, Dimension: names are ASCII, hold a
                    # non-whitespace character and cannot start with a colon.
                    errors.append(
                        f"{ds_where} has dimension name {key!r}; names must be ASCII, hold a "
                        "non-whitespace character and not start with ':'"
                    )
                elif key not in doc:
                    errors.append(f"dimension {key!r} has no value: no root member {key!r}")
                elif not isinstance(doc[key], str):
                    errors.append(f"dimension {key!r} value must be a string, got {doc[key]!r}")
                elif not doc[key].isascii() or not doc[key].strip():
                    # Dimension values: ASCII, with a non-whitespace character.
                    errors.append(
                        f"dimension {key!r} value {doc[key]!r} must be ASCII and hold a "
                        "non-whitespace character"
                    )
                elif len(doc[key]) > MAX_DIMENSION_VALUE_LENGTH:
                    errors.append(
                        f"dimension {key!r} value is {len(doc[key])} characters long; "
                        f"at most {MAX_DIMENSION_VALUE_LENGTH} are allowed"
                    )
    metrics = directive.get("Metrics")
    if not isinstance(metrics, list):
        errors.append(f"{where}.Metrics must be an array of metric definitions")
        return
    if len(metrics) > MAX_METRICS_PER_DIRECTIVE:
        errors.append(
            f"{where}.Metrics has {len(metrics)} definitions; "
            f"at most {MAX_METRICS_PER_DIRECTIVE} are allowed"
        )
    for k, definition in enumerate(metrics):
        _check_metric(doc, f"{where}.Metrics[{k}]", definition, errors)


def validate(doc: Mapping[str, Any], *, size: int | None = None) -> list[str]:
    """Every reason CloudWatch would reject the EMF document ``doc`` (empty when valid).

    ``size`` is the encoded size of the log event in bytes, checked against the event limit.
    """
    errors: list[str] = []
    if size is not None and size > MAX_EVENT_BYTES:
        errors.append(f"the log event is {size} bytes; the limit is {MAX_EVENT_BYTES} bytes")
    meta = doc.get("_aws")
    if not isinstance(meta, dict):
        errors.append(f"_aws must be an object, got {type(meta).__name__}")
        return errors
    stamp = meta.get("Timestamp")
    if stamp is None:
        errors.append("_aws.Timestamp is missing (epoch milliseconds are required)")
    elif not isinstance(stamp, int) or isinstance(stamp, bool) or stamp < 0:
        errors.append(f"_aws.Timestamp must be a non-negative integer (epoch ms), got {stamp!r}")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        errors.append("_aws.CloudWatchMetrics must be an array of metric directives")
        return errors
    for i, directive in enumerate(directives):
        _check_directive(doc, i, directive, errors)
    return errors


def extract(doc: Mapping[str, Any], *, request_id: str | None = None) -> list[MetricRecord]:
    """The metric records of a document that :func:`validate` accepted."""

    meta = doc["_aws"]
    out: list[MetricRecord] = []
    for directive in meta["CloudWatchMetrics"]:
        dimension_sets = tuple(
            {key: doc[key] for key in dimension_set} for dimension_set in directive["Dimensions"]
        )
        for definition in directive["Metrics"]:
            raw = doc[definition["Name"]]
            values = tuple(float(v) for v in (raw if isinstance(raw, list) else [raw]))
            out.append(
                MetricRecord(
                    namespace=directive["Namespace"],
                    name=definition["Name"],
                    values=values,
                    unit=definition.get("Unit", "None"),
                    dimension_sets=dimension_sets,
                    timestamp=meta["Timestamp"],
                    storage_resolution=definition.get("StorageResolution", 60),
                    request_id=request_id,
                    source="emf",
                )
            )
    return out


def parse(
    message: str, *, request_id: str | None = None, timestamp: int | None = None
) -> list[MetricRecord] | EmfError | None:
    """Metrics of an EMF message, an :class:`EmfError` if invalid, or None if it is not EMF."""
    doc = looks_like_emf(message)
    if doc is None:
        text = message.lstrip()
        if text.startswith("{") and '"_aws"' in text[:4096] \
                and len(message.encode("utf-8")) >= LAMBDA_PIECE_BYTES - 4:
            # The first piece of a line cut into log events: no piece is a JSON document.
            return EmfError(
                (f"the document is longer than one Lambda log event ({LAMBDA_PIECE_BYTES} "
                 "bytes): it was cut into several events, none of them JSON, and CloudWatch "
                 "extracts no metric from it; emit fewer values or split the metrics",),
                message[:2000], request_id, timestamp)
        return None
    reasons = validate(doc, size=len(message.encode("utf-8")))
    if reasons:
        return EmfError(tuple(reasons), message.strip(), request_id, timestamp)
    return extract(doc, request_id=request_id)


def parse_event(event: LogEvent) -> list[MetricRecord] | EmfError | None:
    """:func:`parse` applied to one captured log event."""
    return parse(event.message, request_id=event.request_id, timestamp=event.timestamp)
