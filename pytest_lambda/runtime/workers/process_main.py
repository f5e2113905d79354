"""The runtime worker: one process per execution environment in process isolation mode.

Started by :mod:`pytest_lambda.runtime.workers.process` as
``python -m pytest_lambda.runtime.workers.process_main FD EVENTS_FD``; it runs the
same in-process environment code as the default mode, inside its own interpreter, and answers
the test process's commands over the socket ``FD``. Log events go to the file ``EVENTS_FD``
as they are written.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import socket
import sys
from pathlib import Path
from typing import Any

from pytest_lambda.observe.coverage import WorkerCoverage
from pytest_lambda.runtime.capture import PENDING_SLOT
from pytest_lambda.runtime.workers.wire import _HEADER, recv, send


class _EventsToFile(list):  # type: ignore[type-arg]
    """The worker's log stream: each event is written to a file the test process reads, the
    moment it is logged, and not kept. Output is not the function's memory (on Lambda it
    leaves the sandbox), and what was written before the worker is killed is not lost."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self._count = 0

    def append(self, event: Any) -> None:
        data = pickle.dumps(tuple(event), protocol=pickle.HIGHEST_PROTOCOL)
        # Two buffers in one write: no third copy of a big line in the function's memory.
        os.writev(self._fd, [_HEADER.pack(len(data)), data])
        self._count += 1

    def __len__(self) -> int:
        return self._count


def _serve(sock: socket.socket, events_fd: int) -> None:
    setup: dict[str, Any] = recv(sock)
    # Before the environment's modules load: the handler's Init is measured too.
    cov = WorkerCoverage(setup.get("coverage"))
    try:
        _run(sock, setup, cov, events_fd)
    finally:
        cov.stop()


#: Open files a Lambda function may hold ("Lambda quotas": file descriptors, 1,024).
LAMBDA_FILE_LIMIT = 1024


def _pending_memory(path: str | None) -> memoryview | None:
    """The memory shared with the test process where the lines being written are kept (see
    ``StreamWriter.mirror_to``): the file it made, mapped; None without one."""
    if not path:
        return None
    import mmap

    with open(path, "r+b") as f:
        return memoryview(mmap.mmap(f.fileno(), 2 * PENDING_SLOT))


def _lambda_file_limit() -> None:
    """The worker holds at most Lambda's number of open files, so a handler leaking one per
    invocation fails with ``[Errno 24] Too many open files`` when it would on Lambda."""
    import resource  # the worker's own process only

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = LAMBDA_FILE_LIMIT if hard == resource.RLIM_INFINITY else min(LAMBDA_FILE_LIMIT, hard)
    if soft > limit or hard > limit:  # both, as on Lambda: a handler cannot raise it
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, limit), limit))


def load_runtime_modules() -> None:
    """Load now what the runtime itself would load later, so that the worker's size at "ready"
    (the runtime's footprint, see ``supervisor.Supervisor.rebase``) holds it and a no-op's Max
    Memory Used stays at the runtime baseline: the response marshaller (simplejson, decimal;
    awslambdaric imports them at bootstrap) and ``importlib.metadata``, which Python 3.13's
    ``importlib.invalidate_caches()`` (run before each Init) imports on first call."""
    import importlib.metadata  # noqa: F401

    from pytest_lambda.runtime import marshal

    marshal.load_encoders()


#: Linux's prctl option that makes a process the parent of its descendants' orphans.
_PR_SET_CHILD_SUBREAPER = 36


def keep_orphans() -> None:
    """Become the parent of the orphans the handler's processes leave (Linux's child
    subreaper), as the sandbox's init is on Lambda: a daemon's double fork (a grandchild in a
    session of its own whose parent has exited) stays one of the worker's descendants, so it
    is frozen between invocations and killed with the environment
    (``supervisor.signal_descendants``) instead of running on past the test session."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _as_the_sandbox() -> None:
    """What the worker's process cannot do on Lambda, set before any user code runs."""
    from pytest_lambda.runtime.shared_memory import disable_semaphores

    keep_orphans()
    _lambda_file_limit()
    disable_semaphores()  # no /dev/shm
    # The task root, the layers and the runtime are read-only on Lambda: importing writes no
    # compiled file (the worker's own modules are loaded already).
    sys.dont_write_bytecode = True


def _run(sock: socket.socket, setup: dict[str, Any], cov: WorkerCoverage,
         events_fd: int) -> None:
    # Imported once the setup message is read and coverage has started (see _serve).
    from pytest_lambda.context import LambdaContext
    from pytest_lambda.observe.logs import LogGroup
    from pytest_lambda.runtime.inprocess import ExecutionEnvironment

    group = LogGroup(setup["log_group"])
    config = setup["config"]
    # Sent with string paths (see process.portable_config): paths again here.
    config = dataclasses.replace(config, code_dir=Path(config.code_dir),
                                 layers=tuple(Path(p) for p in config.layers))
    env = ExecutionEnvironment(config, setup["version"], group,
                               new_id=lambda: "0" * 32, network_allow=setup["network_allow"],
                               measure_memory=False, log_stream_name=setup["log_stream_name"],
                               tmp_dir=setup["tmp_dir"], own_process=True)
    env.keep_tmp()  # the test process's to remove: the environment's /tmp outlives the worker
    env.sink.stream.events = _EventsToFile(events_fd)
    pending = _pending_memory(setup.get("pending"))
    if pending is not None:
        env.state.stdout.mirror_to(pending[:PENDING_SLOT])
        env.state.stderr.mirror_to(pending[PENDING_SLOT:])
    _as_the_sandbox()
    load_runtime_modules()

    send(sock, ("ready",))
    while True:
        command = recv(sock)
        kind = command[0]
        if kind == "init":
            _, seconds, phase = command
            error, elapsed, status = env.init(seconds, phase)
            cov.save()  # before answering: the test process may kill the worker next
            send(sock, ("init", error, elapsed, status, env.initialized, []))
        elif kind == "invoke":
            _, payload, context_kwargs, seconds, invoke_init_ms, request_id, trace = command
            env.sink.begin_request(request_id, context_kwargs.get("tenant_id"))
            if trace:
                env.set_trace_id(trace)
            context = LambdaContext(**context_kwargs, log=env.sink.app)
            outcome = env.invoke(payload, context, seconds, invoke_init_ms)
            env.sink.end_request()
            send(sock, ("invoke", outcome, env.alive, []))
            # After answering, so the save overlaps the test process's own work; the next
            # command waits for it, so a kill during the next invocation loses nothing saved.
            cov.save()
        elif kind == "stop":
            env.discard()  # its /tmp stays: the test process removes it
            return


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    sock = socket.socket(fileno=int(args[0]))
    try:
        _serve(sock, int(args[1]))
    except EOFError:
        pass
    finally:
        sock.close()


if __name__ == "__main__":
    main()
