"""S3 events delivered through Amazon EventBridge (bucket setting "Send notifications to
EventBridge"), as a rule targeting Lambda receives them.

Shape: Amazon S3 user guide, "EventBridge event message structure" (ev-events.html): source
``aws.s3``, the bucket ARN in ``resources``, ``detail.version`` "0", hyphenated detail keys
(``request-id``, ``source-ip-address``, ``version-id``, ``deletion-type``, ...) and, per
detail-type, which object fields and type-specific keys are present. Events S3 raises itself
(lifecycle, tiering, restore completion/expiry) name ``s3.amazonaws.com`` as requester and carry
no source IP. Unlike S3 notifications, the object key is not URL-encoded (the page's examples;
a captured event, gist vincentclaes/7a5eb53a, carries a key with ':' as is). Newer events may
add ``detail.event-version``; it is not generated here.
"""

from __future__ import annotations

import datetime as _dt
import random
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    bad,
    check_account,
    check_choice,
    check_region,
    hex_id,
    now_or_utc,
    rng_or_new,
    source_ip,
    upper_token,
)
from ._s3_types import ACCESS_TIERS, RESTORE_CLASSES, STORAGE_CLASSES
from ._validate import checked
from .eventbridge import eventbridge_event
from .s3 import _check_bucket, _check_key

__all__ = ["S3_EVENTBRIDGE_TYPES", "s3_eventbridge_event"]

S3_EVENTBRIDGE_TYPES = (
    "Object Created",
    "Object Deleted",
    "Object Restore Initiated",
    "Object Restore Completed",
    "Object Restore Expired",
    "Object Tags Added",
    "Object Tags Deleted",
    "Object ACL Updated",
    "Object Storage Class Changed",
    "Object Access Tier Changed",
)
# Same page: the S3 API (or lifecycle) behind Object Created / Object Deleted.
_REASONS = {
    "Object Created": ("PutObject", "POST Object", "CopyObject", "CompleteMultipartUpload"),
    "Object Deleted": ("DeleteObject", "Lifecycle Expiration"),
}
_BY_S3 = (
    "Object Restore Completed",
    "Object Restore Expired",
    "Object Storage Class Changed",
    "Object Access Tier Changed",
)
_NO_SIZE = ("Object Deleted", "Object Restore Expired", "Object Tags Deleted")


@checked
def s3_eventbridge_event(
    detail_type: str = "Object Created",
    bucket: str = "my-bucket",
    key: str = "my-key",
    size: int = 1024,
    *,
    reason: str | None = None,
    version_id: str | None = None,
    deletion_type: str = "Permanently Deleted",
    storage_class: str | None = None,
    access_tier: str = "ARCHIVE_ACCESS",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """An S3 event as EventBridge delivers it; *detail_type* is one of S3_EVENTBRIDGE_TYPES."""
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    check_choice("detail_type", detail_type, S3_EVENTBRIDGE_TYPES)
    _check_bucket(bucket)
    _check_key(key)
    check_region(region)
    check_account(account_id)
    if isinstance(size, bool) or size < 0:
        raise bad("size", size, "expected an integer number of bytes >= 0")
    if reason is not None and detail_type not in _REASONS:
        raise bad("reason", reason, "only 'Object Created' and 'Object Deleted' carry a reason")
    if detail_type in _REASONS:
        reason = check_choice("reason", reason or _REASONS[detail_type][0], _REASONS[detail_type])
    by_s3 = detail_type in _BY_S3 or reason == "Lifecycle Expiration"
    obj: dict[str, Any] = {"key": key}
    if detail_type not in _NO_SIZE:
        obj["size"] = size
        obj["etag"] = hex_id(rng, 32)
    if version_id is not None:
        obj["version-id"] = version_id
    if detail_type != "Object Restore Expired":
        obj["sequencer"] = "00" + hex_id(rng, 16, upper=True)
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": bucket},
        "object": obj,
        "request-id": hex_id(rng, 16, upper=True),  # S3's request ids: 16 upper-case hex
        "requester": "s3.amazonaws.com" if by_s3 else account_id,
    }
    if not by_s3:
        detail["source-ip-address"] = source_ip(rng)
    if reason is not None:
        detail["reason"] = reason
    if detail_type == "Object Deleted":
        check_choice(
            "deletion_type", deletion_type, ("Permanently Deleted", "Delete Marker Created")
        )
        if deletion_type == "Delete Marker Created" and version_id is None:
            obj["version-id"] = upper_token(rng, 32)
        detail["deletion-type"] = deletion_type
    if detail_type.startswith("Object Restore") and detail_type != "Object Restore Expired":
        detail["source-storage-class"] = check_choice(
            "storage_class", storage_class or "GLACIER", ("GLACIER", "DEEP_ARCHIVE")
        )
    elif detail_type == "Object Storage Class Changed":
        detail["destination-storage-class"] = check_choice(
            "storage_class", storage_class or "STANDARD_IA", (*STORAGE_CLASSES, *RESTORE_CLASSES)
        )
    elif storage_class is not None:
        raise bad("storage_class", storage_class, "only restore and storage-class events name one")
    if detail_type == "Object Restore Completed":
        # The restored copy stays for the days the restore request asked for.
        # ... and expires at midnight UTC, as S3 rounds it (AWS docs' and SDK fixtures'
        # "2021-11-13T00:00:00Z").
        expiry = (when + _dt.timedelta(days=rng.randrange(1, 31))).replace(
            hour=0, minute=0, second=0, microsecond=0)
        detail["restore-expiry-time"] = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
    if detail_type == "Object Access Tier Changed":
        detail["destination-access-tier"] = check_choice("access_tier", access_tier, ACCESS_TIERS)
    return eventbridge_event(
        detail_type,
        "aws.s3",
        detail,
        resources=[f"arn:aws:s3:::{bucket}"],
        region=region,
        account_id=account_id,
        rng=rng,
        now=when,
    )
