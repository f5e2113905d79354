"""``pytest-lambda serve``: a template's APIs on a real loopback HTTP server, for manual poking.

Each request goes through :class:`~pytest_lambda.templates.http.HttpClient` (the gateway's
routing, authorizers and response mapping) to the template's functions, which run in this
process against moto; each invocation's log is printed as it happens.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from pytest_lambda.cli.options import add_parameter_override, parameter_overrides

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date",
               "server"}


def register(parser: argparse.ArgumentParser) -> Any:
    """Serve the template's APIs on a loopback port until interrupted."""
    parser.description = (
        "Serve the REST APIs, HTTP APIs and Function URLs of a SAM template or serverless.yml "
        "on a loopback HTTP server. Functions run in this process, against moto (no AWS "
        "account is used); each request's Lambda log is printed to standard error.")
    parser.add_argument("--template", required=True, help="template.yaml or serverless.yml")
    parser.add_argument("--host", default="127.0.0.1",
                        help="loopback address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000,
                        help="port (default: 3000; 0 picks a free one)")
    parser.add_argument("--api", default=None,
                        help="serve only this API (logical id, or a function name for its URL)")
    parser.add_argument("--stage", default=None, help="serverless.yml stage")
    add_parameter_override(parser)
    parser.add_argument("--region", default=None)
    parser.add_argument("--quiet", action="store_true", help="do not print the Lambda logs")
    return _run


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    # The application (templates, moto) loads when the server starts, not with the parser.
    from pytest_lambda.templates.app import Application
    from pytest_lambda.templates.errors import TemplateError

    if extra:
        print(f"pytest-lambda serve: error: unexpected arguments {extra}", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"pytest-lambda serve: error: --port {args.port} is not a port: use 0-65535 (0 "
              "picks a free one).", file=sys.stderr)
        return 2
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"pytest-lambda serve: error: --host {args.host!r} is not a loopback address; "
              "the server is for local use only (use 127.0.0.1).", file=sys.stderr)
        return 2
    try:
        app = Application(args.template, region=args.region, stage=args.stage,
                          parameter_overrides=parameter_overrides(args.parameter_overrides))
    except (TemplateError, ValueError, TypeError) as exc:
        print(f"pytest-lambda serve: error: {exc}", file=sys.stderr)
        return 2
    with app:
        try:
            client = app.http.for_api(args.api) if args.api else app.http
        except KeyError as exc:
            print(f"pytest-lambda serve: error: --api {args.api!r}: {exc.args[0]}",
                  file=sys.stderr)
            return 2
        try:
            server = HTTPServer((args.host, args.port), _handler(client, quiet=args.quiet))
        except OSError as exc:
            print(f"pytest-lambda serve: error: cannot listen on {args.host}:{args.port} "
                  f"({exc.strerror or exc}): pick another --port (0 picks a free one).",
                  file=sys.stderr)
            return 2
        host, port = args.host, server.server_address[1]
        print(f"Serving {args.template} on http://{host}:{port} (Ctrl-C to stop)", flush=True)
        for api in app.routes.apis.values():
            routes = [f"{r.method} {r.path}" for r in app.routes.routes if r.api is api]
            print(f"  {api.name} ({api.kind}, stage {api.stage}): {', '.join(routes)}",
                  flush=True)
        # SIGTERM (a process manager, ``docker stop``, ``kill``) stops the server as Ctrl-C
        # does, so that the functions' environments end: their /tmp folders and worker
        # processes go with them instead of being left behind.
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.server_close()
    return 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _handler(client: Any, *, quiet: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: with Nagle's algorithm on, a keep-alive
        # client's delayed ACK held every response back ~40 ms.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            # Each real client sends its own cookies: the in-process client's jar (a browser's,
            # for tests) must not hand one client's cookies to another.
            client.cookies.clear()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            try:
                response = client.request(self.command, self.path, data=body,
                                          headers=headers, cookies={})
            except LookupError as exc:  # a path several APIs route: --api picks one
                message = f"{exc} Here: serve one API with --api NAME."
                sys.stderr.write(f"pytest-lambda serve: {message}\n")
                payload = json.dumps({"message": message}).encode()
                self.send_response(421)  # Misdirected Request: which API is not known
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            if not quiet:
                for result in [*response.authorizer_invocations,
                               *([response.invocation] if response.invocation else [])]:
                    sys.stderr.write(result.logs.text + "\n")
                    sys.stderr.flush()
            self.send_response(response.status_code)
            for name, value in response.header_list:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            if not quiet:  # one line per request, after the function's log
                sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return Handler
