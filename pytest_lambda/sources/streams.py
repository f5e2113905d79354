"""Stream pollers (Kinesis Data Streams, DynamoDB Streams): shards, checkpoints, retries, bisect.

Each shard keeps the records read from moto but not yet checkpointed. A batch is the head of
that buffer; success (or a partial success) checkpoints by dropping records from the head, a
failure leaves them for a retry. Retries are spaced on the virtual clock (see
``_sources_common``); records age on the same clock, so ``MaximumRecordAgeInSeconds`` and the
stream's retention are enforced without sleeping. Shards run one after the other; a
``ParallelizationFactor`` above 1 is accepted but shards are still processed in order.
"""

from __future__ import annotations

import base64
import json
import math
import random
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_lambda.arn import Arn
from pytest_lambda.clock import iso_ms
from pytest_lambda.events._dynamodb_types import stream_record_size
from pytest_lambda.runtime.marshal import SYNC_REQUEST_LIMIT
from pytest_lambda.sources.common import (
    BACKOFF_MAX_S,
    BACKOFF_START_S,
    client,
    failed_index,
    invoke,
    iso_s,
    record_iterator_age,
    response_context,
)
from pytest_lambda.sources.mapping import EventSourceMapping

if TYPE_CHECKING:
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.result import InvokeResult

_ENVELOPE_BYTES = 64


@dataclass
class StreamRecord:
    """One record as the function receives it, with its sequence number and arrival time."""

    event: dict[str, Any]
    sequence: str
    arrival: float
    size: int


@dataclass
class Shard:
    """A shard's read position, unprocessed records and retry state."""

    shard_id: str
    iterator: str | None
    buffer: list[StreamRecord] = field(default_factory=list)
    splits: list[int] = field(default_factory=list)
    attempts: int = 0
    due: float = 0.0
    backoff: float = BACKOFF_START_S
    last: InvokeResult | None = None


