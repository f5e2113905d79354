"""Run a real runtime interface client on a handler, against the fake Runtime API.

The client gets the environment Lambda gives a function (the same one pytest-aws-lambda
builds), its stdout, stderr and telemetry fd on one log pipe, and the events to answer one
by one. A run ends when the client asks for the event after the last one, posts an init
error, or exits.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diff_api import FakeRuntimeAPI, Invocation, Post
from diff_clients import Client
from diff_frames import Event, LogPipe, Mark, decode, phases

RUN_TIMEOUT_S = 30.0


@dataclass
class RealRun:
    """What one client process did: its posts, its log phases and how it ended."""

    posts: list[Post]
    phases: dict[str, list[Event]]
    exit_code: int | None
    raw_log: bytes
    #: The request ids the fake Runtime API handed out, in order.
    request_ids: list[str]
    #: How many times the client asked for the next event (0: it ended during its init).
    asked: int = 0

    def post(self, kind: str) -> Post | None:
        return next((p for p in self.posts if p.kind == kind), None)


def run_client(client: Client, *, code_dir: Path, env: dict[str, str],
               events: list[Any], function_arn: str, timeout_s: int) -> RealRun:
    """Start ``client`` in ``code_dir`` with ``env`` and feed it ``events`` (JSON values)."""
    import json

    invocations = [
        Invocation(str(uuid.uuid4()), json.dumps(e).encode(),
                   int(time.time() * 1000) + timeout_s * 1000, function_arn)
        for e in events
    ]
    pipe = LogPipe()

    def on_request(post: Post) -> None:
        pipe.mark(post.kind, post.request_id)

    with FakeRuntimeAPI(invocations, on_request) as api:
        child_env = dict(env, AWS_LAMBDA_RUNTIME_API=api.address,
                         _LAMBDA_TELEMETRY_LOG_FD=str(pipe.write_fd))
        command = list(client.command)
        if client.runtime.startswith("python"):
            command.append(env["_HANDLER"])
        proc = subprocess.Popen(command, cwd=code_dir, env=child_env, stdin=subprocess.DEVNULL,
                                stdout=pipe.write_fd, stderr=pipe.write_fd,
                                pass_fds=(pipe.write_fd,))

        def finished(posts: list[Post]) -> bool:
            nexts = sum(1 for p in posts if p.kind == "next")
            return nexts > len(invocations) or any(p.kind == "init-error" for p in posts)

        deadline = time.monotonic() + RUN_TIMEOUT_S
        while proc.poll() is None and not api.wait(finished, 0.05):
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise AssertionError(
                    f"{client.name} did not finish within {RUN_TIMEOUT_S} s; its log so far:\n"
                    + pipe.close().decode("utf-8", "replace"))
        if any(p.kind == "init-error" for p in api.posts):
            # The clients exit by themselves after an init error; give them the chance.
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            exit_code = None
        else:
            exit_code = proc.returncode
        raw = pipe.close()
        asked = sum(1 for p in api.posts if p.kind == "next")
        posts = [p for p in api.posts if p.kind != "next"]
    items = decode(raw)
    ids = {inv.request_id for inv in invocations}
    unexpected = [i for i in items if isinstance(i, Mark) and i.request_id
                  and i.request_id not in ids]
    assert not unexpected, f"the client named request ids it was never given: {unexpected}"
    return RealRun(posts, phases(items), exit_code, raw, [i.request_id for i in invocations],
                   asked)
