"""Where the real runtime interface clients are, and which versions the tier is pinned to.

Installed by ``tests/differential/install.sh``: ``awslambdaric`` into the Python environment
that runs the tests, and the npm packages of ``node/package.json`` (the Node 3.x and 4.x
clients and the Node 22 and 24 binaries they run on) into ``node/node_modules``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "node"
MODULES = NODE_DIR / "node_modules"
INSTALL_HINT = "run `bash tests/differential/install.sh` (pip + npm; see docs/differential.md)"
#: The environment variable that decides what a missing client means.
MODE_VAR = "PYTEST_LAMBDA_DIFFERENTIAL"
MODES = ("auto", "require")

PINNED_AWSLAMBDARIC = "4.2.2"


@dataclass(frozen=True)
class Client:
    """One real runtime interface client and how to start it on a handler."""

    runtime: str
    name: str
    #: The command before the handler-independent part; the handler comes from ``_HANDLER``.
    command: tuple[str, ...]
    #: Files that must exist for the client to run (binary, entry point, native addon).
    needs: tuple[Path, ...]
    #: Directory of the client's own code: its stack frames show as Lambda's ``/var/runtime``.
    runtime_dir: Path
    #: The Node client's bundle and launcher: on Lambda they are ``/var/runtime/index.mjs``.
    entries: tuple[Path, ...] = ()
    #: Set when the client is installed but cannot be used (a version other than the pin).
    problem: str | None = None
    #: Where Lambda has ``runtime_dir``: the Python client is in the image's site-packages (a
    #: frame of its own shows in a ``stackTrace`` when the call into the handler fails).
    lambda_dir: str = "/var/runtime"

    def missing(self) -> str | None:
        """Why this client cannot run here, or None."""
        if self.problem:
            return self.problem
        absent = [str(p) for p in self.needs if not p.exists()]
        if absent:
            return (f"the real {self.name} client for {self.runtime} is not installed "
                    f"(missing {', '.join(absent)}): {INSTALL_HINT}")
        return None


def python_client(runtime: str) -> Client:
    """``python -m awslambdaric`` on the interpreter that runs the tests."""
    try:
        version = importlib.metadata.version("awslambdaric")
    except importlib.metadata.PackageNotFoundError:
        version = None
    spec = importlib.util.find_spec("awslambdaric")
    runtime_dir = Path(spec.origin).parent if spec and spec.origin else Path(sys.prefix)
    problem = None
    if version is not None and version != PINNED_AWSLAMBDARIC:
        problem = (f"awslambdaric {version} is installed, but the differential tier is pinned "
                   f"to {PINNED_AWSLAMBDARIC}: {INSTALL_HINT}")
    return Client(runtime, f"awslambdaric {PINNED_AWSLAMBDARIC}",
                  (sys.executable, "-m", "awslambdaric"), (runtime_dir / "bootstrap.py",),
                  runtime_dir, problem=problem,
                  lambda_dir=f"/var/lang/lib/{runtime}/site-packages/awslambdaric")


def node_client(runtime: str) -> Client:
    """The Node client of ``runtime`` (3.x for nodejs22.x, 4.x for nodejs24.x) on its Node."""
    if runtime == "nodejs22.x":
        node = MODULES / "node22" / "bin" / "node"
        entry = MODULES / "ric3" / "dist" / "index.mjs"
        return Client(runtime, "aws-lambda-ric 3.3.0 on Node 22",
                      (str(node), str(NODE_DIR / "launch-ric3.mjs")),
                      (node, entry, MODULES / "ric3" / "dist" / "rapid-client.node"),
                      entry.parent, (entry, NODE_DIR / "launch-ric3.mjs"))
    if runtime == "nodejs24.x":
        node = MODULES / "node24" / "bin" / "node"
        entry = MODULES / "ric4" / "index.mjs"
        return Client(runtime, "aws-lambda-ric 4.0.2 on Node 24", (str(node), str(entry)),
                      (node, entry, MODULES / "ric4" / "rapid-client.node"), entry.parent,
                      (entry,))
    raise ValueError(f"no real Node client is set up for runtime={runtime!r}: use "
                     "'nodejs22.x' or 'nodejs24.x'")


def mode() -> str:
    """``auto`` (a missing client skips) or ``require`` (a missing client fails)."""
    value = os.environ.get(MODE_VAR, "auto").strip().lower() or "auto"
    if value not in MODES:
        raise ValueError(f"{MODE_VAR}={value!r} is not valid: use 'auto' (skip the differential "
                         "tier when a real client is missing) or 'require' (fail instead; "
                         "what CI sets)")
    return value
