"""HTTP pieces shared by API Gateway, HTTP API, Function URL and ALB events."""

from __future__ import annotations

import contextvars
import json
import random
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

from ._common import b64encode, bad, body_text, check_choice, hex_id, json_text

HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"
Body = str | bytes | dict[str, Any] | list[Any] | None
MultiMap = Mapping[str, str | list[str]]
#: A query as a mapping of values (the client encodes them), or the query string as the client
#: sent it (``"a=1&a=2&q=x+y"``).
Query = MultiMap | str
_PARAM = re.compile(r"\{([A-Za-z0-9_.-]+)(\+?)\}")


def check_method(method: str) -> str:
    """Upper-case *method* and reject verbs API Gateway does not forward."""
    upper = method.upper() if isinstance(method, str) else method
    return check_choice("method", upper, HTTP_METHODS)


def check_path(argument: str, path: str) -> str:
    """Paths start with '/' and hold no query string."""
    if not isinstance(path, str) or not path.startswith("/") or "?" in path or "#" in path:
        raise bad(argument, path, "expected a path starting with '/' (put the query in query=)")
    return path


def check_stage(stage: str, *, allow_default: bool = False) -> str:
    """Stage names are 1-128 letters, digits, '-' and '_' (HTTP APIs also have ``$default``)."""
    if allow_default and stage == "$default":
        return stage
    if not stage or not all(c.isalnum() or c in "-_" for c in stage) or len(stage) > 128:
        extra = " (or '$default' for HTTP APIs)" if allow_default else ""
        raise bad("stage", stage, f"stage names are 1-128 letters, digits, '-' and '_'{extra}")
    return stage


def multi(argument: str, values: MultiMap | None) -> dict[str, list[str]]:
    """Normalise ``{name: value or [values]}`` to ``{name: [values]}`` and check the types."""
    out: dict[str, list[str]] = {}
    for name, value in (values or {}).items():
        items = [value] if isinstance(value, str) else value
        if not isinstance(name, str) or not name or not isinstance(items, list) or not items:
            raise bad(argument, dict(values or {}), "expected {name: str or non-empty list of str}")
        for item in items:
            if not isinstance(item, str):
                raise bad(f"{argument}[{name!r}]", value, "values are strings")
        out[name] = list(items)
    return out


def check_header_names(headers: Mapping[str, list[str]]) -> None:
    """Reject header names that are not HTTP tokens (API Gateway would refuse the request)."""
    for name in headers:
        if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
            raise bad("headers", name, "header names are HTTP tokens (letters, digits, '-', ...)")


#: Set while a gateway stands in for an HTTP client (``lambda_app.http``): a client may send
#: any text under a JSON Content-Type, and API Gateway passes a proxy request's body on as is
#: (no request validation without a model), so the handler's own 400 can be tested.
ANY_BODY: contextvars.ContextVar[bool] = contextvars.ContextVar("any_body", default=False)


#: The media types an HTTP API, a Function URL and an ALB pass on as text; a body of any other
#: type (a form post, multipart, none given) arrives base64-encoded with isBase64Encoded true.
#: ALB: Elastic Load Balancing user guide, "Lambda functions as targets" (text/*,
#: application/json, application/javascript and application/xml go "as is"); HTTP API: the
#: same split measured on AWS (ministackorg/ministack#766), a form post arriving base64
#: (brefphp/bref#631); Function URL: form posts arrive base64 (LeanerCloud/CUDly#1483).
TEXT_MEDIA = ("application/json", "application/javascript", "application/xml")


