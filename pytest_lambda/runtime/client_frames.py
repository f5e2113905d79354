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

The frames made (awslambdaric 4.2.2, the differential tier's pinned client): the two log
handlers' ``emit`` (``bootstrap.py`` lines 320-322, ``LambdaLoggerHandler``, the text format;
lines 330-337, ``LambdaLoggerHandlerWithFrameType``, the JSON format), the telemetry sink's
``log`` (line 414, which encodes the line as UTF-8), and the JSON formatter's ``format``
(``lambda_runtime_log_utils.py`` line 126, the record's message; line 130 and line 97 in
``__format_exception_name``). Neither handler catches an error: a record the formatter or the
sink cannot handle raises into the code that logged, which fails the invocation (or the
Init) if it does not catch it.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

__all__ = ["client_dir", "emits_no_exception", "formatter", "handler_emit", "json_message",
           "sink_log"]


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


def _text(lines: dict[int, str]) -> str:
    return "".join(lines.get(n, "") + "\n" for n in range(1, max(lines) + 1))


def _module(path: str, name: str, lines: dict[int, str],
            shown: dict[int, str] | None = None, **names: Any) -> dict[str, Any]:
    """Compile ``lines`` (line number -> text) as ``path``; its globals. A traceback shows
    ``shown``'s lines over ``lines``' where a compiled line does the client's work in our
    terms (a frame's source line is shown only when it raised)."""
    text = _text(lines)
    scope: dict[str, Any] = {"__name__": name, "__loader__": _Source(_text({**lines,
                                                                            **(shown or {})})),
                             "__file__": path, "__builtins__": __builtins__, **names}
    exec(compile(text, path, "exec"), scope)  # our own fixed source
    return scope


def _record_level(record: logging.LogRecord) -> int:
    """The client's ``_format_log_level``: the record's level rounded down to tens, 0-50."""
    return min(50, max(0, record.levelno)) // 10 * 10


#: The client's ``_TEXT_FRAME_TYPES`` read as what our sink needs of a frame's type: its level.
_FRAME_LEVELS = {level: level for level in (0, 10, 20, 30, 40, 50)}


@functools.cache
def _client(runtime: str) -> dict[str, Any]:
    """The client's functions as compiled for ``runtime``, by name."""
    where = client_dir(runtime)
    bootstrap = _module(f"{where}/bootstrap.py", "awslambdaric.bootstrap", {
        320: "def emit_text(self, record):",
        321: "    msg = self.format(record)",
        322: "    self.log_sink.log(msg)",
        330: "def emit(self, record):",
        331: "    self.log_sink.log(",
        332: "        self.format(record),",
        333: "        frame_type=(",
        334: '            getattr(record, "_frame_type", None)',
        335: "        or _TEXT_FRAME_TYPES.get(_format_log_level(record))",
        336: "        ),",
        337: "    )",
        413: "def log(self, msg, frame_type=None):",
        414: '    encoded_msg = msg.encode("utf8")',
        423: "    self.file.write(msg, frame_type)",
    }, {320: "    def emit(self, record):", 330: "    def emit(self, record):",
        335: "                or _TEXT_FRAME_TYPES.get(_format_log_level(record))",
        423: "        self.file.write(log_msg)"},
        _TEXT_FRAME_TYPES=_FRAME_LEVELS, _format_log_level=_record_level)
    # Named ``emit`` in a traceback, as both of the client's are.
    bootstrap["emit_text"].__code__ = bootstrap["emit_text"].__code__.replace(co_name="emit")
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
        # JsonFormatter.format's message line (126), compiled 100 lines further down (the
        # class above holds line 113) and moved back up below.
        213: "def format(record):",
        # Indented so that the call starts in the column the client's line has it (where a
        # traceback puts its carets).
        226: "              return record.getMessage()",
    }, {126: "                else record.getMessage()"})
    message = utils["format"]
    message.__code__ = message.__code__.replace(co_firstlineno=113)
    return {"emit_text": bootstrap["emit_text"], "emit": bootstrap["emit"],
            "log": bootstrap["log"], "json_formatter": utils["JsonFormatter"](),
            "json_message": message}


def emits_no_exception(record: logging.LogRecord) -> bool:
    """Whether ``record`` asks for an exception while none is being handled
    (``logger.exception()`` outside an ``except`` block): ``exc_info`` is ``(None, None, None)``.
    """
    return bool(record.exc_info) and record.exc_info[0] is None  # type: ignore[index]


def handler_emit(runtime: str, json_format: bool) -> Any:
    """The ``emit`` of the client's log handler for the format: a function of
    ``(handler, record)`` that formats the record with ``handler.format`` and hands the line
    to ``handler.log_sink.log`` (see :func:`sink_log`), raising whatever either raises."""
    return _client(runtime)["emit" if json_format else "emit_text"]


def sink_log(runtime: str) -> Any:
    """The telemetry sink's ``log``: a function of ``(sink, message, frame_type=None)`` that
    encodes the message as UTF-8 (a lone surrogate raises ``UnicodeEncodeError`` there) and
    then calls ``sink.file.write(message, frame_type)``; ``frame_type`` is the record's level
    rounded to tens, or None from the text format's handler."""
    return _client(runtime)["log"]


def json_message(record: logging.LogRecord, runtime: str) -> str:
    """``record.getMessage()`` as the client's JSON formatter calls it (its frame on error)."""
    return str(_client(runtime)["json_message"](record))


def formatter(record: logging.LogRecord, runtime: str) -> str:
    """The client's ``JsonFormatter.format`` on an :func:`emits_no_exception` record: it reads
    the missing exception type's ``__name__`` and raises ``AttributeError``, as it does."""
    return str(_client(runtime)["json_formatter"].format(record))
