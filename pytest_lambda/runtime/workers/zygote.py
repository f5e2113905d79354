"""The template process that forks Python runtime workers (``python -m ...zygote FD [MODULE ...]``).

Starting a worker interpreter and importing the runtime costs tens of milliseconds; forking a
process that has already done both costs about one. The test process starts one template per
process (:mod:`.forkserver`), with no environment of its own beyond what every worker shares
(no credentials), and asks it over the socket ``FD`` for each new execution environment.

Messages on ``FD`` (a ``SOCK_SEQPACKET`` socket: one message per datagram, pickled):

- test process -> template: ``{"env": ..., "cwd": ...}`` with three file descriptors attached
  (the worker's end of its command socket, its events file, its output file); the template
  forks, and the child becomes the worker (:func:`_become_worker`);
- template -> test process: ``("pid", pid)`` for each fork, in order, and ``("exit", pid,
  returncode)`` whenever a worker ends (``returncode`` as :class:`subprocess.Popen` gives it).

When a worker ends, the template also kills what is left of its process group (a handler's
``sleep 300 &``): nothing started in an execution environment outlives it. When the test process
goes away (the socket closes), the template kills every worker it still has and exits.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import socket
import sys
import traceback
from typing import Any

#: Imported here once so that a forked worker starts with them loaded (what a cold worker
#: interpreter spent its start-up on).
_PRELOAD = (
    "pytest_lambda.context",
    "pytest_lambda.observe.logs",
    "pytest_lambda.runtime.inprocess",
    "pytest_lambda.runtime.workers.process_main",
)
_MAX_MESSAGE = 1 << 20


def _exit_code(exc: SystemExit) -> int:
    """The status an interpreter exits with for an uncaught ``SystemExit``."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _become_worker(request: dict[str, Any], fds: list[int]) -> int:
    """In the forked child: take the environment's process state, then serve it."""
    sock_fd, events_fd, output_fd = fds
    os.setsid()  # its own process group, killed as a whole (supervisor.kill_group)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    for fd in (null, output_fd):
        os.close(fd)
    # A handler writing to the real stdout must not lose lines to a buffer when it is killed.
    for stream in (sys.__stdout__, sys.__stderr__):
        if stream is not None:
            stream.reconfigure(line_buffering=True, write_through=True)
    cwd = request["cwd"]
    os.chdir(cwd)
    # The function's variables only, as in a worker started with env=...; TZ and the temporary
    # directory are read when first used, so they are reset too.
    os.environ.clear()
    os.environ.update(request["env"])
    import tempfile
    import time

    time.tzset()
    tempfile.tempdir = None
    # ``python -m`` puts the working directory first on sys.path; the template's was its own.
    sys.path[0] = cwd
    # Imported in the forked child, once its environment and sys.path are the worker's.
    from pytest_lambda.runtime.workers import process_main

    sys.argv = [process_main.__file__, str(sock_fd), str(events_fd)]  # as a started worker's

    try:
        process_main.main([str(sock_fd), str(events_fd)])
    except SystemExit as exc:
        return _exit_code(exc)
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def _fork(control: socket.socket, request: dict[str, Any], fds: list[int],
          wakeup: tuple[int, int]) -> int:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            control.close()
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for fd in wakeup:
                os.close(fd)
            code = _become_worker(request, fds)
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
            os._exit(code)
    for fd in fds:
        os.close(fd)
    return pid


def _kill_orphans(workers: set[int]) -> None:
    """Kill what ended workers left behind: processes a handler started that outlived their
    worker (a session of their own, out of its process group) are the template's children
    now (it is their subreaper, see :func:`main`), and their environment is gone."""
    from pytest_lambda.runtime.workers.supervisor import children, descendants

    for orphan in children(os.getpid()):
        if orphan in workers:
            continue
        for pid in [orphan, *descendants(orphan)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _reap(control: socket.socket, workers: set[int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid not in workers:
            continue  # an orphan the template took in (see _kill_orphans): nobody to tell
        workers.discard(pid)
        try:
            os.killpg(pid, signal.SIGKILL)  # whatever the worker's handler left running
        except (ProcessLookupError, PermissionError):
            pass
        _kill_orphans(workers)
        try:
            control.send(pickle.dumps(("exit", pid, os.waitstatus_to_exitcode(status))))
        except OSError:
            return


def serve(control: socket.socket) -> None:
    """Fork a worker per request until the test process closes ``control``."""
    wakeup = os.pipe()
    for fd in wakeup:
        os.set_blocking(fd, False)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.set_wakeup_fd(wakeup[1])
    workers: set[int] = set()
    try:
        while True:
            ready, _, _ = select.select([control.fileno(), wakeup[0]], [], [])
            if wakeup[0] in ready:
                try:
                    os.read(wakeup[0], 4096)
                except BlockingIOError:
                    pass
                _reap(control, workers)
            if control.fileno() in ready:
                data, fds, _, _ = socket.recv_fds(control, _MAX_MESSAGE, 3)
                if not data:
                    return
                pid = _fork(control, pickle.loads(data), fds, wakeup)
                workers.add(pid)
                control.send(pickle.dumps(("pid", pid)))
    finally:
        for pid in workers:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _kill_orphans(set())


def main() -> None:
    import importlib

    for name in _PRELOAD:
        importlib.import_module(name)
    # And what a worker loads before it says it is ready (importlib.metadata, the response
    # marshaller: 16 of a cold worker's 25 ms): in its footprint at "ready" all the same.
    from pytest_lambda.runtime.workers.process_main import load_runtime_modules

    load_runtime_modules()
    for name in sys.argv[2:]:  # optional extras the test process asks for (coverage)
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    # Orphans of the handlers' processes whose worker has ended come here, to be killed.
    from pytest_lambda.runtime.workers.process_main import keep_orphans

    keep_orphans()
    control = socket.socket(fileno=int(sys.argv[1]))
    control.send(pickle.dumps(("ready", os.getpid())))
    try:
        serve(control)
    except (ConnectionError, EOFError):
        pass


if __name__ == "__main__":
    main()
