"""Coverage across the process boundary: measuring a worker like the test process is measured.

When coverage.py (directly, or through pytest-cov) is measuring the test process, a process
isolation worker starts its own measurement with the same settings (:func:`worker_settings`,
sent to the worker; :class:`WorkerCoverage`, run in it). The worker writes a parallel data file
next to the test process's (``<data_file>.<host>.<pid>.<random>``) and saves it after every
init and invocation, so a worker killed later (timeout, memory limit) loses nothing already
saved. coverage's combine step (pytest-cov runs it at the end of the session, xdist included;
``coverage combine`` otherwise) merges those files with the test process's data.

pytest-cov 7 no longer starts coverage in subprocesses itself (its ``COV_CORE_*`` variables are
gone), and coverage's own ``[run] patch = subprocess`` is opt-in: this module needs neither.
If a worker already measures itself (``patch = subprocess`` or ``COVERAGE_PROCESS_START``), its
running measurement is used and saved instead of starting a second one.

coverage is imported only when it is already imported by the test process (it is then active
or about to be) or by the worker when settings arrive: nothing here costs a run without it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["CONTEXT_FLAG", "WorkerCoverage", "function_context", "v8_directory", "v8_directory_for",
           "worker_settings"]

#: Where Node.js workers write V8 coverage (NODE_V8_COVERAGE), next to coverage.py's data file.
V8_FOLDER = ".lambda-v8-coverage"


def v8_directory_for(data_file: str) -> str:
    """The V8 coverage folder that goes with a coverage.py data file."""
    return os.path.join(os.path.dirname(os.path.abspath(data_file)), V8_FOLDER)


def v8_directory() -> str | None:
    """Where a Node.js worker writes V8 coverage now, or None when nothing is measured."""
    settings = worker_settings()
    return None if settings is None else v8_directory_for(settings["data_file"])


def _measuring() -> Any:
    """The running coverage.py measurement of this process, or None (cheap when none)."""
    module = sys.modules.get("coverage")
    if module is None:
        return None
    current = getattr(module.Coverage, "current", None)
    return current() if current is not None else None


def _dynamic_context(cov: Any) -> str | None:
    """The dynamic context being recorded now, without the static ``[run] context``.

    Read before switching, to compose with it: coverage returns the previous context from
    ``switch_context`` only since 7.16, and with the static part joined in.
    """
    data = getattr(getattr(cov, "_collector", None), "covdata", None)
    current = getattr(data, "_current_context", None)
    static = cov.config.context
    if not isinstance(current, str) or not static:
        return current if isinstance(current, str) else None
    if current == static:
        return None
    return current[len(static) + 1:] if current.startswith(static + "|") else current


#: Set to False on a Coverage object to leave its context alone (ini lambda_cov_context =
#: false): the plugin marks the measurement itself, so no state lives in this module.
CONTEXT_FLAG = "pytest_lambda_function_context"


def _can_switch(cov: Any) -> bool:
    core = getattr(cov, "_core", None)
    # A user's [run] dynamic_context switches by itself (switching too would warn), and the
    # sysmon core records no dynamic contexts at all.
    return (getattr(cov, CONTEXT_FLAG, True) and not cov.config.dynamic_context
            and getattr(cov, "_started", True)
            and getattr(core, "supports_dynamic_contexts", True))


#: What :func:`function_context` returns when nothing is measured (stateless, reusable).
_NOTHING = contextlib.nullcontext()


def function_context(name: str) -> contextlib.AbstractContextManager[None]:
    """Record what runs inside as ``<current context>|lambda:<name>``, then restore.

    Composes with pytest-cov's ``--cov-context=test`` (``<test id>|run|lambda:<name>``);
    observe/function_coverage.py attributes shared modules to functions by it. A process
    worker started inside takes the composed context as its own (:func:`worker_settings`).
    Costs one dictionary lookup when coverage is not imported.
    """
    cov = _measuring()
    if cov is None or not _can_switch(cov):
        return _NOTHING
    return _switched(cov, name)


@contextlib.contextmanager
def _switched(cov: Any, name: str) -> Iterator[None]:
    previous = _dynamic_context(cov)
    label = f"lambda:{name}"
    cov.switch_context(f"{previous}|{label}" if previous else label)
    try:
        yield
    finally:
        cov.switch_context(previous or "")


def _abs_pattern(pattern: str) -> str:
    # coverage anchors relative patterns at the current directory, and the worker's is the
    # function's code directory: anchor them at the test process's instead.
    if pattern.startswith("*") or os.path.isabs(pattern):
        return pattern
    return os.path.abspath(pattern)


def worker_settings() -> dict[str, Any] | None:
    """The active measurement's settings for a worker process, or None when none is active."""
    module = sys.modules.get("coverage")
    if module is None:
        return None
    current = getattr(module.Coverage, "current", None)
    cov = current() if current is not None else None
    if cov is None:
        return None
    c = cov.config
    sources = c.source or []
    settings: dict[str, Any] = {
        "data_file": os.path.abspath(c.data_file),
        "config_file": os.path.abspath(c.config_file) if c.config_file else False,
        "branch": bool(c.branch),
        "source": [os.path.abspath(s) if os.path.isdir(s) else s for s in sources] or None,
        "source_pkgs": list(getattr(c, "source_pkgs", []) or []) or None,
        "include": [_abs_pattern(p) for p in c.run_include or []] or None,
        "omit": [_abs_pattern(p) for p in c.run_omit or []] or None,
        "cover_pylib": bool(c.cover_pylib),
        "timid": bool(c.timid),
        "concurrency": list(c.concurrency or []) or None,
        "plugins": list(c.plugins or []),
        # relative_files paths are relative to the directory coverage starts in; the worker's
        # is the function's code directory, so it starts in the test process's instead.
        "start_dir": os.getcwd(),
        # The function context the worker starts in (function_context is switched around the
        # invocation that starts it), so its lines are attributed like in-process ones.
        "context": _dynamic_context(cov) if _can_switch(cov) else None,
    }
    source_dirs = getattr(c, "source_dirs", None)
    if source_dirs:  # coverage >= 7.8
        settings["source_dirs"] = [os.path.abspath(s) for s in source_dirs]
    return settings


