"""CodeDeploy lifecycle hooks for Lambda deployments (BeforeAllowTraffic / AfterAllowTraffic).

Shape: CodeDeploy user guide, "AppSpec 'hooks' section" for an AWS Lambda deployment
(reference-appspec-file-structure-hooks.html#appspec-hooks-lambda): the hook function receives
``DeploymentId`` ("d-" and nine upper-case letters/digits) and
``LifecycleEventHookExecutionId`` (an opaque token it passes back to
PutLifecycleEventHookExecutionStatus).
"""

from __future__ import annotations

import datetime as _dt
import json
import random
from typing import Any

from ._common import b64_token, b64encode, bad, now_or_utc, rng_or_new, upper_token
from ._validate import checked

__all__ = ["codedeploy_lifecycle_hook"]


@checked
def codedeploy_lifecycle_hook(
    *,
    deployment_id: str | None = None,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The event a BeforeAllowTraffic/AfterAllowTraffic hook function is invoked with."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    ident = deployment_id or "d-" + upper_token(rng, 9)
    allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    if not (ident.startswith("d-") and len(ident) == 11 and all(c in allowed for c in ident[2:])):
        raise bad("deployment_id", ident, "deployment ids are 'd-' and 9 upper-case letters/digits")
    # The execution id is opaque; real ones are base64 of a small JSON document of encrypted data.
    opaque = {
        "encryptedData": b64_token(rng, 96),
        "ivParameterSpec": b64_token(rng, 12),
        "materialSetSerial": 1,
    }
    return {
        "DeploymentId": ident,
        "LifecycleEventHookExecutionId": b64encode(
            json.dumps(opaque, separators=(",", ":")).encode()
        ),
    }
