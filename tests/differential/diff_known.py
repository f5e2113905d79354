"""Known differences between pytest-aws-lambda and the real runtime interface clients.

Each rule names one difference, the aspects it shows in, and the cases it applies to. A case
whose outputs differ is marked ``xfail(strict=True)`` with the descriptions of its rules as
the reason: when a fix lands, the case passes, strict xfail turns it red, and the rule (or
its case) is removed here. A case that differs in aspects its rules do not name fails
outright, so a new difference cannot hide behind a known one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Key = tuple[str, str, str]  # (case id, runtime, variant id)


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    aspects: frozenset[str]
    applies: Callable[[Key], bool]


RULES: tuple[Rule, ...] = ()


def known(key: Key) -> list[Rule]:
    """The rules that apply to ``key``."""
    return [rule for rule in RULES if rule.applies(key)]
