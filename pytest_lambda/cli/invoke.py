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
    parser.add_argument("--log-format", choices=["Text", "JSON"], default="Text")
    parser.add_argument("--log", action="store_true",
                        help="print the invocation's log to standard error")
    return _run


def _read_event(source: str | None) -> Any:
    if source is None:
        return {}
    text = sys.stdin.read() if source == "-" else Path(source).read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = "standard input" if source == "-" else source
        raise SystemExit(f"pytest-lambda invoke: the event in {where} is not JSON ({exc}). "
                         "Pass a JSON document, e.g. one from 'pytest-lambda generate-event'."
                         ) from None


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    from pytest_lambda.errors import LambdaError
    from pytest_lambda.function import LambdaFunction

    if extra:
        raise SystemExit(f"pytest-lambda invoke: unexpected arguments {extra}")
    environment = {}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"pytest-lambda invoke: --env {item!r} must be KEY=VALUE")
        environment[key] = value
    try:
        fn = LambdaFunction(args.handler, code_dir=args.code_dir, name=args.name,
                            timeout=args.timeout, memory_size=args.memory, region=args.region,
                            environment=environment, log_format=args.log_format)
        result = fn.invoke(_read_event(args.event))
    except (LambdaError, TypeError) as exc:
        print(f"pytest-lambda invoke: {exc}", file=sys.stderr)
        return 2
    if args.log:
        sys.stderr.write(result.logs.text + "\n")
    payload = result.payload
    if isinstance(payload, bytes):
        sys.stdout.write(payload.decode("utf-8", "replace") + "\n")
    else:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    fn.close()
    return 1 if result.function_error else 0
