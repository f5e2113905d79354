"""moto's first use of a service is not charged to the function (memory, Duration)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.runtime.outside import current_ledger, hook_moto

if TYPE_CHECKING:
    from conftest import CodeWriter

OUTSIDE = """
import time
from pytest_lambda.runtime.outside import outside_sandbox
KEPT = []
def handler(event, context):
    with outside_sandbox():  # as moto importing and building a service's backend
        KEPT.append(bytearray(event["mb"] * 1048576))
        time.sleep(event["sleep"])
    return "ok"
"""


def test_work_outside_the_sandbox_is_not_the_functions(code: CodeWriter) -> None:
    """Memory kept and time spent inside ``outside_sandbox`` are taken off the phase: a
    128 MB function is not killed for 150 MB that is the embedded AWS's, and its Duration
    leaves out the 0.3 s."""
    with LambdaFunction("app.handler", code_dir=code(app=OUTSIDE), memory_size=128) as fn:
        result = fn.invoke({"mb": 150, "sleep": 0.3})
    assert result.payload == "ok"
    assert result.report is not None
    assert result.report.max_memory_used_mb < 100
    assert result.report.duration_ms < 300


def test_moto_first_use_goes_through_the_ledger() -> None:
    """Once hooked, building a region's backend (which every fresh mock does on the first
    call to a service) is recorded as outside the sandbox."""
    pytest.importorskip("moto")
    import boto3
    from moto import mock_aws

    with mock_aws():
        hook_moto()
        sqs = boto3.client("sqs", region_name="eu-west-3")
        before = current_ledger().snapshot()
        sqs.list_queues()
        assert current_ledger().seconds > before[2]
