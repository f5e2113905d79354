"""The ``pytest-lambda`` command line: a table of subcommands, each registered by one function.

To add a subcommand, append one ``(name, register)`` pair to :data:`SUBCOMMANDS`. ``register``
receives the subcommand's ``argparse.ArgumentParser``, adds its arguments and returns the
handler ``(args, extra_argv) -> exit code``. Use :func:`lazy` so the implementing module is
imported only when the table is built, e.g. ``("invoke", lazy("pytest_lambda.cli.invoke"))``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import inspect
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["SUBCOMMANDS", "Handler", "Register", "lazy", "main"]

Handler = Callable[[argparse.Namespace, list[str]], int]
Register = Callable[[argparse.ArgumentParser], Handler]


def lazy(module: str, attribute: str = "register", summary: str | None = None) -> Register:
    """A register function that imports ``module.attribute`` only when it is called."""

    def register(parser: argparse.ArgumentParser) -> Handler:
        target: Register = getattr(importlib.import_module(module), attribute)
        return target(parser)

    register.__doc__ = summary or f"See {module}."
    return register


def _register_generate_event(parser: argparse.ArgumentParser) -> Handler:
    """Print a realistic Lambda event as JSON, like ``sam local generate-event``."""
    parser.description = (
        "Print an event as JSON. Without SERVICE, list services; without EVENT, list the "
        "service's events. Pass factory arguments as --field value (JSON values are parsed, "
        'e.g. --size 10 --query \'{"a": "1"}\').'
    )
    parser.add_argument("service", nargs="?", help="event source, e.g. s3, sqs, apigateway")
    parser.add_argument("event", nargs="?", help="event name within the service, e.g. put")
    parser.add_argument("--seed", type=int, default=None, help="seed for reproducible ids")
    parser.add_argument("--now", default=None, help="event time, ISO-8601 (default: now, UTC)")
    parser.add_argument("--region", default=None, help="AWS region (default us-east-1)")
    parser.add_argument("--account-id", default=None, help="12-digit account id")
    parser.add_argument("--indent", type=int, default=2, help="JSON indent (default 2)")
    parser.add_argument(
        "--fields", action="store_true", help="list the event's --field options, types, defaults"
    )
    parser.add_argument(
        "--count", type=int, default=None, help="messages in the batch (sqs receive-message, ...)"
    )
    return _generate_event


def _fail(message: str) -> int:
    print(f"pytest-lambda generate-event: error: {message}", file=sys.stderr)
    return 2


def _parse_fields(extra: list[str], params: dict[str, inspect.Parameter]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    index = 0
    while index < len(extra):
        option = extra[index]
        if not option.startswith("--") or len(option) == 2:
            raise ValueError(f"expected --field value, got {option!r}")
        name, _, value = option[2:].partition("=")
        if not _:
            if index + 1 >= len(extra):
                raise ValueError(f"--{name} needs a value")
            index += 1
            value = extra[index]
        key = name.replace("-", "_")
        annotation = str(params[key].annotation) if key in params else ""
        if annotation.split(" |")[0] == "str":
            fields[key] = value
        else:
            try:
                fields[key] = json.loads(value)
            except ValueError:
                fields[key] = value
        index += 1
    return fields


def _field_lines(func: Callable[..., Any], fixed: dict[str, Any]) -> list[str]:
    """One line per --field: its type and the default this event uses."""
    import typing

    hidden = {"rng", "now", "region", "account_id"}
    hints = typing.get_type_hints(inspect.unwrap(func))
    lines = []
    for p in inspect.signature(func).parameters.values():
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or p.name in hidden:
            continue
        kind = inspect.formatannotation(hints.get(p.name, p.annotation)).replace("typing.", "")
        if p.name in fixed:
            default = f"default: {json.dumps(fixed[p.name], default=repr)}"
        elif p.default is p.empty:
            default = "required"
        else:
            default = f"default: {json.dumps(p.default, default=repr)}"
        lines.append(f"--{p.name.replace('_', '-')}  {kind}  ({default})")
    return lines


def _field_names(func: Callable[..., Any]) -> list[str]:
    hidden = {"rng", "now", "region", "account_id"}
    return [
        "--" + p.name.replace("_", "-")
        for p in inspect.signature(func).parameters.values()
        if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name not in hidden
    ]


def _generate_event(args: argparse.Namespace, extra: list[str]) -> int:
    # Only generate-event needs the factories and their catalog: the parser stays cheap.
    from pytest_lambda import events
    from pytest_lambda.events._catalog import CATALOG

    services = sorted({e.service for e in CATALOG})
    if args.service is None:
        print("\n".join(services))
        return 0
    entries = {e.event: e for e in CATALOG if e.service == args.service}
    if not entries:
        return _fail(f"unknown service {args.service!r}; choose from: {', '.join(services)}")
    if args.event is None:
        print("\n".join(sorted(entries)))
        return 0
    entry = entries.get(args.event)
    if entry is None:
        valid = ", ".join(sorted(entries))
        return _fail(f"unknown event {args.event!r} for {args.service}; choose from: {valid}")
    func = events.FACTORIES[entry.factory]
    if args.fields:
        print("\n".join(_field_lines(func, dict(entry.fixed))))
        return 0
    if args.count is not None:
        batchable = [f"{e.service} {e.event}" for e in CATALOG if e.batch]
        if entry.batch is None:
            return _fail(f"--count works only for: {', '.join(batchable)}")
        if args.count < 1:
            return _fail(f"--count {args.count} is not valid: expected 1 or more")
    try:
        now = dt.datetime.fromisoformat(args.now) if args.now else None
    except ValueError:
        return _fail(f"--now {args.now!r} is not an ISO-8601 time like 2024-06-01T12:00:00Z")
    options: dict[str, Any] = {}
    if args.region is not None:
        options["region"] = args.region
    if args.account_id is not None:
        options["account_id"] = args.account_id
    try:
        factory = events.EventFactory(args.seed, now=now, **options)
        fields = _parse_fields(extra, dict(inspect.signature(func).parameters))
        options = {**dict(entry.fixed), **fields}
        if args.count is not None and entry.batch is not None:
            batch, many, one = entry.batch
            default = inspect.signature(func).parameters[one].default
            item = options.pop(one, default)
            event = getattr(factory, batch)(**{many: [item] * args.count, **options})
        else:
            event = getattr(factory, entry.factory)(**options)
    except events.EventError as exc:
        return _fail(str(exc))
    except ValueError as exc:
        return _fail(str(exc))
    except TypeError as exc:
        known = ", ".join(_field_names(func))
        return _fail(f"{exc}; fields for {args.service} {args.event}: {known}")
    print(json.dumps(event, indent=args.indent or None, ensure_ascii=False))
    return 0


SUBCOMMANDS: tuple[tuple[str, Register], ...] = (
    ("generate-event", _register_generate_event),
    ("invoke", lazy("pytest_lambda.cli.invoke",
                    summary="Invoke a handler once as Lambda would and print the response.")),
    ("serve", lazy("pytest_lambda.cli.serve", summary="Serve a template's APIs on a loopback "
                   "HTTP server, running the functions in-process on moto.")),
    ("coverage", lazy("pytest_lambda.cli.coverage", summary="Per-function gates (invoked, "
                      "line coverage) from --lambda-report files and a coverage data file.")),
)
"""Subcommand name → register function (see the module docstring)."""


def _build_parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    parser = argparse.ArgumentParser(
        prog="pytest-lambda", description="Tools that come with pytest-aws-lambda."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    handlers: dict[str, Handler] = {}
    for name, register in SUBCOMMANDS:
        summary = (register.__doc__ or "").strip().splitlines()[0:1]
        sub = subparsers.add_parser(name, help=summary[0] if summary else None)
        handlers[name] = register(sub)
    return parser, handlers


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with *argv* (default ``sys.argv[1:]``) and return the exit code."""
    parser, handlers = _build_parser()
    args, extra = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        parser.print_help()
        return 2
    try:
        code = handlers[args.command](args, extra)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``pytest-lambda generate-event ... | head``): not an error of
        # ours. Point stdout at devnull so that the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
