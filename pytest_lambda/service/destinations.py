"""Lambda destinations given as ``LambdaFunction`` objects, and finding the function an ARN names.

A ``destination_config`` may name a function by ARN or hand over the ``LambdaFunction`` itself
(one that is in no shared ``Account``). The configuration keeps the ARN, as Lambda's does; the
function keeps the object, so the asynchronous queue can reach it through
:meth:`DestinationsMixin.resolve_destination`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from pytest_lambda.arn import Arn

if TYPE_CHECKING:
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.service.account import Account


class DestinationsMixin:
    """``LambdaFunction``'s destinations: the objects it was given, and the queue's port."""

    account: Account
    _destination_objects: dict[str, LambdaFunction]

    def _destinations(self, config: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        """``destination_config`` with LambdaFunction objects replaced by their ARNs."""
        if not isinstance(config, Mapping):
            return config
        out: dict[str, Any] = {}
        for key, entry in config.items():
            dest = entry.get("Destination") if isinstance(entry, Mapping) else None
            # Only LambdaFunction has this mixin: the test is the class's own.
            if isinstance(dest, DestinationsMixin):
                function = cast("LambdaFunction", dest)
                self._destination_objects[function.arn] = function
                entry = {**entry, "Destination": function.arn}
            out[key] = entry
        return out

    def resolve_destination(self, arn: str) -> LambdaFunction | None:
        """The function a Lambda destination ARN names: one of the account's functions, or a
        ``LambdaFunction`` object given as a destination (a port for the asynchronous queue)."""
        found = self.account.function(arn)
        parsed = Arn.parse(arn)
        return found or (self._destination_objects.get(parsed.unqualified)
                         if parsed is not None else None)
