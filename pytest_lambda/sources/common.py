"""What every event source shares: the mapping's clock, boto3 clients, invoking, batch responses.

Time: a mapping measures record ages and waits (retry backoff, SQS visibility timeouts) on
*wall time plus the function's virtual clock offset* (``fn.account.queue.clock.now``). Records
written to moto carry real arrival times, so a fresh record has age ~0; ``fn.account.advance(3600)``
(or a mapping's ``drain()``, which advances the clock to the next retry it waits for) makes
every record an hour older without sleeping.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from pytest_lambda.clock import real_time
from pytest_lambda.errors import TooManyRequestsException
from pytest_lambda.service.delivery import _client

if TYPE_CHECKING:
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.result import InvokeResult

#: Stream retries (and throttles) back off 1 s doubling to 5 min on the virtual clock. Lambda
#: does not document its stream retry spacing; this is its documented throttle backoff.
BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 300.0
#: A drain that invokes this many times is assumed to be stuck on a batch that never succeeds.
MAX_DRAIN_INVOCATIONS = 10_000
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


def client(service: str, region: str) -> Any:
    """A boto3 client into the active moto mock (never real AWS)."""
    return _client(service, region)


def mapping_now(fn: LambdaFunction) -> float:
    """Epoch seconds as the mapping sees them: wall time plus the virtual clock's offset."""
    return real_time() + fn.account.queue.clock.now


def advance(fn: LambdaFunction, seconds: float) -> None:
    """Move the function's virtual clock (and what falls due on its async queue) forward."""
    if seconds > 0:
        fn.account.queue.advance(seconds)


def iso_s(epoch: float) -> str:
    """``2019-11-14T00:13:19Z`` (DynamoDB's second precision)."""
    return _dt.datetime.fromtimestamp(epoch, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def invoke(fn: LambdaFunction, event: Any,
           trace_header: str | None = None) -> InvokeResult | None:
    """A synchronous invocation as a poller makes it; ``None`` when it was throttled.
    ``trace_header`` is the trace the records carry (SQS's ``AWSTraceHeader``)."""
    try:
        return fn.invoke(event, trace_header=trace_header)
    except TooManyRequestsException:
        return None


def failed_items(result: InvokeResult | None, ids: list[str],
                 report_failures: bool) -> list[str] | None:
    """The records of a batch that failed: ``[]`` = success, ``None`` = the whole batch.

    A throttled (``None``) result or a function error fails the whole batch. With
    ``ReportBatchItemFailures``, Lambda reads ``{"batchItemFailures": [{"itemIdentifier":
    ...}]}``: a null or empty list or response is a success; an identifier that is empty,
    null, under another key (or, here, not in the batch) fails the whole batch.
    """
    if result is None or result.function_error is not None:
        return None
    if not report_failures:
        return []
    try:
        payload = result.payload
    except ValueError:
        return []
    if not isinstance(payload, dict) or payload.get("batchItemFailures") is None:
        return []
    failures = payload["batchItemFailures"]
    if not isinstance(failures, list):
        return None
    known = set(ids)
    listed: list[str] = []
    for failure in failures:
        item = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(item, str) or item not in known:
            return None
        listed.append(item)
    return listed


def failed_index(result: InvokeResult | None, ids: list[str],
                 report_failures: bool) -> int | None:
    """Where a stream batch failed: ``None`` = success, else the lowest failed position
    (``0`` for a whole-batch failure: Lambda checkpoints at the lowest failed record)."""
    failed = failed_items(result, ids, report_failures)
    if failed is None:
        return 0
    return min(ids.index(item) for item in failed) if failed else None


def record_iterator_age(fn: LambdaFunction, age_ms: float, now: float,
                        request_id: str | None = None) -> None:
    """``IteratorAge``: how old the batch's last record was when the function got it."""
    fn.metrics.record_lambda_metric(
        "IteratorAge", max(0, round(age_ms)), function_name=fn.name,
        timestamp=int(now * 1000), request_id=request_id)


def response_context(result: InvokeResult | None) -> dict[str, Any] | None:
    """The ``responseContext`` of an on-failure record (absent when nothing was invoked)."""
    if result is None:
        return None
    context: dict[str, Any] = {"statusCode": result.status_code,
                               "executedVersion": result.executed_version}
    if result.function_error is not None:
        context["functionError"] = result.function_error
    return context
