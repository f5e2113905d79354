"""Command-line options shared by the subcommands that read a template."""

from __future__ import annotations

import argparse


def add_parameter_override(parser: argparse.ArgumentParser) -> None:
    """``--parameter-override KEY=VALUE`` (repeatable), as ``sam deploy
    --parameter-overrides`` and ini ``lambda_parameter_overrides`` take them."""
    parser.add_argument(
        "--parameter-override", action="append", default=[], metavar="KEY=VALUE",
        dest="parameter_overrides",
        help="a template value given locally (repeatable): a parameter without Default, a "
        "resource's name or attribute (Queue.Arn), or a layer ARN mapped to a folder")


def parameter_overrides(values: list[str]) -> dict[str, str]:
    """The ``KEY=VALUE`` arguments as a mapping; ValueError naming the bad one."""
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--parameter-override {item!r} is not KEY=VALUE: write e.g. "
                             "--parameter-override Stage=test (once per value).")
        out[key.strip()] = value
    return out
