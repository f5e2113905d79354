"""Step Functions ``.waitForTaskToken`` invocations (your payload plus the task token)."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from ._common import b64_token, bad, json_text, now_or_utc, rng_or_new
from ._validate import checked

__all__ = ["stepfunctions_error", "stepfunctions_task_token"]


@checked
def stepfunctions_task_token(
    payload: Mapping[str, Any] | None = None,
    *,
    token_field: str = "taskToken",
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The Lambda input built from ``Parameters`` with ``"<token_field>.$": "$$.Task.Token"``."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    event = dict(payload or {})
    if not token_field:
        raise bad("token_field", token_field, "expected a non-empty field name")
    if token_field in event:
        raise bad("token_field", token_field, "the payload already has this key; pick another")
    json_text("payload", event)
    # Real tokens are long opaque base64 strings; consumers must pass them back unchanged.
    event[token_field] = "AQC" + b64_token(rng, 480).rstrip("=")
    return event


@checked
def stepfunctions_error(
    error: str = "States.TaskFailed", cause: str = "The task failed."
) -> dict[str, str]:
    """The error output a Catch passes on to the next (Lambda) state: ``{"Error", "Cause"}``."""
    # Step Functions developer guide, "Error handling": the Catch's ResultPath receives an
    # object with the error name in "Error" and the message in "Cause", both strings.
    if not error:
        raise bad("error", error, "error names are non-empty, e.g. 'States.Timeout'")
    return {"Error": error, "Cause": cause}