def text_media(content_type: str) -> bool:
    """Whether an HTTP API, a Function URL or an ALB passes a body of *content_type* on as
    text (see :data:`TEXT_MEDIA`)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in TEXT_MEDIA


def encode_body(
    body: Body, headers: Mapping[str, list[str]], *, by_content_type: bool = False
) -> tuple[str | None, bool]:
    """Return (body as sent, isBase64Encoded); bytes travel base64-encoded. With
    *by_content_type* (HTTP API, Function URL, ALB) a text body is base64-encoded too unless
    its Content-Type is one those pass on as text (:func:`text_media`); a REST API's choice
    depends on its binary media types instead, so there only bytes are. A factory refuses
    text that is not JSON under a JSON Content-Type (see :data:`ANY_BODY`)."""
    if isinstance(body, bytes | bytearray):
        return b64encode(bytes(body)), True
    content_type = next((v[-1] for k, v in headers.items() if k.lower() == "content-type"), "")
    if isinstance(body, dict | list):
        text: str | None = json_text("body", body)
    else:
        text = body_text("body", body)
        media = content_type.split(";", 1)[0].strip().lower()
        if text is not None and (media == "application/json" or media.endswith("+json")) and \
                not ANY_BODY.get():
            try:
                json.loads(text)
            except ValueError:
                raise bad(
                    "body",
                    text[:60],
                    f"Content-Type is {media!r}, so the body must be JSON text (or pass a dict, "
                    "or change the Content-Type)",
                ) from None
    if by_content_type and text and not text_media(content_type):
        return b64encode(text.encode("utf-8")), True
    return text, False


def json_content_type(body: Body, headers: dict[str, list[str]], name: str) -> None:
    """Add a JSON Content-Type for dict/list bodies unless the caller set one."""
    if isinstance(body, dict | list) and not any(k.lower() == "content-type" for k in headers):
        headers[name] = ["application/json"]


def match_resource(resource: str, path: str) -> dict[str, str] | None:
    """Path parameters of *path* under a template like ``/items/{id}`` or ``/{proxy+}``."""
    names: list[str] = []
    pattern = ""
    last = 0
    for m in _PARAM.finditer(resource):
        pattern += re.escape(resource[last : m.start()])
        pattern += "(.+)" if m.group(2) else "([^/]+)"
        names.append(m.group(1))
        last = m.end()
    pattern += re.escape(resource[last:])
    found = re.fullmatch(pattern, path)
    if found is None:
        raise bad("path", path, f"it does not match the resource template {resource!r}")
    return dict(zip(names, found.groups(), strict=True)) or None


def trace_id(rng: random.Random, epoch: int) -> str:
    """An X-Ray trace id as sent in ``X-Amzn-Trace-Id``."""
    return f"Root=1-{epoch:08x}-{hex_id(rng, 24)}"


def api_id(rng: random.Random) -> str:
    """A 10-character API id (lower-case letters and digits)."""
    return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=10))


def split_cookies(headers: dict[str, list[str]]) -> list[str] | None:
    """Remove ``Cookie`` headers and return the individual cookies (HTTP API v2 style)."""
    cookies: list[str] = []
    for name in [k for k in headers if k.lower() == "cookie"]:
        for value in headers.pop(name):
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
    return cookies or None


class QueryString:
    """A request's query three ways: the string as sent, its pairs as sent (undecoded), and
    its values decoded (``+`` is a space), in the order they came."""

    __slots__ = ("decoded", "raw", "sent")

    def __init__(self, argument: str, query: Query | None) -> None:
        if isinstance(query, str):
            raw = query.removeprefix("?")
            if "#" in raw or any(c.isspace() for c in raw):
                raise bad(argument, query, "a query string as sent has no '#' and no spaces "
                                           "(encode them: %23, + or %20)")
            self.sent = [(k, v) for k, _, v in (part.partition("=")
                                                for part in raw.split("&") if part)]
            self.raw = raw
        else:
            self.sent = [(quote(k, safe=""), quote(v, safe=""))
                         for k, vs in multi(argument, query).items() for v in vs]
            self.raw = "&".join(f"{k}={v}" for k, v in self.sent)
        self.decoded: dict[str, list[str]] = {}
        for k, v in self.sent:
            self.decoded.setdefault(unquote_plus(k), []).append(unquote_plus(v))


_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def as_sent(text: str, *, query: bool = False) -> str:
    """A path (or with ``query=True`` a query string) as an HTTP client sends it: characters
    a URL cannot carry percent-encoded, escapes already there kept (a ``%`` that starts none
    is sent as ``%25``)."""
    safe = "/%!$&'()*+,;=:@~?" if query else "/%!$&'()*+,;=:@~"
    return quote(_ESCAPE.sub("%25", text), safe=safe)


def wire_path(path: str) -> str:
    """*path* as a client puts it on the wire (:func:`as_sent`), which a REST API, an ALB and
    a Function URL's ``rawPath`` pass on undecoded (captured on AWS: hotsock/voker
    vokerhttp/testdata/apigwv1-request.json, alb-request.json, functionurl-request.json,
    ``"/capture/space%20value"``). While a gateway stands in for the client (:data:`ANY_BODY`,
    ``lambda_app.http``) the path it passes is already the one its front end delivers (an HTTP
    API's payload 1.0 path decoded) and is kept."""
    return path if ANY_BODY.get() else as_sent(path)


def forwarded_for(sent: list[str], peer: str) -> str:
    """``X-Forwarded-For`` as API Gateway or a Function URL passes it on when the client sent
    one: the client's value with the address the request came from (``sourceIp``) appended
    (aws-solutions/aws-waf-security-automations#123, a REST API: ``"2.3.4.5, <client>, ..."``
    for a client sending ``2.3.4.5``; ustayready/fireprox#12: ``"1.1.1.1, <client>"``). A value
    already ending with *peer* is taken as delivered."""
    value = ", ".join(v.strip() for v in sent if v.strip())
    hops = [h.strip() for h in value.split(",")]
    return value if hops[-1] == peer else ", ".join(h for h in (value, peer) if h)


def http_api_path(sent: str) -> str | None:
    """The path an HTTP API delivers (``rawPath``, ``requestContext.http.path``) for the path
    a client sent, or ``None`` when the HTTP API rejects the request (400).

    Captured on AWS (hotsock/voker ``vokerhttp/testdata/ingress-paths.json``): the path is
    decoded, cut at a ``?`` the decoding produced, and decoded once more, and a ``%`` that
    second decoding cannot read is refused: ``space%20value`` -> ``space value``,
    ``question%3Fvalue`` -> ``question``, ``hash%23value`` -> ``hash#value``,
    ``literal%252Fvalue`` -> ``literal/value``, ``literal%253Fvalue`` -> ``literal?value``,
    ``literal%2525value`` -> ``literal%value``, ``percent%25done`` -> rejected.
    """
    if _ESCAPE.search(sent):
        return None
    once = unquote(sent).partition("?")[0]
    if _ESCAPE.search(once):
        return None
    return unquote(once)
