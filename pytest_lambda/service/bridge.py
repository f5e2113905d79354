"""A loopback HTTP endpoint into the test's moto, for SDKs in worker processes.

moto mocks boto3 inside the test process only. A Node.js handler (the AWS SDK for
JavaScript v3) or a Python handler in a process worker runs in another process, so it reaches
the same mock through this endpoint: ``AWS_ENDPOINT_URL=http://127.0.0.1:<port>`` in the
worker's environment, every request handed to moto's dispatcher (with the Lambda API in front,
so ``LambdaClient.send(new InvokeCommand(...))`` runs in-process functions too).

The service and Region a request is for are read from its SigV4 credential scope
(``Credential=<key>/<date>/<region>/<service>/aws4_request``), as moto's own server does, and
the request is dispatched as if sent to ``https://<service>.<region>.amazonaws.com``. It
listens on 127.0.0.1 only and lives as long as the ``LambdaApi`` that started it.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")


def _request(method: str, url: str, headers: dict[str, str], body: bytes) -> Any:
    """The request as botocore would have sent it (the type moto's dispatcher reads)."""
    from botocore.awsrequest import AWSPreparedRequest  # type: ignore[import-untyped]
    from botocore.compat import HTTPHeaders  # type: ignore[import-untyped]

    wire = HTTPHeaders()
    for key, value in headers.items():
        wire[key] = value
    return AWSPreparedRequest(method=method, url=url, headers=wire, body=body,
                              stream_output=False)


class Bridge:
    """A threaded HTTP server on 127.0.0.1 that answers with ``dispatch(request)``."""

    def __init__(self, dispatch: Any) -> None:
        self._dispatch = dispatch
        bridge = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                bridge._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _answer

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test's output is not the place for access logs."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="pytest-lambda-bridge", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _handle(self, http: BaseHTTPRequestHandler) -> None:
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length) if length else b""
        headers = {k: v for k, v in http.headers.items()}
        scope = _SCOPE.search(http.headers.get("Authorization") or "")
        if scope is None:
            self._send(http, 400, {"Content-Type": "text/plain"},
                       b"pytest-aws-lambda bridge: the request is not SigV4-signed, so its "
                       b"service and Region are unknown; sign it (any credentials).")
            return
        region, service = scope.group(1), scope.group(2)
        url = f"https://{service}.{region}.amazonaws.com{http.path}"
        from .eventbridge_rules import FROM_FUNCTION  # with the embedded AWS, which runs

        headers[FROM_FUNCTION] = "1"  # a worker's request is a function's
        try:
            answer = self._dispatch(_request(http.command, url, headers, body))
        except Exception as exc:  # an answer the SDK shows beats a dropped connection
            answer = (500, {"Content-Type": "text/plain"}, f"{type(exc).__name__}: {exc}")
        if answer is None:
            answer = (404, {"Content-Type": "text/plain"}, "Not served by moto")
        status, out_headers, out = answer
        self._send(http, status, dict(out_headers or {}),
                   out.encode() if isinstance(out, str) else bytes(out or b""))

    @staticmethod
    def _send(http: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
              body: bytes) -> None:
        http.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                http.send_header(key, str(value))
        http.send_header("Content-Length", str(len(body)))
        http.end_headers()
        if http.command != "HEAD":
            http.wfile.write(body)
