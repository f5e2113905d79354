"""Kinesis sequence numbers as Kinesis makes them, in moto's Kinesis while the embedded AWS runs.

moto numbers each shard's records 1, 2, 3...; Kinesis gives 56-digit decimal strings, e.g.
``49590338271490256608559692538361571095921575989136588898`` (the ``PutRecord`` and
``GetRecords`` examples in the Amazon Kinesis Data Streams API Reference), which increase
within a shard. A handler that sorts, compares or stores them as strings behaves differently
on the two: ``"10" < "9"``, never so between two of Kinesis's numbers. While
:class:`~pytest_lambda.service.aws.MockedAws` is active, moto's shards number records the
way Kinesis does (same length, increasing, so string and numeric order agree), and moto's own
API (``PutRecord``, ``GetRecords``, ``AT_SEQUENCE_NUMBER`` iterators) and the events of an
event source mapping carry the same numbers. moto keeps them as integers, which it compares
and steps; only where the first record of a shard starts changes.
"""

from __future__ import annotations

import threading
import zlib
from typing import Any

#: A shard's first number: "49" and 54 digits, from the shard id (stable between runs).
_FIRST = 49 * 10**54
#: Between two records of a shard: real numbers step by large, irregular amounts; a fixed
#: step keeps them increasing and 56 digits long for any number of records a test can put.
_STEP = 2**52 + 1

_lock = threading.Lock()
_depth = 0
_original: Any = None


def _first_number(shard: Any) -> int:
    return _FIRST + zlib.crc32(shard.shard_id.encode()) * 10**44


def _put_record(self: Any, partition_key: str, data: Any, explicit_hash_key: str) -> str:
    # moto's Shard.put_record, but starting where Kinesis numbers start.
    from moto.kinesis.models import Record  # moto is running: the patch is only installed then

    last = self.get_max_sequence_number() if self.records else _first_number(self) - _STEP
    number = last + _STEP
    self.records[number] = Record(partition_key, data, number, explicit_hash_key)
    return str(number)


def install() -> None:
    """Number moto's Kinesis records as Kinesis does, until the matching :func:`uninstall`."""
    global _depth, _original
    from moto.kinesis.models import Shard  # the embedded AWS is starting: moto is loaded

    with _lock:
        if _depth == 0:
            _original = Shard.__dict__["put_record"]
            Shard.put_record = _put_record  # type: ignore[method-assign]
        _depth += 1


def uninstall() -> None:
    """Undo one :func:`install`; the last one gives moto its own numbering back."""
    global _depth, _original
    with _lock:
        if _depth == 0:
            return
        _depth -= 1
        if _depth == 0:
            from moto.kinesis.models import Shard  # imported by install()

            Shard.put_record = _original  # type: ignore[method-assign]
            _original = None
