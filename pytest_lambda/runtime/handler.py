"""Handler strings and the Python runtime's handler loading, with its exact error payloads."""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from pytest_lambda.runtime.client_frames import client_dir

#: This package's files: none of their frames exists on Lambda.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
#: The file of our call into the handler (see :func:`_is_handler_call`).
_INVOKE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inprocess.py")

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


def user_frames(tb: TracebackType | None, runtime: str | None = None) -> traceback.StackSummary:
    """The frames of ``tb`` that exist on Lambda: without this package's own, wherever they
    are (the guards a handler's call may pass through: ``open`` under the read-only task root,
    the network guard, patched ``signal``; on Lambda those calls are C functions or stdlib
    code, so the handler's line is last), but for our call into the handler, which is the
    client's ``handle_event_request`` frame there (given ``runtime``; see
    :func:`runtime_call_frame`): the frame an exception object raised again by a later
    invocation carries from its first one."""
    return _without_ours(traceback.extract_tb(tb), runtime)


def _is_handler_call(frame: traceback.FrameSummary) -> bool:
    """Our frame that calls the handler (``inprocess``'s invocation body)."""
    return frame.name == "call" and frame.filename == _INVOKE_FILE and \
        frame.line == "result = handler(event, context)"


def _client_call(runtime: str) -> traceback.FrameSummary:
    """The client's frame that calls the handler, columns included (where a traceback puts
    its carets: under ``request_handler(event, lambda_context)``)."""
    return traceback.FrameSummary(
        f"{client_dir(runtime)}/bootstrap.py", 178, "handle_event_request", lookup_line=False,
        line="response = request_handler(event, lambda_context)", end_lineno=178,
        colno=19, end_colno=57)


def _without_ours(stack: traceback.StackSummary,
                  runtime: str | None = None) -> traceback.StackSummary:
    kept = []
    for frame in stack:
        if not frame.filename.startswith(_PACKAGE_DIR):
            kept.append(frame)
        elif runtime is not None and _is_handler_call(frame):
            kept.append(_client_call(runtime))
    return traceback.StackSummary.from_list(kept)


def format_user_exception(exc_info: Any, runtime: str | None = None) -> str:
    """``logging.Formatter.formatException`` of ``exc_info`` with only :func:`user_frames`
    (chained exceptions too), as the handler's own ``logger.exception`` prints on Lambda."""
    if exc_info[0] is None:  # logger.exception() outside an except block
        return "NoneType: None"  # what traceback.print_exception(None, None, None) prints
    te = traceback.TracebackException(*exc_info)
    seen: set[int] = set()
    todo = [te]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.stack = _without_ours(current.stack, runtime)
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        todo.extend(getattr(current, "exceptions", None) or ())
    text = "".join(te.format())
    return text[:-1] if text.endswith("\n") else text


def user_stack(tb: TracebackType | None, runtime: str | None = None) -> list[str]:
    """The ``stackTrace`` entries (:func:`user_frames`).

    The runtime formats plain ``(file, line, name, source)`` tuples, which carry no column
    positions, so Python 3.11+'s ``^^^^`` / ``~~~~`` caret lines never appear. Of an
    invocation's error (``runtime`` given) it drops the leading frames of files whose path
    contains ``/bootstrap.py`` (its own, and a handler module of that name) up to the first
    other one, and keeps them all when there is none (awslambdaric ``handle_event_request``):
    a handler in ``bootstrap.py`` that raises keeps the client's frame and its own.
    """
    frames: list[Any] = [(f.filename, f.lineno, f.name, f.line)
                         for f in user_frames(tb, runtime)]
    if runtime is not None:
        for index, frame in enumerate(frames):
            if "/bootstrap.py" not in frame[0]:
                frames = frames[index:]
                break
    return traceback.format_list(frames)


def runtime_call_frame(runtime: str) -> str:
    """The runtime's own frame where it calls the handler, as a ``stackTrace`` entry.

    awslambdaric's ``handle_event_request`` drops the leading frames of files named
    ``bootstrap.py`` only up to the first frame of another file; when the call into the handler
    itself raised (a wrong signature, a handler that is not callable) there is no other frame,
    so its own frame is kept. A captured real payload on python3.12 (``'module' object is
    not callable``) has this one entry: the frame of
    ``/var/lang/lib/python3.12/site-packages/awslambdaric/bootstrap.py``, line 178, with its
    source line ``response = request_handler(event, lambda_context)``. Line 178 is also
    awslambdaric 4.2.2's, the differential tier's pinned client, which checks this entry (a
    python3.11 traceback captured in 2025-09 shows line 177 of the older release that image
    shipped then); where the client is per runtime: :func:`client_frames.client_dir`.
    """
    return (f'  File "{client_dir(runtime)}/bootstrap.py", line 178, in handle_event_request\n'
            "    response = request_handler(event, lambda_context)\n")


def runtime_stack(stack_info: str, runtime: str, invoking: bool) -> str:
    """A ``stack_info=True`` record's ``Stack (most recent call last):`` block as the runtime
    process has it: the frames from the handler's call on (not the test runner's and ours
    above it) and, during an invocation, the client's frames that call it: ``run`` (line 549
    of awslambdaric 4.2.2's bootstrap.py) and ``handle_event_request`` (line 178), as the
    client run locally shows. The entry script's frame above ``run`` on Lambda is UNVERIFIED
    (no captured record) and left out."""
    head, _, body = stack_info.partition("\n")
    entries: list[str] = []
    for line in body.splitlines(keepends=True):
        if line.startswith('  File "') or not entries:
            entries.append(line)
        else:
            entries[-1] += line
    ours = [i for i, entry in enumerate(entries)
            if entry.startswith(f'  File "{_PACKAGE_DIR}')]
    if not ours:
        return stack_info
    kept = entries[ours[-1] + 1:]
    if invoking:
        kept = [f'  File "{client_dir(runtime)}/bootstrap.py", line 549, in run\n'
                "    handle_event_request(\n", runtime_call_frame(runtime), *kept]
    return f"{head}\n{''.join(kept)}".rstrip("\n")


def error_from_exception(exc: BaseException, request_id: str,
                         runtime: str | None = None) -> dict[str, Any]:
    """The payload the runtime posts for an exception raised by user code. With ``runtime``
    (the Invoke phase), an exception with no frame of user code came from the call into the
    handler itself: its trace is the runtime's frame (:func:`runtime_call_frame`)."""
    if isinstance(exc, FaultError):
        return make_error(exc.message, exc.error_type, exc.trace, request_id)
    stack = user_stack(exc.__traceback__, runtime)
    if not stack and runtime is not None:  # not raised through our call (made up in a test)
        stack = [runtime_call_frame(runtime)]
    return make_error(str(exc), type(exc).__name__, stack, request_id)
