"""docs/coverage.md's commands and CI recipes name options that exist."""

from __future__ import annotations

import argparse
import re
import warnings
from pathlib import Path

PAGE = (Path(__file__).resolve().parents[3] / "docs" / "coverage.md").read_text()
BLOCKS = re.findall(r"```(?:console|yaml|ini)\n(.*?)```", PAGE, re.S)


def test_pytest_options_and_ini_names_in_the_recipes_exist() -> None:
    """Every --lambda-* flag and lambda_* ini name in the page's blocks is the plugin's."""
    from _pytest.config.argparsing import Parser

    from pytest_lambda.plugin import pytest_addoption

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pytest's Parser is private
        parser = Parser()
    pytest_addoption(parser)
    flags = {name for opt in parser._anonymous.options + [
        o for g in parser._groups for o in g.options] for name in opt.names()}
    text = "\n".join(BLOCKS)
    used = set(re.findall(r"--lambda-[a-z-]+", text))
    assert used and used <= flags
    ini = set(re.findall(r"^(lambda_[a-z_]+) =", text, re.M))
    assert ini and ini <= set(parser._inidict)


def test_cli_flags_in_the_recipes_exist() -> None:
    """Every flag given to ``pytest-lambda coverage`` in the page is one of its arguments."""
    from pytest_lambda.cli.coverage import register

    parser = argparse.ArgumentParser()
    register(parser)
    known = {s for action in parser._actions for s in action.option_strings}
    commands = re.findall(r"pytest-lambda coverage(.*?)(?:\n\s*- |\n```|\n\n|$)",
                          "\n".join(BLOCKS), re.S)
    used = {flag for command in commands for flag in re.findall(r"\s(--[a-z-]+)", command)}
    assert {"--report", "--data-file", "--require-invoked", "--fail-under"} <= used <= known


def test_gitlab_coverage_pattern_has_a_terminal_report_to_read() -> None:
    """A job whose ``coverage:`` pattern reads TOTAL asks pytest-cov for a terminal report
    (naming only xml turns it off)."""
    gitlab = PAGE.split("## GitLab CI", 1)[1]
    job = next(b for b in re.findall(r"```yaml\n(.*?)```", gitlab, re.S) if "coverage:" in b)
    assert "--cov-report=term" in job
