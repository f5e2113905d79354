"""What a handler's Python child processes inherit to keep the network guard (see
:mod:`.sitecustomize`): the variables added to the C-level environment during a phase."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

HOOK_DIR = str(Path(__file__).resolve().parent)
PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])  # holds pytest_lambda/
VARIABLE = "PYTEST_LAMBDA_CHILD_GUARD"


def child_variables(allow: Sequence[str] | bool, function_name: str,
                    environ: dict[str, str]) -> dict[str, str]:
    """The variables that start the guard in a Python child; none when all is allowed."""
    if allow is True:
        return {}
    rules = [] if allow is False else [str(entry) for entry in allow]
    path = [HOOK_DIR, PACKAGE_ROOT, environ.get("PYTHONPATH", "")]
    return {VARIABLE: json.dumps({"allow": rules, "function": function_name}),
            "PYTHONPATH": os.pathsep.join(p for p in path if p)}
