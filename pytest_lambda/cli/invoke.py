"""``pytest-lambda invoke``: run a handler once, as Lambda would, from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(parser: argparse.ArgumentParser) -> Any:
    """Invoke a handler once and print its response (and, with --log, its CloudWatch log)."""
    parser.description = (
        "Invoke a Python handler once in an emulated Lambda environment and print the response "
        "payload as JSON. The event is read from --event (a file, or - for standard input), "
        "or is {} by default.")
    parser.add_argument("handler", help="handler string, e.g. app.handler or src/app.handler")
    parser.add_argument("--code-dir", default=".", help="folder holding the code (default: .)")
    parser.add_argument("--event", default=None,
                        help="JSON event file, or - to read it from standard input")
    parser.add_argument("--name", default=None, help="function name")
    parser.add_argument("--timeout", type=int, default=3, help="timeout in seconds (1-900)")
    parser.add_argument("--memory", type=int, default=128, help="memory in MB (128-10240)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="environment variable for the function (repeatable)")
    parser.add_argument("--runtime", default=None,
                        help="runtime, e.g. python3.12 (default: this Python's version); the "
                        "worker runs on an interpreter of its version when one is installed")
    parser.add_argument("--log-format", choices=["Text", "JSON"], default="Text")
    parser.add_argument("--log", action="store_true",
                        help="print the invocation's log to standard error")
    parser.add_argument("--isolation", choices=["process", "in-process"], default="process",
                        help="where the handler runs: a worker process (default: a handler "
                        "that calls os._exit() or crashes is reported, not fatal to the "
                        "command) or in-process")
    return _run


class _UsageError(Exception):
    """A mistake in the command line: reported on standard error, exit status 2."""


def _read_event(source: str | None) -> Any:
    if source is None:
        return {}
    where = "standard input" if source == "-" else repr(source)
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        text = data.decode("utf-8")
    except OSError as exc:
        raise _UsageError(f"--event {source!r} cannot be read: {exc.strerror or exc}. Pass the "
                          "path of a JSON file, or - for standard input.") from None
    except UnicodeDecodeError as exc:
        raise _UsageError(f"the event in {where} is not UTF-8 text (byte {exc.start}: "
                          f"{exc.reason}). Save the JSON file as UTF-8.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _UsageError(f"the event in {where} is not JSON ({exc}). Pass a JSON document, "
                          "e.g. one from 'pytest-lambda generate-event'.") from None


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    from pytest_lambda.errors import LambdaError
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.runtime.marshal import EventError

    try:
        if extra:
            raise _UsageError(f"unexpected arguments {extra}")
        environment = {}
        for item in args.env:
            key, sep, value = item.partition("=")
            if not sep:
                raise _UsageError(f"--env {item!r} must be KEY=VALUE")
            environment[key] = value
        event = _read_event(args.event)
        fn = LambdaFunction(args.handler, code_dir=args.code_dir, name=args.name,
                            timeout=args.timeout, memory_size=args.memory, region=args.region,
                            environment=environment, log_format=args.log_format,
                            isolation=args.isolation, runtime=args.runtime)
        result = fn.invoke(event)
    except (_UsageError, LambdaError, TypeError, EventError) as exc:
        print(f"pytest-lambda invoke: error: {exc}", file=sys.stderr)
        return 2
    for note in fn.notes:
        print(f"pytest-lambda invoke: note: {note}", file=sys.stderr)
    if args.log:
        sys.stderr.write(result.logs.text + "\n")
    payload = result.payload
    if isinstance(payload, bytes):
        sys.stdout.write(payload.decode("utf-8", "replace") + "\n")
    else:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    fn.close()
    return 1 if result.function_error else 0
