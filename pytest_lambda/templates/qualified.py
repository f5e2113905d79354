"""A function as an event source, a route or a schedule of the application sees it when the
template points it at an alias or version (SAM ``AutoPublishAlias``, a qualified ARN).

SAM publishes a version and an alias for ``AutoPublishAlias`` and wires every event source of
the function to the alias ("CloudFormation resources generated when AWS::Serverless::Function is
specified", AWS SAM developer guide): the handler then sees the alias in
``context.invoked_function_arn``, the version in ``context.function_version`` and
``AWS_LAMBDA_FUNCTION_VERSION``. A :class:`QualifiedFunction` invokes the function with that
qualifier and answers everything else as the function does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..function import LambdaFunction
    from ..result import InvokeResult
    from ..sources import EventSourceMapping, PushTrigger


class QualifiedFunction:
    """``function`` invoked as ``function:qualifier`` (an alias or a version)."""

    def __init__(self, function: LambdaFunction, qualifier: str) -> None:
        self.function = function
        self.qualifier = qualifier

    @property
    def arn(self) -> str:
        """The qualified ARN, as an event source mapping or a subscription names it."""
        return f"{self.function.arn}:{self.qualifier}"

    def invoke(self, event: Any = None, **kwargs: Any) -> InvokeResult:
        kwargs.setdefault("qualifier", self.qualifier)
        return self.function.invoke(event, **kwargs)

    # The triggers are made with this object as their function, so that they invoke it.
    # Lazy, as LambdaFunction's own: the sources package loads with the first trigger.
    def add_event_source(self, arn: str, **params: Any) -> EventSourceMapping:
        from ..sources import create_event_source_mapping  # with the first trigger

        return create_event_source_mapping(self, arn, **params)  # type: ignore[arg-type]

    def connect_s3(self, bucket: str, **kwargs: Any) -> PushTrigger:
        from ..sources import connect_s3_notifications  # with the first trigger

        return connect_s3_notifications(self, bucket, **kwargs)  # type: ignore[arg-type]

    def subscribe_sns(self, topic_arn: str, **kwargs: Any) -> PushTrigger:
        from ..sources import subscribe_sns  # with the first trigger

        return subscribe_sns(self, topic_arn, **kwargs)  # type: ignore[arg-type]

    def connect_eventbridge(self, pattern: Mapping[str, Any] | str, **kwargs: Any) -> PushTrigger:
        from ..sources.eventbridge import EventBridgeTrigger  # with the first trigger

        return EventBridgeTrigger(self, pattern, **kwargs)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.function, name)

    def __repr__(self) -> str:
        return f"<QualifiedFunction {self.arn}>"
