"""The Lambda API through boto3, inside moto, answered by in-process functions.

moto's Lambda backend runs function code in Docker. While a :class:`LambdaApi` is installed
(the ``lambda_aws`` fixture installs one), requests to the Lambda endpoint that name a
function created through pytest-aws-lambda are answered here, from the ``LambdaFunction``
itself; every other request (other services, functions created in moto with
``create_function``) goes on to moto unchanged. The hook is moto's request dispatcher
(``moto.core.models.botocore_stubber.process_request``): every boto3 client moto mocks
reaches it, the test's and the ones handlers create, so a handler's
``boto3.client("lambda").invoke(...)`` runs the other function in-process too.

Requests are read with botocore's own model of the Lambda API (operation, URI, headers,
query string and body members), so parameters arrive named as the API reference names them.
"""

from __future__ import annotations

import json
import os
import re
import sys
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from pytest_lambda.arn import Arn
from pytest_lambda.clock import real_time
from pytest_lambda.errors import (
    InvalidParameterValueException,
    LambdaError,
    ResourceNotFoundException,
)
from pytest_lambda.runtime.mailbox import PHASE_LOCK, PHASE_MAILBOX

from . import recursion
from .account import DEFAULT_CONCURRENCY_LIMIT as DEFAULT_LIMIT
from .boto import shared_session
from .lambda_ops import OPERATIONS, Reply
from .lambda_shapes import code_size, configuration

if TYPE_CHECKING:
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.sources.mapping import EventSourceMapping

_HOST = re.compile(r"lambda\.([a-z0-9-]+)\.amazonaws\.com$")
_SQS_HOST = re.compile(r"(sqs|queue)\.([a-z0-9-]+\.)?amazonaws\.com$")
_SNS_HOST = re.compile(r"sns\.[a-z0-9-]+\.amazonaws\.com$")
_MESSAGE_ID = re.compile(rb"<MessageId>([^<]+)</MessageId>")
_PARTIAL_ARN = re.compile(r"(\d{12}):function:([^:]+)(?::(.+))?")
_ACCESS_KEY = re.compile(r"Credential=([^/]+)/")
_TRACE = "X-Amzn-Trace-Id"
#: The attribute of moto's stubber that holds the installed API (moto's object, moto's
#: lifetime: nothing of ours outlives the mock).
_SLOT = "pytest_lambda_api"


def _stubber() -> Any:
    models = sys.modules.get("moto.core.models")
    return getattr(models, "botocore_stubber", None)


def active() -> LambdaApi | None:
    """The installed API, if a mock with one is running (never imports moto)."""
    stubber = _stubber()
    api = getattr(stubber, _SLOT, None) if stubber is not None else None
    return api if isinstance(api, LambdaApi) and getattr(stubber, "enabled", False) else None


def worker_endpoint() -> str | None:
    """The loopback endpoint worker processes send their SDK calls to, started on first use
    (None when no API is installed: workers then keep the SDK's own endpoints)."""
    api = active()
    return api.bridge_url() if api is not None else None


def announce(fn: LambdaFunction) -> None:
    """Make ``fn`` reachable through the installed API (called when a function is created)."""
    api = active()
    if api is not None:
        api.register(fn)


