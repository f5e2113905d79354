"""The XRAY line and the tracing context Lambda logs for an actively traced invocation."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction

if TYPE_CHECKING:
    from conftest import CodeWriter

TRACE = "import os\ndef handler(event, context):\n    return os.environ['_X_AMZN_TRACE_ID']\n"
NODE_TRACE = "exports.handler = async () => process.env._X_AMZN_TRACE_ID;\n"
REPORT = re.compile(r"REPORT RequestId: [0-9a-f-]{36}\tDuration: [^\n]*\t\n")


def _report_event(fn: LambdaFunction) -> str:
    return next(m for m in fn.logs.messages if m.startswith("REPORT RequestId: "))


def _json_records(fn: LambdaFunction, record_type: str) -> list[dict[str, object]]:
    records = [json.loads(m) for m in fn.logs.messages if m.startswith('{"time"')]
    return [r["record"] for r in records if r["type"] == record_type]


def _root_and_parent(header: str) -> tuple[str, str]:
    fields = dict(part.split("=", 1) for part in header.split(";"))
    return fields["Root"], fields["Parent"]


def test_sampled_invocation_ends_its_report_with_the_xray_line(code: CodeWriter) -> None:
    """A sampled invocation's REPORT event carries the XRAY line of its trace, tabs and all."""
    with LambdaFunction("app.handler", code_dir=code(app=TRACE), tracing=True, seed=3) as fn:
        header = fn.invoke({}).payload
        report = _report_event(fn)
    root, parent = _root_and_parent(header)
    assert header.endswith(";Sampled=1")  # the first request of a second is always sampled
    head = REPORT.match(report)
    assert head is not None, report
    xray = report[head.end():]
    segment = re.fullmatch(r"XRAY TraceId: (\S+)\tSegmentId: ([0-9a-f]{16})\tSampled: true\t\n",
                           xray)
    assert segment is not None, repr(xray)
    assert segment.group(1) == root and segment.group(2) != parent


def test_json_start_and_report_carry_the_trace_context(code: CodeWriter) -> None:
    """With the JSON format the sampled trace is ``tracing`` on platform.start and .report."""
    with LambdaFunction("app.handler", code_dir=code(app=TRACE), tracing=True,
                        log_format="JSON") as fn:
        header = fn.invoke({}).payload
        start = _json_records(fn, "platform.start")[0]
        report = _json_records(fn, "platform.report")[0]
    tracing = {"spanId": start["tracing"]["spanId"], "type": "X-Amzn-Trace-Id",  # type: ignore[index]
               "value": header}
    assert start == {"requestId": start["requestId"], "version": "$LATEST", "tracing": tracing}
    assert list(report) == ["requestId", "metrics", "tracing", "status"]
    assert report["tracing"] == tracing
    assert re.fullmatch(r"[0-9a-f]{16}", str(tracing["spanId"]))


def test_failed_invocation_is_traced_too(code: CodeWriter) -> None:
    """A failed invocation's platform.report keeps its status and error type after tracing."""
    failing = "def handler(event, context):\n    raise ValueError('no')\n"
    with LambdaFunction("app.handler", code_dir=code(app=failing), tracing=True,
                        log_format="JSON") as fn:
        fn.invoke({})
        report = _json_records(fn, "platform.report")[0]
    assert list(report) == ["requestId", "metrics", "tracing", "status", "errorType"]
    assert report["status"] == "failure"


def test_untraced_and_unsampled_invocations_have_no_xray_line(code: CodeWriter) -> None:
    """PassThrough functions and unsampled requests record no segment, so log none."""
    pytest.importorskip("freezegun")
    import freezegun

    root = code(app=TRACE)
    with LambdaFunction("app.handler", code_dir=root, seed=1) as passive, \
            LambdaFunction("app.handler", code_dir=root, tracing=True, seed=1,
                           log_format="JSON") as active, \
            freezegun.freeze_time("2026-01-01 00:00:00"):
        passive.invoke({})
        headers = [active.invoke({}).payload for _ in range(30)]
        reports = _json_records(active, "platform.report")
        starts = _json_records(active, "platform.start")
    assert not any("XRAY" in m for m in passive.logs.messages)
    sampled = [h.endswith(";Sampled=1") for h in headers]
    assert False in sampled
    assert ["tracing" in r for r in reports] == sampled
    assert ["tracing" in r for r in starts] == sampled


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js (`node`) is not installed")
def test_node_function_report_has_the_xray_line(tmp_path: Path) -> None:
    """Node.js functions with active tracing get the same XRAY line after REPORT."""
    (tmp_path / "index.js").write_text(NODE_TRACE)
    with LambdaFunction("index.handler", code_dir=tmp_path, runtime="nodejs22.x",
                        tracing=True) as fn:
        header = fn.invoke({}).payload
        report = _report_event(fn)
    root, _ = _root_and_parent(header)
    assert f"\nXRAY TraceId: {root}\tSegmentId: " in report
    assert report.endswith("\tSampled: true\t\n")


XRAY_SDK = """
from aws_xray_sdk.core import xray_recorder

@xray_recorder.capture("work")
def work():
    return "ok"

def handler(event, context):
    return work()
"""


def test_the_xray_sdk_sends_segments_without_errors(code: CodeWriter,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """A traced handler's X-Ray SDK reaches the environment's daemon as on Lambda: no
    ``Failed to send entity to Daemon`` errors in the function's log or the test's."""
    pytest.importorskip("aws_xray_sdk")
    with LambdaFunction("app.handler", code_dir=code(app=XRAY_SDK), tracing=True, seed=3) as fn:
        results = [fn.invoke({}) for _ in range(3)]
    assert [r.payload for r in results] == ["ok"] * 3
    assert "Daemon" not in fn.logs.text and "NetworkBlockedError" not in fn.logs.text
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
