"""AWS Batch job inputs a Lambda receives from an orchestrator (SAM's ``batch`` samples).

These are not AWS-generated events: they are the parameters of Batch's SubmitJob and
DescribeJobs calls (AWS Batch API reference), as a Step Functions state or caller passes them.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from ._common import bad, now_or_utc, rng_or_new, uuid4
from ._validate import checked

__all__ = ["batch_get_job", "batch_submit_job"]


def _name(argument: str, value: str) -> str:
    # SubmitJob: up to 128 letters, digits, hyphens and underscores, starting alphanumeric.
    ok = 1 <= len(value) <= 128 and value[:1].isalnum()
    if not ok or not all(c.isalnum() or c in "-_" for c in value):
        raise bad(argument, value, "names are 1-128 letters, digits, '-' and '_'")
    return value


@checked
def batch_submit_job(
    job_name: str = "hello_world",
    *,
    job_queue: str = "default",
    job_definition: str = "hello_world",
    parameters: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """SubmitJob-style input: the job's name, queue and definition (plus parameters)."""
    event: dict[str, Any] = {
        "jobName": _name("job_name", job_name),
        "jobQueue": _name("job_queue", job_queue),
        "jobDefinition": job_definition,
    }
    if parameters:
        event["parameters"] = dict(parameters)
    return event


@checked
def batch_get_job(
    job_id: str | None = None,
    *,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, str]:
    """DescribeJobs-style input: the id SubmitJob returned (a UUID)."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    return {"jobId": job_id if job_id is not None else uuid4(rng)}
