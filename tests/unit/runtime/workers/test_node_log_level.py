"""Log-level filtering of a Node.js function's output (JSON log format with a log level)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytest_lambda import LambdaFunction

pytestmark = pytest.mark.skipif(shutil.which("node") is None,
                                reason="Node.js (`node`) is not installed on this machine")

HANDLER = """
exports.handler = async () => {
  console.trace("trace record");
  console.debug("debug record");
  console.info("info record");
  console.log("log record");
  console.warn("warn record");
  console.error("error record");
  console.fatal("fatal record");
  process.stdout.write('{"level":"ERROR","msg":"error line"}\\n');
  process.stdout.write('{"level":"debug","msg":"debug line"}\\n');
  process.stderr.write('{"level":"warn","msg":"warn line on stderr"}\\n');
  process.stdout.write('{"level":"nonsense","msg":"invalid level line"}\\n');
  process.stdout.write("plain line\\n");
  return "ok";
};
exports.throws = async () => { throw new Error("boom"); };
"""


def _application(fn: LambdaFunction) -> list[str]:
    """The function's own log events (no platform records), by their message or level."""
    out = []
    for message in fn.logs.messages:
        if not message.startswith("{"):
            out.append(message.rstrip("\n"))
            continue
        doc = json.loads(message)
        if "type" in doc:  # a platform record
            continue
        out.append(f"{doc['level']} {doc.get('message', doc.get('msg'))}")
    return out


@pytest.mark.parametrize("runtime", ["nodejs22.x", "nodejs24.x"])
def test_warn_level_keeps_warn_and_above_from_console_and_stdout(tmp_path: Path,
                                                                 runtime: str) -> None:
    """At WARN the console methods below it write nothing, and stdout/stderr lines are kept
    by their JSON ``level`` (INFO without a valid one), as Lambda filters them."""
    (tmp_path / "index.js").write_text(HANDLER)
    with LambdaFunction("index.handler", code_dir=tmp_path, runtime=runtime,
                        log_format="JSON", log_level="WARN") as fn:
        assert fn.invoke({}).payload == "ok"
        kept = _application(fn)
    assert kept == ["WARN warn record", "ERROR error record", "FATAL fatal record",
                    "ERROR error line", "warn warn line on stderr"]


@pytest.mark.parametrize("runtime", ["nodejs22.x", "nodejs24.x"])
def test_fatal_level_drops_the_runtimes_own_error_record(tmp_path: Path, runtime: str) -> None:
    """At FATAL the runtime's "Invoke Error" record (console.error) is dropped too; the
    caller still gets the error."""
    (tmp_path / "index.js").write_text(HANDLER)
    with LambdaFunction("index.throws", code_dir=tmp_path, runtime=runtime,
                        log_format="JSON", log_level="FATAL") as fn:
        result = fn.invoke({})
        kept = _application(fn)
    assert result.error is not None and result.error["errorMessage"] == "boom"
    assert kept == []


def test_without_a_level_everything_is_kept(tmp_path: Path) -> None:
    """With the JSON format but no log level, nothing is filtered (TRACE and up)."""
    (tmp_path / "index.js").write_text(HANDLER)
    with LambdaFunction("index.handler", code_dir=tmp_path, runtime="nodejs22.x",
                        log_format="JSON") as fn:
        fn.invoke({})
        kept = _application(fn)
    assert len(kept) == 12 and kept[-1] == "plain line"
