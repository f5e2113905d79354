"""The parts of an event source mapping common to every poller: identity, state, drain loop."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from pytest_lambda.arn import Arn
from pytest_lambda.service import delivery as aws
from pytest_lambda.sources.common import MAX_DRAIN_INVOCATIONS, advance, client, mapping_now

if TYPE_CHECKING:
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.result import InvokeResult
    from pytest_lambda.service.async_queue import Delivery


class EventSourceMapping(ABC):
    """A poller that reads a Kinesis stream, DynamoDB stream or SQS queue on moto and invokes
    its function synchronously with batches, as Lambda's event source mappings do.

    :meth:`poll` runs one polling cycle (at most one batch per shard, or one SQS batch);
    :meth:`drain` polls until everything readable was processed or given up on, moving the
    function's virtual clock over retry backoffs and visibility timeouts.
    """

    source = ""
    #: What stops a batch that keeps failing, for this kind of source (the drain limit's error).
    drain_advice = "Set maximum_retry_attempts or maximum_record_age_in_seconds"

    def __init__(self, fn: LambdaFunction, arn: str, params: dict[str, Any]) -> None:
        self.function = fn
        self.event_source_arn = arn
        self.params = params
        self.uuid = fn.new_request_id()
        self.state = "Enabled" if params["enabled"] else "Disabled"
        self.results: list[InvokeResult] = []
        self.deliveries: list[Delivery] = []
        self.region = Arn.require(arn).region

    @property
    def batch_size(self) -> int:
        return int(self.params["batch_size"])

    @property
    def report_failures(self) -> bool:
        return "ReportBatchItemFailures" in self.params["function_response_types"]

    def client(self, service: str) -> Any:
        return client(service, self.region)

    def now(self) -> float:
        return mapping_now(self.function)

    def enable(self) -> None:
        """``UpdateEventSourceMapping(Enabled=True)``."""
        if self.state != "Deleting":
            self.state = "Enabled"

    def disable(self) -> None:
        """``UpdateEventSourceMapping(Enabled=False)``: polls do nothing until re-enabled."""
        if self.state != "Deleting":
            self.state = "Disabled"

    def delete(self) -> None:
        """``DeleteEventSourceMapping``: the mapping stops for good."""
        self.state = "Deleting"

    def describe(self) -> dict[str, Any]:
        """The mapping as ``GetEventSourceMapping`` shows it (the fields we model)."""
        p = self.params
        out: dict[str, Any] = {
            "UUID": self.uuid, "EventSourceArn": self.event_source_arn,
            "FunctionArn": self.function.arn, "State": self.state,
            "BatchSize": p["batch_size"],
            "MaximumBatchingWindowInSeconds": p["maximum_batching_window_in_seconds"],
            "FunctionResponseTypes": list(p["function_response_types"]),
        }
        if p.get("filter_criteria"):
            out["FilterCriteria"] = p["filter_criteria"].raw
        if self.source != "sqs":
            out.update({
                "StartingPosition": p["starting_position"],
                "ParallelizationFactor": p["parallelization_factor"],
                "MaximumRetryAttempts": p["maximum_retry_attempts"],
                "MaximumRecordAgeInSeconds": p["maximum_record_age_in_seconds"],
                "BisectBatchOnFunctionError": p["bisect_batch_on_function_error"],
                "DestinationConfig": p["destination_config"] or {"OnFailure": {}},
            })
        return out

    def poll(self) -> list[InvokeResult]:
        """One polling cycle; returns the invocations it made."""
        if self.state != "Enabled":
            return []
        results = self._poll()
        self.results.extend(results)
        return results

    def drain(self, *, max_invocations: int = MAX_DRAIN_INVOCATIONS) -> list[InvokeResult]:
        """Poll until nothing is left, advancing the virtual clock over the waits."""
        out: list[InvokeResult] = []
        while self.state == "Enabled":
            results = self.poll()
            out.extend(results)
            if len(out) > max_invocations:
                raise RuntimeError(
                    f"event source mapping {self.uuid} invoked {self.function.name!r} "
                    f"{len(out)} times without draining {self.event_source_arn}: a batch "
                    "that keeps failing is retried until the records expire. "
                    f"{self.drain_advice}, fix the handler, or step with poll().")
            if results:
                continue
            due = self._next_due()
            if due is None:
                break
            advance(self.function, due - self.now())
        return out

    @abstractmethod
    def _poll(self) -> list[InvokeResult]:
        """One polling cycle: read what the source has and invoke the function with it."""

    @abstractmethod
    def _next_due(self) -> float | None:
        """When the next waiting batch may run (mapping time), or None when nothing waits."""

    def _deliver(self, record: dict[str, Any], request_id: str, s3_key: str | None = None,
                 payload: Any = None) -> None:
        """Send an on-failure record to the mapping's destination and remember it."""
        # Only for an on-failure destination: `import pytest_lambda.sources` stays without it.
        from pytest_lambda.service.async_queue import Delivery

        dest = ((self.params["destination_config"] or {}).get("OnFailure") or {}).get(
            "Destination")
        if not dest:
            return
        service = Arn.require(dest).service
        body = json.dumps(record)
        error: str | None = None
        try:
            if service == "sqs":
                aws.send_sqs(dest, body)
            elif service == "sns":
                aws.publish_sns(dest, body)
            else:
                full = json.dumps({**record, "payload": json.dumps(payload)})
                aws.put_s3_object(dest, s3_key or self.uuid, full, self.region)
        except aws.DeliveryError as exc:
            error = str(exc)
        self.deliveries.append(Delivery("OnFailure", dest, request_id, self.function.name,
                                        record, error is None, error))

    def __repr__(self) -> str:
        return (f"<EventSourceMapping {self.uuid} {self.event_source_arn} -> "
                f"{self.function.name} {self.state}>")
