"""A function's execution environments: the idle ones of each version, and opening new ones.

Lambda keeps a function's environments warm between invocations and opens a new one (a cold
start) when none is idle; each version has its own. :class:`Environments` is that pool for one
function, with what is chosen once for it: the isolation mode's options and the interpreter its
process workers run on.
"""

from __future__ import annotations

import os
import shutil
import weakref
from typing import TYPE_CHECKING

from pytest_lambda.observe.coverage import worker_settings
from pytest_lambda.runtime import interpreter
from pytest_lambda.runtime.interpreter import Interpreter
from pytest_lambda.runtime.lifecycle import PHASE_LOCK, open_backend

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_lambda.config import FunctionConfig
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.runtime.backend import Backend


def check_options(measure_memory: object, isolation: object,
                  python_executable: str | os.PathLike[str] | Interpreter | None,
                  config: FunctionConfig) -> Interpreter | None:
    """Check how a function's environments are to run; returns the interpreter
    ``python_executable`` names (None: none given)."""
    if not isinstance(measure_memory, bool):
        raise TypeError(f"measure_memory={measure_memory!r} is not valid: pass True (report "
                        "Max Memory Used, the default) or False (skip measuring).")
    if isolation not in ("in-process", "process"):
        raise ValueError(f"isolation={isolation!r} is not valid: use 'in-process' (the "
                         "default: fast, shares mocks with the test) or 'process' (a "
                         "worker process per environment: hard timeouts, real memory).")
    if python_executable is not None and (isolation != "process" or config.is_node):
        raise ValueError(
            f"python_executable={python_executable!r} only applies to Python functions "
            "with isolation='process' (their worker runs on it); pass "
            "isolation='process', or drop python_executable.")
    if python_executable is not None and not isinstance(python_executable, Interpreter):
        return interpreter.explicit(python_executable, config.runtime)
    return python_executable


def _remove_kept(kept: dict[str, list[str]]) -> None:
    for folders in kept.values():
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    kept.clear()


def _node_note(runtime: str, running: str) -> str | None:
    """The one-line notice for a Node.js function whose worker runs another major version of
    Node.js than its runtime's (None when they agree, or the version is unknown)."""
    want = runtime.removeprefix("nodejs").removesuffix(".x")
    have = running.removeprefix("v").split(".", 1)[0]
    if not want.isdigit() or not have.isdigit() or want == have:
        return None
    return (f"{runtime} functions ran on Node.js {running}, so Node.js {want} behaviour was not "
            f"tested; point PYTEST_LAMBDA_NODE at a Node.js {want} binary to use it")


def _extensions_note(layer: Path) -> str | None:
    """A note for a layer that carries external extensions (``extensions/<name>``).

    Lambda starts every executable in ``/opt/extensions`` during Init, each registering with the
    Extensions API (AWS docs, "Lambda Extensions API"); they are not run here, and whatever
    they provide (a local secrets cache, log shipping) is missing.
    """
    try:
        names = sorted(entry.name for entry in os.scandir(layer / "extensions")
                       if entry.is_file())
    except OSError:
        return None
    if not names:
        return None
    return (f"layer {layer} has external extensions (extensions/{', extensions/'.join(names)}) "
            "that Lambda would start during Init: extensions are not run here, so what they "
            "provide (a local secrets or parameters cache, telemetry) is missing")