class LambdaApi:
    """Routes Lambda API requests for in-process functions to them, the rest to moto."""

    def __init__(self) -> None:
        # Held until the mock ends (a function the test stops referencing is still deployed);
        # a closed function leaves its account, and is no longer answered for.
        self._functions: dict[tuple[str, str, str], LambdaFunction] = {}
        self._modified: dict[int, float] = {}
        #: id() of the functions given an EventInvokeConfig through the API (Put/Update).
        self.event_invoke_configs: set[int] = set()
        self.mappings: dict[str, EventSourceMapping] = {}
        self._mapping_times: dict[str, float] = {}
        self._routes: list[tuple[str, re.Pattern[str], Any]] | None = None
        self._stubber: Any = None
        self._moto: Any = None
        self._model: Any = None
        #: SNS message id -> the publisher's trace header (SNS passes it to subscribers).
        self.sns_traces: dict[str, str] = {}
        self._bridge: Any = None

    def install(self) -> None:
        """Put the API in front of moto's dispatcher (moto must be imported and mocking)."""
        import moto.core.models  # noqa: F401  # the stubber lives there

        stubber = _stubber()
        if getattr(stubber, _SLOT, None) is not None:
            raise RuntimeError(
                "a Lambda API is already installed in moto: use one lambda_aws (or "
                "LambdaApi) at a time.")
        self._stubber = stubber
        self._moto = stubber.process_request
        setattr(stubber, _SLOT, self)
        stubber.process_request = self._process

    def uninstall(self) -> None:
        """Give moto its dispatcher back (and stop the loopback endpoint)."""
        if self._bridge is not None:
            self._bridge.close()
            self._bridge = None
        if self._stubber is not None:
            if self._stubber.__dict__.get("process_request") == self._process:
                del self._stubber.process_request
            if getattr(self._stubber, _SLOT, None) is self:
                delattr(self._stubber, _SLOT)
            self._stubber = None

    def __enter__(self) -> LambdaApi:
        self.install()
        return self

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    def bridge_url(self) -> str:
        """``http://127.0.0.1:<port>``: moto (with this API in front) for other processes."""
        if self._bridge is None:
            from .bridge import Bridge  # http.server: only once a worker needs it

            self._bridge = Bridge(self._from_worker)
        return str(self._bridge.url)

    def _from_worker(self, request: Any) -> Any:
        """A worker's request, run under PHASE_LOCK: by the thread waiting for that worker
        (it holds the lock; see ``runtime/mailbox.py``), or here when the lock is free."""
        return PHASE_MAILBOX.call(lambda: self._process(request), PHASE_LOCK)

    def register(self, fn: LambdaFunction) -> None:
        """Answer for ``fn`` (the newest function of a name wins in its account and Region)."""
        key = (fn.config.account_id, fn.config.region, fn.name)
        self._functions[key] = fn
        self._modified.setdefault(id(fn), real_time())

    def function(self, account: str, region: str, name: str) -> LambdaFunction | None:
        """The live, registered function of that name (None: not ours)."""
        fn = self._functions.get((account, region, name))
        if fn is None or fn.account.function(fn.name) is not fn:
            return None
        return fn

    def functions(self, account: str, region: str) -> list[LambdaFunction]:
        found = [self.function(a, r, n) for a, r, n in self._functions
                 if (a, r) == (account, region)]
        return [fn for fn in found if fn is not None]

    def last_modified(self, fn: LambdaFunction) -> float:
        return self._modified.setdefault(id(fn), real_time())

    def touch(self, fn: LambdaFunction) -> float:
        """Record a configuration change now; returns its time."""
        self._modified[id(fn)] = real_time()
        return self._modified[id(fn)]

    def add_mapping(self, mapping: EventSourceMapping) -> float:
        self.mappings[mapping.uuid] = mapping
        self._mapping_times[mapping.uuid] = real_time()
        return self._mapping_times[mapping.uuid]

    def mapping(self, mapping_uuid: str) -> EventSourceMapping:
        """A mapping created through the API, by ``UUID``."""
        found = self.mappings.get(mapping_uuid)
        if found is None:
            raise ResourceNotFoundException(
                f"The resource you requested does not exist. (Service: Lambda, Status Code: "
                f"404; no event source mapping {mapping_uuid}.)")
        return found

    def mapping_time(self, mapping: EventSourceMapping) -> float:
        return self._mapping_times.get(mapping.uuid, real_time())

    def _process(self, request: Any) -> Any:
        host = urlsplit(request.url).hostname or ""
        lambda_host = _HOST.match(host)
        if lambda_host is not None:
            answer = self._lambda(request, lambda_host.group(1))
            if answer is not None:
                return answer
        elif _SQS_HOST.match(host):
            self._sqs_trace(request)
        elif _SNS_HOST.match(host):
            return self._sns_publish(request)
        return self._moto(request)

    def _sns_publish(self, request: Any) -> Any:
        """moto's answer to an SNS request; a ``Publish`` made from a handler remembers the
        trace header it carried, which SNS passes on with the notification (the
        relay's Lambda invocation continues it: :mod:`pytest_lambda.sources.push`)."""
        answer = self._moto(request)
        header = self._outgoing_trace(trace_header(request))
        body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
        if header is not None and b"Action=Publish&" in body + b"&" and answer is not None:
            found = _MESSAGE_ID.search(answer[2] if isinstance(answer[2], bytes)
                                       else str(answer[2]).encode())
            if found is not None:
                self.sns_traces[found.group(1).decode()] = header
        return answer

    def _lambda(self, request: Any, region: str) -> Any:
        found = self._route(request)
        if found is None:
            return None
        name, params = found
        try:
            fn, params = self._target(name, params, request, region)
            if name == "ListFunctions":
                return self._list_functions(request, region)
            if name == "GetAccountSettings":
                return self._reply(self._account_settings(_account(request), region))
            if not self._ours(name, fn, params):
                return None
            reply = OPERATIONS[name](self, fn, params)
        except LambdaError as exc:
            return self._error(exc, name)
        return self._reply(reply)

    def _ours(self, name: str, fn: LambdaFunction | None, params: dict[str, Any]) -> bool:
        """Whether to answer here: the request names one of our functions or mappings (a
        listing of mappings without a function lists the ones created here)."""
        if name in ("GetEventSourceMapping", "DeleteEventSourceMapping"):
            return params["UUID"] in self.mappings
        if name == "ListEventSourceMappings" and "FunctionName" not in params:
            return bool(self.mappings)
        return fn is not None

    def _route(self, request: Any) -> tuple[str, dict[str, Any]] | None:
        """The operation a request calls and its parameters, or None for one we don't answer."""
        path = urlsplit(request.url).path
        for name, pattern, operation in self._table():
            if operation.http["method"] != request.method:
                continue
            match = pattern.match(path)
            if match is not None:
                return name, _parameters(operation, match, request)
        return None

    def _table(self) -> list[tuple[str, re.Pattern[str], Any]]:
        if self._routes is None:
            model = shared_session().get_service_model("lambda")
            self._routes = []
            for name in [*OPERATIONS, "ListFunctions", "GetAccountSettings"]:
                operation = model.operation_model(name)
                uri = operation.http["requestUri"].split("?")[0].rstrip("/")
                regex = re.sub(r"\\\{(\w+)(?:\\\+)?\\\}", r"(?P<\1>[^/]+)", re.escape(uri))
                self._routes.append((name, re.compile(f"^{regex}/?$"), operation))
            self._model = model
        return self._routes

    def _target(self, name: str, params: dict[str, Any], request: Any,
                region: str) -> tuple[LambdaFunction | None, dict[str, Any]]:
        """The function a request names (None: not one of ours) and its parameters."""
        account = _account(request)
        function_name = params.get("FunctionName")
        if function_name is None:
            return None, params
        function_name, qualifier, account, region = _split_name(function_name, account, region)
        if qualifier is not None:
            given = params.get("Qualifier")
            if given is not None and given != qualifier:

                raise InvalidParameterValueException(
                    "The derived qualifier from the function name does not match the "
                    f"specified qualifier ({qualifier!r} in the name, {given!r} given).")
            params = {**params, "Qualifier": qualifier}
        fn = self.function(account, region, function_name)
        if name == "Invoke" and fn is not None:
            params["TraceHeader"] = self._outgoing_trace(trace_header(request))
        return fn, params

    def _outgoing_trace(self, header: str | None) -> str | None:
        """The trace header a request from a running handler carries, with the invocation's
        own ``Lineage`` counts in it and the caller's entry (0 when the caller was invoked
        without one), so that every hop of a loop counts.

        The invocation's counts are taken from its ``_X_AMZN_TRACE_ID`` too: a tracer that
        writes the header itself (the X-Ray SDK's botocore patch, once applied, stays in the
        process) may leave ``Lineage`` out.
        """
        if header is None:
            return None
        caller = self._caller()
        if caller is None:
            return header
        counts = recursion.lineage(header)
        for key, count in recursion.lineage(os.environ.get("_X_AMZN_TRACE_ID")).items():
            counts[key] = max(count, counts.get(key, count))
        counts.setdefault(recursion.function_key(caller.arn), 0)
        kept = [part for part in header.split(";")
                if part.strip() and not part.strip().startswith("Lineage=")]
        entries = "|".join(f"{k}:{v}" for k, v in counts.items())
        return ";".join([*kept, f"Lineage={entries}"])

    def _caller(self) -> LambdaFunction | None:
        """The in-process function whose handler is running (its environment is swapped in)."""
        name, region = os.environ.get("AWS_LAMBDA_FUNCTION_NAME"), os.environ.get("AWS_REGION")
        for account, fn_region, fn_name in list(self._functions):
            if (fn_name, fn_region) == (name, region):
                fn = self.function(account, fn_region, fn_name)
                if fn is not None:
                    return fn
        return None

    def _sqs_trace(self, request: Any) -> None:
        """SQS keeps the sender's ``X-Amzn-Trace-Id`` as the message's ``AWSTraceHeader``
        system attribute (AWS docs "Amazon SQS and AWS X-Ray"); moto does not, so it is added
        to the request here (JSON protocol ``SendMessage`` / ``SendMessageBatch``)."""
        header = self._outgoing_trace(trace_header(request))
        target = _header(request, "X-Amz-Target") or ""
        if header is None or not target.endswith((".SendMessage", ".SendMessageBatch")):
            return
        try:
            body = json.loads(request.body or b"{}")
        except (TypeError, ValueError):
            return
        attribute = {"DataType": "String", "StringValue": header}
        messages = body.get("Entries", []) if target.endswith("Batch") else [body]
        for message in messages:
            system = message.setdefault("MessageSystemAttributes", {})
            system.setdefault("AWSTraceHeader", attribute)
        request.body = json.dumps(body).encode()
        if "Content-Length" in request.headers:
            request.headers["Content-Length"] = str(len(request.body))

    def _account_settings(self, account: str, region: str) -> Reply:
        """``GetAccountSettings`` (moto has none): Lambda's limits with this account's
        concurrency (its limit and unreserved pool) and the in-process functions' usage."""
        functions = self.functions(account, region)
        limit = functions[0].account if functions else None
        concurrency = limit.concurrency_limit if limit is not None else DEFAULT_LIMIT
        unreserved = limit.unreserved_concurrency if limit is not None else DEFAULT_LIMIT
        # Lambda's quotas ("Lambda quotas"): 75 GB of code per Region, 250 MB unzipped and
        # 50 MB zipped per function.
        return Reply(200, {
            "AccountLimit": {"TotalCodeSize": 80_530_636_800, "CodeSizeUnzipped": 262_144_000,
                             "CodeSizeZipped": 52_428_800, "ConcurrentExecutions": concurrency,
                             "UnreservedConcurrentExecutions": unreserved},
            "AccountUsage": {"TotalCodeSize": sum(code_size(fn.config) for fn in functions),
                             "FunctionCount": len(functions)}})

    def _list_functions(self, request: Any, region: str) -> Any:
        """``ListFunctions``: moto's functions, then the in-process ones."""
        status, headers, body = self._moto(request)
        if status != 200:
            return status, headers, body
        listed = json.loads(body)

        ours = [configuration(fn, last_modified=self.last_modified(fn))
                for fn in self.functions(_account(request), region)]
        listed["Functions"] = [*listed.get("Functions", []), *ours]
        return 200, headers, json.dumps(listed)

    def _reply(self, reply: Reply) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/json", **reply.headers}
        headers.setdefault("x-amzn-RequestId", str(uuid.uuid4()))
        body = reply.body
        if body is None:
            return reply.status, headers, b""
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return reply.status, headers, body

    def _error(self, exc: LambdaError, operation: str) -> tuple[int, dict[str, str], bytes]:
        """A Lambda error as the service sends it: ``x-amzn-ErrorType`` and a JSON body whose
        message key is spelt as the error's shape spells it (``message`` or ``Message``)."""
        body = exc.response()
        shapes = self._model.shape_names if self._model is not None else []
        if exc.code in shapes and "Message" in self._model.shape_for(exc.code).members:
            body["Message"] = body.pop("message")
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": exc.code,
                   "x-amzn-RequestId": str(uuid.uuid4())}
        return exc.status_code, headers, json.dumps(body).encode()


