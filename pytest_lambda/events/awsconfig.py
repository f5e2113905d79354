"""AWS Config custom rule evaluations (change-triggered, oversized and periodic).

Shape: AWS Config developer guide, "Example events for AWS Config rules". ``invokingEvent`` and
``ruleParameters`` are JSON *strings*; the message type decides what ``invokingEvent`` holds.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from pytest_lambda.clock import iso_ms

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    b64_token,
    bad,
    check_account,
    check_choice,
    check_region,
    json_text,
    now_or_utc,
    rng_or_new,
    token,
)
from ._validate import checked

__all__ = ["CONFIG_MESSAGE_TYPES", "config_rule"]

CONFIG_MESSAGE_TYPES = (
    "ConfigurationItemChangeNotification",
    "OversizedConfigurationItemChangeNotification",
    "ScheduledNotification",
)


#: Resource types whose configuration item names the resource (``resourceName``) after its
#: id, as AWS Config records them: a bucket, a function, a table by their names.
_NAMED_BY_ID = frozenset({"AWS::S3::Bucket", "AWS::Lambda::Function", "AWS::DynamoDB::Table",
                          "AWS::ECR::Repository", "AWS::CloudFormation::Stack"})
_EC2_KINDS = {"SecurityGroup": "security-group", "NetworkInterface": "network-interface",
              "InternetGateway": "internet-gateway", "NatGateway": "natgateway",
              "RouteTable": "route-table", "NetworkAcl": "network-acl", "VPC": "vpc",
              "EIP": "elastic-ip"}
_IAM_KINDS = {"User": "user", "Role": "role", "Group": "group", "Policy": "policy"}


def _default_name(resource_type: str, resource_id: str) -> str | None:
    """``resourceName`` when the caller gives none: the id for resources named by it; an SQS
    queue's name from its URL (its id); an SNS topic's from its ARN (its id)."""
    if resource_type in _NAMED_BY_ID:
        return resource_id
    if resource_type == "AWS::SQS::Queue":
        return resource_id.rstrip("/").rsplit("/", 1)[-1]
    if resource_type == "AWS::SNS::Topic":
        return resource_id.rsplit(":", 1)[-1]
    return None


def _item_arn(resource_type: str, resource_id: str, name: str | None, region: str,
              account_id: str) -> str:
    """The item's ``ARN`` in each service's own ARN format (S3 and IAM have no Region, IAM and
    S3 no account or no Region; functions, queues and topics are named by ``:``)."""
    service, kind = resource_type.split("::")[1:3]
    named = name or resource_id
    if resource_type == "AWS::S3::Bucket":
        return f"arn:aws:s3:::{named}"
    if service == "IAM" and kind in _IAM_KINDS:
        return f"arn:aws:iam::{account_id}:{_IAM_KINDS[kind]}/{named}"
    if resource_type == "AWS::Lambda::Function":
        return arn("lambda", region, account_id, f"function:{named}")
    if resource_type in ("AWS::SQS::Queue", "AWS::SNS::Topic"):
        return arn(service.lower(), region, account_id, named)
    if resource_type == "AWS::DynamoDB::Table":
        return arn("dynamodb", region, account_id, f"table/{named}")
    if resource_type == "AWS::RDS::DBInstance":
        return arn("rds", region, account_id, f"db:{named}")
    if service == "EC2":
        return arn("ec2", region, account_id, f"{_EC2_KINDS.get(kind, kind.lower())}/{resource_id}")
    return arn(service.lower(), region, account_id, f"{kind.lower()}/{resource_id}")


def _placement(resource_type: str, region: str) -> tuple[str, str]:
    """(``awsRegion``, ``availabilityZone``) as Config records them: IAM is global, a bucket
    is "Regional", zonal EC2 resources have a zone, the rest "Not Applicable"."""
    if resource_type.startswith("AWS::IAM::"):
        return "global", "Not Applicable"
    if resource_type == "AWS::S3::Bucket":
        return region, "Regional"
    if resource_type in ("AWS::EC2::Instance", "AWS::EC2::Volume", "AWS::EC2::Subnet",
                         "AWS::EC2::NetworkInterface"):
        return region, f"{region}a"
    return region, "Not Applicable"


@checked
def config_rule(
    message_type: str = "ConfigurationItemChangeNotification",
    *,
    resource_type: str = "AWS::EC2::Instance",
    resource_id: str = "i-0123456789abcdef0",
    resource_name: str | None = None,
    configuration: Mapping[str, Any] | None = None,
    status: str = "OK",
    rule_name: str = "my-config-rule",
    rule_parameters: Mapping[str, Any] | None = None,
    event_left_scope: bool = False,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """One rule evaluation; *configuration* is the resource's configuration (change events).

    *resource_name* is the item's ``resourceName``; by default the name Config records for the
    type (a bucket's, function's or table's id, a queue's or topic's name), else null.
    """
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    check_choice("message_type", message_type, CONFIG_MESSAGE_TYPES)
    check_choice(
        "status",
        status,
        (
            "OK",
            "ResourceDiscovered",
            "ResourceNotRecorded",
            "ResourceDeleted",
            "ResourceDeletedNotRecorded",
        ),
    )
    check_region(region)
    check_account(account_id)
    if resource_type.count("::") != 2 or not resource_type.startswith("AWS::"):
        raise bad("resource_type", resource_type, "expected a type like 'AWS::EC2::Instance'")
    if message_type == "ScheduledNotification" and configuration is not None:
        raise bad("configuration", configuration, "periodic evaluations carry no resource")
    captured = when - _dt.timedelta(seconds=rng.randrange(5, 600))
    name = resource_name if resource_name is not None else _default_name(resource_type,
                                                                         resource_id)
    item_region, zone = _placement(resource_type, region)
    invoking: dict[str, Any]
    if message_type == "ScheduledNotification":
        invoking = {
            "awsAccountId": account_id,
            "notificationCreationTime": iso_ms(when),
            "messageType": message_type,
            "recordVersion": "1.0",
        }
    else:
        summary = {
            "changeType": "UPDATE",
            "configurationItemVersion": "1.3",
            "configurationItemCaptureTime": iso_ms(captured),
            "configurationStateId": int(captured.timestamp() * 1000),
            "awsAccountId": account_id,
            "configurationItemStatus": status,
            "resourceType": resource_type,
            "resourceId": resource_id,
            "resourceName": name,
            "ARN": _item_arn(resource_type, resource_id, name, region, account_id),
            "awsRegion": item_region,
            "availabilityZone": zone,
            "configurationStateMd5Hash": "",
            "resourceCreationTime": iso_ms(captured - _dt.timedelta(days=30)),
        }
        if message_type == "OversizedConfigurationItemChangeNotification":
            # Items over 256 KB arrive as a summary; the rule fetches the item itself.
            invoking = {
                "configurationItemSummary": summary,
                "messageType": message_type,
                "notificationCreationTime": iso_ms(when),
                "recordVersion": "1.0",
            }
        else:
            item = {
                **summary,
                "configuration": dict(configuration or {}),
                "tags": {},
                "relationships": [],
                "relatedEvents": [],
                "supplementaryConfiguration": {},
            }
            item.pop("changeType")
            # As a change notification carries them (aws-powertools tests/events/
            # awsConfigRuleConfigurationChanged.json): an empty hash and the change's diff.
            item["configurationStateMd5Hash"] = ""
            invoking = {
                "configurationItemDiff": {"changedProperties": {}, "changeType": "UPDATE"},
                "configurationItem": item,
                "notificationCreationTime": iso_ms(when),
                "messageType": message_type,
                "recordVersion": "1.3",
            }
    rule_id = "config-rule-" + token(rng, 6, "abcdefghijklmnopqrstuvwxyz0123456789")
    return {
        "version": "1.0",
        "invokingEvent": json_text("configuration", invoking),
        "ruleParameters": json_text("rule_parameters", dict(rule_parameters or {})),
        "resultToken": b64_token(rng, 120),
        "eventLeftScope": event_left_scope,
        "executionRoleArn": f"arn:aws:iam::{account_id}:role/config-role",
        "configRuleArn": arn("config", region, account_id, f"config-rule/{rule_id}"),
        "configRuleName": rule_name,
        "configRuleId": rule_id,
        "accountId": account_id,
        "evaluationMode": "DETECTIVE",
    }
