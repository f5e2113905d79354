"""Push triggers (S3 notifications, SNS subscriptions) relayed through a hidden SQS queue.

moto cannot call a function that lives in the test process, so each trigger points the real
moto feature at a private SQS queue: a bucket ``QueueConfiguration`` (moto applies the event
and prefix/suffix filters) or an SNS ``sqs`` subscription (moto applies the filter policy).
:meth:`PushTrigger.drain` reads that queue, rebuilds each message into the exact event Lambda
receives and invokes the function asynchronously (``Event``, as S3 and SNS do), then runs the
function's async queue so retries, DLQs and destinations apply.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import random
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from pytest_lambda.arn import Arn
from pytest_lambda.sources.common import client

if TYPE_CHECKING:
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.result import InvokeResult


class PushTrigger(ABC):
    """A bucket notification or topic subscription that delivers to a function."""

    kind = ""

    def __init__(self, fn: LambdaFunction, region: str) -> None:
        self.function = fn
        self.region = region
        self.sqs = client("sqs", region)
        self._rng = random.Random(fn.new_request_id())
        # A private queue per trigger: the random part keeps two triggers of one function, or
        # of two functions whose names share the first 50 characters, apart.
        stem = f"pytest-lambda-{self.kind}-{fn.name}"[:50]
        name = f"{stem}-{os.urandom(8).hex()}"
        self.queue_url: str = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        self.queue_arn: str = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.results: list[InvokeResult] = []

    def events(self) -> list[dict[str, Any]]:
        """Take every pending notification off the relay queue, as Lambda events."""
        return [event for event, _ in self._pending()]

    def _pending(self) -> list[tuple[dict[str, Any], str | None]]:
        """Every pending notification as a Lambda event, with the trace it continues."""
        out: list[tuple[dict[str, Any], str | None]] = []
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                MessageSystemAttributeNames=["SentTimestamp"]).get("Messages", [])
            if not messages:
                return out
            for message in messages:
                sent = int(message["Attributes"]["SentTimestamp"]) / 1000
                body = json.loads(message["Body"])
                event = self._event(body, sent)
                if event is not None:
                    out.append((event, _trace(body)))
                self.sqs.delete_message(QueueUrl=self.queue_url,
                                        ReceiptHandle=message["ReceiptHandle"])

    def deliver(self) -> set[str]:
        """Invoke the function asynchronously with every pending notification, without
        running the async queue; the request ids accepted (see :meth:`collect`)."""
        return {self.function.invoke(event, invocation_type="Event",
                                     trace_header=trace).request_id
                for event, trace in self._pending()}

    def collect(self, accepted: set[str], results: list[InvokeResult]) -> list[InvokeResult]:
        """Of an async queue run's ``results``, the attempts for the ``accepted`` deliveries
        (kept in :attr:`results` too)."""
        mine = [r for r in results if r.request_id in accepted]
        self.results.extend(mine)
        return mine

    def drain(self) -> list[InvokeResult]:
        """Deliver every pending notification and run the account's async queue; the attempts
        made for these notifications (other queued events run too, and are not returned:
        ``lambda_app.drain()`` returns them all)."""
        accepted = self.deliver()
        return self.collect(accepted, self.function.account.queue.drain())

    def close(self) -> None:
        """Remove the notification or subscription and its relay queue."""
        self.sqs.delete_queue(QueueUrl=self.queue_url)

    @abstractmethod
    def _event(self, body: dict[str, Any], sent: float) -> dict[str, Any] | None:
        """The Lambda event for one relayed message, or None for one Lambda never sees."""


def _trace(body: Any) -> str | None:
    """The trace header an SNS notification carries (what its publisher sent, when the
    Lambda API is installed to see it: ``LambdaApi.sns_traces``)."""
    # The Lambda API is looked up only when a notification arrives (it may not be installed).
    from pytest_lambda.service.lambda_api import active

    api = active()
    message_id = body.get("MessageId") if isinstance(body, dict) else None
    return api.sns_traces.get(message_id) if api is not None and message_id else None


def _filter_value(config: dict[str, Any], name: str) -> str:
    rules = config.get("Filter", {}).get("Key", {}).get("FilterRules", [])
    return next((str(r.get("Value", "")) for r in rules
                 if str(r.get("Name", "")).lower() == name), "")


def _events_overlap(ours: list[str], theirs: list[str]) -> bool:
    """Whether two event lists share an event type (``s3:ObjectCreated:*`` covers every
    ``s3:ObjectCreated:...``)."""
    def covers(a: str, b: str) -> bool:
        return a == b or (a.endswith(":*") and b.startswith(a[:-1]))
    return any(covers(a, b) or covers(b, a) for a in ours for b in theirs)


def _check_overlap(bucket: str, entry: dict[str, Any], current: dict[str, Any]) -> None:
    """S3 refuses a notification configuration that shares an event type with another of the
    bucket's whose filters overlap: prefixes where one starts the other (no prefix overlaps
    every one), suffixes where one ends the other (Amazon S3 user guide, "Configuring event
    notifications using object key name filtering": overlapping prefixes or suffixes for the
    same event types are an error). A template with such a pair does not deploy."""
    prefix, suffix = _filter_value(entry, "prefix"), _filter_value(entry, "suffix")
    for key in ("QueueConfigurations", "TopicConfigurations", "LambdaFunctionConfigurations"):
        for other in current.get(key, []):
            if not _events_overlap(list(entry["Events"]), list(other.get("Events", []))):
                continue
            p, s = _filter_value(other, "prefix"), _filter_value(other, "suffix")
            if (prefix.startswith(p) or p.startswith(prefix)) and (
                    suffix.endswith(s) or s.endswith(suffix)):
                raise ValueError(
                    f"S3 refuses the notification configuration of bucket {bucket!r} "
                    f"(events {entry['Events']}, prefix {prefix!r}, suffix {suffix!r}): "
                    "\"Configurations overlap. Configurations on the same bucket cannot share a "
                    "common event type.\" It overlaps the bucket's configuration "
                    f"{other.get('Id', '?')!r} (events {other.get('Events')}, prefix {p!r}, "
                    f"suffix {s!r}). Give them event types, prefixes or suffixes that do not "
                    "overlap.")


class S3Trigger(PushTrigger):
    """S3 event notifications of one bucket (filtered by event type, prefix, suffix)."""

    kind = "s3"

    def __init__(self, fn: LambdaFunction, bucket: str, events: tuple[str, ...],
                 prefix: str | None, suffix: str | None, configuration_id: str | None) -> None:
        s3 = client("s3", fn.config.region)
        rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix))
                 if v]
        entry: dict[str, Any] = {"Events": list(events)}
        if rules:
            entry["Filter"] = {"Key": {"FilterRules": rules}}
        current = s3.get_bucket_notification_configuration(Bucket=bucket)
        current.pop("ResponseMetadata", None)
        _check_overlap(bucket, entry, current)  # before the relay queue exists
        super().__init__(fn, fn.config.region)
        self.bucket = bucket
        self.configuration_id = configuration_id or Arn.require(self.queue_arn).name
        self.s3 = s3
        entry = {"Id": self.configuration_id, "QueueArn": self.queue_arn, **entry}
        current.setdefault("QueueConfigurations", []).append(entry)
        self.s3.put_bucket_notification_configuration(Bucket=bucket,
                                                      NotificationConfiguration=current)

    def close(self) -> None:
        current = self.s3.get_bucket_notification_configuration(Bucket=self.bucket)
        current.pop("ResponseMetadata", None)
        current["QueueConfigurations"] = [c for c in current.get("QueueConfigurations", [])
                                          if c.get("Id") != self.configuration_id]
        self.s3.put_bucket_notification_configuration(Bucket=self.bucket,
                                                      NotificationConfiguration=current)
        super().close()

    def _event(self, body: dict[str, Any], sent: float) -> dict[str, Any] | None:
        # The S3 event factory loads with the first notification.
        from pytest_lambda.events.s3 import S3_EVENT_NAMES, s3_event

        if "Records" not in body:
            return None  # s3:TestEvent: S3 sends it to queues, never to Lambda.
        moto = body["Records"][0]
        name = moto["eventName"]
        obj = moto["s3"]["object"]
        removed = ":Delete" in name
        event = s3_event(
            moto["s3"]["bucket"]["name"], unquote_plus(obj["key"]),
            event_name=name if name in S3_EVENT_NAMES else "ObjectCreated:Put",
            size=None if removed else int(obj.get("size", 0)),
            etag=None if removed else obj.get("eTag"), version_id=obj.get("versionId"),
            configuration_id=moto["s3"]["configurationId"], region=moto["awsRegion"],
            account_id=self.function.config.account_id, rng=self._rng,
            now=_dt.datetime.fromtimestamp(sent, _dt.UTC))
        event["Records"][0]["eventName"] = name
        return event


class SnsTrigger(PushTrigger):
    """A Lambda subscription to an SNS topic (with an optional filter policy)."""

    kind = "sns"

    def __init__(self, fn: LambdaFunction, topic_arn: str, filter_policy: dict[str, Any] | None,
                 filter_policy_scope: str) -> None:
        super().__init__(fn, Arn.require(topic_arn).region)
        self.topic_arn = topic_arn
        self.sns = client("sns", self.region)
        attributes: dict[str, str] = {}
        if filter_policy is not None:
            attributes = {"FilterPolicy": json.dumps(filter_policy),
                          "FilterPolicyScope": filter_policy_scope}
        self.subscription_arn: str = self.sns.subscribe(
            TopicArn=topic_arn, Protocol="sqs", Endpoint=self.queue_arn, Attributes=attributes,
            ReturnSubscriptionArn=True)["SubscriptionArn"]

    def close(self) -> None:
        self.sns.unsubscribe(SubscriptionArn=self.subscription_arn)
        super().close()

    def _event(self, body: dict[str, Any], sent: float) -> dict[str, Any] | None:
        # The SNS event factory loads with the first notification.
        from pytest_lambda.events.sns import sns_notification

        topic_arn = body["TopicArn"]
        topic = Arn.require(topic_arn)
        event = sns_notification(body["Message"], topic=topic.name, region=topic.region,
                                 account_id=topic.account, rng=self._rng)
        record = event["Records"][0]
        endpoint = f"https://sns.{self.region}.amazonaws.com"
        record["EventSubscriptionArn"] = self.subscription_arn
        record["Sns"].update(
            MessageId=body["MessageId"], Subject=body.get("Subject"),
            Timestamp=body["Timestamp"], SignatureVersion=body["SignatureVersion"],
            Signature=body["Signature"],
            # Lambda spells these ...Url; the SQS copy moto wrote spells them ...URL.
            SigningCertUrl=body["SigningCertURL"],
            UnsubscribeUrl=f"{endpoint}/?Action=Unsubscribe&SubscriptionArn="
                           f"{self.subscription_arn}",
            MessageAttributes=body.get("MessageAttributes", {}))
        return event
