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
import types
from collections.abc import Iterator
from typing import Any

from pytest_lambda.clock import real_time_ms
from pytest_lambda.observe.logs import LogEvent, LogStream
from pytest_lambda.runtime import client_frames
from pytest_lambda.runtime.handler import format_user_exception, runtime_stack, user_frames

_LEADING_SPACES = re.compile(r"^ +")
#: Record attributes the runtime's JSON formatter never copies into a record: the standard
#: ones of Python 3.11 (not ``taskName``, new in 3.12: the client copies it when set), its
#: own, and ``message``/``asctime`` (set on the record when another handler formatted it).
_RESERVED_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) - {
    "taskName"} | {"aws_request_id", "tenant_id", "_frame_type", "message", "asctime"}
#: ``AWS_EXECUTION_ENV`` values under which the Python runtime writes its JSON (responses,
#: error payloads and error records) as raw UTF-8; under any other it escapes non-ASCII
#: characters (``awslambdaric`` 4.2.2 ``lambda_runtime_marshaller.Encoder``).
_UTF8_JSON_ENVS = frozenset(f"AWS_Lambda_python3.{minor}" for minor in (12, 13, 14, 15))
APP_LOG_LEVEL_TO_PY = {"TRACE": logging.DEBUG, "DEBUG": logging.DEBUG, "INFO": logging.INFO,
                       "WARN": logging.WARNING, "ERROR": logging.ERROR, "FATAL": logging.CRITICAL}


#: Lambda's application log levels, lowest first, and the other names its filter accepts
#: (the Python runtime's own JSON records say WARNING and CRITICAL).
_LEVEL_RANK = {"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "ERROR": 4, "FATAL": 5,
               "WARNING": 3, "CRITICAL": 5}


def line_rank(message: str) -> int:
    """The level Lambda's filter gives one stdout/stderr line (INFO unless JSON says)."""
    text = message.strip()
    if text.startswith("{") and '"level"' in text:
        try:
            doc = json.loads(text)
        except ValueError:
            return _LEVEL_RANK["INFO"]
        level = doc.get("level") if isinstance(doc, dict) else None
        if isinstance(level, str):
            return _LEVEL_RANK.get(level.upper(), _LEVEL_RANK["INFO"])
    return _LEVEL_RANK["INFO"]


#: awslambdaric's telemetry frame types by level (lambda_runtime_log_utils: 0xA55A0002 +
#: 4 per level from NOTSET, +1 for the JSON format): the last byte, without the format bit.
_FRAME_LEVELS = {0x02: 0, 0x0A: 10, 0x0E: 20, 0x12: 30, 0x16: 40, 0x1A: 50}


def _record_rank(levelno: int) -> int:
    """The level of a ``logging`` record's frame (the runtime rounds down to tens)."""
    tens = min(50, max(0, levelno)) // 10 * 10
    return {10: 1, 20: 2, 30: 3, 40: 4, 50: 5}.get(tens, _LEVEL_RANK["INFO"])


def json_ensure_ascii(runtime: str) -> bool:
    """Whether the Python runtime ``runtime`` escapes non-ASCII characters in its JSON."""
    return f"AWS_Lambda_{runtime}" not in _UTF8_JSON_ENVS


