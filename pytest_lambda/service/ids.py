"""Random identifiers the service hands out (revision ids, statement ids)."""

from __future__ import annotations

import os


def new_uuid() -> str:
    """A random (version 4) UUID string, as ``str(uuid.uuid4())`` gives it.

    Made here because importing :mod:`uuid` (which imports :mod:`platform`) costs more than
    every function creation needs to pay on the start-up path.
    """
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
