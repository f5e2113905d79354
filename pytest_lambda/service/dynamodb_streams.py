"""A DynamoDB Streams rule moto does not keep, kept while the embedded AWS runs.

A ``PutItem`` or ``UpdateItem`` that changes no data writes no stream record (DynamoDB
Developer Guide, "Change data capture for DynamoDB Streams": "If you perform a PutItem or
UpdateItem operation that does not change any data in an item, DynamoDB Streams does not write
a stream record for that operation"). moto writes a ``MODIFY`` record for it, so a test that
saves the same item twice saw its stream consumer invoked for nothing, where on AWS an
idempotent re-save triggers nothing.
"""

from __future__ import annotations

from typing import Any

from .moto_patch import MotoPatch


def _add(self: Any, old: Any, new: Any) -> None:
    if old is not None and new is not None and old == new:
        return  # no data changed: no record
    from moto.dynamodb.models.table import StreamShard  # loaded: the stand-in is moto's

    PATCH.original(StreamShard, "add")(self, old, new)


def _targets() -> list[Any]:
    from moto.dynamodb.models.table import StreamShard  # the embedded AWS is starting

    return [(StreamShard, "add", _add)]


PATCH = MotoPatch(_targets)
install, uninstall = PATCH.install, PATCH.uninstall
