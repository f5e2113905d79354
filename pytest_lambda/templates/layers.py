"""A template function's layers as local folders (SAM / CloudFormation and serverless.yml)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from ..layers import layer_arn_error
from .errors import TemplateError
from .resolve import _NO_VALUE, _dict, _Scope, sls_plugins

_SAM_LAYER_TYPES = {"AWS::Serverless::LayerVersion": "ContentUri",
                    "AWS::Lambda::LayerVersion": "Content"}


def sam_layers(scope: _Scope, owner: str, entries: Any) -> list[str]:
    """``Layers`` of a SAM / CloudFormation function: ``!Ref`` to a local LayerVersion, or a
    layer ARN mapped to a folder through ``parameter_overrides``."""
    if entries is None:
        return []
    entries = _chosen(scope, entries, f"{owner}.Layers")
    if entries is _NO_VALUE:
        return []
    if not isinstance(entries, list):
        raise TemplateError(f"{scope.path.name}: {owner}'s Layers is {entries!r}; it must be a "
                            "list (e.g. Layers: [!Ref SharedLayer]).")
    out = []
    for entry in entries:
        entry = _chosen(scope, entry, f"{owner}.Layers")
        if entry is _NO_VALUE:  # !If [Cond, <layer>, !Ref AWS::NoValue]: no layer
            continue
        ref = entry.get("Ref") if isinstance(entry, dict) and len(entry) == 1 else None
        resource = _dict(scope.resources.get(ref)) if isinstance(ref, str) else {}
        prop = _SAM_LAYER_TYPES.get(str(resource.get("Type")))
        if prop is not None:
            content = scope.resolve(_dict(resource.get("Properties")).get(prop),
                                    f"{ref}.{prop}")
            meta = _dict(resource.get("Metadata"))
            if not isinstance(content, str) and isinstance(meta.get("aws:asset:path"), str):
                content = meta["aws:asset:path"]  # a CDK asset folder next to the template
            if not isinstance(content, str) or content.startswith("s3://"):
                raise TemplateError(
                    f"{scope.path.name}: layer {ref}'s {prop} is {content!r}, content stored in "
                    f"S3; local content is needed. Point {prop} at the layer's folder, or pass "
                    "layers=['path/to/layer'].")
            folder = _folder(scope, f"layer {ref}'s {prop}", content)
            built = _dict(resource.get("Metadata")).get("BuildMethod") is not None
            out.append(folder if built else as_uploaded(folder))
            continue
        out.append(_local(scope, f"{owner}.Layers", scope.resolve(entry, f"{owner}.Layers")))
    return out


def sls_layers(scope: _Scope, owner: str, entries: Any) -> list[str]:
    """``layers`` of a serverless.yml function (or ``provider.layers``): ``{Ref:
    <Name>LambdaLayer}`` for a layer of the service's ``layers:`` section, or an ARN."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise TemplateError(f"{scope.path.name}: {owner}.layers is {entries!r}; it must be a "
                            "list (e.g. layers: [{Ref: SharedLambdaLayer}]).")
    defined = {_sls_layer_id(name): (name, spec)
               for name, spec in _dict(scope.doc.get("layers")).items()}
    out = []
    for entry in entries:
        ref = entry.get("Ref") if isinstance(entry, dict) and len(entry) == 1 else None
        if ref == _REQUIREMENTS_LAYER and _requirements_plugin(scope.doc):
            # serverless-python-requirements' layer (``layer: true``) holds the service's
            # requirements.txt: here they are the test environment's, installed as for the
            # plugin's other modes (which the package check reads), so no folder is added.
            continue
        if isinstance(ref, str) and ref in defined:
            name, spec = defined[ref]
            path = scope.resolve(_dict(spec).get("path"), f"layers.{name}.path")
            if not isinstance(path, str):
                raise TemplateError(f"{scope.path.name}: layers.{name} has no path; add path: "
                                    "<folder> (its content, holding python/).")
            out.append(as_uploaded(_folder(scope, f"layers.{name}.path", path)))
            continue
        out.append(_local(scope, f"{owner}.layers", scope.resolve(entry, f"{owner}.layers")))
    return out


