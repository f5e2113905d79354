"""Handler strings and the Python runtime's handler loading, with its exact error payloads."""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

Handler = Callable[[Any, Any], Any]

#: The warning the Python runtime logs (through ``logging``, level WARNING) before it reports
#: an init failure: the whole paragraph of awslambdaric 4.2.2, with its closing carriage return.
INIT_FAILURE_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function "
    "code. However, in rare cases, a Lambda runtime update can cause unexpected function "
    "behavior. For functions using managed runtimes, runtime updates can be triggered by a "
    "function change, or can be applied automatically. To determine if the runtime has been "
    "updated, check the runtime version in the INIT_START log entry. If this error correlates "
    "with a change in the runtime version, you may be able to mitigate this error by "
    "temporarily rolling back to the previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)


class FaultError(Exception):
    """A runtime fault with a ``Runtime.*`` error type (not an exception of user code)."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def make_error(message: str, error_type: str, stack_trace: list[str] | None,
               request_id: str) -> dict[str, Any]:
    """The error payload in the runtime's key order."""
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id,
        "stackTrace": stack_trace or [],
    }


def split_handler(handler: str) -> tuple[str, str]:
    """Split ``handler`` on its last dot, raising ``Runtime.MalformedHandlerName`` like Lambda."""
    try:
        module, function = handler.rsplit(".", 1)
    except ValueError as exc:
        raise FaultError("Runtime.MalformedHandlerName",
                         f"Bad handler '{handler}': {exc}") from None
    return module, function


def load_handler(handler: str) -> Handler:
    """Import the handler's module and return the handler, as the runtime's ``_get_handler``.

    Raises :class:`FaultError` for the runtime's own faults, including a missing handler
    attribute (an init failure in current runtimes; releases before 2024 raised it on every
    invoke instead); any other exception raised while importing propagates unchanged.
    """
    module_part, function = split_handler(handler)
    try:
        if module_part.split(".")[0] in sys.builtin_module_names:
            raise FaultError("Runtime.BuiltInModuleConflict",
                             f"Cannot use built-in module {module_part} as a handler module")
        module = importlib.import_module(module_part.replace("/", "."))
    except ImportError as exc:
        raise FaultError("Runtime.ImportModuleError",
                         f"Unable to import module '{module_part}': {exc}") from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise FaultError("Runtime.UserCodeSyntaxError",
                         f"Syntax error in module '{module_part}': {exc}", trace) from None
    try:
        return getattr(module, function)  # type: ignore[no-any-return]
    except AttributeError:
        raise FaultError("Runtime.HandlerNotFound",
                         f"Handler '{function}' missing on module '{module_part}'") from None


def user_stack(tb: TracebackType | None) -> list[str]:
    """The ``stackTrace`` entries, without this package's own leading frames.

    The runtime formats plain ``(file, line, name, source)`` tuples, which carry no column
    positions, so Python 3.11+'s ``^^^^`` / ``~~~~`` caret lines never appear.
    """
    frames: list[Any] = [(f.filename, f.lineno, f.name, f.line)
                         for f in traceback.extract_tb(tb)]
    start = 0
    while start < len(frames) and frames[start][0].startswith(_PACKAGE_DIR):
        start += 1
    return traceback.format_list(frames[start:])


def error_from_exception(exc: BaseException, request_id: str) -> dict[str, Any]:
    """The payload the runtime posts for an exception raised by user code."""
    if isinstance(exc, FaultError):
        return make_error(exc.message, exc.error_type, exc.trace, request_id)
    return make_error(str(exc), type(exc).__name__, user_stack(exc.__traceback__), request_id)
