"""Node.js handler lines in coverage.py's own data and reports.

When the tests have run (before pytest-cov combines and reports) the plugin turns the Node.js
workers' V8 coverage into line data of the handlers' ``.js``/``.mjs``/``.cjs`` files, written
as one more parallel data file (:func:`record_javascript`) and marked as belonging to this
module's coverage.py plugin. The
per-function figures (gates, summary, ``pytest-lambda coverage``) count those lines always;
coverage.py's reports (terminal, HTML, XML, JSON) show them when the plugin is enabled::

    [coverage:run]            # or [run] in .coveragerc, [tool.coverage.run] in pyproject.toml
    plugins = pytest_lambda.observe.coverage_js

The files are marked as this plugin's only when it is enabled: coverage.py refuses to report
files whose plugin is not loaded, and quietly skips ``.js`` files that name none, so without
the plugin the data is harmless to coverage.py's reports and to other tools.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from coverage import CoveragePlugin, FileReporter

from .v8lines import JS_SUFFIXES, code_lines, js_covered_lines

__all__ = ["PLUGIN_NAME", "JavaScriptPlugin", "coverage_init", "record_javascript"]

#: The name coverage.py gives this plugin when configured (module, then class name).
PLUGIN_NAME = f"{__name__}.JavaScriptPlugin"


class JavaScriptReporter(FileReporter):
    """Statements of a JavaScript file: its lines that hold code (as observe/v8lines.py)."""

    def lines(self) -> set[int]:
        return code_lines(self.filename)

    def source(self) -> str:
        with open(self.filename, encoding="utf-8", errors="replace") as f:
            return f.read()


class JavaScriptPlugin(CoveragePlugin):
    """Reports JavaScript files whose lines the session recorded; traces nothing itself."""

    def file_reporter(self, filename: str) -> FileReporter | str:
        if filename.endswith(JS_SUFFIXES):
            return JavaScriptReporter(filename)
        return "python"


def coverage_init(reg: Any, options: Any) -> None:
    """coverage.py's entry point for ``plugins = pytest_lambda.observe.coverage_js``."""
    # A file tracer plugin (even one that traces nothing) is the only kind coverage.py asks
    # for reporters of files it did not trace itself.
    reg.add_file_tracer(JavaScriptPlugin())


def record_javascript(cov: Any, v8_dir: str, directories: Iterable[str], *,
                      since: float) -> dict[str, set[int]]:
    """Write the covered lines of the JavaScript files under ``directories`` as a parallel
    data file next to ``cov``'s, for coverage's combine step (pytest-cov's at the end of the
    session, ``coverage combine`` otherwise) to merge; return them by real path.

    Files that never ran are written with no lines, so reports count them as missed.
    """
    from coverage import CoverageData

    files: dict[str, set[int]] = {}
    for directory in set(directories):
        for path, (_, covered) in js_covered_lines(v8_dir, directory, since=since).items():
            files[os.path.realpath(path)] = covered
    if not files:
        return files
    data = CoverageData(basename=os.path.abspath(cov.config.data_file), suffix=True)
    if cov.config.branch:  # branch data holds arcs, not lines: enter each line from outside
        data.add_arcs({p: [(-line, line) for line in sorted(c)] for p, c in files.items()})
    else:
        data.add_lines({p: sorted(c) for p, c in files.items()})
    if __name__ in (cov.config.plugins or []):
        # Only then: coverage.py fails a report of files whose plugin is not loaded, and
        # quietly skips .js files that name none.
        data.add_file_tracers(dict.fromkeys(files, PLUGIN_NAME))
    data.write()
    return files