class LogSink:
    """Appends events to one log stream, tagging them with the running invocation's id."""

    __slots__ = ("ensure_ascii", "json_format", "last_request_id", "min_rank", "request_id",
                 "runtime", "stream", "tenant_id")

    def __init__(self, stream: LogStream, *, json_format: bool, runtime: str = "",
                 app_log_level: str | None = None) -> None:
        self.stream = stream
        self.json_format = json_format
        self.runtime = runtime
        #: The application log level Lambda filters by (JSON format only), as a rank.
        self.min_rank = _LEVEL_RANK[app_log_level] if json_format and app_log_level else None
        #: Whether the runtime's own JSON (error records) escapes non-ASCII characters.
        self.ensure_ascii = json_ensure_ascii(runtime)
        #: The invocation running now, or None during init and between invocations.
        self.request_id: str | None = None
        #: What the runtime's logging filter shows: the last request id seen, "" before any.
        self.last_request_id = ""
        #: The last invocation's tenant id (JSON records carry it as ``tenantId``).
        self.tenant_id: str | None = None

    def begin_request(self, request_id: str, tenant_id: str | None = None) -> None:
        """Tag what follows with ``request_id`` (the invocation's START)."""
        self.request_id = self.last_request_id = request_id
        self.tenant_id = tenant_id

    def end_request(self) -> None:
        """Between invocations: nothing is tagged (the runtime's filter keeps the last id)."""
        self.request_id = None

    def emit(self, message: str, timestamp: int | None = None) -> None:
        if type(message) is not str:
            # A str subclass the code wrote (loguru's message, its own class): the text only.
            # Its class would travel with it from a process worker, importing the code's
            # module into the test process (or failing to).
            message = str.__str__(message)
        self.stream.events.append(LogEvent(
            real_time_ms() if timestamp is None else timestamp, message, self.request_id,
            self.stream.name))

    def app(self, message: str, rank: int | None = None) -> None:
        """Append an application log event, unless Lambda's log-level filter drops it.

        With the JSON log format and an application log level, Lambda keeps only events at
        that level or above (AWS docs "Log-level filtering", monitoring-cloudwatchlogs-log-
        level.html): the runtime's frames carry their level; a stdout/stderr line counts at the
        level of its JSON ``"level"`` key, and as INFO when it has none or an invalid one.
        """
        if self.keeps(message, rank):
            self.emit(message)

    def keeps(self, message: str, rank: int | None = None) -> bool:
        """Whether Lambda's log-level filter keeps an application event (see :meth:`app`);
        ``rank`` is the level its frame carries, None for a stdout/stderr line."""
        return self.min_rank is None or (
            (line_rank(message) if rank is None else rank) >= self.min_rank)

    def runtime_error(self, error: dict[str, Any]) -> None:
        """Log an error payload the way the Python runtime's ``log_error`` does.

        One telemetry frame, without a trailing newline: the text form's lines are joined
        with ``\\n``; the JSON form is the payload after a timestamp and level. The sink
        encodes the frame as UTF-8 first: a lone surrogate written raw (the text form; JSON
        from python3.12 on, which writes non-ASCII raw) raises ``UnicodeEncodeError`` and
        nothing is logged; in the runtime that ends the process, before the error is posted.
        """
        if self.json_format:
            record = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "level": "ERROR", **error}
            line = json.dumps(record, ensure_ascii=self.ensure_ascii)
            line.encode("utf-8")
            self.app(line, _LEVEL_RANK["ERROR"])
            return
        etype, emsg = error.get("errorType"), error.get("errorMessage")
        head = "[ERROR]"
        if etype:
            head += " " + etype
        if emsg:
            head += (":" if etype else "") + " " + emsg
        lines = [head]
        if error.get("stackTrace") is not None:
            lines.append("Traceback (most recent call last):")
        for element in error.get("stackTrace") or []:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                lines.append(_LEADING_SPACES.sub(lambda m: "\u00a0" * len(m.group()), line))
        text = "\n".join(lines)
        text.encode("utf-8")
        self.app(text, _LEVEL_RANK["ERROR"])


#: The most UTF-8 bytes one CloudWatch Logs event can hold: an event counts its message plus
#: 26 bytes and may not exceed 256 KB (262,144 bytes; PutLogEvents API reference, "Each log
#: event can be no larger than 256 KB", batch size "the sum of all event messages in UTF-8,
#: plus 26 bytes for each log event"). Lambda splits a longer stdout line into several events
#: of at most this size, it does not drop or truncate it (a real function's 89,781-character
#: line came back in pieces, the largest 2**18 - 26 bytes: stackoverflow.com/q/77175643).
MAX_EVENT_BYTES = 262_144 - 26


def split_event(text: str) -> list[str]:
    """``text`` in pieces of at most MAX_EVENT_BYTES UTF-8 bytes, cut between characters."""
    return list(iter_events(text))


