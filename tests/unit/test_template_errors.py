"""Malformed templates give a TemplateError naming the place and the fix, never a traceback."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_lambda.template import TemplateError, load_template

FUNCTION = """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {handler}
      Runtime: python3.12
      Environment:
        Variables:
          X: {value}
"""


def _load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(text))
    load_template(path).function("Fn").kwargs()


@pytest.mark.parametrize(("value", "message"), [
    ("!Select [5, [a, b]]", r"template\.yaml: Fn::Select in Fn Environment\.Variables\.X is "
                            r"malformed .*index 5 is outside the list of 2\)\. Write !Select"),
    ("!Join [',', abc]", r"Fn::Join in Fn Environment\.Variables\.X is malformed .*Write !Join "
                         r"\[delimiter, \[value, \.\.\.\]\]"),
    ("!Join [',']", r"Fn::Join .* is malformed"),
    ("!If [A]", r"Fn::If .* is malformed .*Write !If \[condition_name"),
    ("!GetAtt NoDot", r"Fn::GetAtt .* is malformed .*Write !GetAtt Resource\.Attribute"),
])
def test_malformed_intrinsics(tmp_path: Path, value: str, message: str) -> None:
    """Out-of-range !Select, !Join over a non-list and friends name the intrinsic and the fix."""
    with pytest.raises(TemplateError, match=message):
        _load(tmp_path, "Conditions:\n  A: !Equals [1, 1]\n"
              + FUNCTION.format(handler="app.handler", value=value))


def test_circular_conditions(tmp_path: Path) -> None:
    """Conditions that refer to each other are an error, not a RecursionError."""
    with pytest.raises(TemplateError, match=r"circular condition in Fn Environment\.Variables\.X"):
        _load(tmp_path, "Conditions:\n  A: !Condition B\n  B: !Condition A\n"
              + FUNCTION.format(handler="app.handler", value="!If [A, x, y]"))


def test_handler_must_be_a_string(tmp_path: Path) -> None:
    """Handler: [a, b] is refused instead of becoming the handler "['a', 'b']"."""
    with pytest.raises(TemplateError, match=r"resource Fn has Handler: \['a', 'b'\], a list; it "
                                            r"must be one string, e\.g\. Handler: app\.handler"):
        _load(tmp_path, FUNCTION.format(handler="[a, b]", value="x"))


def test_resources_must_be_a_mapping(tmp_path: Path) -> None:
    """Resources: [1, 2] is named as the problem, not reported as 'no function named Fn'."""
    with pytest.raises(TemplateError, match=r"template\.yaml: Resources is a list, not a mapping"):
        _load(tmp_path, "Resources: [1, 2]\n")
