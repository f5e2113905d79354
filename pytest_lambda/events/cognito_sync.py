"""Amazon Cognito Sync triggers (legacy Cognito Sync datasets; SAM's ``cognito sync-trigger``).

Shape: Cognito developer guide, "Cognito Sync triggers" (event format: version 2, SyncTrigger).
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from ._common import DEFAULT_REGION, bad, check_region, now_or_utc, rng_or_new, uuid4
from ._validate import checked

__all__ = ["cognito_sync_trigger"]


@checked
def cognito_sync_trigger(
    records: Mapping[str, tuple[str | None, str | None]] | None = None,
    *,
    dataset: str = "my-dataset",
    identity_pool_id: str | None = None,
    identity_id: str | None = None,
    region: str = DEFAULT_REGION,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A dataset sync; *records* maps each key to (old value, new value); None new = removed."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    check_region(region)
    changes = records if records is not None else {"SampleKey1": ("oldValue1", "newValue1")}
    dataset_records: dict[str, dict[str, Any]] = {}
    for key, (old, new) in changes.items():
        if old is None and new is None:
            raise bad(f"records[{key!r}]", (old, new), "a change needs an old or a new value")
        op = "remove" if new is None else "replace"
        dataset_records[key] = {"oldValue": old, "newValue": new, "op": op}
    if not 1 <= len(dataset) <= 128:
        raise bad("dataset", dataset, "dataset names are 1-128 characters")
    return {
        "version": 2,
        "eventType": "SyncTrigger",
        "region": region,
        "identityPoolId": identity_pool_id or f"{region}:{uuid4(rng)}",
        "identityId": identity_id or f"{region}:{uuid4(rng)}",
        "datasetName": dataset,
        "datasetRecords": dataset_records,
    }
