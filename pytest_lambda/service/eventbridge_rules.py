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
import threading
from typing import Any

_lock = threading.Lock()
_depth = 0
_originals: dict[str, Any] = {}

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
    _originals["send_to_targets"](self, *args, **kwargs)


def _put_events(self: Any) -> Any:
    entries = self._get_param("Entries") or []
    if not _from_function(self) or not any(
            str(e.get("Source") or "").startswith("aws.") for e in entries):
        return _originals["put_events"](self)
    results: list[dict[str, Any]] = []
    allowed = [e for e in entries if not str(e.get("Source") or "").startswith("aws.")]
    accepted = iter(self.events_backend.put_events(allowed) if allowed else [])
    for entry in entries:
        reserved = str(entry.get("Source") or "").startswith("aws.")
        results.append(dict(RESERVED_SOURCE_ERROR) if reserved else next(accepted))
    failed = sum(1 for r in results if "ErrorCode" in r)
    return json.dumps({"FailedEntryCount": failed, "Entries": results})


def install() -> None:
    """Apply both rules to moto's EventBridge, until the matching :func:`uninstall`."""
    global _depth
    # the embedded AWS is starting: moto is loaded
    from moto.events.models import Rule
    from moto.events.responses import EventsHandler

    with _lock:
        if _depth == 0:
            _originals["send_to_targets"] = Rule.__dict__["send_to_targets"]
            _originals["put_events"] = EventsHandler.__dict__["put_events"]
            Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]
            EventsHandler.put_events = _put_events  # type: ignore[method-assign]
        _depth += 1


def uninstall() -> None:
    """Undo one :func:`install`; the last one gives moto its own behaviour back."""
    global _depth
    with _lock:
        if _depth == 0:
            return
        _depth -= 1
        if _depth == 0:
            # imported by install()
            from moto.events.models import Rule
            from moto.events.responses import EventsHandler

            Rule.send_to_targets = _originals.pop("send_to_targets")  # type: ignore[method-assign]
            EventsHandler.put_events = _originals.pop("put_events")  # type: ignore[method-assign]
