"""Normalise both sides' output and compare it aspect by aspect.

Only what legitimately differs between two runs is normalised: request ids, the digits of
timestamps (never their format), and file paths (the code directory is Lambda's
``/var/task``, the client's own files ``/var/runtime``, the Python standard library
``/var/lang/lib/python3.x``). Line and column numbers inside the Node client's bundle are
blanked too: the installed bundle is not byte-for-byte the one a managed runtime ships.
"""

from __future__ import annotations

import difflib
import json
import re
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from diff_sides import Observed

_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")
_RUNTIME_FRAME = re.compile(r"(/var/runtime/index\.mjs):\d+:\d+")
#: The Python client's native log lines: "[ERROR] [<epoch ms>] LAMBDA_RUNTIME ...".
_NATIVE_STAMP = re.compile(r"^(\[[A-Z]+\] \[)\d+(\] LAMBDA_RUNTIME )", re.M)
ASPECTS = ("function error", "payload (parsed)", "payload (raw bytes)", "init log",
           "invocation log", "init and invocation log")


@dataclass(frozen=True)
class Paths:
    """The real locations that stand for Lambda's fixed paths in one comparison."""

    code_dir: Path
    runtime_dir: Path
    #: Files that are Lambda's ``/var/runtime/index.mjs`` (the Node client's bundle and the
    #: launcher that starts it, which on Lambda is that same file).
    node_entries: tuple[Path, ...] = ()
    #: Where ``runtime_dir`` is on Lambda.
    runtime_lambda_dir: str = "/var/runtime"

    def replacements(self) -> list[tuple[str, str]]:
        stdlib = sysconfig.get_paths()["stdlib"]
        version = Path(stdlib).name
        pairs = []
        for entry in self.node_entries:
            pairs.append((entry.as_uri(), "file:///var/runtime/index.mjs"))
            pairs.append((str(entry), "/var/runtime/index.mjs"))
        for path, lam in ((self.code_dir, "/var/task"), (self.runtime_dir, self.runtime_lambda_dir),
                          (Path(stdlib), f"/var/lang/lib/{version}")):
            real = path.resolve()
            pairs.append((real.as_uri(), f"file://{lam}"))
            pairs.append((str(real), lam))
            if str(path) != str(real):
                pairs.append((str(path), lam))
        return pairs


def normalise(text: str, request_id: str, paths: Paths) -> str:
    """``text`` with request id, timestamp digits and paths made comparable."""
    if request_id:
        text = text.replace(request_id, "<request-id>")
    for real, lam in paths.replacements():
        text = text.replace(real, lam)
    text = _RUNTIME_FRAME.sub(r"\1:<line>:<col>", text)
    text = _NATIVE_STAMP.sub(r"\1<ms>\2", text)
    return _TIMESTAMP.sub(lambda m: re.sub(r"\d", "0", m.group()), text)


@dataclass(frozen=True)
class Difference:
    """One aspect in which pytest-aws-lambda's output is not the real client's."""

    aspect: str
    expected: str
    actual: str

    def render(self) -> str:
        if "\n" not in self.expected + self.actual:
            return f"{self.aspect}:\n  real:  {self.expected}\n  ours:  {self.actual}"
        diff = difflib.unified_diff(self.expected.splitlines(), self.actual.splitlines(),
                                    "real client", "pytest-aws-lambda", lineterm="", n=2)
        return f"{self.aspect}:\n" + "\n".join(diff)


def _events(messages: list[str]) -> str:
    # One repr per line: exact bytes, with invisible characters (\r, NBSP, tabs) visible.
    return "\n".join(repr(m) for m in messages) if messages else "(no events)"


def compare(real: Observed, ours: Observed, real_paths: Paths, our_paths: Paths,
            ) -> list[Difference]:
    """Every aspect that differs after normalisation (empty when the outputs are identical)."""
    def r(text: str) -> str:
        return normalise(text, real.request_id, real_paths)

    def o(text: str) -> str:
        return normalise(text, ours.request_id, our_paths)

    out = []
    if real.function_error != ours.function_error:
        out.append(Difference("function error", str(real.function_error),
                              str(ours.function_error)))
    raw_real = r(real.payload.decode("utf-8", "surrogateescape"))
    raw_ours = o(ours.payload.decode("utf-8", "surrogateescape"))
    try:
        parsed_real = json.loads(raw_real)
    except ValueError:
        parsed_real = raw_real
    try:
        parsed_ours = json.loads(raw_ours)
    except ValueError:
        parsed_ours = raw_ours
    if parsed_real != parsed_ours:
        out.append(Difference("payload (parsed)", json.dumps(parsed_real, indent=1,
                                                             ensure_ascii=False),
                              json.dumps(parsed_ours, indent=1, ensure_ascii=False)))
    if raw_real != raw_ours:
        out.append(Difference("payload (raw bytes)", repr(raw_real), repr(raw_ours)))
    logs = [("init log", real.init, ours.init), ("invocation log", real.invoke, ours.invoke)]
    if real.init_failed:
        logs = [("init and invocation log", real.init + real.invoke, ours.init + ours.invoke)]
    for aspect, real_msgs, our_msgs in logs:
        expected = _events([r(m) for m in real_msgs])
        actual = _events([o(m) for m in our_msgs])
        if expected != actual:
            out.append(Difference(aspect, expected, actual))
    return out
