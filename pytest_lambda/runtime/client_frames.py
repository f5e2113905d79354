"""Code that runs under the runtime interface client's file names, so its frames read as the
client's own.

Where awslambdaric's code raises into the handler's call (its JSON log formatter, reached
from the handler's own ``logging`` call), the stack trace the runtime reports, and the
traceback the handler's code sees if it catches the error, include the client's frames: their
file (the client in the image's site-packages), line, function and source line. Our own frames
are dropped from stack traces (:func:`pytest_lambda.runtime.handler.user_frames`), so the
client's frames are made here: small functions compiled under the client's file names and line
numbers, whose source lines the ``linecache`` reads through a loader in their globals (the way
it reads a zip-imported module's), so traceback formatting shows the client's lines.

Only the three frames of the JSON formatter's error path exist (awslambdaric 4.2.2, the
differential tier's pinned client): ``bootstrap.py`` line 332 in ``emit``,
``lambda_runtime_log_utils.py`` line 130 in ``format`` and line 97 in
``__format_exception_name``.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

__all__ = ["client_dir", "emits_no_exception", "formatter", "json_format_without_exception"]


def client_dir(runtime: str) -> str:
    """Where the runtime interface client lives in ``runtime``'s image.

    Every python3.11+ image has it in its site-packages (a captured python3.12 payload and a
    python3.11 traceback of 2025-09 show it there); python3.10 (Amazon Linux 2) under
    ``/var/runtime/awslambdaric``, as a python3.9 traceback shows: UNVERIFIED for 3.10, 3.13 and
    3.14, no captured payload found.
    """
    number = runtime.removeprefix("python")
    if number == "3.10":
        return "/var/runtime/awslambdaric"
    return f"/var/lang/lib/python{number}/site-packages/awslambdaric"


class _Source:
    """A ``__loader__`` whose ``get_source`` gives the lines a traceback shows."""

    def __init__(self, text: str) -> None:
        self._text = text

    def get_source(self, name: str) -> str:
        return self._text


def _module(path: str, name: str, lines: dict[int, str]) -> dict[str, Any]:
    """Compile ``lines`` (line number -> text) as ``path``; its globals."""
    text = "".join(lines.get(n, "") + "\n" for n in range(1, max(lines) + 1))
    scope: dict[str, Any] = {"__name__": name, "__loader__": _Source(text),
                             "__file__": path, "__builtins__": __builtins__}
    exec(compile(text, path, "exec"), scope)  # our own fixed source
    return scope


@functools.cache
def _client(runtime: str) -> tuple[Any, Any]:
    """The client's ``emit`` and ``JsonFormatter`` as compiled for ``runtime``."""
    where = client_dir(runtime)
    bootstrap = _module(f"{where}/bootstrap.py", "awslambdaric.bootstrap", {
        330: "def emit(self, record):",
        331: "    (",
        332: "        self.format(record),",
        333: "    )",
    })
    utils = _module(f"{where}/lambda_runtime_log_utils.py",
                    "awslambdaric.lambda_runtime_log_utils", {
        82: "class JsonFormatter:",
        92: "    @staticmethod",
        93: "    def __format_exception_name(exc_info):",
        97: "        return exc_info[0].__name__",
        113: "    def format(self, record):",
        129: "        return {",
        130: '            "errorType": self.__format_exception_name(record.exc_info),',
        131: "        }",
    })
    return bootstrap["emit"], utils["JsonFormatter"]()


def emits_no_exception(record: logging.LogRecord) -> bool:
    """Whether ``record`` asks for an exception while none is being handled
    (``logger.exception()`` outside an ``except`` block): ``exc_info`` is ``(None, None, None)``.
    """
    return bool(record.exc_info) and record.exc_info[0] is None  # type: ignore[index]


def json_format_without_exception(handler: logging.Handler, record: logging.LogRecord,
                                  runtime: str) -> None:
    """What the client's JSON formatter does with :func:`emits_no_exception`'s record: it reads
    the missing exception type's ``__name__`` and raises ``AttributeError``, which its log
    handler does not catch, so it reaches the code that logged (a handled error, or the
    invocation's failure). Through the client's frames; ``handler.format`` then comes back to
    :meth:`formatter` (our JSON formatter's ``format`` calls it)."""
    emit, _ = _client(runtime)
    emit(handler, record)


def formatter(record: logging.LogRecord, runtime: str) -> str:
    """The client's ``JsonFormatter.format`` on such a record: raises as it does."""
    _, json_formatter = _client(runtime)
    return str(json_formatter.format(record))
