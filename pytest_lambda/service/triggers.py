"""``LambdaFunction``'s triggers: event source mappings and push triggers on moto.

They are made by :mod:`pytest_lambda.sources`, which works against the active moto mock, so it
is imported when a test first connects one, not with the function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.sources import EventSourceMapping, PushTrigger


class TriggersMixin:
    """Connecting event sources to ``LambdaFunction`` (it is the only class with this mixin)."""

    def add_event_source(self, arn: str, **params: Any) -> EventSourceMapping:
        """``CreateEventSourceMapping`` on moto: poll a Kinesis stream, DynamoDB stream or SQS
        queue into this function (see :mod:`pytest_lambda.sources`)."""
        # On demand: the sources package is loaded by the first test that connects one.
        from pytest_lambda.sources import create_event_source_mapping

        return create_event_source_mapping(cast("LambdaFunction", self), arn, **params)

    def connect_s3(self, bucket: str, **kwargs: Any) -> PushTrigger:
        """Invoke this function for the bucket's object notifications (moto)."""
        # On demand: the sources package is loaded by the first test that connects one.
        from pytest_lambda.sources import connect_s3_notifications

        return connect_s3_notifications(cast("LambdaFunction", self), bucket, **kwargs)

    def subscribe_sns(self, topic_arn: str, **kwargs: Any) -> PushTrigger:
        """Subscribe this function to an SNS topic (moto)."""
        # On demand: the sources package is loaded by the first test that connects one.
        from pytest_lambda.sources import subscribe_sns

        return subscribe_sns(cast("LambdaFunction", self), topic_arn, **kwargs)

    def connect_eventbridge(self, pattern: Mapping[str, Any] | str, **kwargs: Any) -> PushTrigger:
        """A rule on an event bus (moto) whose ``pattern`` selects the events this function
        receives: ``bus``, ``rule_name``, ``input``/``input_path``/``input_transformer`` (one
        of them, as a target takes), ``enabled``. ``drain()`` delivers them asynchronously."""
        # On demand: the sources package is loaded by the first test that connects one.
        from pytest_lambda.sources.eventbridge import EventBridgeTrigger

        return EventBridgeTrigger(cast("LambdaFunction", self), pattern, **kwargs)
