"""Typed message attributes for SQS and SNS, built from plain Python values."""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Mapping
from typing import Any

from ._common import bad, json_text

AttributeValue = str | int | float | bytes | list[Any]

_SQS_BASE_TYPES = ("String", "Number", "Binary")


def _check_name(argument: str, name: object) -> str:
    ok = isinstance(name, str) and 0 < len(name) <= 256 and not name.startswith(("AWS.", "Amazon."))
    if not ok or not all(c.isalnum() or c in "_-." for c in str(name)):
        raise bad(
            argument,
            name,
            "attribute names are 1-256 characters of letters, digits, '_', '-' and '.', "
            "not starting with 'AWS.' or 'Amazon.'",
        )
    return str(name)


def _check_data_type(argument: str, data_type: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(data_type, str) or data_type.split(".", 1)[0] not in allowed:
        raise bad(
            argument,
            data_type,
            "expected " + ", ".join(allowed) + " (optionally followed by '.custom-label')",
        )
    return data_type


def sqs_message_attributes(
    attributes: Mapping[str, Any] | None,
) -> dict[str, dict[str, Any]]:
    """Plain values (str, int/float, bytes) or explicit dicts → SQS ``messageAttributes``."""
    result: dict[str, dict[str, Any]] = {}
    for name, value in (attributes or {}).items():
        _check_name("message_attributes", name)
        arg = f"message_attributes[{name!r}]"
        if isinstance(value, Mapping) and "DataType" in value and "dataType" not in value:
            value = _from_send_message(value)  # boto3's SendMessage shape
        if isinstance(value, Mapping):
            data_type = _check_data_type(arg, value.get("dataType"), _SQS_BASE_TYPES)
            binary = data_type.startswith("Binary")
            key = "binaryValue" if binary else "stringValue"
            if not isinstance(value.get(key), str):
                raise bad(arg, dict(value), f"a {data_type} attribute needs a string {key!r}")
            entry = {key: value[key], "stringListValues": [], "binaryListValues": []}
        elif isinstance(value, bool) or not isinstance(value, str | int | float | bytes):
            raise bad(arg, value, "expected str, int, float, bytes, or a dict with 'dataType'")
        elif isinstance(value, bytes):
            entry = {"binaryValue": base64.b64encode(value).decode("ascii")}
            data_type = "Binary"
        elif isinstance(value, str):
            entry, data_type = {"stringValue": value}, "String"
        else:
            entry, data_type = {"stringValue": _number_text(arg, value)}, "Number"
        result[name] = {
            **{"stringListValues": [], "binaryListValues": []},
            **entry,
            "dataType": data_type,
        }
    if len(result) > 10:
        raise bad("message_attributes", list(result), "SQS allows at most 10 message attributes")
    return result


def _from_send_message(value: Mapping[str, Any]) -> dict[str, Any]:
    """An attribute as boto3's SendMessage / Publish take it (``DataType``, ``StringValue``,
    ``BinaryValue`` as bytes) in the event's own spelling (``dataType``, ``stringValue``,
    ``binaryValue`` as base64)."""
    out: dict[str, Any] = {"dataType": value.get("DataType")}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        binary = value["BinaryValue"]
        out["binaryValue"] = (base64.b64encode(binary).decode("ascii")
                              if isinstance(binary, bytes | bytearray) else binary)
    return out


def _number_text(argument: str, value: int | float) -> str:
    if (isinstance(value, float) and value != value) or value in (float("inf"), float("-inf")):
        raise bad(argument, value, "Number attributes must be finite")
    return repr(value) if isinstance(value, float) else str(value)


def sqs_attributes_md5(attributes: Mapping[str, Mapping[str, Any]]) -> str:
    """SQS's MD5 of message attributes (sorted names, length-prefixed fields, transport byte)."""
    digest = hashlib.md5(usedforsecurity=False)

    def field(data: bytes) -> None:
        digest.update(struct.pack(">I", len(data)))
        digest.update(data)

    for name in sorted(attributes):
        attr = attributes[name]
        field(name.encode("utf-8"))
        field(attr["dataType"].encode("utf-8"))
        if attr["dataType"].startswith("Binary"):
            digest.update(b"\x02")
            field(base64.b64decode(attr["binaryValue"]))
        else:
            digest.update(b"\x01")
            field(attr["stringValue"].encode("utf-8"))
    return digest.hexdigest()


def sns_message_attributes(attributes: Mapping[str, Any] | None) -> dict[str, dict[str, str]]:
    """Plain values → SNS ``MessageAttributes`` (``{"Type": ..., "Value": ...}``)."""
    result: dict[str, dict[str, str]] = {}
    for name, value in (attributes or {}).items():
        _check_name("message_attributes", name)
        arg = f"message_attributes[{name!r}]"
        if isinstance(value, Mapping) and "DataType" in value and "Type" not in value:
            # boto3's Publish shape: the notification's Type / Value.
            sent = _from_send_message(value)
            value = {"Type": sent["dataType"],
                     "Value": sent.get("stringValue", sent.get("binaryValue"))}
        if isinstance(value, Mapping):
            kind = value.get("Type")
            if kind != "String.Array":
                kind = _check_data_type(arg, kind, _SQS_BASE_TYPES)
            if not isinstance(value.get("Value"), str):
                raise bad(arg, dict(value), "an SNS attribute needs a string 'Value'")
            result[name] = {"Type": kind, "Value": value["Value"]}
        elif isinstance(value, bool) or not isinstance(value, str | int | float | bytes | list):
            raise bad(arg, value, "expected str, int, float, bytes, list, or {'Type', 'Value'}")
        elif isinstance(value, bytes):
            result[name] = {"Type": "Binary", "Value": base64.b64encode(value).decode("ascii")}
        elif isinstance(value, str):
            result[name] = {"Type": "String", "Value": value}
        elif isinstance(value, list):
            result[name] = {"Type": "String.Array", "Value": json_text(arg, value)}
        else:
            result[name] = {"Type": "Number", "Value": _number_text(arg, value)}
    if len(result) > 10:
        raise bad("message_attributes", list(result), "SNS allows at most 10 message attributes")
    return result
