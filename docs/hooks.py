"""MkDocs hooks: the reference pages are generated from the code, and the examples' READMEs
become pages of the site.

- ``<!-- reference:ini -->``, ``<!-- reference:markers -->``, ``<!-- reference:fixtures -->``
  and ``<!-- reference:cli -->`` in a page are replaced with tables built from the plugin's own
  option registrations, marker signatures, fixture docstrings and argparse parsers, so the
  docstrings and help texts are the single source.
- ``examples/<name>/README.md`` is served as ``examples/<name>.md``; links to ``../examples/x``
  in the docs point there.
"""

from __future__ import annotations

import argparse
import inspect
import re
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File  # only when MkDocs builds the site

    for readme in sorted(EXAMPLES.glob("*/README.md")):
        name = readme.parent.name
        files.append(File.generated(config, f"examples/{name}.md",
                                    content=_example_page(name, readme.read_text())))
    return files


def _example_page(name: str, text: str) -> str:
    # Links inside an example's README point at its own files: show them as plain text paths.
    text = re.sub(r"\]\((?!https?://|#)([^)]+)\)", lambda m: f"] (`examples/{name}/{m.group(1)}`)",
                  text)
    return text.replace("] (`", " (`")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    markdown = re.sub(r"\]\((?:\.\./)+examples/([\w-]+)/?\)", r"](examples/\1.md)", markdown)
    if page.file.src_uri.count("/"):
        markdown = markdown.replace("](examples/", "](../examples/")
    for key, build in (("ini", _ini), ("markers", _markers), ("fixtures", _fixtures),
                       ("cli", _cli)):
        marker = f"<!-- reference:{key} -->"
        if marker in markdown:
            markdown = markdown.replace(marker, build())
    return markdown


def _parser() -> Any:
    from _pytest.config.argparsing import Parser

    from pytest_lambda.plugin import pytest_addoption

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Parser is private to pytest
        parser = Parser()
    pytest_addoption(parser)
    return parser


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _ini() -> str:
    parser = _parser()
    group = next(g for g in parser._groups if g.name == "aws_lambda")
    flags = {o.attrs()["dest"]: o.names()[0] for o in group.options}
    rows = ["| ini option | command line | type | default | what it sets |",
            "|---|---|---|---|---|"]
    for name, (help_text, kind, default) in sorted(parser._inidict.items()):
        if not name.startswith("lambda_"):
            continue
        flag = flags.get(name, flags.get(name.rstrip("s"), ""))
        shown = "" if default in (None, [], "") else f"`{default}`"
        rows.append(f"| `{name}` | {f'`{flag}`' if flag else ''} | {kind} | {shown} | "
                    f"{_cell(help_text)} |")
    return "\n".join(rows)


def _markers() -> str:
    from pytest_lambda.plugin.markers import MARKERS

    rows = ["| marker | what it does |", "|---|---|"]
    for line in MARKERS:
        signature, _, text = line.partition(": ")
        rows.append(f"| `@pytest.mark.{signature}` | {_cell(text)} |")
    return "\n".join(rows)


def _fixtures() -> str:
    from pytest_lambda.plugin import fixtures

    out = []
    for name in sorted(n for n in dir(fixtures) if n.startswith("lambda_")):
        function = getattr(fixtures, name)
        unwrap = getattr(function, "_get_wrapped_function", None)
        doc = inspect.getdoc(unwrap() if unwrap is not None else function)
        out.append(f"### `{name}`\n\n{doc or ''}\n")
    return "\n".join(out)


def _cli() -> str:
    from pytest_lambda import cli

    out = []
    for name, register in cli.SUBCOMMANDS:
        parser = argparse.ArgumentParser(prog=f"pytest-lambda {name}", add_help=False)
        register(parser)
        formatter = parser.formatter_class(prog=parser.prog, width=96)
        formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
        usage = formatter.format_help().strip()
        out.append(f"### `pytest-lambda {name}`\n\n{parser.description or ''}\n\n"
                   f"```text\n{usage}\n```\n")
        rows = ["| option | what it does |", "|---|---|"]
        for action in parser._actions:
            label = ", ".join(action.option_strings) or action.dest
            rows.append(f"| `{label}` | {_cell(action.help or '')} |")
        out.append("\n".join(rows) + "\n")
    return "\n".join(out)
