"""Amazon DocumentDB change streams read by an event source mapping.

Shape: Lambda developer guide, "Using Lambda with Amazon DocumentDB" (with-documentdb.html,
example event): ``eventSource`` ``aws:docdb``, the cluster ARN (an ``rds`` ARN), and ``events``
whose ``event`` is the MongoDB change event in Extended JSON: ``_id._data`` resume token,
``clusterTime.$timestamp`` {t: epoch s, i: ordinal}, ``documentKey._id.$oid``, ``ns`` {db, coll},
``operationType``; ``fullDocument`` on inserts (and updates with FullDocument=UpdateLookup),
``updateDescription`` on updates (DocumentDB developer guide, "Using change streams").
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterable, Mapping
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    bad,
    check_account,
    check_choice,
    check_region,
    epoch_s,
    hex_id,
    json_text,
    now_or_utc,
    rng_or_new,
)
from ._validate import checked

__all__ = ["documentdb_change_event"]

OPERATIONS = ("insert", "update", "replace", "delete")


def _name(argument: str, value: str, limit: int) -> str:
    # DocumentDBEventSourceConfig (Lambda API reference): database names up to 63 characters
    # without ' /.$"', collection names up to 57 characters without '$'.
    forbidden = ' /\\."$' if argument == "database" else "$"
    if not 1 <= len(value) <= limit or any(c in forbidden for c in value):
        raise bad(argument, value, f"expected 1-{limit} characters without {forbidden!r}")
    return value


@checked
def documentdb_change_event(
    documents: Iterable[Mapping[str, Any]] = ({"name": "Jane"},),
    *,
    operation: str = "insert",
    updated_fields: Mapping[str, Any] | None = None,
    removed_fields: Iterable[str] = (),
    full_document: bool = True,
    database: str = "my-database",
    collection: str = "my-collection",
    cluster: str = "my-cluster",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """One change event per document (an ``_id`` string is kept, else an ObjectId is drawn).

    *operation* is insert, update, replace or delete; updates describe *updated_fields* and
    *removed_fields* and carry ``fullDocument`` only with *full_document* (UpdateLookup).
    """
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    check_choice("operation", operation, OPERATIONS)
    check_region(region)
    check_account(account_id)
    _name("database", database, 63)
    _name("collection", collection, 57)
    if not 1 <= len(cluster) <= 63 or not all(c.isalnum() or c == "-" for c in cluster):
        raise bad("cluster", cluster, "cluster identifiers are 1-63 letters, digits and '-'")
    if operation != "update" and (updated_fields is not None or list(removed_fields)):
        raise bad("updated_fields", updated_fields, "only update events describe changed fields")
    items = [dict(d) for d in documents]
    if not 1 <= len(items) <= 10_000:
        raise bad("documents", len(items), "a batch holds 1-10000 change events")
    removed = list(removed_fields)
    seconds = epoch_s(when) - len(items)
    out = []
    for index, document in enumerate(items):
        json_text(f"documents[{index}]", document)
        given = document.pop("_id", None)
        oid: Any = given if given is not None else {"$oid": f"{seconds:08x}{hex_id(rng, 16)}"}
        change: dict[str, Any] = {
            "_id": {"_data": f"01{seconds + index:08x}{index + 1:08x}01{hex_id(rng, 24)}"},
            "clusterTime": {"$timestamp": {"t": seconds + index, "i": index + 1}},
            "documentKey": {"_id": oid},
        }
        wants_full = operation in ("insert", "replace") or (operation == "update" and full_document)
        if wants_full:
            change["fullDocument"] = {"_id": oid, **document}
        change["ns"] = {"db": database, "coll": collection}
        change["operationType"] = operation
        if operation == "update":
            change["updateDescription"] = {
                "updatedFields": dict(updated_fields if updated_fields is not None else document),
                "removedFields": removed,
            }
        out.append({"event": change})
    return {
        "eventSourceArn": arn("rds", region, account_id, f"cluster:{cluster}"),
        "events": out,
        "eventSource": "aws:docdb",
    }
