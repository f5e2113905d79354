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


def _item_arn(resource_type: str, resource_id: str, region: str, account_id: str) -> str:
    service, kind = resource_type.split("::")[1:3]
    return arn(service.lower(), region, account_id, f"{kind.lower()}/{resource_id}")


@checked
def config_rule(
    message_type: str = "ConfigurationItemChangeNotification",
    *,
    resource_type: str = "AWS::EC2::Instance",
    resource_id: str = "i-0123456789abcdef0",
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
    """One rule evaluation; *configuration* is the resource's configuration (change events)."""
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
            "resourceName": None,
            "ARN": _item_arn(resource_type, resource_id, region, account_id),
            "awsRegion": region,
            "availabilityZone": f"{region}a",
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
