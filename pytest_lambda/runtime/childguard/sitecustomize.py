"""Started in a handler's Python child processes: the network guard, for the child's lifetime.

While a phase runs, the C-level environment that child processes inherit carries
``PYTEST_LAMBDA_CHILD_GUARD`` (the function's allow list as JSON) and this directory first on
``PYTHONPATH``; Python imports ``sitecustomize`` at start-up, so a Python child (``subprocess``
running ``python``, ``multiprocessing``'s spawn) refuses the network like its parent. The
project's own ``sitecustomize`` (if any) is imported afterwards, as it would have been.
"""

from __future__ import annotations

import json
import os
import sys


def _install() -> None:
    spec = os.environ.get("PYTEST_LAMBDA_CHILD_GUARD")
    if not spec:
        return
    try:
        setup = json.loads(spec)
        # Only in a guarded child: every other interpreter that reads this hook skips it.
        from pytest_lambda.runtime.network import NetworkGuard

        NetworkGuard(setup["allow"], function_name=setup.get("function")).__enter__()
    except Exception as exc:  # never stop the child from starting: say why it is unguarded
        sys.stderr.write(f"pytest-aws-lambda: network guard not installed in child: {exc}\n")


def _chain() -> None:
    """Import the next ``sitecustomize`` on the path, the one this module shadows."""
    here = os.path.dirname(os.path.abspath(__file__))
    saved = sys.path[:]
    module = sys.modules.pop("sitecustomize", None)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    try:
        import sitecustomize  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        if module is not None:
            sys.modules["sitecustomize"] = module
    finally:
        sys.path[:] = saved


_install()
_chain()
