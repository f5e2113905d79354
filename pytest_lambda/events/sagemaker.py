"""SageMaker Ground Truth custom labeling Lambdas: pre-annotation and annotation consolidation.

Shape: SageMaker developer guide, "Processing data in a custom labeling workflow with AWS Lambda"
(pre-annotation and post-annotation Lambda request syntax).
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    bad,
    check_account,
    check_region,
    now_or_utc,
    rng_or_new,
)
from ._validate import checked

__all__ = ["sagemaker_annotation_consolidation", "sagemaker_pre_human_task"]


def _job(name: str) -> str:
    if not 1 <= len(name) <= 63 or not all(c.isalnum() or c == "-" for c in name):
        raise bad("labeling_job", name, "labeling job names are 1-63 letters, digits and '-'")
    return name


def _s3_uri(argument: str, uri: str) -> str:
    if not uri.startswith("s3://") or not uri[5:].split("/")[0]:
        raise bad(argument, uri, "expected an s3://bucket/key URI")
    return uri


@checked
def sagemaker_pre_human_task(
    data_object: Mapping[str, Any] | None = None,
    *,
    labeling_job: str = "my-labeling-job",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """The pre-annotation input: one manifest line (``{"source-ref": ...}`` or ``{"source"}``)."""
    check_region(region)
    check_account(account_id)
    data = dict(data_object) if data_object is not None else {"source-ref": "s3://bkt/img.jpg"}
    if len(set(data) & {"source", "source-ref"}) != 1:
        raise bad("data_object", data, "a manifest line has exactly one of 'source-ref', 'source'")
    if "source-ref" in data:
        _s3_uri("data_object['source-ref']", data["source-ref"])
    return {
        "version": "2018-10-16",
        "labelingJobArn": arn(
            "sagemaker", region, account_id, f"labeling-job/{_job(labeling_job)}"
        ),
        "dataObject": data,
    }


@checked
def sagemaker_annotation_consolidation(
    *,
    labeling_job: str = "my-labeling-job",
    label_attribute_name: str = "category",
    output_path: str = "s3://my-output-bucket/output",
    role: str = "SageMakerGroundTruthRole",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The post-annotation input: where this iteration's worker responses were written."""
    rng_or_new(rng)
    when = now_or_utc(now)
    check_region(region)
    check_account(account_id)
    job = _job(labeling_job)
    base = _s3_uri("output_path", output_path).rstrip("/")
    stamp = when.strftime("%Y-%m-%d_%H:%M:%S")
    return {
        "version": "2018-10-16",
        "labelingJobArn": arn("sagemaker", region, account_id, f"labeling-job/{job}"),
        "labelAttributeName": label_attribute_name,
        "roleArn": f"arn:aws:iam::{account_id}:role/{role}",
        "payload": {
            "s3Uri": f"{base}/{job}/annotations/consolidated-annotation/consolidation-request/"
            f"iteration-1/{stamp}.json"
        },
    }
