"""Metric records and CloudWatch's statistics over them (no queries, no stores: see metrics.py)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

#: The statistics CloudWatch computes on a metric, besides percentiles written ``pNN``.
STATISTICS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")

_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")

Source = Literal["lambda", "emf"]


class MetricNotFound(LookupError):
    """A query named a metric (or dimension set) that was never emitted."""


@dataclass(frozen=True, slots=True)
class MetricRecord:
    """One emission of a metric: its values and the dimension sets it was published under."""

    namespace: str
    name: str
    values: tuple[float, ...]
    unit: str = "None"
    dimension_sets: tuple[Mapping[str, str], ...] = ({},)
    timestamp: int = 0
    storage_resolution: int = 60
    request_id: str | None = None
    source: Source = "lambda"

    def has_dimensions(self, dimensions: Mapping[str, str]) -> bool:
        """Whether one of the record's dimension sets is exactly ``dimensions``."""
        want = dict(dimensions)
        return any(dict(ds) == want for ds in self.dimension_sets)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the record."""
        return {
            "namespace": self.namespace,
            "name": self.name,
            "values": list(self.values),
            "unit": self.unit,
            "dimension_sets": [dict(ds) for ds in self.dimension_sets],
            "timestamp": self.timestamp,
            "storage_resolution": self.storage_resolution,
            "request_id": self.request_id,
            "source": self.source,
        }


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile of ``values`` by nearest rank (an observed value, not interpolated).

    CloudWatch reports percentiles as values that occurred; nearest rank has that property and
    gives exact, hand-checkable figures for the small samples a test produces.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be between 0 and 100, got {p}")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def statistic(values: Sequence[float], stat: str) -> float:
    """CloudWatch statistic ``stat`` (Sum, Average, Minimum, Maximum, SampleCount, pNN)."""
    if stat == "SampleCount":
        return float(len(values))
    if stat == "Sum":
        return float(math.fsum(values))
    m = _PERCENTILE.match(stat)
    if stat not in STATISTICS and m is None:
        raise ValueError(
            f"unknown statistic {stat!r}; use one of {', '.join(STATISTICS)} "
            "or pNN (e.g. p99, p99.9)"
        )
    if not values:
        raise ValueError(f"statistic {stat} of no values")
    if stat == "Average":
        return math.fsum(values) / len(values)
    if stat == "Minimum":
        return float(min(values))
    if stat == "Maximum":
        return float(max(values))
    assert m is not None
    return percentile(values, float(m.group(1)))
