"""CodePipeline "Invoke" action jobs (top-level key ``"CodePipeline.job"``)."""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Sequence
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    b64_token,
    bad,
    check_account,
    epoch_ms,
    now_or_utc,
    rng_or_new,
    token,
    upper_token,
    uuid4,
)
from ._validate import checked

__all__ = ["codepipeline_job"]


def _artifact(rng: random.Random, name: str, bucket: str, pipeline: str) -> dict[str, Any]:
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise bad("artifacts", name, "artifact names are letters, digits, '_' and '-'")
    return {
        "name": name,
        "revision": token(rng, 40, "0123456789abcdef"),
        "location": {
            "type": "S3",
            "s3Location": {
                "bucketName": bucket,
                "objectKey": f"{pipeline[:20]}/{name[:20]}/{token(rng, 7)}",
            },
        },
    }


@checked
def codepipeline_job(
    *,
    function: str = "my-function",
    user_parameters: str | None = None,
    input_artifacts: Sequence[str] = ("SourceArtifact",),
    output_artifacts: Sequence[str] = (),
    pipeline: str = "my-pipeline",
    artifact_bucket: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A job for a Lambda invoke action, with temporary artifact-store credentials."""
    rng = rng_or_new(rng)
    now = now_or_utc(now)
    check_account(account_id)
    bucket = artifact_bucket or f"codepipeline-{region}-{token(rng, 12, '0123456789')}"
    configuration: dict[str, str] = {"FunctionName": function}
    if user_parameters is not None:
        if not isinstance(user_parameters, str) or len(user_parameters) > 1000:
            raise bad(
                "user_parameters",
                user_parameters,
                "UserParameters is a string of at most 1000 characters",
            )
        configuration["UserParameters"] = user_parameters
    return {
        "CodePipeline.job": {
            "id": uuid4(rng),
            "accountId": account_id,
            "data": {
                "actionConfiguration": {"configuration": configuration},
                "inputArtifacts": [_artifact(rng, n, bucket, pipeline) for n in input_artifacts],
                "outputArtifacts": [_artifact(rng, n, bucket, pipeline) for n in output_artifacts],
                "artifactCredentials": {
                    "accessKeyId": "ASIA" + upper_token(rng, 16),
                    "secretAccessKey": b64_token(rng, 30),
                    "sessionToken": b64_token(rng, 300),
                    "expirationTime": epoch_ms(now + _dt.timedelta(hours=1)),
                },
            },
        }
    }
