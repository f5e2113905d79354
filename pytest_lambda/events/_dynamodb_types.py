"""DynamoDB typed JSON (``{"S": ...}``, ``{"N": ...}``, ...) to and from plain Python values."""

from __future__ import annotations

import base64
import decimal
from collections.abc import Mapping
from typing import Any

from ._common import bad

__all__ = ["marshal_image", "marshal_value", "unmarshal_image", "unmarshal_value"]


def _number(path: str, value: int | float | decimal.Decimal) -> str:
    number = decimal.Decimal(str(value)) if isinstance(value, float) else decimal.Decimal(value)
    if not number.is_finite():
        raise bad(path, value, "DynamoDB numbers must be finite (no NaN or Infinity)")
    if number and not decimal.Decimal("1E-130") <= abs(number) < decimal.Decimal("1E126"):
        raise bad(path, value, "DynamoDB numbers have magnitude between 1E-130 and 1E+126")
    significant = "".join(map(str, number.as_tuple().digits)).strip("0")
    if len(significant) > 38:
        raise bad(path, value, "DynamoDB numbers have at most 38 significant digits")
    return str(value) if isinstance(value, int) else str(number)


def marshal_value(value: Any, path: str = "value") -> dict[str, Any]:
    """One Python value as a DynamoDB AttributeValue; *path* names it in errors."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | float | decimal.Decimal):
        return {"N": _number(path, value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"B": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        return {"M": marshal_image(value, path)}
    if isinstance(value, list | tuple):
        return {"L": [marshal_value(v, f"{path}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, set | frozenset):
        return _marshal_set(value, path)
    raise bad(
        path,
        value,
        "DynamoDB holds None, bool, str, int/float/Decimal, bytes, dict, list, and "
        "non-empty sets of str, numbers or bytes",
    )


def _marshal_set(value: set[Any] | frozenset[Any], path: str) -> dict[str, Any]:
    if not value:
        raise bad(path, value, "DynamoDB has no empty sets; omit the attribute instead")
    if all(isinstance(v, str) for v in value):
        return {"SS": sorted(value)}
    if all(isinstance(v, int | float | decimal.Decimal) and not isinstance(v, bool) for v in value):
        return {"NS": [_number(path, v) for v in sorted(value)]}
    if all(isinstance(v, bytes) for v in value):
        return {"BS": [base64.b64encode(v).decode("ascii") for v in sorted(value)]}
    raise bad(path, value, "a set must hold only str, only numbers, or only bytes")


def marshal_image(image: Mapping[str, Any], path: str = "image") -> dict[str, Any]:
    """A dict of Python values as a DynamoDB item / image (``{"name": {"S": ...}}``)."""
    out: dict[str, Any] = {}
    for name, value in image.items():
        if not isinstance(name, str) or not name:
            raise bad(path, name, "attribute names are non-empty strings")
        out[name] = marshal_value(value, f"{path}[{name!r}]")
    return out


def _parse_number(text: str) -> int | decimal.Decimal:
    number = decimal.Decimal(text)
    if number == number.to_integral_value() and "." not in text and "e" not in text.lower():
        return int(text)
    return number


def unmarshal_value(attribute: Mapping[str, Any]) -> Any:
    """A DynamoDB AttributeValue back to Python (N → int or Decimal, B → bytes, sets → set)."""
    if len(attribute) != 1:
        raise bad("attribute", dict(attribute), "expected exactly one type tag such as 'S'")
    [(tag, raw)] = attribute.items()
    if tag == "S":
        return raw
    if tag == "N":
        return _parse_number(raw)
    if tag == "B":
        return base64.b64decode(raw)
    if tag == "BOOL":
        return bool(raw)
    if tag == "NULL":
        return None
    if tag == "M":
        return unmarshal_image(raw)
    if tag == "L":
        return [unmarshal_value(v) for v in raw]
    if tag == "SS":
        return set(raw)
    if tag == "NS":
        return {_parse_number(v) for v in raw}
    if tag == "BS":
        return {base64.b64decode(v) for v in raw}
    raise bad("attribute", dict(attribute), "type tags are S, N, B, BOOL, NULL, M, L, SS, NS, BS")


def unmarshal_image(image: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB image (``Keys``, ``NewImage``, ``OldImage``) as a plain dict."""
    return {name: unmarshal_value(value) for name, value in image.items()}


def _number_size(text: str) -> int:
    """A number's size: 1 byte per two significant digits, plus 1 (DynamoDB item sizes)."""
    mantissa = text.lstrip("+-").lower().partition("e")[0].replace(".", "")
    significant = mantissa.strip("0") or "0"
    return (len(significant) + 1) // 2 + 1


def _binary_size(value: Any) -> int:
    return len(base64.b64decode(value)) if isinstance(value, str) else len(value)


def attribute_size(attribute: Mapping[str, Any]) -> int:
    """The size DynamoDB counts for one typed value (AWS docs "Item sizes and formats"):
    strings and binaries their bytes, numbers by significant digits, booleans and nulls 1,
    lists and maps 3 plus 1 per element, sets the sum of their members."""
    ((kind, value),) = attribute.items()
    if kind == "S":
        return len(str(value).encode())
    if kind == "N":
        return _number_size(str(value))
    if kind == "B":
        return _binary_size(value)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in value)
    if kind == "NS":
        return sum(_number_size(str(n)) for n in value)
    if kind == "BS":
        return sum(_binary_size(b) for b in value)
    if kind == "L":
        return 3 + sum(attribute_size(item) + 1 for item in value)
    if kind == "M":
        return 3 + sum(len(k.encode()) + attribute_size(item) + 1 for k, item in value.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(image: Mapping[str, Any]) -> int:
    """A typed item's size: each attribute's name (UTF-8 bytes) and value."""
    return sum(len(name.encode()) + attribute_size(value) for name, value in image.items())


def stream_record_size(change: Mapping[str, Any]) -> int:
    """A stream record's ``SizeBytes``: its keys and images as DynamoDB counts item sizes.

    Matches the records in the DynamoDB Streams and Lambda docs' samples: an INSERT of
    ``{Id: 101, Message: "New item!"}`` is 26 bytes, its MODIFY to "This item has changed" 59
    and the REMOVE 38.
    """
    return sum(item_size(change[part]) for part in ("Keys", "NewImage", "OldImage")
               if part in change)
