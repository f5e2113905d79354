"""S3 event notifications delivered straight to Lambda (``Records[].eventSource == "aws:s3"``)."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from pytest_lambda.clock import iso_ms

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    b64_token,
    bad,
    check_choice,
    check_nonempty,
    check_region,
    hex_id,
    now_or_utc,
    rng_or_new,
    source_ip,
    token,
    upper_token,
)
from ._s3_types import S3_EVENT_NAMES, STORAGE_CLASSES, by_s3, has_size, type_data
from ._s3_types import event_version as event_version_for
from ._validate import checked

__all__ = [
    "S3_EVENT_NAMES",
    "STORAGE_CLASSES",
    "decode_s3_key",
    "encode_s3_key",
    "s3_batch",
    "s3_copy",
    "s3_delete",
    "s3_event",
    "s3_lifecycle_expiration",
    "s3_lifecycle_transition",
    "s3_multipart_upload",
    "s3_put",
]

MAX_PUT_SIZE = 5 * 1024**3
MAX_OBJECT_SIZE = 5 * 1024**4
_VERSION_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"


@checked
def encode_s3_key(key: str) -> str:
    """Encode an object key the way S3 notifications do (form encoding: space → ``+``)."""
    return quote_plus(key, safe="/")


@checked
def decode_s3_key(encoded: str) -> str:
    """Decode ``Records[].s3.object.key`` back to the real object key."""
    return unquote_plus(encoded)


def _check_bucket(bucket: str) -> str:
    # S3 itself requires 3 characters; 1-2 are accepted so short test names such as "b" (the
    # project's own API example) work. Everything else follows S3's naming rules.
    ok = 1 <= len(bucket) <= 63 and all(c.islower() or c.isdigit() or c in ".-" for c in bucket)
    if not ok or not bucket[0].isalnum() or not bucket[-1].isalnum():
        raise bad(
            "bucket",
            bucket,
            "expected up to 63 characters of lower-case letters, digits, '.' and '-', "
            "starting and ending with a letter or digit",
        )
    return bucket


def _check_key(key: str) -> str:
    check_nonempty("key", key)
    if len(key.encode("utf-8")) > 1024:
        raise bad("key", key[:40] + "...", "S3 keys are at most 1024 bytes of UTF-8")
    return key


def _check_size(size: int, limit: int, hint: str) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise bad("size", size, "expected an integer number of bytes >= 0")
    if size > limit:
        raise bad("size", size, hint)
    return size


@checked
def s3_event(
    bucket: str,
    key: str,
    *,
    event_name: str = "ObjectCreated:Put",
    size: int | None = 1024,
    etag: str | None = None,
    version_id: str | None = None,
    versioned: bool = False,
    configuration_id: str = "lambda-trigger",
    principal_id: str | None = None,
    source_ip_address: str | None = None,
    event_version: str | None = None,
    storage_class: str | None = None,
    access_tier: str | None = None,
    failure_reason: str | None = None,
    extra: dict[str, Any] | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """One S3 notification of any type in ``{"Records": [...]}``, with its type-specific data.

    *storage_class* is the LifecycleTransition target or the ObjectRestore:Completed class,
    *access_tier* the IntelligentTiering tier, *failure_reason* a failed replication's reason.
    """
    rng = rng_or_new(rng)
    return {
        "Records": [
            _record(
                rng,
                now_or_utc(now),
                bucket=bucket,
                key=key,
                event_name=event_name,
                size=size,
                etag=etag,
                version_id=version_id,
                versioned=versioned,
                configuration_id=configuration_id,
                principal_id=principal_id,
                source_ip_address=source_ip_address,
                event_version=event_version,
                storage_class=storage_class,
                access_tier=access_tier,
                failure_reason=failure_reason,
                extra=extra,
                region=region,
            )
        ]
    }


def _record(
    rng: random.Random,
    now: _dt.datetime,
    *,
    bucket: str,
    key: str,
    event_name: str,
    size: int | None,
    etag: str | None,
    version_id: str | None,
    versioned: bool,
    configuration_id: str,
    principal_id: str | None,
    source_ip_address: str | None,
    event_version: str | None,
    storage_class: str | None,
    access_tier: str | None,
    failure_reason: str | None,
    extra: dict[str, Any] | None,
    region: str,
) -> dict[str, Any]:
    check_choice("event_name", event_name, S3_EVENT_NAMES)
    _check_bucket(bucket)
    _check_key(key)
    check_region(region)
    from_s3 = by_s3(event_name)
    specific = type_data(
        event_name,
        storage_class=storage_class,
        access_tier=access_tier,
        failure_reason=failure_reason,
        bucket=bucket,
        rng=rng,
        now=now,
    )
    obj: dict[str, Any] = {"key": encode_s3_key(key)}
    if has_size(event_name):
        limit = MAX_PUT_SIZE if event_name in ("ObjectCreated:Put", "ObjectCreated:Post") else 0
        if size is None:
            raise bad("size", size, f"{event_name} events always carry the object size")
        _check_size(
            size,
            limit or MAX_OBJECT_SIZE,
            "a single PUT is at most 5 GiB; use s3_multipart_upload for larger objects"
            if limit
            else "S3 objects are at most 5 TiB",
        )
        obj["size"] = size
        obj["eTag"] = etag if etag is not None else hex_id(rng, 32)
    if version_id is not None or versioned or event_name.endswith("DeleteMarkerCreated"):
        obj["versionId"] = version_id or token(rng, 32, _VERSION_ALPHABET)
    obj["sequencer"] = "00" + hex_id(rng, 16, upper=True)
    if principal_id is None:
        principal_id = "s3.amazonaws.com" if from_s3 else "AWS:AIDA" + upper_token(rng, 17)
    if source_ip_address is None:
        source_ip_address = "s3.amazonaws.com" if from_s3 else source_ip(rng)
    if event_version is None:
        event_version = event_version_for(event_name)
    record: dict[str, Any] = {
        "eventVersion": event_version,
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_ms(now),
        "eventName": event_name,
        "userIdentity": {"principalId": principal_id},
        "requestParameters": {"sourceIPAddress": source_ip_address},
        "responseElements": {
            "x-amz-request-id": hex_id(rng, 16, upper=True),
            "x-amz-id-2": b64_token(rng, 57),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "A" + upper_token(rng, 13)},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }
    record.update(specific)
    if extra:
        record.update(extra)
    return record


@checked
def s3_put(bucket: str, key: str, size: int = 1024, **kwargs: Any) -> dict[str, Any]:
    """An ``ObjectCreated:Put`` notification; *size* in bytes (0 to 5 GiB)."""
    return s3_event(bucket, key, event_name="ObjectCreated:Put", size=size, **kwargs)


@checked
def s3_copy(bucket: str, key: str, size: int = 1024, **kwargs: Any) -> dict[str, Any]:
    """An ``ObjectCreated:Copy`` notification (CopyObject into *bucket*/*key*)."""
    return s3_event(bucket, key, event_name="ObjectCreated:Copy", size=size, **kwargs)


@checked
def s3_multipart_upload(
    bucket: str,
    key: str,
    size: int = 64 * 1024**2,
    *,
    parts: int | None = None,
    rng: random.Random | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """An ``ObjectCreated:CompleteMultipartUpload`` notification with a multipart ETag."""
    rng = rng_or_new(rng)
    _check_size(size, MAX_OBJECT_SIZE, "S3 objects are at most 5 TiB")
    if parts is None:
        parts = max(1, -(-size // (8 * 1024**2)))
    if isinstance(parts, bool) or not isinstance(parts, int) or not 1 <= parts <= 10_000:
        raise bad("parts", parts, "expected an integer from 1 to 10000")
    etag = kwargs.pop("etag", None) or f"{hex_id(rng, 32)}-{parts}"
    return s3_event(
        bucket,
        key,
        event_name="ObjectCreated:CompleteMultipartUpload",
        size=size,
        etag=etag,
        rng=rng,
        **kwargs,
    )


@checked
def s3_delete(
    bucket: str, key: str, *, delete_marker: bool = False, **kwargs: Any
) -> dict[str, Any]:
    """An ``ObjectRemoved:Delete`` (or ``DeleteMarkerCreated``) notification; no size/eTag."""
    name = "ObjectRemoved:DeleteMarkerCreated" if delete_marker else "ObjectRemoved:Delete"
    kwargs.pop("size", None)
    return s3_event(bucket, key, event_name=name, size=None, **kwargs)


@checked
def s3_lifecycle_expiration(
    bucket: str, key: str, *, delete_marker: bool = False, **kwargs: Any
) -> dict[str, Any]:
    """A ``LifecycleExpiration:*`` notification sent by S3 itself (event version 2.3)."""
    name = (
        "LifecycleExpiration:DeleteMarkerCreated" if delete_marker else "LifecycleExpiration:Delete"
    )
    kwargs.pop("size", None)
    return s3_event(bucket, key, event_name=name, size=None, **kwargs)


@checked
def s3_lifecycle_transition(
    bucket: str,
    key: str,
    size: int = 1024,
    *,
    storage_class: str = "GLACIER",
    **kwargs: Any,
) -> dict[str, Any]:
    """A ``LifecycleTransition`` notification moving the object to *storage_class*."""
    return s3_event(
        bucket,
        key,
        event_name="LifecycleTransition",
        size=size,
        storage_class=storage_class,
        **kwargs,
    )


@checked
def s3_batch(
    bucket: str,
    keys: Iterable[str | tuple[str, int]],
    *,
    event_name: str = "ObjectCreated:Put",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Several notifications in one ``Records`` list; *keys* items are keys or (key, size)."""
    rng = rng_or_new(rng)
    end = now_or_utc(now)
    items = list(keys)
    # S3 finished each request before the batch was delivered: times run up to `now`, never past.
    gaps = [rng.randrange(1, 40) for _ in items]
    records: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        key, size = (item, kwargs.get("size", 1024)) if isinstance(item, str) else item
        options = {k: v for k, v in kwargs.items() if k != "size"}
        when = end - _dt.timedelta(milliseconds=sum(gaps[index + 1 :]))
        records.extend(
            s3_event(
                bucket,
                key,
                event_name=event_name,
                size=size if has_size(event_name) else None,
                region=region,
                account_id=account_id,
                rng=rng,
                now=when,
                **options,
            )["Records"]
        )
    if not records:
        raise bad("keys", [], "expected at least one key: S3 never sends an empty Records list")
    return {"Records": records}
