"""Lambda layers from local folders: validation with Lambda's limits, and their module path.

Lambda extracts a function's layers into ``/opt`` in order (a later layer's file replaces an
earlier one's) and the Python runtimes search ``/opt/python/lib/python3.X/site-packages`` and
then ``/opt/python`` right after the function's code (AWS docs, "Packaging your layer content",
packaging-layers.html: "Layer paths for each Lambda runtime").
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import InvalidParameterValueException

#: AWS docs, "Lambda quotas": five layers per function.
MAX_LAYERS = 5
#: AWS docs, "Lambda quotas": 250 MB unzipped, function and layers together; the API's error
#: names the byte count.
UNZIPPED_LIMIT = 262_144_000
#: Folders a deployment package does not carry (virtual environments, caches, VCS data):
#: not counted towards the unzipped size.
_NOT_PACKAGED = frozenset({".git", ".hg", ".venv", "venv", ".tox", ".nox", "node_modules",
                           "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
                           ".aws-sam"})


def layer_arn_error(arn: str, where: str = "layers") -> InvalidParameterValueException:
    """The error for a published layer ARN: there is no local content to import."""
    return InvalidParameterValueException(
        f"{where} entry {arn!r} is a published layer version with no local content, so its "
        "modules cannot be imported. Unpack the layer (aws lambda get-layer-version-by-arn "
        "gives its download URL) into a folder and pass that folder instead: "
        "layers=['path/to/layer'] (the folder that holds python/ or nodejs/), or for a "
        f"template ini lambda_parameter_overrides = {arn}=path/to/layer (parameter_overrides="
        f"{{{arn!r}: 'path/to/layer'}} in Python).")


def check_layers(layers: Iterable[object] | None) -> tuple[Path, ...]:
    """``layers`` as resolved folders, in order; raises with Lambda's wording and a fix."""
    if layers is None:
        return ()
    if isinstance(layers, str | os.PathLike):
        raise InvalidParameterValueException(
            f"layers={layers!r} is a single value: pass a list of layer folders, e.g. "
            f"layers=[{str(layers)!r}].")
    out: list[Path] = []
    for entry in layers:
        if isinstance(entry, str) and entry.startswith("arn:"):
            raise layer_arn_error(entry)
        if not isinstance(entry, str | os.PathLike):
            raise InvalidParameterValueException(
                f"layers entry {entry!r} is a {type(entry).__name__}: pass the path of a folder "
                "holding the layer's unpacked content (str or pathlib.Path).")
        folder = Path(entry).resolve()
        if not folder.is_dir():
            raise InvalidParameterValueException(
                f"layer folder {str(folder)!r} does not exist or is not a directory. Point it "
                "at the layer's unpacked content (the folder that holds python/ or nodejs/).")
        out.append(folder)
    if len(out) > MAX_LAYERS:
        raise InvalidParameterValueException(
            f"Cannot reference more than {MAX_LAYERS} layers.", advice=f"This function has "
            f"{len(out)}: merge some of them (Lambda's limit).")
    return tuple(out)


def check_unzipped_size(code_dir: Path, layers: Sequence[Path]) -> None:
    """Lambda's 250 MB limit on the function's code and its layers, unzipped."""
    total = 0
    for root in (code_dir, *layers):
        total += _size(root, UNZIPPED_LIMIT - total)
        if total >= UNZIPPED_LIMIT:
            raise InvalidParameterValueException(
                f"Unzipped size must be smaller than {UNZIPPED_LIMIT} bytes", advice=f"The code "
                f"folder {str(code_dir)!r} and its {len(layers)} layer(s) hold more (folders "
                "such as .venv and __pycache__ not counted): move what the function does not "
                "need out of them.")


def _size(root: Path, budget: int) -> int:
    """Bytes of the files under ``root``, stopping once over ``budget``."""
    total = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _NOT_PACKAGED]
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                continue
        if total >= budget:
            break
    return total


def layer_path(layers: Sequence[Path], runtime: str) -> list[str]:
    """The ``sys.path`` entries of ``layers`` for ``runtime``, as Lambda orders ``/opt``.

    All layers' ``site-packages`` first, then their ``python/`` folders; within each, the later
    layer first, because its files replace the earlier ones' in ``/opt``. A folder without
    ``python/`` is taken as the ``python/`` folder itself (a SAM layer with a ``BuildMethod``,
    before ``sam build`` moves its content there).
    """
    site, plain = [], []
    for layer in reversed(layers):
        python = layer / "python"
        if not python.is_dir():
            plain.append(str(layer))
            continue
        packages = python / "lib" / runtime / "site-packages"
        if packages.is_dir():
            site.append(str(packages))
        plain.append(str(python))
    return site + plain


def node_layer_path(layers: Sequence[Path], runtime: str) -> list[str]:
    """The ``NODE_PATH`` entries of ``layers`` for a Node.js ``runtime``, as Lambda orders
    ``/opt``: every layer's ``nodejs/node<major>/node_modules``, then every layer's
    ``nodejs/node_modules`` (AWS docs, "Packaging your layer content": Node.js layer paths),
    the later layer first within each. A folder without ``nodejs/`` is taken as the ``nodejs/``
    folder itself (a SAM layer with a ``BuildMethod``, before ``sam build``)."""
    major = runtime.removeprefix("nodejs").removesuffix(".x")
    versioned, plain = [], []
    for layer in reversed(layers):
        nodejs = layer / "nodejs" if (layer / "nodejs").is_dir() else layer
        versioned.append(str(nodejs / f"node{major}" / "node_modules"))
        plain.append(str(nodejs / "node_modules"))
    return versioned + plain


def pythonpath_entries(value: str | None, code_dir: Path) -> list[str]:
    """The function's own ``PYTHONPATH`` (AWS docs, "Defined runtime environment variables":
    not reserved, the runtime's interpreter starts with it) as local folders: ``/var/task`` and
    ``$LAMBDA_TASK_ROOT`` are the code directory, a relative entry is relative to it (the
    runtime's working directory); ``/var/runtime``, ``/var/lang`` and ``/opt`` are the runtime's
    and the layers' (already on the path), so they are left out."""
    out: list[str] = []
    for entry in (value or "").split(os.pathsep):
        if not entry:
            continue
        for prefix in ("/var/task", "$LAMBDA_TASK_ROOT", "${LAMBDA_TASK_ROOT}"):
            if entry == prefix or entry.startswith(prefix + "/"):
                entry = str(code_dir) + entry[len(prefix):]
                break
        if entry.startswith(("/var/runtime", "/var/lang", "/opt")):
            continue
        path = str(Path(code_dir, entry)) if not os.path.isabs(entry) else entry
        if path not in out:
            out.append(path)
    return out
