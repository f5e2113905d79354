"""The test process's side of the worker template (:mod:`.zygote`): start it, fork from it.

One template serves a whole test process (each pytest-xdist worker has its own): it is started
on the first process-isolated cold start, and stops when the test process exits (it sees its
socket close, kills the workers it still has, and exits; :func:`atexit` closes the socket
early). A process that forked from the test process (a handler's ``multiprocessing`` child)
never talks to its parent's template: it starts its own.

The template is started with the variables every worker shares and nothing of the test
process's environment; each worker then gets exactly the function's environment. Variables
that only act when an interpreter starts (``PYTHONPATH``, ``PYTHONHASHSEED``, ``LD_PRELOAD``,
``LANG``, coverage's ``COVERAGE_PROCESS_START``, ...) cannot be given to a forked process, so
a function whose environment sets them differently gets a fresh interpreter instead
(:func:`forkable`).
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from ...clock import real_perf
from ..interpreter import bytecode_options

#: Prefixes of variables read when an interpreter (or the dynamic loader) starts.
_STARTUP_PREFIXES = ("PYTHON", "LD_", "LC_", "COVERAGE_PROCESS_")
_STARTUP_NAMES = frozenset({"LANG", "LANGUAGE"})
_MAX_MESSAGE = 1 << 20


def package_root() -> str:
    """The directory holding ``pytest_lambda/``, for a worker's ``PYTHONPATH``."""
    return str(Path(__file__).resolve().parents[3])


def worker_pythonpath(own: str | None = None) -> str:
    """A Python worker's ``PYTHONPATH``: this package, then the function's own (``own``),
    then the test process's."""
    return os.pathsep.join(filter(None, [package_root(), own, os.environ.get("PYTHONPATH")]))


def _startup_variables(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items()
            if k.startswith(_STARTUP_PREFIXES) or k in _STARTUP_NAMES}


def template_environ() -> dict[str, str]:
    """The template's environment: what acts at start-up and is the same for every worker."""
    env = {"LANG": "en_US.UTF-8", "TZ": ":UTC", "PYTHONPATH": worker_pythonpath()}
    for name in ("PATH", "PYTHONHASHSEED"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def forkable(env: dict[str, str]) -> bool:
    """True when a worker with environment ``env`` can be forked from the template."""
    return _startup_variables(env) == _startup_variables(template_environ())


class ForkedProcess:
    """A worker forked by the template: the part of :class:`subprocess.Popen` we use.

    It is the template's child, not ours: the template reaps it and reports its exit status.
    """

    def __init__(self, server: ForkServer, pid: int) -> None:
        self._server = server
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self._server.collect(self, 0.0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._server.collect(self, timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0.0)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class ForkServer:
    """The connection to one template process."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self._lock = threading.Lock()
        self._exits: dict[int, int] = {}
        self._processes: dict[int, ForkedProcess] = {}
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # A measured session's workers all start coverage: import it once, in the template.
        preload = ["coverage"] if "coverage" in sys.modules else []
        self._proc = subprocess.Popen(
            [sys.executable, *bytecode_options(), "-m", "pytest_lambda.runtime.workers.zygote",
             str(child.fileno()), *preload],
            pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env=template_environ(), cwd="/",
            start_new_session=True)
        child.close()
        self._sock = parent
        message = self._recv(30.0)
        if message is None or message[0] != "ready":
            self.close()
            raise RuntimeError("the Python worker template process did not start: run "
                               f"`{sys.executable} -m pytest_lambda.runtime.workers.zygote` "
                               "to see why, or report it")

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None and os.getpid() == self.owner

    def _recv(self, timeout: float | None) -> Any:
        ready, _, _ = select.select([self._sock], [], [], timeout)
        if not ready:
            return None
        data = self._sock.recv(_MAX_MESSAGE)
        if not data:
            raise EOFError("the Python worker template process has gone")
        return pickle.loads(data)

    def _dispatch(self, message: Any) -> int | None:
        """File an exit report; returns the pid of a fork reply."""
        if message[0] == "exit":
            _, pid, code = message
            proc = self._processes.pop(pid, None)
            if proc is not None:
                proc.returncode = code
            return None
        return int(message[1])

    def fork(self, env: dict[str, str], cwd: str, fds: list[int]) -> ForkedProcess:
        """A new worker with environment ``env`` in ``cwd``, given ``fds`` (command socket,
        events file, output file)."""
        request = pickle.dumps({"env": env, "cwd": cwd}, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            socket.send_fds(self._sock, [request], fds)
            while True:
                message = self._recv(30.0)
                if message is None:
                    raise RuntimeError("the Python worker template process did not answer "
                                       "within 30 s")
                pid = self._dispatch(message)
                if pid is not None:
                    proc = ForkedProcess(self, pid)
                    self._processes[pid] = proc
                    return proc

    def collect(self, proc: ForkedProcess, timeout: float | None) -> None:
        """Read the template's reports until ``proc`` has ended or ``timeout`` passed."""
        deadline = None if timeout is None else real_perf() + timeout
        with self._lock:
            while proc.returncode is None:
                left = None if deadline is None else max(deadline - real_perf(), 0.0)
                try:
                    message = self._recv(left)
                except EOFError:
                    proc.returncode = -signal.SIGKILL  # the template killed it on its way out
                    return
                if message is None:
                    return
                self._dispatch(message)

    def close(self) -> None:
        self._sock.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


class _Holder:
    """The test process's template, made on first use. Process-wide by nature (one template
    per process, whatever the number of sessions or functions), so it is the one piece of
    module-level state here; it is replaced in a forked child, which must not share it."""

    server: ForkServer | None = None
    lock = threading.Lock()


def server() -> ForkServer:
    """This process's template process, started if needed."""
    with _Holder.lock:
        current = _Holder.server
        if current is not None and current.alive:
            return current
        if current is not None and current.owner == os.getpid():
            current.close()
        _Holder.server = ForkServer()
        if current is None:
            atexit.register(_close)
        return _Holder.server


def _close() -> None:
    current = _Holder.server
    if current is not None and current.owner == os.getpid():
        _Holder.server = None
        current.close()
