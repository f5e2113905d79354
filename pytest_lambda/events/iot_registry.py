"""AWS IoT registry events (things and thing groups created, updated, deleted).

Shape: AWS IoT developer guide, "Registry events" (registry-events.html): published on
``$aws/events/thing/<thingName>/<created|updated|deleted>`` and
``$aws/events/thingGroup/<groupName>/<created|updated|deleted>``; an IoT rule such as
``SELECT * FROM '$aws/events/thing/+/created'`` hands the message to Lambda unchanged:
``eventType``, ``eventId``, epoch-ms ``timestamp``, ``operation``, ``accountId`` and the
thing's (or group's) id, name, ``versionNumber``, attributes and, for groups, its parents.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping, Sequence
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    bad,
    check_account,
    check_choice,
    check_region,
    epoch_ms,
    hex_id,
    now_or_utc,
    rng_or_new,
    uuid4,
)
from ._validate import checked

__all__ = ["iot_registry_thing_event", "iot_registry_thing_group_event"]

OPERATIONS = ("CREATED", "UPDATED", "DELETED")


def _name(argument: str, value: str) -> str:
    # Thing and thing group names: 1-128 of letters, digits, ':', '_', '-' (IoT API reference).
    if not 1 <= len(value) <= 128 or not all(c.isalnum() or c in ":_-" for c in value):
        raise bad(argument, value, "names are 1-128 letters, digits, ':', '_' and '-'")
    return value


def _attributes(attributes: Mapping[str, str] | None) -> dict[str, str]:
    for name, value in (attributes or {}).items():
        if not isinstance(value, str):
            raise bad(f"attributes[{name!r}]", value, "registry attributes are strings")
    return dict(attributes or {})


def _version(operation: str, version: int | None) -> int:
    if version is None:
        return 1 if operation == "CREATED" else 2
    lowest = 2 if operation == "UPDATED" else 1
    if isinstance(version, bool) or version < lowest or (operation == "CREATED" and version != 1):
        raise bad("version", version, "a created thing is version 1; each update adds one")
    return version


@checked
def iot_registry_thing_event(
    operation: str = "CREATED",
    thing_name: str = "my-thing",
    *,
    attributes: Mapping[str, str] | None = None,
    thing_type: str | None = None,
    version: int | None = None,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A ``THING_EVENT``: *thing_name* was created, updated or deleted."""
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    check_choice("operation", operation, OPERATIONS)
    _name("thing_name", thing_name)
    if thing_type is not None:
        _name("thing_type", thing_type)
    check_account(account_id)
    return {
        "eventType": "THING_EVENT",
        "eventId": hex_id(rng, 32),
        "timestamp": epoch_ms(when),
        "operation": operation,
        "accountId": account_id,
        "thingId": uuid4(rng),
        "thingName": thing_name,
        "versionNumber": _version(operation, version),
        "thingTypeName": thing_type,
        "attributes": _attributes(attributes),
    }


@checked
def iot_registry_thing_group_event(
    operation: str = "CREATED",
    group_name: str = "my-group",
    *,
    parents: Sequence[str] = (),
    description: str = "",
    attributes: Mapping[str, str] | None = None,
    version: int | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A ``THING_GROUP_EVENT``; *parents* lists the ancestor groups from the root down."""
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    check_choice("operation", operation, OPERATIONS)
    _name("group_name", group_name)
    check_region(region)
    check_account(account_id)
    chain = [
        {
            "groupArn": arn("iot", region, account_id, f"thinggroup/{_name('parents', p)}"),
            "groupId": uuid4(rng),
        }
        for p in parents
    ]
    if len(chain) > 7:
        # Thing group hierarchies are at most 7 levels deep (AWS IoT quotas).
        raise bad("parents", list(parents), "thing group hierarchies are at most 7 levels deep")
    return {
        "eventType": "THING_GROUP_EVENT",
        "eventId": hex_id(rng, 32),
        "timestamp": epoch_ms(when),
        "operation": operation,
        "accountId": account_id,
        "thingGroupId": uuid4(rng),
        "thingGroupName": group_name,
        "versionNumber": _version(operation, version),
        "parentGroupName": parents[-1] if parents else None,
        "parentGroupId": chain[-1]["groupId"] if chain else None,
        "description": description,
        "rootToParentThingGroups": chain,
        "attributes": _attributes(attributes),
        "dynamicGroupMappingId": None,
    }
