"""Both sides of a differential case, reduced to what the user sees of an invocation.

``Observed`` is what either side produced: the response bytes, whether it was a function
error, and the log events of the init phase and of the invocation (START to REPORT), without
the platform's own lines (INIT_START, START, END, REPORT, INIT_REPORT), which no runtime
client formats.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diff_clients import Client
from diff_frames import Event
from diff_real import RealRun, run_client

from pytest_lambda import InvokeResult, LambdaFunction

FUNCTION_NAME = "probe"
LOG_STREAM = "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef"
_PLATFORM_PREFIXES = ("START RequestId: ", "END RequestId: ", "REPORT RequestId: ",
                      "INIT_START ", "INIT_REPORT ", "XRAY TraceId: ")


@dataclass
class Observed:
    """One side's view of one invocation."""

    payload: bytes
    function_error: bool
    init: list[str]
    invoke: list[str]
    request_id: str
    #: Init failed: the platform's retry ("suppressed init") is logged around START, whose
    #: place no client decides, so init and invocation logs are compared as one sequence.
    init_failed: bool = False
    #: How the real client ended (its exit status), for the platform-made payloads.
    notes: dict[str, Any] = field(default_factory=dict)


def is_platform_line(message: str) -> bool:
    """True for the lines the Lambda platform writes itself, in text or JSON format."""
    if message.startswith(_PLATFORM_PREFIXES):
        return True
    if message.startswith('{"time"'):
        try:
            record = json.loads(message)
        except ValueError:
            return False
        return isinstance(record, dict) and str(record.get("type", "")).startswith("platform.")
    return False


def lambda_environment(fn: LambdaFunction) -> dict[str, str]:
    """The environment Lambda gives ``fn``'s runtime process (the variables a client reads)."""
    c = fn.config
    env = {
        "PATH": "/usr/local/bin:/usr/bin/:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "_HANDLER": c.handler,
        "AWS_REGION": c.region,
        "AWS_DEFAULT_REGION": c.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{c.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": c.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(c.memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{c.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": LOG_STREAM,
        "AWS_ACCESS_KEY_ID": "ASIAPYTESTLAMBDAFAKE",
        "AWS_SECRET_ACCESS_KEY": "fake",
        "AWS_SESSION_TOKEN": "fake",
        "LAMBDA_TASK_ROOT": str(c.code_dir),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
    }
    env["AWS_LAMBDA_LOG_FORMAT"] = c.log_format  # set for Text too, as on Lambda
    if c.log_format == "JSON" and c.log_level:
        env["AWS_LAMBDA_LOG_LEVEL"] = c.log_level
    env.update(c.environment)
    return env


#: Lambda's application log levels, lowest first (and the Python runtime's own names).
_RANK = {"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "WARNING": 3, "ERROR": 4, "FATAL": 5,
         "CRITICAL": 5}


def platform_keeps(event: Event, log_level: str | None) -> bool:
    """Whether Lambda's log-level filter keeps one event of the client's output.

    The platform's part, which the clients leave to it (AWS docs "Log-level filtering",
    monitoring-cloudwatchlogs-log-level.html): a telemetry frame counts at the level its type
    carries (bits 2-4: 1 TRACE ... 6 FATAL, in both clients' frame types), and a
    stdout/stderr line at the level of its JSON ``"level"`` key; either counts as INFO without
    a valid level. The Node clients drop console methods below the level before framing; the
    Python client frames its own error records whatever the level.
    """
    if log_level is None:
        return True
    rank = _RANK["INFO"]
    if event.frame_type is not None:
        level = (event.frame_type & 0x1C) >> 2
        if 1 <= level <= 6:
            rank = level - 1
        return rank >= _RANK[log_level]
    try:
        doc = json.loads(event.message)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("level"), str):
        rank = _RANK.get(doc["level"].upper(), _RANK["INFO"])
    return rank >= _RANK[log_level]


def _messages(view: Any) -> list[str]:
    return [e.message for e in view if not is_platform_line(e.message)]


def observe_ours(fn: LambdaFunction, event: Any) -> Observed:
    """Invoke ``fn`` once (a cold start) with pytest-aws-lambda."""
    r: InvokeResult = fn.invoke(event)
    return Observed(r.raw_payload, r.function_error is not None, _messages(r.init_logs),
                    _messages(r.logs), r.request_id)


def _exit_error(request_id: str | None, code: int | None) -> bytes:
    # Runtime.ExitError is the platform's, not the client's: its wording is the documented
    # one (shared/reference/lambda-runtime.md section 2), its exit status the real client's.
    if code is None:
        raise AssertionError("the real client neither answered nor exited")
    if code == 0:
        reason = "Runtime exited without providing a reason"
    elif code < 0:
        import signal

        reason = f"Runtime exited with error: signal: {signal.Signals(-code).name}"
    else:
        reason = f"Runtime exited with error: exit status {code}"
    # An exit during Init has no request to name: captured payloads exist in both forms
    # (lambda-runtime.md section 2); pytest-aws-lambda gives an init exit the form without it.
    prefix = f"RequestId: {request_id} " if request_id is not None else ""
    return json.dumps({"errorType": "Runtime.ExitError",
                       "errorMessage": f"{prefix}Error: {reason}"}).encode()


def observe_real(client: Client, fn: LambdaFunction, event: Any) -> Observed:
    """Run the real client as Lambda would for one cold invocation of ``fn``.

    An init failure is retried once inside the invoke phase, as the platform does (a
    "suppressed init"): the second client process's output is the invocation's log and its
    init error the response.
    """
    c = fn.config
    env = lambda_environment(fn)
    code_dir = Path(c.code_dir)

    def run() -> RealRun:
        return run_client(client, code_dir=code_dir, env=env, events=[event],
                          function_arn=fn.arn, timeout_s=c.timeout)

    def kept(run: RealRun, phase: str) -> list[str]:
        return [e.message for e in run.phases.get(phase, [])
                if platform_keeps(e, c.log_level)]

    first = run()
    init_events = kept(first, "init")
    if first.post("init-error") is not None:
        retry = run()
        init_error = retry.post("init-error")
        assert init_error is not None, "the real client failed init once but not on the retry"
        return Observed(init_error.body, True, init_events, kept(retry, "init"), "", True,
                        {"exit_code": retry.exit_code})
    if first.asked == 0 and first.exit_code is not None:
        # It ended during its init (sys.exit at import) without posting an init error: the
        # platform retries the init inside the invoke phase too, and that one ends the same way.
        retry = run()
        assert retry.asked == 0, "the real client exited during init once but not on the retry"
        return Observed(_exit_error(None, retry.exit_code), True, init_events,
                        kept(retry, "init"), "", True, {"exit_code": retry.exit_code})
    request_id = first.request_ids[0]
    invoke = kept(first, request_id)
    refused = first.post("response-too-large")
    if refused is not None:
        # The platform's answer to the caller (lambda-runtime.md section 2).
        payload = json.dumps({
            "errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": f"Response payload size ({len(refused.body)} bytes) exceeded "
                            "maximum allowed payload size (6291556 bytes)."}).encode()
        return Observed(payload, True, init_events, invoke, request_id,
                        notes={"exit_code": first.exit_code})
    for kind, error in (("response", False), ("error", True)):
        post = first.post(kind)
        if post is not None:
            return Observed(post.body, error, init_events, invoke, request_id,
                            notes={"exit_code": first.exit_code})
    return Observed(_exit_error(request_id, first.exit_code), True, init_events, invoke,
                    request_id, notes={"exit_code": first.exit_code})
