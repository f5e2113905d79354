"""The ``random`` module's generator, once an environment's code seeds it: its own stream.

``random``'s module-level functions share one generator per process. On Lambda a runtime
process seeds it from ``os.urandom`` as it starts and the code may seed it again
(``random.seed(42)`` for reproducible sampling); here the test process and every environment
share it, so the code's seed reset the test's stream (and pytest-randomly's per-test seed was
the code's). Swapping the generator's state at every phase costs ~25 µs, so it is done only for
an environment whose code has called ``random.seed``: from that call on, its stream is its own
from phase to phase and the test's comes back after each. What a cold start's Init draws comes
from a freshly seeded generator (the test's state comes back after it).
A ``seed`` bound before the phase (``from random import seed`` in a module the test process
imported first) is not seen.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["RandomState"]


class RandomState:
    """One environment's ``random`` stream, per phase (a phase hook)."""

    __slots__ = ("_keeps", "_module", "_own", "_seed", "_started", "_test")

    def __init__(self) -> None:
        #: The environment's generator state between phases, once its code has seeded it.
        self._own: Any = None
        #: Whether the environment keeps a stream of its own (its code called ``seed``).
        self._keeps = False
        #: Whether its first phase (Init) has begun.
        self._started = False
        #: During a phase: the random module, its own ``seed``, and the test's state (once
        #: swapped).
        self._module: Any = None
        self._seed: Any = None
        self._test: Any = None

    def enter(self) -> None:
        module: Any = sys.modules.get("random")
        self._module = module
        if module is None:
            return
        self._seed = module.seed
        module.seed = self._seeded
        if self._own is not None:
            self._test = module.getstate()
            module.setstate(self._own)
        elif not self._started:
            # Init: a runtime process seeds the generator from os.urandom as it starts, so
            # what Init draws (an instance id, a jitter) differs from cold start to cold start,
            # whatever the test seeded (pytest-randomly seeds it before every test).
            self._test = module.getstate()
            self._seed()
        self._started = True

    def exit(self) -> None:
        module, self._module = self._module, None
        if module is None:
            return
        module.seed = self._seed
        if self._test is not None:
            if self._keeps:
                self._own = module.getstate()
            module.setstate(self._test)
            self._test = None

    def restart(self) -> None:
        """The runtime restarts (Init is retried): a new process, a newly seeded generator."""
        self._own, self._keeps, self._started = None, False, False

    def _seeded(self, *args: Any, **kwargs: Any) -> None:
        """``random.seed`` during a phase: from now on the stream is the environment's."""
        if self._module is not None and self._test is None:
            self._test = self._module.getstate()
        self._keeps = True
        self._seed(*args, **kwargs)
