"""Process isolation: each execution environment runs in its own Python process.

The worker runs the same environment code as the in-process mode, so logs, errors and
reports look the same; in addition the test process enforces, from outside:

- a hard timeout: a handler stuck in C code (or one that swallows the in-process
  interruption) is killed at the limit, like Lambda stops a sandbox;
- the memory limit, on the worker's real resident set size, polled every few milliseconds;
  going over kills it with ``Runtime.OutOfMemory``;
- a true cold start: a fresh interpreter imports the handler, and Max Memory Used is the
  worker's real peak RSS (``VmHWM``).

Mocks set up in the test process (moto's ``mock_aws``, ``responses``) do not reach the worker:
run moto in server mode on loopback and point the function at it with ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import math
import os
import select
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from pytest_lambda.clock import real_perf, real_time_ms
from pytest_lambda.context import LambdaContext
from pytest_lambda.observe.logs import LogEvent
from pytest_lambda.runtime.inprocess import ExecutionEnvironment, Outcome
from pytest_lambda.runtime.workers.supervisor import (
    POLL_S,
    Killed,
    exit_reason,
    killed_outcome,
    status_kb,
)
from pytest_lambda.runtime.workers.wire import recv, send

#: Extra time the worker gets to report its own (in-process) timeout before it is killed.
GRACE_S = 0.25



class ProcessEnvironment(ExecutionEnvironment):
    """An execution environment whose code runs in a dedicated worker process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._trace = ""
        self._peak_kb = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._output: Any = None
        self._output_seen = 0
        self._spawn()

    def _spawn(self) -> None:
        parent, child = socket.socketpair()
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _stop()
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[3])  # holds pytest_lambda/
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root,
                                                          env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "pytest_lambda.runtime.workers.process_main",
             str(child.fileno())],
            pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, stdout=self._output,
            stderr=subprocess.STDOUT, env=env, cwd=str(self.config.code_dir))
        child.close()
        self._sock = parent
        self._output_seen = 0
        send(parent, {"config": self.config, "version": self.version,
                      "log_group": self.config.log_group_name,
                      "log_stream_name": self.log_stream_name,
                      "network_allow": self._network_allow})
        self._call(None, 30.0)

    def _call(self, message: Any, seconds: float) -> Any:
        """Send ``message`` and wait for the answer, enforcing time and memory from outside."""
        assert self._sock is not None and self._proc is not None
        if message is not None:
            send(self._sock, message)
        deadline = real_perf() + seconds
        limit_kb = self.config.memory_size * 1024
        while True:
            ready, _, _ = select.select([self._sock], [], [], POLL_S)
            rss_kb, hwm_kb = status_kb(self._proc.pid)
            self._peak_kb = max(self._peak_kb, hwm_kb)
            if ready:
                try:
                    return recv(self._sock)
                except EOFError:
                    raise Killed("exit", self._exit_reason()) from None
            if rss_kb > limit_kb:
                self._kill()
                raise Killed("memory")
            if real_perf() >= deadline:
                self._kill()
                raise Killed("timeout")

    def _exit_reason(self) -> str:
        assert self._proc is not None
        return exit_reason(self._proc.wait())

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def _collect(self, events: list[LogEvent]) -> None:
        """Append the worker's log events, then anything written straight to its fd 1/2."""
        stream = self.sink.stream.events
        request_id = self.sink.request_id
        for e in events:
            stream.append(LogEvent(e.timestamp, e.message, e.request_id, e.stream))
        self._output.seek(self._output_seen)
        raw = self._output.read()
        self._output_seen += len(raw)
        for line in raw.decode("utf-8", "replace").splitlines():
            stream.append(LogEvent(real_time_ms(), line + "\n", request_id, self.log_stream_name))

    @property
    def max_memory_mb(self) -> int:
        return max(math.ceil(self._peak_kb / 1024), 1)

    def init(self, seconds: float, phase: str) -> tuple[dict[str, Any] | None, float, str]:
        started = real_perf()
        try:
            _, error, elapsed, status, initialized, events = self._call(
                ("init", seconds, phase), seconds + GRACE_S)
        except Killed as killed:
            self._collect([])
            elapsed = (real_perf() - started) * 1000
            if killed.reason == "timeout":
                return None, min(elapsed, seconds * 1000), "timeout"
            detail = killed.detail or "Runtime exited with error: signal: killed"
            error = {"errorType": "Runtime.OutOfMemory" if killed.reason == "memory"
                     else "Runtime.ExitError", "errorMessage": f"Error: {detail}"}
            return error, elapsed, "error"
        self._collect(events)
        self.initialized = initialized
        return error, elapsed, status

    def set_trace_id(self, header: str) -> None:
        self._trace = header

    def reset_for_retry(self) -> None:
        """A failed init restarts the runtime process before Lambda retries it."""
        self._stop()
        self._peak_kb = 0
        self._spawn()

    def invoke(self, payload: bytes, context: LambdaContext, seconds: float,
               invoke_init_ms: float = 0.0) -> Outcome:
        self.invocations += 1
        request_id = context.aws_request_id
        remaining = max(seconds - invoke_init_ms / 1000, 0.001)
        started = real_perf()
        try:
            _, outcome, alive, events = self._call(
                ("invoke", payload, context.to_kwargs(), seconds, invoke_init_ms, request_id,
                 self._trace), remaining + GRACE_S)
        except Killed as killed:
            self._collect([])
            self.alive = False
            return killed_outcome(killed, request_id, seconds, invoke_init_ms, started,
                                  self.max_memory_mb, self.config.memory_size)
        self._collect(events)
        self.alive = alive
        outcome.max_memory_mb = min(self.max_memory_mb, self.config.memory_size)
        return outcome  # type: ignore[no-any-return]

    def _stop(self) -> None:
        if self._sock is not None:
            try:
                send(self._sock, ("stop",))
            except OSError:
                pass
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                self._kill()
            self._proc = None
        if self._output is not None:
            self._output.close()
            self._output = None

    def discard(self) -> None:
        self.alive = False
        self.handler = None
        self._stop()
        self.state.discard()
