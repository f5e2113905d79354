"""A fake Lambda Runtime API on loopback, enough to drive the real runtime interface clients.

It serves ``GET /2018-06-01/runtime/invocation/next`` from a queue of invocations and records
what the client posts to ``/invocation/<id>/response``, ``/invocation/<id>/error`` and
``/init/error``. When the queue is empty, ``next`` blocks until the server stops, as the real
Runtime API holds the connection until the next event arrives.

Every request is also announced to ``on_request`` *before* it is answered: the client is
blocked in that request, so everything it wrote before it is already in its log pipe; the
runner uses this to cut the log into phases (init, invocation) without racing the client.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/2018-06-01/runtime"


@dataclass
class Invocation:
    """One event to hand to the client, with the headers the Runtime API sends with it."""

    request_id: str
    body: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str = ""
    content_type: str = "application/json"


@dataclass
class Post:
    """One request the client sent: its kind, the request id it names, headers and raw body."""

    kind: str  # "next", "response", "error" or "init-error"
    request_id: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _State:
    pending: list[Invocation]
    on_request: Callable[[Post], None]
    posts: list[Post] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the client's requests are evidence in the report, not noise on stderr

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self, status: int, body: bytes = b"",
                headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _record(self, post: Post) -> None:
        state = self.server.state
        state.on_request(post)
        with state.changed:
            state.posts.append(post)
            state.changed.notify_all()

    def do_GET(self) -> None:
        state = self.server.state
        if self.path != f"{PREFIX}/invocation/next":
            self._answer(404, b'{"errorMessage":"not served by the fake Runtime API"}')
            return
        with state.changed:
            invocation = state.pending.pop(0) if state.pending else None
        self._record(Post("next", invocation.request_id if invocation else "",
                          dict(self.headers), b""))
        if invocation is None:
            state.stopping.wait()
            self.close_connection = True
            return
        headers = {
            "Content-Type": invocation.content_type,
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
        }
        if invocation.trace_id:
            headers["Lambda-Runtime-Trace-Id"] = invocation.trace_id
        self._answer(200, invocation.body, headers)

    def do_POST(self) -> None:
        body = self._body()
        path = self.path
        if path == f"{PREFIX}/init/error":
            kind, request_id = "init-error", ""
        elif path.startswith(f"{PREFIX}/invocation/") and path.endswith(("/response", "/error")):
            request_id, _, kind = path[len(f"{PREFIX}/invocation/"):].rpartition("/")
        else:
            self._answer(404, b'{"errorMessage":"not served by the fake Runtime API"}')
            return
        if kind == "response" and len(body) > RESPONSE_LIMIT:
            # The Runtime API refuses a response over the synchronous limit with 413 and this
            # body (captured from Lambda: anomalyco/console#63); the platform answers the
            # caller Function.ResponseSizeTooLarge (diff_sides).
            self._record(Post("response-too-large", request_id, dict(self.headers), body))
            self._answer(413, TOO_LARGE, {"Content-Type": "application/json"})
            return
        self._record(Post(kind, request_id, dict(self.headers), body))
        self._answer(202, b'{"status":"OK"}', {"Content-Type": "application/json"})


#: The Runtime API's limit on a synchronous response, and its answer above it.
RESPONSE_LIMIT = 6_291_556
TOO_LARGE = (b'{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).",'
             b'"errorType":"RequestEntityTooLarge"}')


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class FakeRuntimeAPI:
    """The Runtime API of one execution environment; use as a context manager."""

    def __init__(self, invocations: list[Invocation], on_request: Callable[[Post], None]) -> None:
        self._state = _State(list(invocations), on_request)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self._state
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="fake-runtime-api")

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    @property
    def posts(self) -> list[Post]:
        with self._state.changed:
            return list(self._state.posts)

    def wait(self, predicate: Callable[[list[Post]], bool], timeout: float) -> bool:
        """Wait until ``predicate(posts)`` holds; False if ``timeout`` seconds pass first."""
        with self._state.changed:
            return self._state.changed.wait_for(lambda: predicate(self._state.posts), timeout)

    def __enter__(self) -> FakeRuntimeAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
