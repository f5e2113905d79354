"""Line coverage of JavaScript files from V8's raw coverage (what NODE_V8_COVERAGE writes).

Each file V8 writes holds, per script (``url``), functions whose ``ranges`` are byte ranges
with execution counts; ranges nest, and the innermost range around a line decides its count.
A line counts when it holds code (not blank, not only a comment or closing brackets); it is
covered when its count is above zero in any of the files (each ``v8.takeCoverage()`` resets
the counters, so the files are unioned). Offsets are taken as character offsets of the file's
text, which is exact for ASCII sources.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

__all__ = ["JS_SUFFIXES", "code_lines", "js_covered_lines", "js_files", "js_line_coverage"]

JS_SUFFIXES = (".js", ".mjs", ".cjs")
_NOT_CODE = {"", "}", "};", "})", "});", ")", ");", "]", "];", "{"}


def js_files(directory: str) -> Iterable[str]:
    """The JavaScript files of a code directory, without node_modules and hidden folders."""
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "node_modules"]
        yield from (os.path.join(root, f) for f in files if f.endswith(JS_SUFFIXES))


def _code_lines(text: str) -> list[tuple[int, int, int]]:
    """(line number, start offset, end offset) of each line that holds code."""
    out = []
    offset = 0
    in_block_comment = False
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        stripped = line.strip()
        start, end = offset, offset + len(line.rstrip("\r\n"))
        offset += len(line)
        if in_block_comment:
            if "*/" in stripped:
                in_block_comment = False
            continue
        if stripped.startswith("/*"):
            in_block_comment = "*/" not in stripped
            continue
        if stripped in _NOT_CODE or stripped.startswith("//"):
            continue
        out.append((number, start, end))
    return out


def _counts(functions: list[dict[str, Any]], lines: list[tuple[int, int, int]]) -> set[int]:
    """The lines of one script whose innermost enclosing range ran at least once."""
    ranges = sorted(((int(r["startOffset"]), int(r["endOffset"]), int(r["count"]))
                     for fn in functions for r in fn.get("ranges", [])),
                    key=lambda r: (r[0], -r[1]))
    covered: set[int] = set()
    for number, start, end in lines:
        count = None
        for r_start, r_end, r_count in ranges:  # outer ranges come first: the last match wins
            if r_start > start:
                break
            if r_end >= end:
                count = r_count
        if count:
            covered.add(number)
    return covered


def _path(url: str) -> str | None:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return os.path.realpath(unquote(parsed.path))
    if url.startswith("/"):
        return os.path.realpath(url)
    return None


def code_lines(path: str) -> set[int]:
    """The numbers of the lines of a JavaScript file that hold code."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return {n for n, _, _ in _code_lines(text)}


def js_covered_lines(v8_dir: str, directory: str, *,
                     since: float = 0.0) -> dict[str, tuple[set[int], set[int]]]:
    """(code lines, covered lines) of each JavaScript file under ``directory``.

    Reads the V8 coverage files of ``v8_dir`` written at or after ``since`` (a ``time.time()``);
    files of the directory that never ran have no covered lines.
    """
    root = os.path.realpath(directory)
    files = {os.path.realpath(f): f for f in js_files(root)}
    covered: dict[str, set[int]] = {p: set() for p in files}
    folder = Path(v8_dir)
    for dump in sorted(folder.glob("coverage-*.json")) if folder.is_dir() else []:
        try:
            if dump.stat().st_mtime < since:
                continue
            scripts = json.loads(dump.read_text()).get("result", [])
        except (OSError, ValueError):
            continue  # a file still being written by a worker killed mid-write
        for script in scripts:
            path = _path(str(script.get("url", "")))
            if path is None or path not in files:
                continue
            lines = _code_lines(Path(path).read_text(encoding="utf-8", errors="replace"))
            covered[path] |= _counts(script.get("functions", []), lines)
    out: dict[str, tuple[set[int], set[int]]] = {}
    for path, original in files.items():
        numbers = code_lines(path)
        out[original] = (numbers, covered[path] & numbers)
    return out


def js_line_coverage(v8_dir: str, directory: str, *,
                     since: float = 0.0) -> dict[str, tuple[int, int]]:
    """(code lines, covered lines) counts of each JavaScript file under ``directory``."""
    return {path: (len(lines), len(covered)) for path, (lines, covered)
            in js_covered_lines(v8_dir, directory, since=since).items()}