class StreamMapping(EventSourceMapping):
    """The poller shared by Kinesis and DynamoDB Streams; subclasses read moto."""

    info_key = ""
    retention_s = 86_400.0

    def __init__(self, fn: LambdaFunction, arn: str, params: dict[str, Any]) -> None:
        super().__init__(fn, arn, params)
        self.shards: dict[str, Shard] = {}
        position, at = params["starting_position"], params["starting_position_timestamp"]
        for shard_id in self._shard_ids():
            self.shards[shard_id] = Shard(shard_id, self._iterator(shard_id, position, at))

    @abstractmethod
    def _shard_ids(self) -> list[str]:
        """The ids of the stream's shards."""

    @abstractmethod
    def _iterator(self, shard_id: str, position: str, at: float | None) -> str | None:
        """A shard iterator at the mapping's starting position."""

    @abstractmethod
    def _read(self, shard_id: str, iterator: str) -> tuple[list[StreamRecord], str | None]:
        """The records after ``iterator``, and the iterator that follows them."""

    def _arrival_text(self, epoch: float) -> str:
        return iso_ms(epoch)

    def _poll(self) -> list[InvokeResult]:
        for shard_id in self._shard_ids():
            if shard_id not in self.shards:
                # A child shard after a reshard: read from its start.
                self.shards[shard_id] = Shard(shard_id,
                                              self._iterator(shard_id, "TRIM_HORIZON", None))
        out: list[InvokeResult] = []
        for shard in self.shards.values():
            self._fetch(shard)
            self._expire(shard)
            result = self._process(shard)
            if result is not None:
                out.append(result)
        return out

    def _next_due(self) -> float | None:
        waiting = [s.due for s in self.shards.values() if s.buffer]
        return min(waiting) if waiting else None

    def _fetch(self, shard: Shard) -> None:
        filters = self.params.get("filter_criteria")
        while shard.iterator is not None:
            records, shard.iterator = self._read(shard.shard_id, shard.iterator)
            if not records:
                break
            # Records no filter matches are skipped: the shard moves past them.
            shard.buffer.extend(r for r in records if not filters or filters.matches(r.event))

    def _max_age(self) -> float:
        limit = self.params["maximum_record_age_in_seconds"]
        return self.retention_s if limit == -1 else min(float(limit), self.retention_s)

    def _expire(self, shard: Shard) -> None:
        """Discard head records older than MaximumRecordAgeInSeconds (or the retention)."""
        now = self.now()
        max_age = self._max_age()
        expired = 0
        while expired < len(shard.buffer) and now - shard.buffer[expired].arrival > max_age:
            expired += 1
        if expired:
            self._discard(shard, expired, "RecordAgeExceeded")

    def _batch(self, shard: Shard) -> list[StreamRecord]:
        size = shard.splits[0] if shard.splits else self.batch_size
        batch: list[StreamRecord] = []
        total = _ENVELOPE_BYTES
        for record in shard.buffer[:size]:
            if batch and total + record.size + 1 > SYNC_REQUEST_LIMIT:
                break
            batch.append(record)
            total += record.size + 1
        return batch

    def _process(self, shard: Shard) -> InvokeResult | None:
        if not shard.buffer or shard.due > self.now():
            return None
        batch = self._batch(shard)
        now = self.now()
        result = invoke(self.function, {"Records": [r.event for r in batch]})
        if result is None:
            # Throttled: retried until the records expire, without using up retry attempts.
            self._wait(shard)
            return None
        record_iterator_age(self.function, (now - batch[-1].arrival) * 1000, now,
                            result.request_id)
        shard.attempts += 1
        shard.last = result
        failed = failed_index(result, [r.sequence for r in batch], self.report_failures)
        if failed is None:
            self._checkpoint(shard, len(batch))
        elif failed > 0:
            # A partial success: checkpoint before the lowest failed record, retry from it.
            self._checkpoint(shard, failed, keep_split=True)
            shard.attempts = 1
            remaining = len(batch) - failed
            if self.params["bisect_batch_on_function_error"]:
                shard.splits[:1] = [remaining]
            self._retry_or_discard(shard, remaining)
        else:
            self._failed(shard, len(batch))
        return result

    def _failed(self, shard: Shard, size: int) -> None:
        if self.params["bisect_batch_on_function_error"] and size > 1:
            # Bisecting does not count against MaximumRetryAttempts.
            half = math.ceil(size / 2)
            shard.splits[:1] = [half, size - half]
            shard.attempts = 0
            return
        self._retry_or_discard(shard, size)

    def _retry_or_discard(self, shard: Shard, size: int) -> None:
        limit = self.params["maximum_retry_attempts"]
        if limit != -1 and shard.attempts > limit:
            self._discard(shard, size, "RetryAttemptsExhausted")
        else:
            self._wait(shard)

    def _wait(self, shard: Shard) -> None:
        shard.due = self.now() + shard.backoff
        shard.backoff = min(shard.backoff * 2, BACKOFF_MAX_S)

    def _checkpoint(self, shard: Shard, count: int, keep_split: bool = False) -> None:
        del shard.buffer[:count]
        if shard.splits and not keep_split:
            shard.splits.pop(0)
        shard.attempts = 0
        shard.due = 0.0
        shard.backoff = BACKOFF_START_S
        shard.last = None

    def _discard(self, shard: Shard, count: int, condition: str) -> None:
        """Give up on ``count`` head records: on-failure record, then move on."""
        batch = shard.buffer[:count]
        last = shard.last
        request_id = last.request_id if last is not None else self.function.new_request_id()
        now = self.now()
        record: dict[str, Any] = {
            "requestContext": {"requestId": request_id, "functionArn": self.function.arn,
                               "condition": condition,
                               "approximateInvokeCount": shard.attempts},
        }
        context = response_context(last)
        if context is not None:
            record["responseContext"] = context
        record.update({
            "version": "1.0",
            "timestamp": iso_ms(now),
            self.info_key: {
                "shardId": shard.shard_id,
                "startSequenceNumber": batch[0].sequence,
                "endSequenceNumber": batch[-1].sequence,
                "approximateArrivalOfFirstRecord": self._arrival_text(batch[0].arrival),
                "approximateArrivalOfLastRecord": self._arrival_text(batch[-1].arrival),
                "batchSize": len(batch),
                "streamArn": self.event_source_arn,
            },
        })
        stamp = iso_ms(now)
        key = (f"aws/lambda/{self.uuid}/{shard.shard_id}/{stamp[:10].replace('-', '/')}/"
               f"{stamp[:19].replace(':', '.')}-{self.function.new_request_id()}")
        if condition == "RecordAgeExceeded":
            shard.splits.clear()
        self._checkpoint(shard, count)
        self._deliver(record, request_id, key, {"Records": [r.event for r in batch]})


