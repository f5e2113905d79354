"""Deliveries to AWS services (DLQ, destinations) through boto3, into whatever moto is active.

boto3 is imported only here, inside the functions. A delivery is refused unless a moto mock
is active (or an endpoint on loopback is configured, for moto's server mode): an emulated
function must never send a dead letter to a real account.
"""

from __future__ import annotations

import os
import sys
from typing import Any
from urllib.parse import urlparse

from ..arn import Arn
from .boto import client as boto_client

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class DeliveryError(Exception):
    """A delivery to SQS, SNS, EventBridge or S3 failed."""


def _moto_active() -> bool:
    models = sys.modules.get("moto.core.models")
    stubber = getattr(models, "botocore_stubber", None)
    return bool(getattr(stubber, "enabled", False))


def _local_endpoint(service: str) -> bool:
    url = os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}") or os.environ.get(
        "AWS_ENDPOINT_URL")
    return bool(url) and urlparse(url).hostname in _LOOPBACK


def _client(service: str, region: str) -> Any:
    if not (_moto_active() or _local_endpoint(service)):
        raise DeliveryError(
            f"no moto mock is active, so nothing can receive this {service} delivery (and "
            "pytest-aws-lambda never sends to real AWS). Run the test inside "
            "moto.mock_aws() (or the lambda_aws fixture).")
    return boto_client(service, region)


def _parts(arn: str) -> tuple[str, str, str]:
    """(region, account, resource) of an ARN."""
    parsed = Arn.parse(arn)
    if parsed is None:
        raise DeliveryError(f"{arn!r} is not an ARN: deliveries need the target's full ARN.")
    return parsed.region, parsed.account, parsed.resource


def send_sqs(arn: str, body: str, attributes: dict[str, tuple[str, str]] | None = None) -> None:
    """SendMessage to the queue ``arn``; ``attributes`` map name -> (DataType, value)."""
    region, account, name = _parts(arn)
    try:
        client = _client("sqs", region)
        url = client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        kwargs: dict[str, Any] = {"QueueUrl": url, "MessageBody": body}
        if attributes:
            kwargs["MessageAttributes"] = {
                k: {"DataType": t, "StringValue": v} for k, (t, v) in attributes.items()}
        client.send_message(**kwargs)
    except DeliveryError:
        raise
    except Exception as exc:
        raise DeliveryError(f"SQS SendMessage to {arn} failed: {exc}") from exc


def publish_sns(arn: str, message: str,
                attributes: dict[str, tuple[str, str]] | None = None) -> None:
    """Publish to the topic ``arn``."""
    region = _parts(arn)[0]
    try:
        client = _client("sns", region)
        kwargs: dict[str, Any] = {"TopicArn": arn, "Message": message}
        if attributes:
            kwargs["MessageAttributes"] = {
                k: {"DataType": t, "StringValue": v} for k, (t, v) in attributes.items()}
        client.publish(**kwargs)
    except DeliveryError:
        raise
    except Exception as exc:
        raise DeliveryError(f"SNS Publish to {arn} failed: {exc}") from exc


def put_event(bus_arn: str, *, source: str, detail_type: str, detail: str,
              resources: list[str]) -> None:
    """PutEvents of one event onto the bus ``bus_arn``."""
    region = _parts(bus_arn)[0]
    try:
        client = _client("events", region)
        response = client.put_events(Entries=[{
            "Source": source, "DetailType": detail_type, "Detail": detail,
            "Resources": resources, "EventBusName": bus_arn}])
    except DeliveryError:
        raise
    except Exception as exc:
        raise DeliveryError(f"EventBridge PutEvents to {bus_arn} failed: {exc}") from exc
    if response.get("FailedEntryCount"):
        entry = response["Entries"][0]
        raise DeliveryError(f"EventBridge PutEvents to {bus_arn} failed: "
                            f"{entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")


def put_s3_object(bucket_arn: str, key: str, body: str, region: str) -> None:
    """PutObject of ``body`` at ``key`` in the bucket ``bucket_arn``."""
    bucket = _parts(bucket_arn)[2]
    try:
        _client("s3", region).put_object(Bucket=bucket, Key=key, Body=body.encode())
    except DeliveryError:
        raise
    except Exception as exc:
        raise DeliveryError(f"S3 PutObject to {bucket_arn} failed: {exc}") from exc
