"""Capture of stdout, stderr and ``logging`` into an execution environment's log stream.

The Python runtime frames every ``logging`` record (and its own error reports) as one
CloudWatch event, even when multi-line; raw stdout/stderr are split into one event per line.
One writer object serves an environment for its whole life, because handler code often keeps
a reference to ``sys.stdout`` from init time (Powertools Logger does).
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
from typing import Any

from pytest_lambda.clock import real_time_ms
from pytest_lambda.observe.logs import LogEvent, LogStream

_LEADING_SPACES = re.compile(r"^ +")
_STANDARD_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "aws_request_id", "_frame_type", "taskName",
}
_JSON_LEVELS = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}
APP_LOG_LEVEL_TO_PY = {"TRACE": logging.DEBUG, "DEBUG": logging.DEBUG, "INFO": logging.INFO,
                       "WARN": logging.WARNING, "ERROR": logging.ERROR, "FATAL": logging.CRITICAL}


class LogSink:
    """Appends events to one log stream, tagging them with the running invocation's id."""

    __slots__ = ("json_format", "last_request_id", "request_id", "stream")

    def __init__(self, stream: LogStream, *, json_format: bool) -> None:
        self.stream = stream
        self.json_format = json_format
        #: The invocation running now, or None during init and between invocations.
        self.request_id: str | None = None
        #: What the runtime's logging filter shows: the last request id seen, "" before any.
        self.last_request_id = ""

    def begin_request(self, request_id: str) -> None:
        """Tag what follows with ``request_id`` (the invocation's START)."""
        self.request_id = self.last_request_id = request_id

    def end_request(self) -> None:
        """Between invocations: nothing is tagged (the runtime's filter keeps the last id)."""
        self.request_id = None

    def emit(self, message: str, timestamp: int | None = None) -> None:
        self.stream.events.append(LogEvent(
            real_time_ms() if timestamp is None else timestamp, message, self.request_id,
            self.stream.name))

    def runtime_error(self, error: dict[str, Any]) -> None:
        """Log an error payload the way the Python runtime's ``log_error`` does."""
        if self.json_format:
            record = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "level": "ERROR", **error}
            self.emit(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            return
        etype, emsg = error.get("errorType"), error.get("errorMessage")
        head = "[ERROR]"
        if etype:
            head += " " + etype
        if emsg:
            head += (":" if etype else "") + " " + emsg
        lines = [head, "Traceback (most recent call last):"]
        for element in error.get("stackTrace") or []:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                lines.append(_LEADING_SPACES.sub(lambda m: "\u00a0" * len(m.group()), line))
        self.emit("\n".join(lines) + "\n")


#: The most UTF-8 bytes one CloudWatch Logs event can hold: an event counts its message plus
#: 26 bytes and may not exceed 256 KB (262,144 bytes; PutLogEvents API reference, "Each log
#: event can be no larger than 256 KB", batch size "the sum of all event messages in UTF-8,
#: plus 26 bytes for each log event"). Lambda splits a longer stdout line into several events
#: of at most this size, it does not drop or truncate it (a real function's 89,781-character
#: line came back in pieces, the largest 2**18 - 26 bytes: stackoverflow.com/q/77175643).
MAX_EVENT_BYTES = 262_144 - 26


def split_event(text: str) -> list[str]:
    """``text`` in pieces of at most MAX_EVENT_BYTES UTF-8 bytes, cut between characters."""
    if len(text) * 4 <= MAX_EVENT_BYTES:
        return [text]
    data = text.encode("utf-8", "surrogatepass")
    pieces = []
    while len(data) > MAX_EVENT_BYTES:
        cut = MAX_EVENT_BYTES
        while data[cut] & 0xC0 == 0x80:  # not in the middle of a character
            cut -= 1
        pieces.append(data[:cut].decode("utf-8", "surrogatepass"))
        data = data[cut:]
    pieces.append(data.decode("utf-8", "surrogatepass"))
    return pieces


class StreamWriter(io.TextIOBase):
    """A ``sys.stdout`` / ``sys.stderr`` stand-in: every complete line is one log event."""

    def __init__(self, sink: LogSink, name: str) -> None:
        super().__init__()
        self._sink = sink
        self._name = name
        self._partial = ""

    @property
    def name(self) -> str:
        return self._name

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    @property
    def buffer(self) -> _BinaryWriter:
        return _BinaryWriter(self)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        emit = self._sink.emit
        if "\n" not in s:
            self._partial += s
            if len(self._partial) * 4 > MAX_EVENT_BYTES:
                # A line growing past one event's size: send the full events now.
                *full, self._partial = split_event(self._partial)
                for piece in full:
                    emit(piece)
            return len(s)
        text = self._partial + s
        *lines, self._partial = text.split("\n")
        for line in lines:
            if len(line) * 4 > MAX_EVENT_BYTES:
                *full, line = split_event(line)
                for piece in full:
                    emit(piece)
            emit(line + "\n")
        return len(s)

    def flush(self) -> None:
        if self._partial:
            self._sink.emit(self._partial)
            self._partial = ""


class _BinaryWriter:
    """``sys.stdout.buffer``: bytes written are decoded as UTF-8 into the text writer."""

    def __init__(self, text: StreamWriter) -> None:
        self._text = text

    def write(self, b: bytes) -> int:
        self._text.write(bytes(b).decode("utf-8", "replace"))
        return len(b)

    def flush(self) -> None:
        self._text.flush()


class _TextFormatter(logging.Formatter):
    converter = staticmethod(time.gmtime)

    def __init__(self, sink: LogSink) -> None:
        super().__init__("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t"
                         "%(message)s\n", "%Y-%m-%dT%H:%M:%S")
        self._sink = sink

    def format(self, record: logging.LogRecord) -> str:
        record.aws_request_id = self._sink.last_request_id
        return super().format(record)


class _JsonFormatter(logging.Formatter):
    converter = staticmethod(time.gmtime)

    def __init__(self, sink: LogSink) -> None:
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")
        self._sink = sink

    def format(self, record: logging.LogRecord) -> str:
        level = _JSON_LEVELS.get(min(max(record.levelno // 10 * 10, 10), 50), "INFO")
        message: Any
        if isinstance(record.msg, dict) and not record.args:
            message = record.msg
        else:
            message = record.getMessage()
        out: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": level,
            "message": message,
            "logger": record.name,
            "requestId": self._sink.last_request_id,
        }
        if record.exc_info and record.exc_info[0] is not None:
            etype, value, tb = record.exc_info
            import traceback

            out["stackTrace"] = traceback.format_tb(tb)
            out["errorType"] = etype.__name__
            out["errorMessage"] = str(value)
            out["location"] = f"{record.pathname}:{record.funcName}:{record.lineno}"
        for key, value in record.__dict__.items():
            if key not in _STANDARD_RECORD_ATTRS and key not in out:
                out[key] = value
        return json.dumps({k: v for k, v in out.items() if v is not None},
                          ensure_ascii=False, default=str) + "\n"


class LambdaLogHandler(logging.Handler):
    """The root-logger handler the runtime installs: one record, one event."""

    def __init__(self, sink: LogSink) -> None:
        super().__init__()
        self._sink = sink
        self.setFormatter(_JsonFormatter(sink) if sink.json_format else _TextFormatter(sink))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._sink.emit(self.format(record))
        except Exception:
            self.handleError(record)
