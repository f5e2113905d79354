"""Reading template YAML: CloudFormation's short-form tags (``!Ref``, ``!GetAtt``, ...)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from .errors import TemplateError


def read_yaml(path: Path) -> Any:
    """The YAML document at ``path``, with CloudFormation's short-form tags as long forms."""
    if not path.is_file():
        raise TemplateError(f"template {path} does not exist. Check the path (ini "
                            "lambda_template is relative to the rootdir).")
    try:
        yaml: Any = importlib.import_module("yaml")
    except ImportError:
        raise TemplateError("reading templates needs PyYAML: pip install "
                            "'pytest-aws-lambda[yaml]'.") from None
    text = path.read_text(encoding="utf-8")
    # libyaml's parser when PyYAML has it (5-10x faster), with the same safe constructors; an
    # error is reported from the pure-Python parser, whose messages are the clearer ones.
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.load(text, Loader=_loader(fast))
        except yaml.YAMLError:
            pass
    try:
        return yaml.load(text, Loader=_loader(yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise TemplateError(f"{path}{where}: invalid YAML: {exc.problem or exc}. Fix the "
                            "syntax there.") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: invalid YAML: {exc}") from None


def _loader(base: Any) -> Any:
    loader: Any = type("CloudFormationLoader", (base,), {})
    loader.add_multi_constructor("!", _short_form)
    return loader


def _short_form(loader: Any, suffix: str, node: Any) -> dict[str, Any]:
    """``!Ref X`` -> ``{"Ref": "X"}``, ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``, ..."""
    value: Any
    if node.id == "scalar":
        value = loader.construct_scalar(node)
    elif node.id == "sequence":
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}