def _parameters(operation: Any, match: re.Match[str], request: Any) -> dict[str, Any]:
    """The request's members, named as the API names them (URI, query string, headers, body)."""
    shape = operation.input_shape
    query = parse_qs(urlsplit(request.url).query)
    params: dict[str, Any] = {}
    for name, member in (shape.members.items() if shape is not None else ()):
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri":
            params[name] = unquote(match.group(wire))
        elif location == "querystring" and wire in query:
            value: Any = query[wire][0]
            params[name] = int(value) if member.type_name == "integer" else value
        elif location == "header" and _header(request, wire) is not None:
            params[name] = _header(request, wire)
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    payload = shape.serialization.get("payload") if shape is not None else None
    if payload is not None:
        params[payload] = body or b""
    elif body:
        params.update(json.loads(body))
    return params


def _header(request: Any, name: str) -> str | None:
    """A request header as text (botocore keeps some as bytes)."""
    value = request.headers.get(name)
    return value.decode() if isinstance(value, bytes) else value


def trace_header(request: Any) -> str | None:
    """The request's ``X-Amzn-Trace-Id``, as sent before botocore percent-encoded it (it
    escapes the ``|`` between ``Lineage`` entries: ``add_recursion_detection_header``)."""
    value = _header(request, _TRACE)
    return unquote(value) if value is not None else None


def _account(request: Any) -> str:
    """The caller's account, as moto decides it (its env variable, header, access key)."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if _header(request, "x-moto-account-id"):
        return str(_header(request, "x-moto-account-id"))
    match = _ACCESS_KEY.search(_header(request, "Authorization") or "")
    from moto.iam.models import get_account_id_from

    return str(get_account_id_from(match.group(1) if match else "AKIAEXAMPLE"))


def _split_name(text: str, account: str, region: str) -> tuple[str, str | None, str, str]:
    """(name, qualifier, account, region) of a function name, partial ARN or ARN."""
    arn = Arn.parse(text)
    if arn is not None and arn.function_name is not None:
        return arn.function_name, arn.qualifier, arn.account, arn.region
    partial = _PARTIAL_ARN.fullmatch(text)
    if partial is not None:
        return partial.group(2), partial.group(3), partial.group(1), region
    name, _, qualifier = text.partition(":")
    return name, qualifier or None, account, region