def _chosen(scope: _Scope, value: Any, where: str) -> Any:
    """``value`` with its ``Fn::If`` choices made (the branch kept unresolved, so that a
    ``!Ref`` to a layer of the template stays one); ``!Ref AWS::NoValue`` as ``_NO_VALUE``:
    CloudFormation drops that entry (optional layers chosen by a parameter)."""
    while isinstance(value, dict) and len(value) == 1:
        if "Fn::If" in value and isinstance(value["Fn::If"], list) and len(value["Fn::If"]) == 3:
            condition, yes, no = value["Fn::If"]
            value = yes if scope.condition(condition, where, 0) else no
        elif value.get("Ref") == "AWS::NoValue":
            return _NO_VALUE
        else:
            break
    return value


_REQUIREMENTS_LAYER = "PythonRequirementsLambdaLayer"


def _requirements_plugin(doc: Any) -> bool:
    """Whether the service builds serverless-python-requirements' layer (``layer: true`` or
    its options)."""
    if "serverless-python-requirements" not in sls_plugins(doc):
        return False
    layer = _dict(_dict(doc.get("custom")).get("pythonRequirements")).get("layer")
    return layer is True or isinstance(layer, dict) or str(layer).lower() == "true"


def _sls_layer_id(name: str) -> str:
    """The CloudFormation logical id Serverless gives layer ``name`` (``NameLambdaLayer``)."""
    normal = name.replace("-", "Dash").replace("_", "Underscore")
    return normal[:1].upper() + normal[1:] + "LambdaLayer"


def _local(scope: _Scope, where: str, value: Any) -> str:
    """A resolved layer entry: an ARN mapped through ``parameter_overrides``, or a folder."""
    if not isinstance(value, str):
        raise TemplateError(f"{scope.path.name}: {where} entry {value!r} is not a layer ARN or "
                            "a !Ref to a LayerVersion of the template.")
    if value.startswith("arn:"):
        mapped = scope.overrides.get(value)
        if not isinstance(mapped, str):
            raise TemplateError(f"{scope.path.name}: {layer_arn_error(value, where)}")
        return _folder(scope, f"parameter_overrides[{value!r}]", mapped)
    return _folder(scope, where, value)


def as_uploaded(folder: str) -> str:
    """A layer folder the tool uploads as it is (a SAM LayerVersion without a ``BuildMethod``,
    a serverless.yml layer's ``path``), as Lambda extracts it into ``/opt``.

    ``layers=[folder]`` takes a folder without ``python/`` (or ``nodejs/``) as that folder
    itself, the layout ``sam build`` makes of a layer with a ``BuildMethod``. Uploaded as it
    is, such a folder's modules land in ``/opt``, which is not on the runtime's path: "If you
    don't include the Metadata resource attribute section, AWS SAM doesn't build the layer"
    (SAM developer guide, "Building Lambda layers"); Python runtimes search ``/opt/python``
    and its ``lib/python3.X/site-packages`` only (Lambda developer guide, "Packaging your
    layer content"). So the layer is given as a stand-in folder with an empty ``python/`` and
    ``nodejs/`` and links to the folder's entries: ``import helper`` of its top-level
    ``helper.py`` fails as on Lambda (it passed), its ``bin/`` and ``extensions/`` are there.
    """
    path = Path(folder)
    if (path / "python").is_dir() or (path / "nodejs").is_dir():
        return folder
    key = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    user = getattr(os, "getuid", lambda: "user")()
    stand_in = Path(tempfile.gettempdir(), f"pytest-aws-lambda-{user}", "layers", key)
    (stand_in / "python").mkdir(parents=True, exist_ok=True)
    (stand_in / "nodejs").mkdir(exist_ok=True)
    entries = {entry.name for entry in path.iterdir()}
    for old in stand_in.iterdir():  # entries the folder no longer has
        if old.is_symlink() and old.name not in entries:
            old.unlink(missing_ok=True)
    for name in entries:
        link = stand_in / name
        if not link.is_symlink():
            with contextlib.suppress(FileExistsError):  # another xdist worker made it
                link.symlink_to(path / name)
    return str(stand_in)


def _folder(scope: _Scope, where: str, path: str) -> str:
    folder = (scope.path.parent / path).resolve()
    if not folder.is_dir():
        raise TemplateError(f"{scope.path.name}: {where} is {path!r} ({folder}), which is not "
                            "a folder. Fix the path, relative to the template's folder.")
    return str(folder)
