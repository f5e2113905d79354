"""Length-prefixed pickle messages between the test process and a runtime worker process."""

from __future__ import annotations

import pickle
import socket
import struct
from typing import Any

_HEADER = struct.Struct("!I")


def send(sock: socket.socket, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


def recv(sock: socket.socket) -> Any:
    """The next message; ``EOFError`` when the other side has gone."""
    (size,) = _HEADER.unpack(_read(sock, _HEADER.size))
    return pickle.loads(_read(sock, size))


def read_records(data: bytes) -> tuple[list[Any], int]:
    """The complete length-prefixed records at the start of ``data``, and the bytes used (a
    record cut short, by a worker killed while writing it, is left out)."""
    out = []
    at = 0
    while at + _HEADER.size <= len(data):
        (size,) = _HEADER.unpack_from(data, at)
        if at + _HEADER.size + size > len(data):
            break
        out.append(pickle.loads(data[at + _HEADER.size:at + _HEADER.size + size]))
        at += _HEADER.size + size
    return out, at


def _read(sock: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError("the runtime worker process closed its connection")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
