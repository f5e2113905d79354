"""``pytest-lambda invoke``: run a handler once, as Lambda would, from the command line."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from pytest_lambda.cli.options import add_parameter_override, parameter_overrides


def register(parser: argparse.ArgumentParser) -> Any:
    """Invoke a handler once and print its response (and, with --log, its CloudWatch log)."""
    parser.description = (
        "Invoke a handler (Python or Node.js) once in an emulated Lambda environment and print "
        "the response payload as JSON. The event is read from --event (a file, or - for "
        "standard input), or is {} by default. With --template, HANDLER is a function of that "
        "SAM template or serverless.yml (logical id or deployed name) and its settings apply; "
        "options given on the command line win.")
    parser.add_argument("handler", metavar="HANDLER",
                        help="handler string (app.handler, src/app.handler), or with "
                        "--template the name of one of its functions")
    parser.add_argument("--template", default=None,
                        help="SAM template.yaml or serverless.yml that defines the function")
    parser.add_argument("--stage", default=None, help="serverless.yml stage (with --template)")
    add_parameter_override(parser)
    parser.add_argument("--code-dir", default=None, help="folder holding the code (default: .)")
    parser.add_argument("--event", default=None,
                        help="JSON event file, or - to read it from standard input")
    parser.add_argument("--name", default=None, help="function name")
    parser.add_argument("--runtime", default=None,
                        help="python3.10 ... python3.14 or nodejs20.x ... nodejs24.x (default: "
                        "the template's, else this interpreter's Python); a Python worker "
                        "runs on an interpreter of that version when one is installed")
    parser.add_argument("--timeout", type=int, default=None,
                        help="timeout in seconds, 1-900 (default: the template's, else 3)")
    parser.add_argument("--memory", type=int, default=None,
                        help="memory in MB, 128-10240 (default: the template's, else 128)")
    parser.add_argument("--region", default=None, help="Region (default: us-east-1)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="environment variable for the function (repeatable; wins over "
                        "the template's)")
    parser.add_argument("--log-format", choices=["Text", "JSON"], default=None)
    parser.add_argument("--log", action="store_true",
                        help="print the invocation's log to standard error")
    parser.add_argument("--aws", action="store_true",
                        help="run under moto, the embedded AWS (needs pytest-aws-lambda[aws]): "
                        "the handler's boto3 calls reach an empty mocked account, never AWS; "
                        "implies --isolation in-process")
    parser.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                        help="a host or CIDR the handler may connect to (repeatable; by "
                        "default only loopback)")
    parser.add_argument("--isolation", choices=["process", "in-process"], default=None,
                        help="where a Python handler runs: a worker process (the default: a "
                        "handler that calls os._exit() or crashes is reported, not fatal to "
                        "the command) or in-process (the default with --aws)")
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


def _settings(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The handler and ``LambdaFunction`` keyword arguments the command line asks for."""
    environment = {}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep:
            raise _UsageError(f"--env {item!r} must be KEY=VALUE")
        environment[key] = value
    if args.aws and args.isolation == "process":
        raise _UsageError("--aws runs moto in this process, which a worker process cannot "
                          "reach: drop --isolation process (or --aws).")
    given = {"code_dir": args.code_dir, "name": args.name, "runtime": args.runtime,
             "timeout": args.timeout, "memory_size": args.memory, "region": args.region,
             "log_format": args.log_format}
    kwargs: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    kwargs["isolation"] = args.isolation or ("in-process" if args.aws else "process")
    kwargs["network_allow"] = list(args.allow_host)
    from pytest_lambda.runtime.network import check_allow

    for host in args.allow_host:
        try:
            check_allow([host], "--allow-host")
        except ValueError as exc:
            raise _UsageError(str(exc).replace("--allow-host entry", "--allow-host")) from None
    handler = args.handler
    if args.template is not None:
        # Only with --template: the template loader.
        from pytest_lambda.template import load_template

        try:
            overrides = parameter_overrides(args.parameter_overrides)
        except ValueError as exc:
            raise _UsageError(str(exc)) from None
        function = load_template(args.template, region=args.region, stage=args.stage,
                                 parameter_overrides=overrides).function(handler)
        settings = function.kwargs(environment=environment)
        handler = settings.pop("handler")
        return handler, {**settings, **kwargs}
    if args.stage is not None:
        raise _UsageError("--stage applies to a serverless.yml: pass --template too.")
    if args.parameter_overrides:
        raise _UsageError("--parameter-override gives template values: pass --template too.")
    kwargs.setdefault("code_dir", ".")
    return handler, {**kwargs, "environment": environment}


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    # The core loads when the command runs, not with the parser (--help stays instant).
    from pytest_lambda.errors import LambdaError, with_advice
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.runtime.marshal import EventError
    from pytest_lambda.runtime.workers.node import NodeNotFoundError
    from pytest_lambda.templates.errors import TemplateError

    try:
        if extra:
            raise _UsageError(f"unexpected arguments {extra}")
        handler, kwargs = _settings(args)
        event = _read_event(args.event)
        with contextlib.ExitStack() as stack:
            if args.aws:
                # Only with --aws: moto.
                from pytest_lambda.service.aws import MockedAws

                try:
                    stack.enter_context(MockedAws(kwargs.get("region") or "us-east-1"))
                except RuntimeError as exc:  # moto is not installed
                    raise _UsageError(f"--aws: {exc}") from None
            fn = stack.enter_context(LambdaFunction(handler, **kwargs))
            result = fn.invoke(event)
    except (_UsageError, LambdaError, TypeError, ValueError, EventError, TemplateError,
            NodeNotFoundError) as exc:
        print(f"pytest-lambda invoke: error: {with_advice(exc)}", file=sys.stderr)
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
    return 1 if result.function_error else 0
