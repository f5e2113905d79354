"""The files a deployment package leaves out cannot be imported (a phase hook).

The Serverless Framework zips the service folder through ``package.patterns`` (and the older
``package.exclude`` / ``package.include``): a module under an excluded pattern is not in the
function's package, so importing it fails on Lambda ("No module named 'helpers'",
``Runtime.ImportModuleError`` at Init; serverless.com docs, "Packaging": patterns). Here the
code folder is used as it is: this hook keeps the files the patterns exclude out of reach while
the environment's code runs, so such an import fails as it would there.

Patterns are globs relative to the code folder, applied in order, the last one that matches
a file deciding (``!`` excludes, anything else includes; every file is included to begin with):
``*`` and ``?`` stay within one path segment, ``**`` spans segments, and a pattern that names a
folder covers what is in it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any

__all__ = ["PackageFiles", "excluded"]


def _regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            if pattern.startswith("/", i):  # "a/**/b" also matches "a/b"
                out[-1] = "(?:.*/)?"
                i += 1
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    # A pattern naming a folder covers its content.
    return re.compile("".join(out) + "(?:/.*)?")


def _compiled(patterns: Sequence[str]) -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for pattern in patterns:
        text = pattern.strip()
        exclude = text.startswith("!")
        text = text.lstrip("!").removeprefix("./").strip("/")
        if text:
            rules.append((not exclude, _regex(text)))
    return rules


def excluded(relative: str, patterns: Sequence[str]) -> bool:
    """Whether the file at ``relative`` (a path inside the code folder, ``/``-separated) is
    left out of the package by ``patterns``."""
    included = True
    for include, rule in _compiled(patterns):
        if rule.fullmatch(relative):
            included = include
    return not included


class _Finder:
    """First on ``sys.meta_path`` during a phase: refuses a module whose file the package
    leaves out (found as the path finder would find it), so the import fails as on Lambda."""

    def __init__(self, root: Path, patterns: Sequence[str]) -> None:
        self._root = root
        self._rules = _compiled(patterns)
        self._seen: dict[str, bool] = {}

    def _left_out(self, origin: str) -> bool:
        known = self._seen.get(origin)
        if known is None:
            try:
                relative = Path(origin).resolve().relative_to(self._root).as_posix()
            except ValueError:  # not in the code folder (a layer, the runtime)
                known = False
            else:
                included = True
                for include, rule in self._rules:
                    if rule.fullmatch(relative):
                        included = include
                known = not included
            self._seen[origin] = known
        return known

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        spec = PathFinder.find_spec(fullname, path)
        origin = getattr(spec, "origin", None)
        if isinstance(origin, str) and self._left_out(origin):
            raise ModuleNotFoundError(f"No module named '{fullname}'", name=fullname)
        return None

    def invalidate_caches(self) -> None:
        self._seen.clear()


class PackageFiles:
    """A phase hook: the package's excluded files cannot be imported while the code runs."""

    def __init__(self, code_dir: Path, patterns: Sequence[str]) -> None:
        self._finder = _Finder(Path(code_dir).resolve(), patterns)

    def enter(self) -> None:
        sys.meta_path.insert(0, self._finder)

    def exit(self) -> None:
        try:
            sys.meta_path.remove(self._finder)
        except ValueError:  # the code reset sys.meta_path
            pass
