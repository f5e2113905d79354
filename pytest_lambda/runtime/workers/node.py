"""Node.js execution environments: one long-lived ``node`` worker process per environment.

The worker (``worker.js``, next to this module) loads the handler and runs invocations with
the Node.js runtime's semantics; this module drives it over two dedicated pipes (JSON lines,
passed with ``pass_fds``), and enforces from outside what Lambda enforces on the sandbox:

- the timeout: the worker is killed at the deadline (``Sandbox.Timedout``);
- the memory limit, on the worker's real resident set size polled every few milliseconds
  (``Runtime.OutOfMemory``); Max Memory Used is the node process's peak RSS (``VmHWM``);
- crashes (``process.exit``, fatal signals) become ``Runtime.ExitError``;
- between invocations the worker is frozen (``SIGSTOP``), so timers and sockets left pending
  by a handler that did not wait for the event loop resume in a later invocation, as on Lambda.

stdout/stderr of the worker are the handler's: every line is a log event.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...clock import real_perf, real_time_ms
from ...config import FunctionConfig
from ...context import LambdaContext
from ...layers import node_layer_path
from ...observe.coverage import v8_directory
from ...observe.logs import LogGroup
from .. import faults
from ..backend import InitResult, Outcome, lambda_environ, new_log_stream_name
from ..capture import LogSink
from ..filesystem import TmpDir
from ..marshal import SYNC_RESPONSE_LIMIT, RawJsonObject
from ..memory import RUNTIME_BASELINE_MB
from .supervisor import Killed, Supervisor, kill_group, killed_init, killed_outcome

WORKER = Path(__file__).with_name("worker.js")
V8_FLUSH = Path(__file__).with_name("v8_flush.js")
NET_GUARD = Path(__file__).with_name("net_guard.js")
FS_GUARD = Path(__file__).with_name("fs_guard.js")
#: Overrides the ``node`` found on PATH.
NODE_ENV_VAR = "PYTEST_LAMBDA_NODE"
_READY_TIMEOUT_S = 30.0
_EXIT_AFTER_INIT_ERROR_S = 2.0



class NodeNotFoundError(RuntimeError):
    """No ``node`` executable to run a Node.js function with."""


def node_executable() -> str:
    """The ``node`` binary: ``$PYTEST_LAMBDA_NODE`` or the first ``node`` on PATH."""
    given = os.environ.get(NODE_ENV_VAR)
    if given:
        found = shutil.which(given)
        if found is None:
            raise NodeNotFoundError(
                f"{NODE_ENV_VAR}={given!r} is not an executable node binary (no such file, or "
                f"not executable). Point {NODE_ENV_VAR} at Node.js 20 or later (e.g. "
                f"$(command -v node)), or unset it to use the `node` on PATH.")
        return found
    node = shutil.which("node")
    if not node:
        raise NodeNotFoundError(
            "a Node.js runtime function needs Node.js, but no `node` executable is on PATH. "
            f"Install Node.js 20 or later, or set {NODE_ENV_VAR} to the node binary.")
    return node


def _kill_quietly(proc: subprocess.Popen[bytes]) -> None:
    kill_group(proc)


class _Lines:
    """Splits a byte stream into log lines; a trailing partial line waits for the rest."""

    __slots__ = ("_partial",)

    def __init__(self) -> None:
        self._partial = ""

    def feed(self, text: str) -> list[str]:
        text = self._partial + text
        *lines, self._partial = text.split("\n")
        return [line + "\n" for line in lines]

    def flush(self) -> list[str]:
        rest, self._partial = self._partial, ""
        return [rest] if rest else []


class NodeEnvironment:
    """An execution environment whose handler runs in a long-lived ``node`` worker."""

    def __init__(self, config: FunctionConfig, version: str, log_group: LogGroup, *,
                 new_id: Callable[[], str], network_allow: Any = (),
                 measure_memory: bool = True, tmp_dir: str | None = None) -> None:
        # measure_memory is an in-process feature: node's memory is measured from outside.
        # network_allow reaches the worker's own guard (net_guard.js).
        self._network_allow = network_allow
        self.config = config
        self.version = version
        self.log_stream_name = new_log_stream_name(version, new_id)
        self.sink = LogSink(log_group.stream(self.log_stream_name),
                            json_format=config.log_format == "JSON",
                            app_log_level=config.log_level)
        self.initialized = False
        self.alive = True
        self._node = node_executable()
        self._trace = ""
        self._supervisor = Supervisor(config.memory_size, RUNTIME_BASELINE_MB["nodejs"])
        self._proc: subprocess.Popen[bytes] | None = None
        self._frozen = False
        self._fds: dict[str, int] = {}
        self._v8_coverage: str | None = None
        self._buffer = b""
        self._lines: dict[int, _Lines] = {}
        self._stream_lines: dict[int, _Lines] = {}
        self._finalizer: weakref.finalize[Any, Any] | None = None
        #: The environment's own /tmp (``os.tmpdir()``), removed at discard unless kept for
        #: the environment that replaces it after a reset.
        self._tmp = TmpDir(self, tmp_dir)
        try:
            self._spawn()
        except BaseException:
            self._tmp.abandon()
            raise

    def _node_environ(self) -> dict[str, str]:
        env = lambda_environ(self.config, self.version, self.log_stream_name)
        env["TMPDIR"] = self._tmp.path  # os.tmpdir(): this environment's own /tmp
        major = self.config.runtime.removeprefix("nodejs").removesuffix(".x")
        # Lambda's NODE_PATH, with the function's local layer folders where /opt holds them.
        env.setdefault("NODE_PATH", os.pathsep.join([
            *node_layer_path(self.config.layers, self.config.runtime),
            f"/opt/nodejs/node{major}/node_modules", "/opt/nodejs/node_modules",
            "/var/runtime/node_modules", "/var/runtime", str(self.config.code_dir)]))
        if self._v8_coverage is not None:  # V8's own coverage, flushed by v8_flush.js
            env["NODE_V8_COVERAGE"] = self._v8_coverage
        api = sys.modules.get("pytest_lambda.service.lambda_api")  # installed only if imported
        endpoint = api.worker_endpoint() if api is not None else None
        # ^ the SDK v3 reaches lambda_aws's moto through it
        if endpoint is not None:
            env.setdefault("AWS_ENDPOINT_URL", endpoint)
        # The worker's network guard and AWS routing (net_guard.js reads and removes it).
        allow = self._network_allow
        if allow is not True:
            env["PYTEST_LAMBDA_NETWORK"] = json.dumps({
                "function": self.config.name, "bridge": endpoint,
                "allow": [] if allow is False else [str(a) for a in allow or ()]})
        return env

    def _spawn(self) -> None:
        cmd_r, cmd_w = os.pipe()
        evt_r, evt_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        # The JS heap stays below the function's memory, as the runtime's bootstrap sets it.
        heap_mb = max(self.config.memory_size * 9 // 10, 64)
        self._v8_coverage = v8_directory()
        preload = ["--require", str(NET_GUARD), "--require", str(FS_GUARD)]
        if self._v8_coverage is not None:
            preload += ["--require", str(V8_FLUSH)]
        try:
            # --expose-gc and --max-http-header-size 81920 as the runtime's bootstrap starts
            # node (public.ecr.aws/lambda/nodejs /var/runtime/bootstrap: NODE_ARGS).
            self._proc = subprocess.Popen(
                [self._node, "--expose-gc", "--max-http-header-size=81920",
                 f"--max-old-space-size={heap_mb}", *preload, str(WORKER),
                 str(cmd_r), str(evt_w), self.config.handler, str(self.config.code_dir),
                 self.config.runtime],
                pass_fds=(cmd_r, evt_w), stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w,
                env=self._node_environ(), cwd=str(self.config.code_dir),
                start_new_session=True)
        finally:
            for fd in (cmd_r, evt_w, out_w, err_w):
                os.close(fd)
        os.set_blocking(cmd_w, False)
        self._fds = {"cmd": cmd_w, "evt": evt_r, "out": out_r, "err": err_r}
        self._buffer = b""
        self._lines = {out_r: _Lines(), err_r: _Lines()}
        self._stream_lines = {1: _Lines(), 2: _Lines()}
        self._frozen = False
        self._finalizer = weakref.finalize(self, _kill_quietly, self._proc)
        ready = self._call(None, _READY_TIMEOUT_S)
        #: The Node.js version the worker runs on (``process.version``, "v20.20.2").
        self.node_version = str(ready.get("node", "")) if isinstance(ready, dict) else ""
        # Ready, no user code loaded: its size now is the runtime's footprint, counted as what
        # Lambda reports for the Node.js runtime (as for Python process workers).
        self._supervisor.rebase(self._proc)

    def _thaw(self) -> None:
        if self._frozen and self._proc is not None and self._proc.poll() is None:
            os.kill(self._proc.pid, signal.SIGCONT)
        self._frozen = False

    def _freeze(self) -> None:
        """Lambda freezes the sandbox between invocations; so do we."""
        if self._proc is not None and self._proc.poll() is None:
            os.kill(self._proc.pid, signal.SIGSTOP)
            self._frozen = True

    def _call(self, message: dict[str, Any] | None, seconds: float) -> dict[str, Any]:
        """Send ``message``, then relay logs until the answer, enforcing time and memory."""
        proc = self._proc
        assert proc is not None
        self._thaw()
        pending = b"" if message is None else (json.dumps(message) + "\n").encode()
        cmd, evt = self._fds["cmd"], self._fds["evt"]

        def poll(timeout: float) -> dict[str, Any] | None:
            nonlocal pending
            readers = [evt, *self._lines]
            ready, writable, _ = select.select(readers, [cmd] if pending else [], [], timeout)
            if writable:
                try:
                    pending = pending[os.write(cmd, pending):]
                except BlockingIOError:
                    pass
                except BrokenPipeError:
                    pending = b""
            answer: dict[str, Any] | None = None
            for fd in ready:
                if fd == evt:
                    answer = self._read_events() or answer
                else:
                    self._read_output(fd)
            if answer is not None:
                self._drain_output(0.0)
            return answer

        return self._supervisor.wait(proc, seconds, poll, self._kill)

    def _read_events(self) -> dict[str, Any] | None:
        """Handle what the worker wrote; its answer, if one arrived. EOF: it has exited."""
        data = os.read(self._fds["evt"], 1 << 20)
        if not data:
            raise Killed("exit", self._exit_reason())
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        answer = None
        for line in lines:
            message = json.loads(line)
            kind = message["t"]
            if kind == "log":
                self.sink.emit(message["message"], message["ts"])
            elif kind == "out":
                for text in self._stream_lines[message["fd"]].feed(message["data"]):
                    self._raw(text, message["ts"])
            else:
                answer = message
        return answer

    def _read_output(self, fd: int) -> None:
        """Bytes written straight to the worker's fd 1/2 (native code, node itself)."""
        data = os.read(fd, 1 << 16)
        lines = self._lines[fd]
        if not data:
            for text in lines.flush():
                self._raw(text)
            del self._lines[fd]
            return
        for text in lines.feed(data.decode("utf-8", "replace")):
            self._raw(text)

    def _raw(self, text: str, timestamp: int | None = None) -> None:
        """A line written to stdout/stderr (not through console): with the JSON format and
        an application log level, Lambda keeps it only at that level or above, reading its
        JSON ``"level"`` (INFO without one). The console's records come filtered already:
        the runtime client drops the methods below AWS_LAMBDA_LOG_LEVEL (worker.js)."""
        if self.sink.keeps(text):
            self.sink.emit(text, timestamp)

    def _drain_output(self, seconds: float) -> None:
        """Read what is already written to fd 1/2 (until EOF, at most ``seconds``)."""
        until = real_perf() + seconds
        while self._lines:
            ready, _, _ = select.select(list(self._lines), [], [],
                                        max(until - real_perf(), 0.0))
            if not ready:
                return
            for fd in ready:
                self._read_output(fd)

    def _flush_partial_lines(self) -> None:
        for lines in [*self._stream_lines.values(), *self._lines.values()]:
            for text in lines.flush():
                self._raw(text)

    def _exit_reason(self) -> str:
        assert self._proc is not None
        code = self._proc.wait()
        self._drain_output(0.5)
        return faults.exit_reason(code)

    def _await_exit(self, seconds: float) -> None:
        """After a failed init the runtime ends its process by itself (4.x through Node's
        crash report on stderr, which is part of the function's log): wait, and read it."""
        assert self._proc is not None
        try:
            self._proc.wait(seconds)
        except subprocess.TimeoutExpired:
            return
        self._drain_output(0.5)

    def _kill(self) -> None:
        if self._proc is not None:
            kill_group(self._proc)
        self._frozen = False
        self._drain_output(0.5)

    @property
    def max_memory_mb(self) -> int:
        return self._supervisor.max_memory_mb

    def init(self, seconds: float, phase: str) -> InitResult:
        """Load the handler in the worker (the Init phase)."""
        started = real_perf()
        try:
            answer = self._call({"cmd": "init"}, seconds)
        except Killed as killed:
            self._flush_partial_lines()
            return killed_init(killed, started, seconds)
        elapsed = (real_perf() - started) * 1000
        body: str | None = answer.get("error")
        if body is not None:
            self._await_exit(_EXIT_AFTER_INIT_ERROR_S)
            self._flush_partial_lines()
            return RawJsonObject(body.encode()), elapsed, "error"
        self._flush_partial_lines()
        self.initialized = True
        self._freeze()
        return None, elapsed, "success"

    def set_trace_id(self, header: str) -> None:
        self._trace = header

    def reset_for_retry(self) -> None:
        """A failed init restarts the runtime process before Lambda retries it."""
        self._stop()
        self._supervisor = Supervisor(self.config.memory_size, RUNTIME_BASELINE_MB["nodejs"])
        self._spawn()

    def invoke(self, payload: bytes, context: LambdaContext, seconds: float,
               invoke_init_ms: float = 0.0) -> Outcome:
        """Run the handler once in the worker (the Invoke phase)."""
        kwargs = context.to_kwargs()
        request_id = context.aws_request_id
        remaining = max(seconds - invoke_init_ms / 1000, 0.001)
        started = real_perf()
        try:
            answer = self._call({
                "cmd": "invoke", "requestId": request_id,
                "payload": payload.decode("utf-8", "replace"),
                # Relative to the handler's clock, which may be frozen by the test; counted
                # from now on the real clock, as the timeout is enforced from here (the worker
                # may read this message later: after a callback the last invocation left
                # running, or on a loaded machine, that time is the invocation's, as on Lambda,
                # and an answer the handler gives "just before the deadline" (middy's
                # timeoutEarlyInMillis) is not killed as late).
                "remainingMs": kwargs["deadline_ms"] - int(time.time() * 1000),
                "sentAtMs": real_time_ms(),
                "invokedFunctionArn": context.invoked_function_arn,
                "identity": kwargs["identity"], "clientContext": kwargs["client_context"],
                "tenantId": context.tenant_id, "traceId": self._trace,
            }, remaining)
        except Killed as killed:
            self._flush_partial_lines()
            self.alive = False
            return killed_outcome(killed, request_id, seconds, invoke_init_ms, started,
                                  self.max_memory_mb, self.config.memory_size)
        self._flush_partial_lines()
        duration = float(answer.get("durationMs") or (real_perf() - started) * 1000)
        duration += invoke_init_ms
        memory = self.max_memory_mb
        if answer["status"] == "success":
            response = answer["body"].encode()
            if len(response) > SYNC_RESPONSE_LIMIT:
                self.alive = False
                return Outcome(status="error", error=faults.response_too_large(len(response)),
                               error_type="Function.ResponseSizeTooLarge",
                               duration_ms=duration, max_memory_mb=memory, reset=True)
            self._freeze()
            return Outcome(status="success", response=response, duration_ms=duration,
                           max_memory_mb=memory)
        error = RawJsonObject(answer["error"].encode())  # the runtime's compact JSON
        exiting = bool(answer.get("exiting"))
        if exiting:  # an uncaught exception: the runtime posts it, then exits
            self.alive = False
        else:
            self._freeze()
        return Outcome(status="failure", error=error, error_type=str(error.get("errorType")),
                       duration_ms=duration, max_memory_mb=memory, reset=exiting)

    def _stop(self) -> None:
        if self._proc is not None:
            _kill_quietly(self._proc)
            self._proc = None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        for fd in self._fds.values():
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = {}
        self._lines = {}
        self._frozen = False

    def keep_tmp(self) -> str | None:
        return self._tmp.keep()

    def discard(self) -> None:
        self.alive = False
        self._stop()
        self._tmp.remove()