def iter_events(text: str) -> Iterator[str]:
    """:func:`split_event`, one piece at a time.

    A long line is held once more, as UTF-8, while it is cut (the runtime's text stream
    encodes it whole before writing it to the pipe, so Lambda holds that copy too); the pieces
    are views of it, decoded one by one, so the runtime's memory does not hold them all at once
    nor a copy of what is left at each cut (a 30 MB print counted three times its size).
    """
    if len(text) * 4 <= MAX_EVENT_BYTES:
        yield text
        return
    data = memoryview(text.encode("utf-8", "surrogatepass"))
    del text
    start, end = 0, len(data)
    while end - start > MAX_EVENT_BYTES:
        cut = start + MAX_EVENT_BYTES
        while data[cut] & 0xC0 == 0x80:  # not in the middle of a character
            cut -= 1
        yield str(data[start:cut], "utf-8", "surrogatepass")
        start = cut
    yield str(data[start:], "utf-8", "surrogatepass")


_ZERO_LENGTH = bytes(4)
#: Bytes of one writer's slot in a process worker's pending-line memory (a length, then the
#: line, which never grows past one event before it is cut: see StreamWriter.write).
PENDING_SLOT = 4 + MAX_EVENT_BYTES + 64


def pending_line(slot: memoryview | bytes) -> str:
    """The text of a writer's pending line in ``slot`` (see :meth:`StreamWriter.mirror_to`)."""
    size = min(int.from_bytes(slot[:4], "little"), len(slot) - 4)
    return bytes(slot[4:4 + size]).decode("utf-8", "replace")


