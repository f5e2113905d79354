"""Amazon Resource Names: the one parser of ``arn:partition:service:region:account:resource``."""

from __future__ import annotations

from typing import NamedTuple


class Arn(NamedTuple):
    """The parts of an ARN; ``resource`` is everything after the account (it may hold ``:``)."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: object) -> Arn | None:
        """The parts of ``text``, or None when it is not an ARN."""
        if not isinstance(text, str) or not text.startswith("arn:"):
            return None
        parts = text.split(":", 5)
        if len(parts) < 6:
            return None
        return cls(parts[1], parts[2], parts[3], parts[4], parts[5])

    @classmethod
    def require(cls, text: object) -> Arn:
        """The parts of ``text``; a ValueError naming it when it is not an ARN."""
        arn = cls.parse(text)
        if arn is None:
            raise ValueError(f"{text!r} is not an ARN (arn:partition:service:region:account:"
                             "resource): pass the resource's full ARN.")
        return arn

    @property
    def name(self) -> str:
        """The resource's own name: what follows its last ``:`` or ``/`` (a queue, a topic)."""
        return self.resource.rsplit(":", 1)[-1].rsplit("/", 1)[-1]

    @property
    def function_name(self) -> str | None:
        """For a Lambda function ARN (``function:NAME[:QUALIFIER]``), NAME; else None."""
        kind, _, rest = self.resource.partition(":")
        if self.service != "lambda" or kind != "function" or not rest:
            return None
        return rest.split(":", 1)[0]

    @property
    def qualifier(self) -> str | None:
        """For a qualified Lambda function ARN, its version or alias; else None."""
        if self.function_name is None:
            return None
        parts = self.resource.split(":")
        return parts[2] if len(parts) == 3 and parts[2] else None

    @property
    def unqualified(self) -> str:
        """The ARN without a Lambda function's qualifier (other ARNs unchanged)."""
        base = f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:"
        if self.function_name is not None:
            return f"{base}function:{self.function_name}"
        return base + self.resource
