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

import dataclasses
import os
import select
import signal
import socket
import subprocess
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ...clock import handler_time, real_perf, real_time_ms
from ...config import FunctionConfig
from ...context import LambdaContext
from ...layers import pythonpath_entries
from ...observe.coverage import worker_settings as worker_coverage_settings
from ...observe.logs import LogEvent, LogGroup
from .. import faults
from ..backend import InitResult, Outcome, lambda_environ, new_log_stream_name
from ..capture import PENDING_SLOT, LogSink, iter_events, pending_line
from ..filesystem import TmpDir
from ..interpreter import Interpreter, worker_command
from ..memory import RUNTIME_BASELINE_MB
from . import forkserver
from .forkserver import forkable
from .supervisor import (
    Killed,
    Supervisor,
    WorkerProcess,
    kill_group,
    killed_init,
    killed_outcome,
    signal_descendants,
)
from .wire import read_records, recv, send

#: Extra time a worker measuring coverage gets to report its own (in-process) timeout, and
#: so save what it measured, before it is killed. Generous on purpose: on a loaded CI machine
#: a quarter of a second was not always enough for the worker to be scheduled, notice its
#: deadline and answer, and the lines it ran were lost. Only a handler that defeats the
#: worker's own enforcement ever waits it out.
GRACE_S = 2.0
#: How long a measured worker told to stop may take to save its coverage and exit.
STOP_WAIT_S = 5.0


class WorkerStartError(RuntimeError):
    """A process worker ended before it was ready: the plugin's worker, not the handler,
    failed (its own output says why)."""

    def __init__(self, function: str, killed: Killed, output: str) -> None:
        how = f"{killed.reason}{': ' + killed.detail if killed.detail else ''}"
        super().__init__(
            f"the process worker of {function!r} ended before it was ready ({how}), before "
            "any handler code ran: isolation='process' could not start. Its output:\n"
            f"{output or '(nothing)'}\nCheck the interpreter it runs on and the coverage "
            "settings it starts with, or use isolation='in-process'.")
        self.output = output


