"""CloudWatch-style log model: groups, streams, events, and views over them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, overload

from pytest_lambda.observe.assertions import LogAssertions


class LogEvent(NamedTuple):
    """One CloudWatch Logs event: a millisecond timestamp and a message.

    ``request_id`` is the invocation the event belongs to (``None`` for the init phase);
    CloudWatch does not store it, it is kept here so events can be filtered per invocation.
    Immutable; a named tuple because one is created for every line a handler writes.
    """

    timestamp: int
    message: str
    request_id: str | None = None
    stream: str = ""

    def json(self) -> Any:
        """The message parsed as JSON; raises ``ValueError`` naming the message if it is not."""
        try:
            return json.loads(self.message)
        except json.JSONDecodeError as exc:
            raise ValueError(f"log message is not JSON ({exc}): {self.message!r}") from None


class LogView(LogAssertions, Sequence[LogEvent]):
    """A read-only, ordered selection of log events with query helpers."""

    __slots__ = ("_events",)

    def __init__(self, events: Sequence[LogEvent] = ()) -> None:
        self._events = list(events)

    @overload
    def __getitem__(self, index: int) -> LogEvent: ...
    @overload
    def __getitem__(self, index: slice) -> LogView: ...
    def __getitem__(self, index: int | slice) -> LogEvent | LogView:
        if isinstance(index, slice):
            return LogView(self._events[index])
        return self._events[index]

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[LogEvent]:
        return iter(self._events)

    def __repr__(self) -> str:
        return f"LogView({len(self._events)} events)"

    @property
    def messages(self) -> list[str]:
        """The messages, in order."""
        return [e.message for e in self._events]

    @property
    def text(self) -> str:
        """All messages joined as CloudWatch shows them, one event per line."""
        return "\n".join(m.rstrip("\n") for m in self.messages)

    def filter(self, pattern: str | re.Pattern[str]) -> LogView:
        """Events whose message contains ``pattern`` (a substring, or a compiled regex)."""
        if isinstance(pattern, re.Pattern):
            return LogView([e for e in self._events if pattern.search(e.message)])
        return LogView([e for e in self._events if pattern in e.message])

    def for_request(self, request_id: str) -> LogView:
        """Events written while the invocation ``request_id`` ran (START to REPORT)."""
        return LogView([e for e in self._events if e.request_id == request_id])

    def json_events(self) -> list[Any]:
        """Messages that are JSON objects, parsed (other events are skipped)."""
        out = []
        for e in self._events:
            m = e.message.strip()
            if m.startswith("{"):
                try:
                    out.append(json.loads(m))
                except json.JSONDecodeError:
                    continue
        return out


@dataclass(slots=True)
class LogStream:
    """One log stream: all events of one execution environment."""

    name: str
    events: list[LogEvent] = field(default_factory=list)
    #: Events cut from the front of ``events`` by the function's history window.
    dropped: int = 0

    def view(self) -> LogView:
        return LogView(self.events)


@dataclass(slots=True)
class LogGroup:
    """A log group (``/aws/lambda/<function>`` by default) holding one stream per environment."""

    name: str
    streams: dict[str, LogStream] = field(default_factory=dict)
    #: :meth:`events` merges incrementally: the merged list so far, how many events of each
    #: stream it holds, and the view last returned (reused while nothing was added).
    _merged: list[LogEvent] = field(default_factory=list, init=False, repr=False, compare=False)
    _taken: dict[str, tuple[int, LogEvent | None]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _tail: tuple[int, int] = field(default=(-1, -1), init=False, repr=False, compare=False)
    _view: LogView | None = field(default=None, init=False, repr=False, compare=False)

    def stream(self, name: str) -> LogStream:
        """The stream called ``name``, created on first use."""
        s = self.streams.get(name)
        if s is None:
            s = self.streams[name] = LogStream(name)
        return s

    def events(self) -> LogView:
        """Every event of every stream, ordered by timestamp (stable within a stream).

        Ties are broken by stream (in creation order), then by position in the stream, as one
        stable sort of all streams would. Events added since the last call are merged in
        without sorting the rest again when they all come after it; otherwise (a stream
        writing an event older than one already merged, or streams shrinking) everything is
        sorted again.
        """
        taken = self._taken
        fresh: list[tuple[int, LogEvent]] = []
        rebuild = False
        for index, (name, stream) in enumerate(self.streams.items()):
            events = stream.events
            start, last = taken.get(name, (0, None))
            if len(events) < start or (start and events[start - 1] is not last):
                rebuild = True  # the stream was cut or rewritten, not only appended to
                break
            if len(events) > start:
                fresh.extend((index, e) for e in events[start:])
        if not rebuild and not fresh and self._view is not None:
            return self._view
        last_ts, last_stream = self._tail
        if not rebuild and fresh:
            fresh.sort(key=lambda pair: pair[1].timestamp)
            first = fresh[0][1]
            rebuild = first.timestamp < last_ts or (
                first.timestamp == last_ts and any(
                    i < last_stream for i, e in fresh if e.timestamp == last_ts))
        if rebuild:
            ordered = [(i, e) for i, s in enumerate(self.streams.values()) for e in s.events]
            ordered.sort(key=lambda pair: pair[1].timestamp)
            self._merged = [e for _, e in ordered]
            fresh = ordered
        else:
            self._merged.extend(e for _, e in fresh)
        if fresh:
            top = fresh[-1][1].timestamp
            stream_index = max(i for i, e in fresh if e.timestamp == top)
            if not rebuild and top == last_ts:
                stream_index = max(stream_index, last_stream)
            self._tail = (top, stream_index)
        for name, stream in self.streams.items():
            events = stream.events
            taken[name] = (len(events), events[-1] if events else None)
        self._view = LogView(self._merged)
        return self._view
