"""Every S3 notification type and the type-specific data each one carries.

Sources (S3 user guide): "Supported event types for SQS, SNS, and Lambda" for the names; "Event
message structure" (notification-content-structure) for the versions and the type-specific blocks
``glacierEventData``, ``lifecycleEventData``, ``intelligentTieringEventData`` and
``replicationEventData``. Record ``eventName`` values drop the ``s3:`` prefix.
"""

from __future__ import annotations

import datetime as _dt
import random
from typing import Any

from pytest_lambda.clock import iso_ms

from ._common import bad, check_choice

__all__ = [
    "ACCESS_TIERS",
    "S3_EVENT_NAMES",
    "STORAGE_CLASSES",
    "by_s3",
    "event_version",
    "has_size",
    "type_data",
]

S3_EVENT_NAMES = (
    "ObjectCreated:Put",
    "ObjectCreated:Post",
    "ObjectCreated:Copy",
    "ObjectCreated:CompleteMultipartUpload",
    "ObjectRemoved:Delete",
    "ObjectRemoved:DeleteMarkerCreated",
    "ObjectRestore:Post",
    "ObjectRestore:Completed",
    "ObjectRestore:Delete",
    "ReducedRedundancyLostObject",
    "Replication:OperationFailedReplication",
    "Replication:OperationMissedThreshold",
    "Replication:OperationReplicatedAfterThreshold",
    "Replication:OperationNotTracked",
    "LifecycleExpiration:Delete",
    "LifecycleExpiration:DeleteMarkerCreated",
    "LifecycleTransition",
    "IntelligentTiering",
    "ObjectTagging:Put",
    "ObjectTagging:Delete",
    "ObjectAcl:Put",
)
STORAGE_CLASSES = (
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
)
RESTORE_CLASSES = ("STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA")
ACCESS_TIERS = ("ARCHIVE_ACCESS", "DEEP_ARCHIVE_ACCESS")
REPLICATION_FAILURES = (
    "AssumeRoleNotPermitted",
    "DstBucketNotFound",
    "DstKmsKeyNotFound",
    "DstObjectHardDeleted",
    "DstPutObjectNotPermitted",
    "SrcGetObjectNotPermitted",
    "SrcObjectNotFound",
)


def by_s3(event_name: str) -> bool:
    """Events S3 raises itself (principal and source IP are ``s3.amazonaws.com``)."""
    return event_name.startswith(
        ("Lifecycle", "IntelligentTiering", "Replication:", "ReducedRedundancy")
    ) or event_name in ("ObjectRestore:Completed", "ObjectRestore:Delete")


def event_version(event_name: str) -> str:
    """2.2 for replication; 2.3 for lifecycle, tiering, ACL, tagging, restore-delete; else 2.1."""
    if event_name.startswith("Replication:"):
        return "2.2"
    if event_name.startswith(
        ("Lifecycle", "IntelligentTiering", "ObjectAcl:", "ObjectTagging:")
    ) or event_name == ("ObjectRestore:Delete"):
        return "2.3"
    return "2.1"


def has_size(event_name: str) -> bool:
    """Removal events (the object is gone) carry neither size nor eTag."""
    return not event_name.startswith(("ObjectRemoved:", "LifecycleExpiration:"))


def type_data(
    event_name: str,
    *,
    storage_class: str | None,
    access_tier: str | None,
    failure_reason: str | None,
    bucket: str,
    rng: random.Random,
    now: _dt.datetime,
) -> dict[str, Any]:
    """The record keys specific to *event_name* (empty for most types)."""
    _reject_unused(event_name, storage_class, access_tier, failure_reason)
    if event_name == "LifecycleTransition":
        target = check_choice("storage_class", storage_class or "GLACIER", STORAGE_CLASSES)
        return {"lifecycleEventData": {"transitionEventData": {"destinationStorageClass": target}}}
    if event_name == "IntelligentTiering":
        tier = check_choice("access_tier", access_tier or "ARCHIVE_ACCESS", ACCESS_TIERS)
        return {"intelligentTieringEventData": {"destinationAccessTier": tier}}
    if event_name == "ObjectRestore:Completed":
        restored = check_choice("storage_class", storage_class or "STANDARD", RESTORE_CLASSES)
        # The restored copy expires in the future: this is the one timestamp after `now`.
        expiry = (now + _dt.timedelta(days=rng.randrange(1, 30))).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        return {
            "glacierEventData": {
                "restoreEventData": {
                    "lifecycleRestorationExpiryTime": iso_ms(expiry),
                    "lifecycleRestoreStorageClass": restored,
                }
            }
        }
    if event_name.startswith("Replication:"):
        data: dict[str, Any] = {
            "replicationRuleId": f"replicate-{bucket}",
            "destinationBucket": f"arn:aws:s3:::{bucket}-replica",
            "s3Operation": "OBJECT_PUT",
            "requestTime": iso_ms(now - _dt.timedelta(minutes=rng.randrange(1, 60))),
        }
        if event_name.endswith("FailedReplication"):
            data["failureReason"] = check_choice(
                "failure_reason", failure_reason or "AssumeRoleNotPermitted", REPLICATION_FAILURES
            )
        if "Threshold" in event_name:
            data["threshold"] = "Minutes-15"
        if event_name.endswith("ReplicatedAfterThreshold"):
            data["replicationTime"] = iso_ms(now)
        return {"replicationEventData": data}
    return {}


def _reject_unused(
    event_name: str, storage_class: str | None, access_tier: str | None, failure: str | None
) -> None:
    if storage_class is not None and event_name not in (
        "LifecycleTransition",
        "ObjectRestore:Completed",
    ):
        raise bad(
            "storage_class",
            storage_class,
            "only LifecycleTransition and ObjectRestore:Completed events name a storage class",
        )
    if access_tier is not None and event_name != "IntelligentTiering":
        raise bad("access_tier", access_tier, "only IntelligentTiering events name an access tier")
    if failure is not None and event_name != "Replication:OperationFailedReplication":
        raise bad(
            "failure_reason",
            failure,
            "only Replication:OperationFailedReplication events carry a failure reason",
        )
