"""CodeCommit repository triggers invoking Lambda (``Records[].eventSource == "aws:codecommit"``).

Shape: CodeCommit user guide, "Example: Create an AWS CodeCommit trigger for a Lambda function"
(the test event), and the Lambda developer guide's CodeCommit page.
"""

from __future__ import annotations

import datetime as _dt
import random
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    bad,
    check_account,
    check_choice,
    check_region,
    hex_id,
    now_or_utc,
    rng_or_new,
    uuid4,
)
from ._validate import checked

__all__ = ["codecommit_trigger"]


def _time(t: _dt.datetime) -> str:
    # CodeCommit writes a numeric offset with milliseconds: 2016-01-01T23:59:59.000+0000.
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


@checked
def codecommit_trigger(
    repository: str = "my-repo",
    *,
    branch: str = "main",
    commit: str | None = None,
    created: bool = False,
    trigger: str = "my-trigger",
    custom_data: str | None = None,
    event_name: str = "ReferenceChanges",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A push to *branch*; ``event_name="TriggerEventTest"`` is the console's test event."""
    rng = rng_or_new(rng)
    check_region(region)
    check_account(account_id)
    check_choice("event_name", event_name, ("ReferenceChanges", "TriggerEventTest"))
    if not 1 <= len(repository) <= 100 or not all(c.isalnum() or c in "-_." for c in repository):
        raise bad("repository", repository, "repository names are 1-100 letters, digits, '-_.'")
    if not branch or branch.startswith("refs/"):
        raise bad("branch", branch, "give the branch name; the event adds 'refs/heads/'")
    sha = commit if commit is not None else hex_id(rng, 40)
    if len(sha) != 40 or any(c not in "0123456789abcdef" for c in sha):
        raise bad("commit", sha, "expected a 40-character lower-case hex commit id")
    reference: dict[str, Any] = {"commit": sha, "ref": f"refs/heads/{branch}"}
    if created:
        reference["created"] = True
    record = {
        "awsRegion": region,
        "codecommit": {"references": [reference]},
        "customData": custom_data,
        "eventId": uuid4(rng),
        "eventName": event_name,
        "eventPartNumber": 1,
        "eventSource": "aws:codecommit",
        "eventSourceARN": arn("codecommit", region, account_id, repository),
        "eventTime": _time(now_or_utc(now)),
        "eventTotalParts": 1,
        "eventTriggerConfigId": uuid4(rng),
        "eventTriggerName": trigger,
        "eventVersion": "1.0",
        "userIdentityARN": f"arn:aws:iam::{account_id}:user/developer",
    }
    return {"Records": [record]}
