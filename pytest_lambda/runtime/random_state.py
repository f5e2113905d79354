"""The ``random`` module's generator, once an environment's code seeds it: its own stream.

``random``'s module-level functions share one generator per process. On Lambda a runtime
process seeds it from ``os.urandom`` as it starts and the code may seed it again
(``random.seed(42)`` for reproducible sampling); here the test process and every environment
share it, so the code's seed reset the test's stream (and pytest-randomly's per-test seed was
the code's). Swapping the generator's state at every phase costs ~25 µs, so it is done only for
an environment whose code has called ``random.seed``: from that call on, its stream is its own
from phase to phase and the test's comes back after each. (What a cold start draws is fresh
anyway: its Init runs on a newly seeded generator, see ``inprocess.ExecutionEnvironment.init``.)
A ``seed`` bound before the phase (``from random import seed`` in a module the test process
imported first) is not seen.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["RandomState"]


class RandomState:
    """One environment's ``random`` stream, per phase (a phase hook)."""

    __slots__ = ("_module", "_own", "_seed", "_test")

    def __init__(self) -> None:
        #: The environment's generator state between phases, once its code has seeded it.
        self._own: Any = None
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

    def exit(self) -> None:
        module, self._module = self._module, None
        if module is None:
            return
        module.seed = self._seed
        if self._test is not None:
            self._own = module.getstate()
            module.setstate(self._test)
            self._test = None

    def _seeded(self, *args: Any, **kwargs: Any) -> None:
        """``random.seed`` during a phase: from now on the stream is the environment's."""
        module = self._module
        if module is not None and self._test is None:
            self._test = module.getstate()
        seed = self._seed if self._seed is not None else sys.modules["random"].seed
        seed(*args, **kwargs)
