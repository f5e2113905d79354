"""The log pipe a real runtime interface client writes to, and its decoding into log events.

On Lambda the runtime's stdout and stderr are one pipe into the log service, and its logging
integration writes framed records to the telemetry fd named by ``_LAMBDA_TELEMETRY_LOG_FD``.
Here all three are the *same* pipe, so the bytes arrive in exactly the order the client wrote
them (every write is synchronous: the Python client makes stdout unbuffered and writes frames
with unbuffered ``os`` writes; the Node client uses ``fs.writeSync``). A frame is

    4 bytes type 0xA55A00xx | 4 bytes length n | 8 bytes timestamp (µs) | n bytes message

big-endian. Bytes between frames are stdout/stderr text, one log event per line, as the log
service splits them. The harness itself writes *marker* frames (type ``MARK``) into the pipe
when the client calls the Runtime API, to cut the stream into init and invocation phases.
"""

from __future__ import annotations

import json
import os
import struct
import threading
import time
from dataclasses import dataclass

MAGIC = b"\xa5\x5a"
_HEADER = struct.Struct(">IIQ")
#: Frame type of the harness's own markers; the clients never write it.
MARK = 0xA55AFFFE


@dataclass(frozen=True)
class Event:
    """One log event: a telemetry frame (``frame_type`` set) or a line of stdout/stderr."""

    message: str
    frame_type: int | None = None
    timestamp_us: int | None = None

    @property
    def source(self) -> str:
        return "stdout/stderr" if self.frame_type is None else f"frame 0x{self.frame_type:08X}"


@dataclass(frozen=True)
class Mark:
    """Where the client called the Runtime API: ``kind`` is ``next``/``response``/``error``…"""

    kind: str
    request_id: str


class LogPipe:
    """A pipe whose write end becomes the client's fd 1, fd 2 and telemetry fd."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._drain, daemon=True, name="log-pipe")
        self._reader.start()
        self._lock = threading.Lock()

    def _drain(self) -> None:
        while True:
            chunk = os.read(self.read_fd, 65536)
            if not chunk:
                break
            self._chunks.append(chunk)
        os.close(self.read_fd)

    def mark(self, kind: str, request_id: str) -> None:
        """Write a marker frame (atomic: far below PIPE_BUF)."""
        body = json.dumps({"kind": kind, "id": request_id}).encode()
        with self._lock:
            if self.write_fd >= 0:
                os.write(self.write_fd, _HEADER.pack(MARK, len(body), time.time_ns() // 1000)
                         + body)

    def close(self, timeout: float = 10.0) -> bytes:
        """Close the harness's write end and return everything read once the client's closed."""
        with self._lock:
            os.close(self.write_fd)
            self.write_fd = -1
        self._reader.join(timeout)
        if self._reader.is_alive():
            raise AssertionError(
                f"the client's log pipe stayed open {timeout} s after it exited: a child "
                "process of the client still holds it")
        return b"".join(self._chunks)


def _is_frame_at(data: bytes, i: int) -> bool:
    if data[i:i + 2] != MAGIC or i + _HEADER.size > len(data):
        return False
    frame_type, length, _ = _HEADER.unpack_from(data, i)
    return (frame_type >> 16) == 0xA55A and i + _HEADER.size + length <= len(data)


def _text_events(text: bytes) -> list[Event]:
    lines = text.split(b"\n")
    events = [Event((line + b"\n").decode("utf-8", "surrogateescape")) for line in lines[:-1]]
    if lines[-1]:
        events.append(Event(lines[-1].decode("utf-8", "surrogateescape")))
    return events


def decode(data: bytes) -> list[Event | Mark]:
    """Split the pipe's bytes into frames, stdout/stderr lines and the harness's markers."""
    out: list[Event | Mark] = []
    i = start = 0
    while i < len(data):
        j = data.find(MAGIC, i)
        if j < 0:
            break
        if not _is_frame_at(data, j):
            i = j + 1
            continue
        out.extend(_text_events(data[start:j]))
        frame_type, length, stamp = _HEADER.unpack_from(data, j)
        body = data[j + _HEADER.size:j + _HEADER.size + length]
        if frame_type == MARK:
            info = json.loads(body)
            out.append(Mark(info["kind"], info["id"]))
        else:
            out.append(Event(body.decode("utf-8", "surrogateescape"), frame_type, stamp))
        i = start = j + _HEADER.size + length
    out.extend(_text_events(data[start:]))
    return out


def phases(items: list[Event | Mark]) -> dict[str, list[Event]]:
    """Group events by phase: ``"init"`` until the first ``next``, then one per request id.

    Output after an invocation's response and before the client's next ``next`` (Node timers,
    for instance) stays with that invocation.
    """
    current = "init"
    out: dict[str, list[Event]] = {"init": []}
    for item in items:
        if isinstance(item, Mark):
            if item.kind == "next" and item.request_id:
                current = item.request_id
                out.setdefault(current, [])
            continue
        out.setdefault(current, []).append(item)
    return out
