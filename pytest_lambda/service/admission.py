"""What the Invoke API does with a request before, or instead of, running the handler.

Lambda first checks the request (invocation type, qualifier, resource-based policy, payload
size); some requests are then answered without running anything: the 202 of a queued ``Event``,
the 204 of a ``DryRun``, the 429 of a throttled request and the stop of a recursive loop.
``LambdaFunction.invoke`` calls these in that order, and the asynchronous queue and
``invoke_many`` use the same answers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_lambda.clock import real_time_ms
from pytest_lambda.errors import (
    InvalidParameterValueException,
    RecursiveInvocationException,
    RequestTooLargeException,
    TooManyRequestsException,
    validation_error,
)
from pytest_lambda.observe.logs import LogView
from pytest_lambda.result import InvokeResult
from pytest_lambda.runtime.marshal import SYNC_REQUEST_LIMIT, encode_event
from pytest_lambda.service import recursion
from pytest_lambda.service.account import throttle_body

if TYPE_CHECKING:
    from pytest_lambda.config import FunctionConfig
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.service.permissions import Policy
    from pytest_lambda.service.versions import Target, Versions

ASYNC_REQUEST_LIMIT = 1_048_576
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


def check_context(client_context: object, identity: object) -> None:
    """Refuse a ``client_context`` or ``identity`` that is not a mapping (both go out as JSON)."""
    if client_context is not None and not isinstance(client_context, Mapping):
        raise _not_a_dict(client_context, "client_context",
                          "{'client': {...}, 'custom': {...}, 'env': {...}}")
    if identity is not None and not isinstance(identity, Mapping):
        raise _not_a_dict(identity, "identity",
                          "{'cognitoIdentityId': '...', 'cognitoIdentityPoolId': '...'}")
    for name, value in (("client_context", client_context), ("identity", identity)):
        if value is not None:
            try:
                json.dumps(value)
            except (TypeError, ValueError) as exc:
                # The SDK sends the client context as base64 JSON: the handler only ever gets
                # JSON values (it got Python objects as they were given).
                raise TypeError(f"{name} is not JSON ({exc}): it goes to Lambda as JSON; "
                                "pass str, int, float, bool, None, lists and dicts only.") from None


def check_tenant(config: FunctionConfig, tenant_id: object, call: str = "invoke") -> None:
    """Refuse a request whose tenant id does not match the function's tenant isolation.

    AWS docs, "Troubleshooting tenant isolation": InvalidParameterValueException "Tenant ID
    configuration not specified or passed to a function when tenant isolation is not
    enabled", for a tenant-isolated function invoked without a tenant id and for a tenant id
    sent to a function without tenant isolation.
    """
    if tenant_id is not None and not isinstance(tenant_id, str):
        raise TypeError(f"tenant_id={tenant_id!r} is a {type(tenant_id).__name__}: pass the "
                        "tenant's identifier as a str, e.g. tenant_id='blue'.")
    isolated = config.tenancy is not None
    if isolated == (tenant_id is not None):
        return
    aws = ("Tenant ID configuration not specified or passed to a function when tenant "
           "isolation is not enabled.")
    if isolated:
        fix = (f"{config.name} has tenant isolation (TenancyConfig PER_TENANT): every "
               f"invocation names its tenant, {call}(..., tenant_id='blue')."
               if call == "invoke" else
               f"{call} sends no tenant id, and {config.name} has tenant isolation: "
               "call invoke(..., tenant_id=...) for each event.")
    else:
        fix = (f"{config.name} has no tenant isolation: leave tenant_id out, or create the "
               "function with tenancy='PER_TENANT' (TenancyConfig).")
    raise InvalidParameterValueException(f"{aws} {fix}")


def _not_a_dict(value: object, argument: str, example: str) -> TypeError:
    return TypeError(f"{argument}={value!r} is a {type(value).__name__}: pass a dict (it is "
                     f"sent as JSON, as the SDKs do), e.g. {argument}={example}, or None.")


def check_strings(**values: object) -> None:
    """Refuse an invoke argument that is given but is not a string, naming it (they failed
    deep in the policy check or the trace parser)."""
    for name, value in values.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name}={value!r} is not a str ({type(value).__name__}): pass "
                            f"a str (or leave {name} out).")


def admit(event: Any, invocation_type: str, qualifier: str | None, config: FunctionConfig,
          versions: Versions, policy: Policy, principal: str | None, source_arn: str | None,
          source_account: str | None) -> tuple[bytes, Target]:
    """The checks Lambda makes before running anything: type, qualifier, policy, size.

    Returns the encoded payload and the version or alias it goes to.
    """
    check_strings(principal=principal, source_arn=source_arn, source_account=source_account)
    if invocation_type not in INVOCATION_TYPES:
        raise validation_error(invocation_type, "invocationType",
                               "Member must satisfy enum value set: [Event, RequestResponse, "
                               "DryRun]", "Use one of those invocation types.")
    payload = encode_event(event)
    target = versions.resolve(None if qualifier is None else str(qualifier), config)
    policy.check_invoke(function_account=config.account_id, resource=target.invoked_arn,
                        qualifier=target.qualifier, principal=principal, source_arn=source_arn,
                        source_account=source_account)
    limit = ASYNC_REQUEST_LIMIT if invocation_type == "Event" else SYNC_REQUEST_LIMIT
    if len(payload) > limit:
        # Lambda's two wordings (error code RequestEntityTooLargeException, HTTP 413), as
        # captured from real Invoke calls: aws/aws-pdk#771 and ASFHyP3/hyp3#2241 (Event),
        # awslabs/aws-athena-query-federation#793 (RequestResponse).
        if invocation_type == "Event":
            aws = (f"{len(payload)} byte payload is too large for the Event invocation "
                   f"type (limit {limit} bytes)")
        else:
            aws = f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
        raise RequestTooLargeException(
            aws, advice=f"This {invocation_type} payload is {len(payload)} bytes: send a "
            "smaller event, or a reference to the data (an S3 key) instead of the data.")
    return payload, target


def accept(fn: LambdaFunction, payload: bytes, target: Target, invocation_type: str, *,
           queue: bool = True, trace_header: str | None = None,
           tenant_id: str | None = None) -> InvokeResult:
    """The 202 of a queued ``Event`` (put on the account's queue unless ``queue`` is False) or
    the 204 of a ``DryRun``: the handler has not run."""
    request_id = fn.new_request_id()
    queued = (fn.account.queue.enqueue(fn, payload, target, request_id, trace_header, tenant_id)
              if invocation_type == "Event" and queue else None)
    return InvokeResult(
        function_name=fn.name, request_id=request_id,
        status_code=202 if invocation_type == "Event" else 204, raw_payload=b"",
        function_error=None, error=None, cold_start=False, executed_version=target.version,
        logs=LogView(), report=None, config=target.config, invocation_type=invocation_type,
        start_time=real_time_ms(), invoked_function_arn=target.invoked_arn,
        queued_event=queued)


def throttled(function_name: str, target: Target, request_id: str, reason: str,
              invocation_type: str) -> InvokeResult:
    """The 429 result of a request refused for lack of concurrency (``reason``: the throttle
    Reason)."""
    body = throttle_body(reason)
    return InvokeResult(
        function_name=function_name, request_id=request_id, status_code=429,
        raw_payload=encode_event(body), function_error=None, error=body, cold_start=False,
        executed_version=target.version, logs=LogView(), report=None, config=target.config,
        invocation_type=invocation_type, throttled=True, start_time=real_time_ms(),
        invoked_function_arn=target.invoked_arn, throttle_reason=reason)


def too_many_requests(fn: LambdaFunction, reason: str) -> TooManyRequestsException:
    """What a throttled synchronous call raises."""
    return TooManyRequestsException(
        f"Rate Exceeded. ({reason}: {fn.account.in_flight(fn.name)} request(s) of "
        f"{fn.name!r} already running; raise reserved_concurrent_executions or the "
        "Account's concurrency_limit, or send fewer requests at once.)", Reason=reason)


def stop_recursive(fn: LambdaFunction, payload: bytes, target: Target,
                   invocation_type: str) -> InvokeResult:
    """Recursive loop detection stops the request: counted in its metric, then a
    ``RecursiveInvocationException`` (synchronous) or a 202 whose event is dropped."""
    fn.metrics.record_lambda_metric(
        "RecursiveInvocationsDropped", 1, function_name=fn.name, timestamp=real_time_ms(),
        qualifier=target.qualifier, executed_version=target.version)
    if invocation_type == "Event":
        return accept(fn, payload, target, invocation_type, queue=False)
    raise RecursiveInvocationException(
        f"Recursive invocation of function {fn.name} detected: the same triggering event "
        f"already invoked it {recursion.MAX_INVOCATIONS} times. Break the loop: do not send "
        "the event back to the queue, topic or function that triggered it.")
