"""The contract between the invocation lifecycle and an execution environment's backend.

Three backends implement :class:`Backend`: the in-process environment
(:mod:`.inprocess`), Python process isolation (:mod:`.workers.process`) and Node.js
(:mod:`.workers.node`). The lifecycle (:mod:`.lifecycle`) drives any of them the same way and
writes the platform's log lines itself; a backend only runs the phases and reports what
happened as an :class:`Outcome`.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..report import Report, Status
from .network import XRAY_DAEMON

if TYPE_CHECKING:
    from ..config import FunctionConfig
    from ..context import LambdaContext
    from .capture import LogSink

__all__ = ["Backend", "InitResult", "Outcome", "Status", "lambda_environ",
           "new_log_stream_name"]

#: What ``Backend.init`` returns: (error payload or None, elapsed ms, status).
InitResult = tuple[dict[str, Any] | None, float, Status]


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What one invocation did, before it is turned into an ``InvokeResult``."""

    status: Status
    duration_ms: float
    max_memory_mb: int
    response: bytes = b""
    error: dict[str, Any] | None = None
    #: The error type the REPORT line shows (``None`` on success and on a timeout).
    error_type: str | None = None
    #: True when the environment cannot be reused (timeout, crash, out of memory).
    reset: bool = False
    report: Report | None = None


class Backend(Protocol):
    """One execution environment, wherever its code runs."""

    config: FunctionConfig
    version: str
    log_stream_name: str
    #: Where the environment's log lines go (platform lines too: the lifecycle writes them).
    sink: LogSink
    #: False once the environment must not be reused (it is then discarded).
    alive: bool

    @property
    def max_memory_mb(self) -> int:
        """Max Memory Used so far, in MB (not yet clamped to the function's memory)."""

    def init(self, seconds: float, phase: str) -> InitResult:
        """Load the handler (``phase`` is ``"init"``, or ``"invoke"`` for a suppressed init)."""

    def reset_for_retry(self) -> None:
        """Start the runtime again from scratch before a failed init is retried."""

    def set_trace_id(self, header: str) -> None:
        """The ``_X_AMZN_TRACE_ID`` of the next invocation."""

    def invoke(self, payload: bytes, context: LambdaContext, seconds: float,
               invoke_init_ms: float = 0.0) -> Outcome:
        """Run the handler once under ``seconds`` (less a suppressed init's ``invoke_init_ms``)."""

    def keep_tmp(self) -> str | None:
        """Leave the environment's /tmp in place when it is discarded (a reset: Lambda keeps it
        for the runtime it initialises again in the same environment); returns its path, or
        None when the environment has no /tmp of its own."""

    def discard(self) -> None:
        """Release everything the environment holds (processes, descriptors, modules)."""


def new_log_stream_name(version: str, new_id: Callable[[], str]) -> str:
    """A log stream name as Lambda makes them: ``YYYY/MM/DD/[version]<32 hex>``."""
    created = datetime.datetime.now(datetime.UTC)
    return f"{created:%Y/%m/%d}/[{version}]{new_id().replace('-', '')}"


# AWS_ACCOUNT_ID_ENDPOINT_MODE is not a Lambda variable: lambda_aws sets it so that the
# handler's boto3 clients stay on the regional endpoints moto serves (see service/boto.py).
# HOME is not passed: Lambda sets none (lambci/docker-lambda#115, the runtimes' environment
# dumps), so code that needs it fails here as it fails there.
_PASSTHROUGH = ("PATH", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "PYTHONHASHSEED",
                "AWS_ACCOUNT_ID_ENDPOINT_MODE")
# coverage.py's own variables (COVERAGE_PROCESS_CONFIG from `[run] patch = subprocess`,
# COVERAGE_PROCESS_START, COVERAGE_FILE, COVERAGE_RCFILE, COVERAGE_CORE) reach the handler, so a
# subprocess it starts is measured as the user configured. pytest-cov 7 sets no COV_CORE_*
# variables any more; process workers get their coverage settings from observe/coverage.py.
_PASSTHROUGH_PREFIXES = ("COVERAGE_",)


def lambda_environ(config: FunctionConfig, version: str, log_stream_name: str) -> dict[str, str]:
    """The environment variables Lambda sets for a function's runtime process."""
    c = config
    env = {k: v for k, v in os.environ.items()
           if k in _PASSTHROUGH or k.startswith(_PASSTHROUGH_PREFIXES)}
    env.update({
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "_HANDLER": c.handler,
        "AWS_REGION": c.region,
        "AWS_DEFAULT_REGION": c.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{c.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": c.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(c.memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": version,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": c.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name,
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        "AWS_ACCESS_KEY_ID": "ASIAPYTESTLAMBDAFAKE",
        "AWS_ACCESS_KEY": "ASIAPYTESTLAMBDAFAKE",
        "AWS_SECRET_ACCESS_KEY": "pytest-aws-lambda-fake-secret-access-key",
        "AWS_SESSION_TOKEN": "pytest-aws-lambda-fake-session-token",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": f"{XRAY_DAEMON[0]}:{XRAY_DAEMON[1]}",
        "_AWS_XRAY_DAEMON_ADDRESS": XRAY_DAEMON[0],
        "_AWS_XRAY_DAEMON_PORT": str(XRAY_DAEMON[1]),
        "LAMBDA_TASK_ROOT": str(c.code_dir),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
    })
    # Set for either format: a real function's environment dump (2024) has
    # AWS_LAMBDA_LOG_FORMAT=Text; code branching on its presence saw none for Text here.
    env["AWS_LAMBDA_LOG_FORMAT"] = c.log_format
    if c.log_format == "JSON" and c.log_level:
        env["AWS_LAMBDA_LOG_LEVEL"] = c.log_level
    env.update(c.environment)
    return env