class ProcessEnvironment:
    """An execution environment whose code runs in a dedicated worker process."""

    def __init__(self, config: FunctionConfig, version: str, log_group: LogGroup, *,
                 new_id: Callable[[], str], network_allow: Any = (),
                 measure_memory: bool = True, python: Interpreter | None = None,
                 tmp_dir: str | None = None) -> None:
        self.config = config
        #: Another interpreter to run the worker on (the runtime's version), or None.
        self._python = python
        self.version = version
        self.log_stream_name = new_log_stream_name(version, new_id)
        self.sink = LogSink(log_group.stream(self.log_stream_name),
                            json_format=config.log_format == "JSON")
        self.initialized = False
        self.alive = True
        # The worker measures nothing itself: its real memory is watched from here.
        self._network_allow = network_allow
        self._trace = ""
        self._supervisor = self._new_supervisor()
        self._proc: WorkerProcess | None = None
        #: Kills a spawned worker's group when this object is collected or the interpreter
        #: exits without closing it (a script's ``LambdaFunction`` never closed): a worker
        #: stopped between invocations would not notice its parent is gone, and would stay
        #: for good. (Forked workers: the template kills them.)
        self._finalizer: weakref.finalize[Any, Any] | None = None
        #: Whether the worker's process group is stopped (between two commands).
        self._frozen = False
        self._measured = False
        self._sock: socket.socket | None = None
        self._output: Any = None
        self._output_seen = 0
        self._events: Any = None
        self._events_seen = 0
        self._pending: Any = None
        #: The worker's descendants stopped with it by the last freeze.
        self._stopped: list[int] = []
        #: The environment's /tmp, made (or adopted) here and removed at discard: it outlives
        #: the worker, as a restarted runtime keeps it on Lambda (``keep_tmp``).
        self._tmp = TmpDir(self, tmp_dir)
        try:
            self._spawn()
        except BaseException:
            self._tmp.abandon()
            raise

    def _new_supervisor(self) -> Supervisor:
        return Supervisor(self.config.memory_size, RUNTIME_BASELINE_MB["python"])

    def _spawn(self) -> None:
        parent, child = socket.socketpair()
        self._sock = parent
        try:
            self._start(child)
        except BaseException:
            # A worker that could not start leaves nothing open behind it (its socket, files
            # and process; /tmp is the environment's).
            child.close()
            self._measured = False  # nothing to save: kill, do not wait
            self._stop()
            raise

    def _start(self, child: socket.socket) -> None:
        parent = self._sock
        assert parent is not None
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _stop()
        self._events = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _stop()
        # The lines the worker is writing, kept where a worker that dies leaves them (see
        # StreamWriter.mirror_to): a file the worker maps by name.
        self._pending = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by _stop()
            prefix="pytest-lambda-lines-")
        self._pending.truncate(2 * PENDING_SLOT)
        events_fd = self._events.fileno()
        # The function's environment only: the test process's own variables (real AWS
        # credentials, tokens) must not reach the worker or the handler's child processes.
        env = lambda_environ(self.config, self.version, self.log_stream_name)
        env["TMPDIR"] = self._tmp.path
        package_root = str(Path(__file__).resolve().parents[3])  # holds pytest_lambda/
        command, path = worker_command(self._python, package_root)
        # The function's own PYTHONPATH is kept (as local folders: /var/task is the code
        # directory), between the package and the test process's.
        own = os.pathsep.join(pythonpath_entries(env.get("PYTHONPATH"), self.config.code_dir))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [
            path, own, os.environ.get("PYTHONPATH")]))
        cwd = str(self.config.code_dir)
        coverage = (worker_coverage_settings()
                    if self._python is None or self._python.has_coverage else None)
        self._measured = coverage is not None
        if self._python is None and forkable(env):
            # A fork of the pre-imported template: a cold worker in about a millisecond.
            self._proc = forkserver.server().fork(
                env, cwd, [child.fileno(), events_fd, self._output.fileno()])
        else:
            self._proc = subprocess.Popen(
                # -u: a killed worker loses no line to a buffer of its real stdout/stderr.
                [command[0], "-u", *command[1:], str(child.fileno()), str(events_fd)],
                pass_fds=[child.fileno(), events_fd], stdin=subprocess.DEVNULL,
                stdout=self._output, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                start_new_session=True)
            self._finalizer = weakref.finalize(self, kill_group, self._proc)
        child.close()
        self._output_seen = self._events_seen = 0
        try:
            send(parent, {"config": portable_config(self.config), "version": self.version,
                          "log_group": self.config.log_group_name,
                          "log_stream_name": self.log_stream_name,
                          "network_allow": self._network_allow, "tmp_dir": self._tmp.path,
                          "pending": self._pending.name,
                          "coverage": coverage})
            self._call(None, 30.0)
        except (Killed, OSError) as error:  # it died (or hung) before loading any user code
            if isinstance(error, OSError):  # it closed the socket: wait for how it ended
                error = Killed("exit", faults.exit_reason(self._proc.wait(timeout=10)))
            raise WorkerStartError(self.config.name, error, self._start_output()) from None
        # The worker is ready and has not loaded user code: its size now is "the runtime".
        self._supervisor.rebase(self._proc)

    def _start_output(self) -> str:
        """The last lines the worker wrote before it died at start-up (its traceback)."""
        assert self._output is not None
        self._output.seek(0)
        text = self._output.read().decode("utf-8", "replace").strip()
        return "\n".join(text.splitlines()[-20:])

    @property
    def _grace(self) -> float:
        """How long past its deadline a worker may take to report its own timeout.

        Only a measured worker gets time (to save its coverage of the phase); any other is
        killed at the deadline: the outcome is the same, and its log lines are already in
        its files."""
        return GRACE_S if self._measured else 0.0

    def _call(self, message: Any, seconds: float) -> Any:
        """Send ``message`` and wait for the answer, enforcing time and memory from outside."""
        sock, proc = self._sock, self._proc
        assert sock is not None and proc is not None
        self._thaw()
        if message is not None:
            send(sock, message)

        def poll(timeout: float) -> Any:
            ready, _, _ = select.select([sock], [], [], timeout)
            if not ready:
                return None
            try:
                return recv(sock)
            except EOFError:
                raise Killed("exit", faults.exit_reason(proc.wait())) from None

        answer = self._supervisor.wait(proc, seconds, poll, self._kill)
        self._freeze()
        return answer

    def _freeze(self) -> None:
        """Stop the worker's process group until the next command.

        Lambda freezes the execution environment between invocations ("Lambda freezes the
        execution environment" after each response; AWS docs, execution environment
        lifecycle): threads and child processes the handler left running make no progress
        until the environment is used again. Continued by :meth:`_thaw`; the template process
        kills stopped workers too when the test process goes away.
        """
        proc = self._proc
        if proc is None or self._frozen or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGSTOP)
        except (ProcessLookupError, PermissionError):
            return
        # Those in sessions of their own too (a stopped process cannot start another).
        self._stopped = signal_descendants(proc.pid, signal.SIGSTOP)
        self._frozen = True

    def _thaw(self) -> None:
        proc = self._proc
        if self._frozen and proc is not None and proc.poll() is None:
            for child in self._stopped:
                try:
                    os.kill(child, signal.SIGCONT)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                os.killpg(proc.pid, signal.SIGCONT)
            except (ProcessLookupError, PermissionError):
                pass
        self._frozen = False

    def _kill(self) -> None:
        if self._proc is not None:
            kill_group(self._proc)

    def _collect(self, events: list[LogEvent]) -> None:
        """Append the worker's log events (from its events file, written as they were
        logged, so a killed worker's lines are there too), then anything written straight to
        its fd 1/2."""
        stream = self.sink.stream.events
        request_id = self.sink.request_id
        for e in events:
            stream.append(LogEvent(e.timestamp, e.message, e.request_id, e.stream))
        self._events.seek(self._events_seen)
        records, used = read_records(self._events.read())
        self._events_seen += used
        stream.extend(LogEvent(*record) for record in records)
        self._pending_lines(stream, request_id)
        self._output.seek(self._output_seen)
        raw = self._output.read()
        self._output_seen += len(raw)
        now = real_time_ms()
        # Lines end at "\n" only (str.splitlines also cut at "\r", "\x0c", "\u2028": a
        # progress bar's "10%\r20%\r100%\n" is one line on Lambda, as through print), and a
        # line longer than one event is cut as a printed one is.
        lines = raw.decode("utf-8", "replace").split("\n")
        if lines[-1] == "":
            lines.pop()
        for line in lines:
            pieces = iter_events(line)
            piece = next(pieces)
            for after in pieces:
                stream.append(LogEvent(now, piece, request_id, self.log_stream_name))
                piece = after
            stream.append(LogEvent(now, piece + "\n", request_id, self.log_stream_name))

    def _pending_lines(self, stream: Any, request_id: str | None) -> None:
        """Lines the worker was writing when it died (a phase that ended flushed its own):
        on Lambda their text was in the pipe already, and reaches the log."""
        pending = self._pending
        if pending is None:
            return
        cleared = False
        for start in (0, PENDING_SLOT):
            pending.seek(start)
            head = pending.read(4)  # the length: 0 unless a line is pending (a warm call's)
            if head and head != bytes(4):
                text = pending_line(head + pending.read(PENDING_SLOT - 4))
                if text and self.sink.keeps(text):
                    stream.append(LogEvent(real_time_ms(), text, request_id,
                                           self.log_stream_name))
                pending.seek(start)
                pending.write(bytes(4))
                cleared = True
        if cleared:
            pending.flush()

    @property
    def max_memory_mb(self) -> int:
        return self._supervisor.max_memory_mb

    def init(self, seconds: float, phase: str) -> InitResult:
        started = real_perf()
        try:
            _, error, elapsed, status, initialized, events = self._call(
                ("init", seconds, phase), seconds + self._grace)
        except Killed as killed:
            self._collect([])
            return killed_init(killed, started, seconds)
        self._collect(events)
        self.initialized = initialized
        return error, elapsed, status

    def set_trace_id(self, header: str) -> None:
        self._trace = header

    def reset_for_retry(self) -> None:
        """A failed init restarts the runtime process before Lambda retries it."""
        self._stop()
        self._supervisor = self._new_supervisor()
        self._spawn()

    def invoke(self, payload: bytes, context: LambdaContext, seconds: float,
               invoke_init_ms: float = 0.0) -> Outcome:
        request_id = context.aws_request_id
        remaining = max(seconds - invoke_init_ms / 1000, 0.001)
        started = real_perf()
        # The deadline on the worker's clock, the real one: a clock the test froze or moved
        # (freezegun, time-machine) does not reach the worker, so the context's deadline, on
        # the test's clock, gave a handler there 0 ms left from its first line.
        kwargs = context.to_kwargs()
        kwargs["deadline_ms"] = real_time_ms() + kwargs["deadline_ms"] - int(handler_time() * 1000)
        try:
            _, outcome, alive, events = self._call(
                ("invoke", payload, kwargs, seconds, invoke_init_ms, request_id,
                 self._trace), remaining + self._grace)
        except Killed as killed:
            self._collect([])
            self.alive = False
            return killed_outcome(killed, request_id, seconds, invoke_init_ms, started,
                                  self.max_memory_mb, self.config.memory_size)
        self._collect(events)
        self.alive = alive
        # The worker's own figure is blind to its real footprint: use the one measured here.
        measured: Outcome = replace(outcome, max_memory_mb=self.max_memory_mb)
        return measured

    def _stop(self) -> None:
        self._thaw()  # to save its coverage and exit; a kill would not need it
        if self._sock is not None:
            if self._measured:
                try:
                    send(self._sock, ("stop",))  # the worker saves its coverage and exits
                except OSError:
                    pass
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            if self._measured:
                try:
                    self._proc.wait(timeout=STOP_WAIT_S)
                except subprocess.TimeoutExpired:
                    pass
            # And whatever the handler left running in the environment. Nothing else needs
            # the worker to stop by itself: its log lines are in files already.
            self._kill()
            self._proc = None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self._output is not None:
            self._output.close()
            self._output = None
        if self._events is not None:
            self._events.close()
            self._events = None
        if self._pending is not None:
            self._pending.close()
            self._pending = None

    def keep_tmp(self) -> str | None:
        return self._tmp.keep()

    def discard(self) -> None:
        self.alive = False
        self._stop()
        self._tmp.remove()  # even if the worker was killed; nothing once kept


def portable_config(config: FunctionConfig) -> FunctionConfig:
    """``config`` with its paths as strings, for a worker on another Python version: a
    ``pathlib`` path pickled by 3.13 names ``pathlib._local``, which 3.12 and older lack
    (``worker_config`` turns them back into paths)."""
    paths: dict[str, Any] = {"code_dir": str(config.code_dir),
                             "layers": tuple(str(p) for p in config.layers)}
    return dataclasses.replace(config, **paths)
