"""The probe cases: which probe file, under which handler string, on which runtimes."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROBES = Path(__file__).resolve().parent / "probes"
#: The Python runtime of the interpreter running the tier: both sides then format tracebacks
#: with that Python, and its runtime's own rules apply to both (python3.12 on writes non-ASCII
#: JSON raw). CI runs the tier on 3.11, 3.12 and 3.13.
PYTHON = (f"python3.{sys.version_info.minor}",)
NODE = ("nodejs22.x", "nodejs24.x")

#: id -> (log_format, log_level): the log configurations a case can run under.
VARIANTS = {"text": ("Text", None), "json": ("JSON", None), "json-debug": ("JSON", "DEBUG"),
            "json-warn": ("JSON", "WARN"), "json-fatal": ("JSON", "FATAL")}
#: The configurations every case runs under unless it names its own.
STANDARD = ("text", "json", "json-debug")
#: Log-level filtering: above INFO, the clients drop console methods and `logging` records
#: (the Node clients, at FATAL, their own error records too), and the platform drops
#: stdout/stderr lines and the frames below the level.
FILTERED = ("json-warn", "json-fatal")


@dataclass(frozen=True)
class Case:
    """One probe handler file, installed in a fresh code directory as ``module``."""

    id: str
    probe: str
    runtimes: tuple[str, ...]
    handler: str = ""
    event: Any = field(default_factory=lambda: {"count": "x", "order": None})
    variants: tuple[str, ...] = STANDARD

    @property
    def is_node(self) -> bool:
        return self.runtimes[0].startswith("nodejs")

    @property
    def module_file(self) -> str:
        return "index.js" if self.is_node else "app.py"

    @property
    def handler_string(self) -> str:
        return self.handler or ("index.handler" if self.is_node else "app.handler")

    def install(self, code_dir: Path) -> None:
        code_dir.mkdir(parents=True, exist_ok=True)
        source = PROBES / ("node" if self.is_node else "python") / self.probe
        (code_dir / self.module_file).write_bytes(source.read_bytes())


CASES = (
    Case("py-print-logging", "print_and_logging.py", PYTHON),
    Case("py-init-output", "init_logging.py", PYTHON),
    Case("py-raise-message", "raise_message.py", PYTHON),
    Case("py-raise-empty", "raise_empty.py", PYTHON),
    Case("py-raise-long", "raise_long.py", PYTHON),
    Case("py-raise-surrogate", "raise_surrogate.py", PYTHON),
    Case("py-compile-warning", "compile_warning.py", PYTHON),
    Case("py-raise-unicode", "raise_unicode.py", PYTHON),
    Case("py-raise-chain", "raise_chain.py", PYTHON),
    Case("py-raise-mid-line", "raise_mid_line.py", PYTHON),
    Case("py-logging-exception", "logging_exception.py", PYTHON),
    Case("py-exception-outside-except", "exception_outside_except.py", PYTHON),
    Case("py-logging-error", "logging_error.py", PYTHON),
    Case("py-init-logging-error", "init_logging_error.py", PYTHON),
    Case("py-marshal-error", "marshal_error.py", PYTHON),
    Case("py-init-import-error", "import_error.py", PYTHON),
    Case("py-init-syntax-error", "syntax_error.py-invalid", PYTHON),
    Case("py-init-handler-not-found", "handler_not_found.py", PYTHON, "app.handler"),
    Case("py-init-malformed-handler", "malformed_handler.py", PYTHON, "app"),
    Case("py-init-builtin-conflict", "builtin_conflict.py", PYTHON, "sys.handler"),
    Case("py-init-module-keyerror", "module_keyerror.py", PYTHON),
    Case("py-init-sys-exit", "init_sys_exit.py", PYTHON),
    Case("py-response-too-large", "response_too_large.py", PYTHON),
    Case("py-handler-signature", "handler_signature.py", PYTHON, "app.one_argument"),
    Case("py-handler-not-callable", "handler_signature.py", PYTHON, "app.not_callable"),
    Case("py-exit-none", "sys_exit.py", PYTHON, "app.exit_none"),
    Case("py-exit-zero", "sys_exit.py", PYTHON, "app.exit_zero"),
    Case("py-exit-code", "sys_exit.py", PYTHON, "app.exit_code"),
    Case("py-exit-text", "sys_exit.py", PYTHON, "app.exit_text"),
    Case("node-console-methods", "console_methods.js", NODE),
    Case("node-console-error-err", "console_error_err.js", NODE),
    Case("node-throw-sync", "throw_sync.js", NODE),
    Case("node-throw-async", "throw_async.js", NODE),
    Case("node-throw-custom", "throw_custom.js", NODE),
    Case("node-throw-string", "throw_string.js", NODE),
    Case("node-throw-empty", "throw_empty.js", NODE),
    Case("node-callback-string", "callback_string.js", NODE),
    Case("node-callback-error", "callback_error.js", NODE),
    Case("node-callback-success", "callback_success.js", NODE),
    Case("node-context-fail", "context_fail.js", NODE),
    Case("node-context-succeed", "context_succeed.js", NODE),
    Case("node-context-done", "context_done.js", NODE),
    Case("node-init-throw", "init_throw.js", NODE),
    Case("node-require-main", "require_main.js", NODE),
    Case("node-init-missing-module", "init_missing_module.js", NODE),
    Case("node-init-syntax-error", "init_syntax.js-invalid", NODE),
    Case("node-init-handler-not-found", "handler_not_found.js", NODE),
    Case("node-init-malformed-handler", "malformed_handler.js", NODE, "index"),
    Case("py-print-logging-filtered", "print_and_logging.py", PYTHON, variants=FILTERED),
    Case("py-raise-message-filtered", "raise_message.py", PYTHON, variants=FILTERED),
    Case("py-init-import-error-filtered", "import_error.py", PYTHON, variants=FILTERED),
    Case("node-console-methods-filtered", "console_methods.js", NODE, variants=FILTERED),
    Case("node-stdout-levels", "stdout_levels.js", NODE, variants=FILTERED),
    Case("node-throw-sync-filtered", "throw_sync.js", NODE, variants=FILTERED),
    Case("node-init-throw-filtered", "init_throw.js", NODE, variants=FILTERED),
)
