"""Unit tests for V8 coverage to line coverage (observe/v8lines.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pytest_lambda.observe.v8lines import js_line_coverage

SOURCE = ("// header comment\nfunction f(x) {\n  if (x) {\n    return 1;\n  }\n  return 2;\n}\n"
          "f(0);\n")


def _dump(folder: Path, path: Path, ranges: list[tuple[int, int, int]], name: str) -> None:
    folder.mkdir(exist_ok=True)
    functions = [{"functionName": "", "isBlockCoverage": True,
                  "ranges": [{"startOffset": s, "endOffset": e, "count": c}
                             for s, e, c in ranges]}]
    (folder / name).write_text(json.dumps(
        {"result": [{"url": path.as_uri(), "functions": functions}]}))


def test_innermost_range_decides_and_dumps_are_unioned(tmp_path: Path) -> None:
    """A line inside a block that never ran is missed, until another dump shows it ran."""
    code = tmp_path / "code"
    code.mkdir()
    handler = code / "index.js"
    handler.write_text(SOURCE)
    (code / "unused.js").write_text("module.exports = 1;\n")
    block = (SOURCE.index("{\n    return 1"), SOURCE.index("  return 2"))
    v8 = tmp_path / "v8"
    _dump(v8, handler, [(0, len(SOURCE), 1), (block[0], block[1], 0)], "coverage-1.json")
    first = js_line_coverage(str(v8), str(code))
    # code lines: function, if, return 1, return 2, f(0) -> 5; "return 1" missed
    assert first[str(handler)] == (5, 4)
    assert first[str(code / "unused.js")] == (1, 0)
    _dump(v8, handler, [(0, len(SOURCE), 1), (block[0], block[1], 2)], "coverage-2.json")
    assert js_line_coverage(str(v8), str(code))[str(handler)] == (5, 5)


def test_dumps_older_than_the_session_are_ignored(tmp_path: Path) -> None:
    """V8 files written before ``since`` (an earlier run) do not count."""
    code = tmp_path / "code"
    code.mkdir()
    handler = code / "index.js"
    handler.write_text(SOURCE)
    v8 = tmp_path / "v8"
    _dump(v8, handler, [(0, len(SOURCE), 1)], "coverage-old.json")
    os.utime(v8 / "coverage-old.json", (1000, 1000))
    assert js_line_coverage(str(v8), str(code), since=2000)[str(handler)] == (5, 0)