class StreamWriter(io.TextIOBase):
    """A ``sys.stdout`` / ``sys.stderr`` stand-in: every complete line is one log event.

    On Lambda ``sys.stdout`` is awslambdaric's ``Unbuffered`` wrapper, which hands every other
    attribute to the real text stream of fd 1 (2 for stderr): so ``fileno()`` (for
    ``faulthandler.enable()``, ``subprocess.run(..., stdout=sys.stdout)``), ``reconfigure()``,
    ``mode``, ``errors`` and ``line_buffering`` work here too. What is written to the
    descriptor itself reaches the function's log in a process worker (its fd 1/2 are the log);
    in-process it is the test process's descriptor.
    """

    def __init__(self, sink: LogSink, name: str) -> None:
        super().__init__()
        self._sink = sink
        self._name = name
        #: The line being written, in the pieces it came in (joined once a newline or the
        #: event size arrives: adding each small write to one string copied the line each time,
        #: so ``json.dump(data, sys.stdout)`` took seconds).
        self._pieces: list[str] = []
        self._pending = 0
        #: A process worker's copy of the pending line, in memory the test process reads
        #: after the worker died (see :meth:`mirror_to`); None in-process.
        self._mirror: memoryview | None = None
        self._mirrored = 0
        #: The pending length at which the line may have grown past one event (in UTF-8 at
        #: most 4 bytes a character), so that its real size is looked at only then.
        self._check_at = MAX_EVENT_BYTES // 4 + 1

    @property
    def name(self) -> str:
        return self._name

    #: As the runtime's text streams are opened: write-only, strict, not line-buffered (a pipe).
    mode = "w"
    errors = "strict"
    line_buffering = False
    write_through = False

    def fileno(self) -> int:
        return 2 if self._name == "<stderr>" else 1

    def reconfigure(self, *, encoding: str | None = None, errors: str | None = None,
                    newline: str | None = None, line_buffering: bool | None = None,
                    write_through: bool | None = None) -> None:
        """Accepted as the real stream accepts it (what is written is captured as text either
        way): ``sys.stdout.reconfigure(encoding="utf-8")`` and the like work."""
        del encoding, newline
        self.flush()
        if errors is not None:
            self.errors = errors
        if line_buffering is not None:
            self.line_buffering = line_buffering
        if write_through is not None:
            self.write_through = write_through

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

    def mirror_to(self, slot: memoryview) -> None:
        """Keep the line being written (what has no newline yet) in ``slot``: a 4-byte length,
        then its UTF-8 text. The runtime's streams write through to the pipe, so on Lambda
        that text is on the platform's side when the process dies (a segfault, a kill, a
        timeout) and reaches the log; a process worker's pending line died with it. The test
        process reads the slot (shared memory) after a worker died (:func:`pending_line`)."""
        self._mirror = slot
        self._mirrored = 0
        self.write = self._write_mirrored  # type: ignore[method-assign]

    def _write_mirrored(self, s: str) -> int:
        before = len(self._pieces)
        written = StreamWriter.write(self, s)
        self._sync_mirror(s, before)
        return written

    def _sync_mirror(self, s: str, before: int) -> None:
        mirror = self._mirror
        assert mirror is not None
        pieces = self._pieces
        if not pieces:
            if self._mirrored:
                mirror[:4] = _ZERO_LENGTH
                self._mirrored = 0
            return
        if "\n" not in s and len(pieces) == before + 1 and pieces[-1] is s:
            data, at = s.encode("utf-8", "surrogatepass"), self._mirrored  # one more piece
        else:
            data, at = "".join(pieces).encode("utf-8", "surrogatepass"), 0
        end = min(at + len(data), len(mirror) - 4)
        mirror[4 + at:4 + end] = data[:end - at]
        mirror[:4] = end.to_bytes(4, "little")
        self._mirrored = end

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        if not s.isascii() and self.errors == "strict":
            # The runtime's stream is UTF-8 with strict errors (LANG=en_US.UTF-8): text it
            # cannot encode (a lone surrogate, from os.listdir or surrogateescape) raises here,
            # in the code that printed, as there.
            s.encode("utf-8")
        emit = self._sink.app
        if "\n" not in s:
            if not s:
                return 0
            self._pieces.append(s)
            self._pending += len(s)
            if self._pending >= self._check_at:
                # A line growing past one event's size: send the full events now.
                pieces = iter_events("".join(self._pieces))
                self._pieces = []
                rest = next(pieces)
                for piece in pieces:
                    emit(rest)
                    rest = piece
                self._pieces, self._pending = [rest], len(rest)
                room = MAX_EVENT_BYTES - len(rest.encode("utf-8", "surrogatepass"))
                self._check_at = self._pending + room // 4 + 1
            return len(s)
        if self._pieces:
            self._pieces.append(s)
            text = "".join(self._pieces)
        else:
            text = s
        if text.find("\n") == len(text) - 1 and len(text) * 4 <= MAX_EVENT_BYTES + 4:
            # One line (print's usual write): emitted as it is, without the copies of a
            # split; a big one would otherwise be held three times over in the runtime.
            self._pieces, self._pending = [], 0
            self._check_at = MAX_EVENT_BYTES // 4 + 1
            emit(text)
            return len(s)
        *lines, rest = text.split("\n")
        self._pieces, self._pending = ([rest], len(rest)) if rest else ([], 0)
        self._check_at = MAX_EVENT_BYTES // 4 + 1
        del text
        for i, line in enumerate(lines):
            lines[i] = ""  # emitted lines are not held on to
            if len(line) * 4 > MAX_EVENT_BYTES:
                pieces = iter_events(line)
                line = next(pieces)
                for piece in pieces:
                    emit(line)
                    line = piece
            emit(line + "\n")
        return len(s)

    def flush(self) -> None:
        if self._pieces:
            text = "".join(self._pieces)
            self._pieces, self._pending = [], 0
            self._check_at = MAX_EVENT_BYTES // 4 + 1
            if text:
                self._sink.app(text)
            if self._mirror is not None and self._mirrored:
                self._mirror[:4] = _ZERO_LENGTH
                self._mirrored = 0


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
        # Another handler (pytest's log capture) may have cached its own exception text.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: Any) -> str:  # logging's name
        return format_user_exception(ei, self._sink.runtime or None)

    def formatStack(self, stack_info: str) -> str:  # logging's name
        return runtime_stack(stack_info, self._sink.runtime, self._sink.request_id is not None)


