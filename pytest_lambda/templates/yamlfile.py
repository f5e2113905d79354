"""Reading template YAML: CloudFormation's short-form tags (``!Ref``, ``!GetAtt``, ...).

SAM and CloudFormation read YAML 1.1 (``yes`` is true, ``010`` is 8); the Serverless Framework
reads serverless.yml with js-yaml 4, whose schema is YAML 1.2's core one: ``yes``, ``off``,
``12:30`` stay strings and ``010`` is 10 (serverless/serverless
lib/configuration/read.js; nodeca/js-yaml lib/type/bool.js, int.js). ``yaml12=True`` reads so.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

from .errors import TemplateError


def read_yaml(path: Path, *, yaml12: bool = False) -> Any:
    """The YAML document at ``path``, with CloudFormation's short-form tags as long forms
    (with ``yaml12``, plain scalars resolved as js-yaml 4 resolves them: see above)."""
    if path.is_dir():
        raise TemplateError(f"template {path} is a folder: give the template file in it (its "
                            "template.yaml or serverless.yml).")
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
            return yaml.load(text, Loader=_loader(fast, yaml12))
        except yaml.YAMLError:
            pass
    try:
        return yaml.load(text, Loader=_loader(yaml.SafeLoader, yaml12))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise TemplateError(f"{path}{where}: invalid YAML: {exc.problem or exc}. Fix the "
                            "syntax there.") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: invalid YAML: {exc}") from None


def _loader(base: Any, yaml12: bool = False) -> Any:
    loader: Any = type("CloudFormationLoader", (base,), {})
    loader.add_multi_constructor("!", _short_form)
    if yaml12:
        _core_schema(loader)
    return loader


_BOOL, _INT, _FLOAT = (f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float"))


def _core_schema(loader: Any) -> None:
    """Replace YAML 1.1's implicit booleans, integers and floats with YAML 1.2 core's."""
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
        for first, resolvers in loader.yaml_implicit_resolvers.items()}
    loader.add_implicit_resolver(
        _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    loader.add_implicit_resolver(
        _INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789"))
    loader.add_implicit_resolver(_FLOAT, re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"), list("-+0123456789."))
    loader.add_constructor(_INT, _core_int)


def _core_int(loader: Any, node: Any) -> int:
    """An integer as YAML 1.2 core reads it: ``010`` is ten, not eight."""
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


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
