"""The HTTP response the application's client returns, and the gateway's own JSON bodies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..result import InvokeResult


@dataclass
class HttpResponse:
    """What the client got back: ``status_code``, ``headers`` (a name's values joined by
    ``", "``, names case-insensitive), ``content`` (bytes), ``text``, ``json()``, ``cookies``,
    and ``invocation`` (the function's ``InvokeResult``; ``None`` when the gateway answered
    by itself)."""

    status_code: int
    header_list: list[tuple[str, str]]
    content: bytes
    invocation: InvokeResult | None = None
    authorizer_invocations: list[InvokeResult] = field(default_factory=list)

    @property
    def headers(self) -> _Headers:
        return _Headers(self.header_list)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def cookies(self) -> dict[str, str]:
        """The ``Set-Cookie`` cookies by name."""
        jar: SimpleCookie = SimpleCookie()
        for name, value in self.header_list:
            if name.lower() == "set-cookie":
                jar.load(value)
        return {k: m.value for k, m in jar.items()}

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    def __repr__(self) -> str:
        return f"<HttpResponse [{self.status_code}]>"


class _Headers(Mapping[str, str]):
    """Case-insensitive, read-only view of response headers."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items

    def __getitem__(self, name: str) -> str:
        values = [v for k, v in self._items if k.lower() == name.lower()]
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def __iter__(self) -> Any:
        seen: dict[str, None] = {}
        for k, _ in self._items:
            seen.setdefault(k, None)
        return iter(seen)

    def __len__(self) -> int:
        return len({k.lower() for k, _ in self._items})

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self._items if k.lower() == name.lower()]

    def __repr__(self) -> str:
        return f"Headers({dict(self)!r})"


def _json_dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def header_text(value: Any) -> str:
    """A response header value as the front end sends it: a string as is, anything else as its
    JSON text (``true``, ``3``), never Python's spelling (``True``)."""
    return value if isinstance(value, str) else _json_dumps(value)


def _gateway_error(status: int, body: Any, result: InvokeResult | None = None) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")],
                        _json_dumps(body).encode(), result)