class KinesisMapping(StreamMapping):
    """An event source mapping on a Kinesis data stream (moto's ``kinesis``)."""

    source = "kinesis"
    info_key = "KinesisBatchInfo"

    def __init__(self, fn: LambdaFunction, arn: str, params: dict[str, Any]) -> None:
        self.kinesis = _client_for(arn, "kinesis")
        self.account, self.stream = Arn.require(arn).account, arn.split("/", 1)[1]
        summary = self.kinesis.describe_stream_summary(StreamName=self.stream)
        self.retention_s = float(summary["StreamDescriptionSummary"]["RetentionPeriodHours"]) * 3600
        self.role = f"arn:aws:iam::{fn.config.account_id}:role/service-role/{fn.name}-role"
        self._rng = random.Random(0)
        #: AT_TIMESTAMP: records that arrived before it are skipped. moto places the iterator
        #: when the mapping is made, so a time after the records then in the shard (a future
        #: one included) would otherwise start at the first record put later.
        self._not_before: float | None = params["starting_position_timestamp"]
        super().__init__(fn, arn, params)

    def _shard_ids(self) -> list[str]:
        shards = self.kinesis.list_shards(StreamName=self.stream)["Shards"]
        return [s["ShardId"] for s in shards]

    def _iterator(self, shard_id: str, position: str, at: float | None) -> str | None:
        kwargs: dict[str, Any] = {"StreamName": self.stream, "ShardId": shard_id,
                                  "ShardIteratorType": position}
        if at is not None:
            kwargs["Timestamp"] = at
        return self.kinesis.get_shard_iterator(**kwargs)["ShardIterator"]  # type: ignore[no-any-return]

    def _read(self, shard_id: str, iterator: str) -> tuple[list[StreamRecord], str | None]:
        response = self.kinesis.get_records(ShardIterator=iterator, Limit=10_000)
        records = response["Records"]
        if self._not_before is not None:
            records = [r for r in records
                       if r["ApproximateArrivalTimestamp"].timestamp() >= self._not_before]
        return ([self._record(shard_id, r) for r in records],
                response.get("NextShardIterator"))

    def _record(self, shard_id: str, raw: dict[str, Any]) -> StreamRecord:
        # The Kinesis event factory loads with the first record.
        from pytest_lambda.events.kinesis import kinesis_record

        arrival = raw["ApproximateArrivalTimestamp"].timestamp()
        sequence = raw["SequenceNumber"]
        event = kinesis_record(raw["Data"], stream=self.stream, partition_key=raw["PartitionKey"],
                               shard_id=shard_id, region=self.region, account_id=self.account,
                               rng=self._rng)["Records"][0]
        event["kinesis"].update(sequenceNumber=sequence,
                                approximateArrivalTimestamp=round(arrival, 3))
        event.update(eventID=f"{shard_id}:{sequence}", invokeIdentityArn=self.role,
                     eventSourceARN=self.event_source_arn)
        return StreamRecord(event, sequence, arrival, len(json.dumps(event)))


class DynamoDBMapping(StreamMapping):
    """An event source mapping on a DynamoDB stream (moto's ``dynamodbstreams``)."""

    source = "dynamodb"
    info_key = "DDBStreamBatchInfo"

    def __init__(self, fn: LambdaFunction, arn: str, params: dict[str, Any]) -> None:
        self.streams = _client_for(arn, "dynamodbstreams")
        super().__init__(fn, arn, params)

    def _arrival_text(self, epoch: float) -> str:
        return iso_s(epoch)

    def _shard_ids(self) -> list[str]:
        description = self.streams.describe_stream(StreamArn=self.event_source_arn)
        return [s["ShardId"] for s in description["StreamDescription"]["Shards"]]

    def _iterator(self, shard_id: str, position: str, at: float | None) -> str | None:
        return self.streams.get_shard_iterator(  # type: ignore[no-any-return]
            StreamArn=self.event_source_arn, ShardId=shard_id,
            ShardIteratorType=position)["ShardIterator"]

    def _read(self, shard_id: str, iterator: str) -> tuple[list[StreamRecord], str | None]:
        response = self.streams.get_records(ShardIterator=iterator, Limit=1000)
        return [self._record(r) for r in response["Records"]], response.get("NextShardIterator")

    def _record(self, raw: dict[str, Any]) -> StreamRecord:
        created = raw["dynamodb"]["ApproximateCreationDateTime"].timestamp()
        change: dict[str, Any] = {"ApproximateCreationDateTime": int(created)}
        change.update((k, _typed_json(v)) for k, v in raw["dynamodb"].items()
                      if k != "ApproximateCreationDateTime")
        # moto's SizeBytes is its JSON length; DynamoDB counts the item sizes.
        change["SizeBytes"] = stream_record_size(change)
        event: dict[str, Any] = {
            "eventID": raw["eventID"],
            "eventName": raw["eventName"],
            # Lambda delivers stream records as version 1.1 (moto stores 1.0).
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": raw.get("awsRegion", self.region),
            "dynamodb": change,
            "eventSourceARN": self.event_source_arn,
        }
        if "userIdentity" in raw:
            event["userIdentity"] = raw["userIdentity"]
        return StreamRecord(event, change["SequenceNumber"], float(int(created)),
                            len(json.dumps(event)))


def _typed_json(value: Any) -> Any:
    """boto3's view of typed AttributeValues back to JSON (binary values as base64)."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {k: _typed_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed_json(v) for v in value]
    return value


def _client_for(arn: str, service: str) -> Any:
    return client(service, Arn.require(arn).region)