class WorkerCoverage:
    """The measurement inside one worker process: start once, save after every phase."""

    def __init__(self, settings: dict[str, Any] | None) -> None:
        self._cov: Any = None
        self._owned = False
        if settings is None:
            return
        import coverage

        running = coverage.Coverage.current()
        if running is not None:  # the worker was started measured (patch = subprocess)
            self._cov = running
            self._switch(settings.get("context"))
            return
        kwargs = dict(settings)
        start_dir = kwargs.pop("start_dir", None)
        context = kwargs.pop("context", None)
        # [run] plugins are module names; coverage's plugins= argument takes initialisation
        # functions instead (a name there kills the worker): set them as the option.
        plugins = kwargs.pop("plugins", None)
        # data_suffix=True: a parallel file per worker that combine merges with the others.
        self._cov = coverage.Coverage(data_suffix=True, **kwargs)
        if plugins:
            self._cov.set_option("run:plugins", plugins)
        here = os.getcwd()
        if start_dir:
            os.chdir(start_dir)
        try:
            self._cov.start()
        finally:
            os.chdir(here)
        self._owned = True
        self._switch(context)

    def _switch(self, context: str | None) -> None:
        if context and _can_switch(self._cov):
            self._cov.switch_context(context)

    @property
    def active(self) -> bool:
        """True when this worker measures coverage."""
        return self._cov is not None

    def save(self) -> None:
        """Write what was measured so far to the worker's data file (measuring goes on).

        ``get_data()`` flushes the measurement into the (SQLite) data file; ``save()`` would
        also hash the whole file and rename it after the hash (coverage >= 7.13), three times
        the cost, which :meth:`stop` pays once. A worker killed before that leaves its file
        under the plain parallel name, which ``combine`` reads the same way.
        """
        if self._cov is not None:
            self._cov.get_data()

    def stop(self) -> None:
        """Stop measuring (if this worker started it) and save."""
        if self._cov is None:
            return
        if self._owned:
            self._cov.stop()
        self._cov.save()
        self._cov = None
