"""Two EventBridge rules moto does not keep, kept while the embedded AWS runs.

- A rule whose ``State`` is ``DISABLED`` delivers nothing (EventBridge API reference,
  ``PutRule``: "DISABLED: The rule is disabled. EventBridge does not match any events against
  the rule."); moto's rule sends to its targets whatever its state.
- ``PutEvents`` from a function cannot use a source that starts with ``aws.``, which only AWS
  services publish: the entry fails with ``NotAuthorizedForSourceException`` / "Not authorized
  for the source." (captured from ``aws events put-events`` in aws-samples/serverless-patterns
  PR #3089). moto accepts it, so a handler publishing ``aws.*`` events would pass locally and
  fail on AWS. A test may still put such events itself, to stand in for the AWS service.

A request comes from a function when it is made during an invocation: in-process, the
function's environment (``_HANDLER``, ``AWS_LAMBDA_FUNCTION_NAME``) is swapped in; a process
or Node.js worker's requests arrive through :mod:`~pytest_lambda.service.bridge`, which marks
them with the :data:`FROM_FUNCTION` header (the request may be answered on another thread).
"""

from __future__ import annotations

import json
import os
from typing import Any

from .moto_patch import MotoPatch

#: What EventBridge answers for an entry with a reserved source.
RESERVED_SOURCE_ERROR = {"ErrorCode": "NotAuthorizedForSourceException",
                         "ErrorMessage": "Not authorized for the source."}


#: The header the bridge adds to a worker's requests (never sent to AWS: moto answers them).
FROM_FUNCTION = "X-Pytest-Lambda-From-Function"


def _from_function(handler: Any) -> bool:
    headers = getattr(handler, "headers", None)
    if headers is not None and headers.get(FROM_FUNCTION):  # case-insensitive header maps
        return True
    return "_HANDLER" in os.environ and "AWS_LAMBDA_FUNCTION_NAME" in os.environ


def _send_to_targets(self: Any, *args: Any, **kwargs: Any) -> None:
    if getattr(self, "state", "ENABLED") == "DISABLED":
        return
    from moto.events.models import Rule  # loaded: this stand-in is moto's now

    PATCH.original(Rule, "send_to_targets")(self, *args, **kwargs)


def _put_events(self: Any) -> Any:
    entries = self._get_param("Entries") or []
    if not _from_function(self) or not any(
            str(e.get("Source") or "").startswith("aws.") for e in entries):
        from moto.events.responses import EventsHandler  # loaded: the stand-in is moto's

        return PATCH.original(EventsHandler, "put_events")(self)
    results: list[dict[str, Any]] = []
    allowed = [e for e in entries if not str(e.get("Source") or "").startswith("aws.")]
    accepted = iter(self.events_backend.put_events(allowed) if allowed else [])
    for entry in entries:
        reserved = str(entry.get("Source") or "").startswith("aws.")
        results.append(dict(RESERVED_SOURCE_ERROR) if reserved else next(accepted))
    failed = sum(1 for r in results if "ErrorCode" in r)
    return json.dumps({"FailedEntryCount": failed, "Entries": results})


def _targets() -> list[Any]:
    from moto.events.models import Rule  # the embedded AWS is starting: moto is loaded
    from moto.events.responses import EventsHandler

    return [(Rule, "send_to_targets", _send_to_targets),
            (EventsHandler, "put_events", _put_events)]


PATCH = MotoPatch(_targets)
install, uninstall = PATCH.install, PATCH.uninstall
