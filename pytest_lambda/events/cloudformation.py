"""CloudFormation custom resource requests (Create / Update / Delete)."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    bad,
    check_account,
    check_choice,
    check_region,
    hex_id,
    now_or_utc,
    rng_or_new,
    upper_token,
    uuid4,
)
from ._validate import checked

__all__ = ["cloudformation_custom_resource", "cloudformation_properties"]


@checked
def cloudformation_properties(value: Any, path: str = "properties") -> Any:
    """Stringify leaves the way CloudFormation does (numbers and booleans arrive as strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): cloudformation_properties(v, f"{path}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [cloudformation_properties(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise bad(path, value, "template values are strings, numbers, booleans, lists or objects")


@checked
def cloudformation_custom_resource(
    request_type: str = "Create",
    properties: Mapping[str, Any] | None = None,
    *,
    old_properties: Mapping[str, Any] | None = None,
    resource_type: str = "Custom::MyResource",
    logical_resource_id: str = "MyResource",
    physical_resource_id: str | None = None,
    stack: str = "my-stack",
    function: str = "my-custom-resource",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A custom resource request; Update adds OldResourceProperties, Update/Delete a physical id."""
    rng = rng_or_new(rng)
    now = now_or_utc(now)
    check_choice("request_type", request_type, ("Create", "Update", "Delete"))
    check_region(region)
    check_account(account_id)
    if not (
        resource_type == "AWS::CloudFormation::CustomResource"
        or resource_type.startswith("Custom::")
    ):
        raise bad(
            "resource_type",
            resource_type,
            "expected 'Custom::<Name>' or 'AWS::CloudFormation::CustomResource'",
        )
    if not logical_resource_id.isalnum():
        raise bad("logical_resource_id", logical_resource_id, "logical ids are alphanumeric")
    if request_type == "Create" and (physical_resource_id or old_properties):
        raise bad(
            "physical_resource_id",
            physical_resource_id,
            "Create requests have no physical id or old properties",
        )
    if request_type != "Update" and old_properties is not None:
        raise bad(
            "old_properties", old_properties, "only Update requests carry OldResourceProperties"
        )
    token = arn("lambda", region, account_id, f"function:{function}")
    stack_id = arn("cloudformation", region, account_id, f"stack/{stack}/{uuid4(rng)}")
    request_id = uuid4(rng)
    expires = now.strftime("%Y%m%dT%H%M%SZ")
    response_url = (
        f"https://cloudformation-custom-resource-response-{region.replace('-', '')}"
        ".s3.amazonaws.com/"
        f"{quote(stack_id, safe='')}%7C{logical_resource_id}%7C{request_id}"
        f"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={expires}&X-Amz-SignedHeaders=host"
        f"&X-Amz-Expires=7200&X-Amz-Credential=AKIA{upper_token(rng, 16)}%2F{now:%Y%m%d}%2F{region}"
        f"%2Fs3%2Faws4_request&X-Amz-Signature={hex_id(rng, 64)}"
    )
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": token,
        "ResponseURL": response_url,
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_resource_id,
        "ResourceType": resource_type,
        "ResourceProperties": {
            "ServiceToken": token,
            **cloudformation_properties(dict(properties or {})),
        },
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = (
            physical_resource_id or f"{stack}-{logical_resource_id}-{upper_token(rng, 12)}"
        )
    if request_type == "Update":
        event["OldResourceProperties"] = {
            "ServiceToken": token,
            **cloudformation_properties(dict(old_properties or {}), "old_properties"),
        }
    return event