class Environments:
    """The execution environments of one function (``fn``), warm or new.

    New environments follow the function's ``isolation``, ``network_allow`` and
    ``measure_memory`` as they are when the environment opens.
    """

    def __init__(self, fn: LambdaFunction, python_executable: Interpreter | None) -> None:
        self._fn = fn
        #: Idle (warm) environments by version; the last one is used first.
        self.idle: dict[str, list[Backend]] = {}
        self._python_executable = python_executable
        #: The interpreter process workers run on, per runtime (resolved at the first one).
        self._worker_python: dict[str, Interpreter | None] = {}
        #: Where runs differ from Lambda's because of this machine (``LambdaFunction.notes``).
        self.notes: list[str] = []
        #: The /tmp of environments that were reset, by version, for the next new ones.
        self._reset_tmp: dict[str, list[str]] = {}
        # Removed with the function, or when it is collected or the interpreter exits.
        weakref.finalize(self, _remove_kept, self._reset_tmp)

    def checkout(self, config: FunctionConfig, version: str,
                 pool: str | None = None) -> tuple[Backend, bool]:
        """An idle environment of ``version`` (warm), or a new one (cold: True); ``pool``
        names the environments it may take (a tenant's own, with tenant isolation)."""
        pool = pool or version
        with PHASE_LOCK:
            idle = self.idle.setdefault(pool, [])
            if idle:
                return idle.pop(), False
            return self._open(config, version, pool), True

    def reset(self, env: Backend, version: str) -> None:
        """Discard ``env`` after a reset (a timeout, a crash, out of memory), keeping its /tmp
        for the next new environment of ``version``.

        On Lambda the runtime is started again in the same execution environment, whose /tmp
        the reset does not clear (AWS docs, "Understanding the Lambda execution environment
        lifecycle", failures during the invoke phase: "The Lambda reset does not clear the
        /tmp directory content prior to the next init phase"). Here the environment is
        discarded and the next cold start of the version stands for that restarted runtime.
        """
        with PHASE_LOCK:
            tmp = env.keep_tmp()
            env.discard()
            if tmp is not None:
                self._reset_tmp.setdefault(version, []).append(tmp)

    def discard_all(self) -> None:
        """Discard every idle environment: the next invocation of each version is cold, in a
        new environment (with an empty /tmp)."""
        with PHASE_LOCK:
            for envs in self.idle.values():
                for env in envs:
                    env.discard()
            self.idle.clear()
            _remove_kept(self._reset_tmp)

    def forget_interpreters(self) -> None:
        """Choose the workers' interpreter again (the configuration, maybe the runtime, changed)."""
        self._worker_python.clear()

    def _note(self, text: str | None) -> None:
        if text and text not in self.notes:
            self.notes.append(text)

    def _open(self, config: FunctionConfig, version: str, pool: str) -> Backend:
        """A fresh execution environment (a cold start) in the configured isolation mode."""
        fn = self._fn
        python = None
        if not config.is_node:
            python = self._python_for(config.runtime)
        for layer in config.layers:
            self._note(_extensions_note(layer))
        kept = self._reset_tmp.get(pool)
        tmp_dir = kept.pop() if kept else None
        try:
            backend = open_backend(config, version, fn.log_group, isolation=fn.isolation,
                                   new_id=fn.new_request_id, network_allow=fn.network_allow,
                                   measure_memory=fn.measure_memory, python=python,
                                   tmp_dir=tmp_dir)
            if config.is_node:
                self._note(_node_note(config.runtime, getattr(backend, "node_version", "")))
            return backend
        except BaseException:
            if tmp_dir is not None:  # not adopted: still the next new environment's
                self._reset_tmp.setdefault(pool, []).append(tmp_dir)
            raise

    def _python_for(self, runtime: str) -> Interpreter | None:
        """The interpreter a process worker of ``runtime`` runs on (None: this one), noting
        when the function's Python version is not the one that runs its code."""
        if self._fn.isolation != "process":
            self._note(interpreter.mismatch_note(runtime, "in-process"))
            return None
        if runtime not in self._worker_python:
            chosen = self._python_executable
            # Checked against the runtime at construction; after update_configuration(runtime=)
            # to another version it no longer applies, and that version is searched for.
            if not isinstance(chosen, Interpreter) or (
                    chosen.version[:2] != interpreter.runtime_version(runtime)):
                chosen = interpreter.find(runtime)
            self._worker_python[runtime] = chosen
            if chosen is None:
                self._note(interpreter.mismatch_note(runtime, "process"))
            elif not chosen.is_current and not chosen.has_coverage and worker_settings():
                self._note(f"{runtime} functions were not measured by coverage: coverage.py "
                           f"is not installed for {chosen.executable} (run "
                           f"'{chosen.executable} -m pip install coverage')")
        found = self._worker_python[runtime]
        return None if found is None or found.is_current else found