class _JsonFormatter(logging.Formatter):
    """The runtime's JSON record: keys in the client's order, ``None`` values dropped.

    Matches ``awslambdaric`` 4.2.2 ``JsonFormatter``: second-precision UTC timestamp, level
    rounded down to a multiple of ten, exception keys between ``logger`` and ``requestId``.
    """

    converter = staticmethod(time.gmtime)

    def __init__(self, sink: LogSink) -> None:
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")
        self._sink = sink

    def format(self, record: logging.LogRecord) -> str:
        if client_frames.emits_no_exception(record):
            return client_frames.formatter(record, self._sink.runtime)
        levelno = min(50, max(0, record.levelno)) // 10 * 10
        message: Any
        if isinstance(record.msg, dict) and not record.args:
            message = record.msg
        else:
            message = client_frames.json_message(record, self._sink.runtime)
        exc_info = record.exc_info if record.exc_info and record.exc_info[0] else None
        out: dict[str, Any] = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": logging.getLevelName(levelno),
            "message": message,
            "logger": record.name,
            "stackTrace": None,
            "errorType": None,
            "errorMessage": None,
            "requestId": self._sink.last_request_id,
            "location": None,
        }
        if exc_info is not None:
            etype, value, tb = exc_info
            # the runtime's format_tb(tb)
            out["stackTrace"] = user_frames(tb, self._sink.runtime or None).format()
            out["errorType"] = etype.__name__
            out["errorMessage"] = str(value)
            out["location"] = f"{record.pathname}:{record.funcName}:{record.lineno}"
        if self._sink.tenant_id is not None:
            out["tenantId"] = self._sink.tenant_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED_RECORD_ATTRS and key not in out:
                out[key] = value
        return json.dumps({k: v for k, v in out.items() if v is not None},
                          ensure_ascii=False, default=str) + "\n"


class _RequestFilter(logging.Filter):
    """The filter the runtime puts on its handler (awslambdaric's ``LambdaLoggerFilter``):
    every record it handles carries ``aws_request_id`` (the last invocation's, "" before any)
    and ``tenant_id``, so a format the code gives the runtime's handler
    (``handler.setFormatter(logging.Formatter("%(aws_request_id)s %(message)s"))``) or a
    handler after it on the root logger can use them."""

    def __init__(self, sink: LogSink) -> None:
        super().__init__()
        self._sink = sink

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self._sink.last_request_id
        record.tenant_id = self._sink.tenant_id
        return True


class _SinkFile:
    """What the client's telemetry sink writes to: our log stream, filtered by level."""

    __slots__ = ("_sink",)

    def __init__(self, sink: LogSink) -> None:
        self._sink = sink

    def write(self, message: str, frame_type: int | bytes | None) -> None:
        if isinstance(frame_type, bytes):
            # A record awslambdaric's own JsonFormatter formatted first carries the telemetry
            # frame header itself (0xA55A00NN, the level in the last byte; the client writes
            # it as it is).
            frame_type = _FRAME_LEVELS.get(frame_type[-1] & ~1 if frame_type else -1, 20)
        rank = None if frame_type is None else _record_rank(frame_type)
        self._sink.app(message, rank)


class _ClientSink:
    """The client's ``FramedTelemetryLogSink`` as its handler sees it (``log_sink``)."""

    __slots__ = ("file", "log")

    def __init__(self, sink: LogSink) -> None:
        self.file = _SinkFile(sink)
        self.log = types.MethodType(client_frames.sink_log(sink.runtime), self)


class LambdaLoggerHandler(logging.Handler):
    """The root-logger handler the runtime installs: one record, one event. Named as
    awslambdaric names its own (code that looks for it by class name finds it).

    Its ``emit`` is the client's, under the client's file name (see ``client_frames``): like
    it, it catches nothing, so a record that cannot be formatted or written (``%`` arguments
    that do not match, a format naming a field records lack, a lone surrogate) raises into the
    code that logged, and fails the invocation if not caught, as on Lambda (the standard
    library's handlers print "--- Logging error ---" and go on)."""

    def __init__(self, sink: LogSink) -> None:
        super().__init__()
        self._sink = sink
        self.log_sink = _ClientSink(sink)
        self.setFormatter(_JsonFormatter(sink) if sink.json_format else _TextFormatter(sink))
        self.addFilter(_RequestFilter(sink))
        self.emit = types.MethodType(  # type: ignore[method-assign]
            client_frames.handler_emit(sink.runtime, sink.json_format), self)
