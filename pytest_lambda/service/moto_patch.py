"""A reference-counted patch of moto's classes, in place while the embedded AWS runs.

``MockedAws`` contexts nest (a test's and an application's): the first :meth:`install` puts
the stand-ins in, the last :meth:`uninstall` gives moto its own methods back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

#: (class, attribute, stand-in): what one patch replaces.
Target = tuple[Any, str, Any]


class MotoPatch:
    """Stand-ins for attributes of moto's classes; ``targets`` imports moto (call it only
    once the embedded AWS is starting)."""

    def __init__(self, targets: Callable[[], list[Target]]) -> None:
        self._targets = targets
        self._lock = threading.Lock()
        self._depth = 0
        self._originals: list[tuple[Any, str, Any]] = []

    def original(self, owner: Any, name: str) -> Any:
        """moto's own attribute that a stand-in wraps."""
        return next(v for o, n, v in self._originals if o is owner and n == name)

    def install(self) -> None:
        with self._lock:
            if self._depth == 0:
                for owner, name, stand_in in self._targets():
                    self._originals.append((owner, name, owner.__dict__[name]))
                    setattr(owner, name, stand_in)
            self._depth += 1

    def uninstall(self) -> None:
        with self._lock:
            if self._depth == 0:
                return
            self._depth -= 1
            if self._depth == 0:
                for owner, name, original in self._originals:
                    setattr(owner, name, original)
                self._originals.clear()
