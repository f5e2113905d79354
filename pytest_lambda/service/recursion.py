"""Lambda's recursive loop detection: the X-Ray ``Lineage`` count, stopped after 16 hops.

AWS docs "Use Lambda recursive loop detection to prevent infinite loops"
(lambda/latest/dg/invocation-recursion.html): Lambda tracks how many times one triggering
event has invoked a function through the X-Ray trace header that SQS, SNS and Lambda pass
along (SDKs copy ``_X_AMZN_TRACE_ID`` into ``X-Amzn-Trace-Id`` on every request, botocore's
``add_recursion_detection_header``), and stops the invocation once a function would run more
than 16 times in the same chain, counting it in the ``RecursiveInvocationsDropped`` metric.
The launch announcement ("AWS Lambda detects recursive loops", July 2023) gives the limit:
"If a function is invoked by the same triggering event more than 16 times, Lambda will stop
the next invocation".

The count travels as ``Lineage=<8 hex>:<count>`` (one entry per function, joined by ``|``;
X-Ray docs "Tracing header"), e.g. ``Root=1-46105bdf-04c13a9504458ebc539f5fba;
Parent=240a548a42a88af4;Sampled=0;Lineage=12326a9d:0`` captured in an invocation's
``_X_AMZN_TRACE_ID`` (DataDog/datadog-lambda-java#89): the count is how many times the
function ran before in the chain. How Lambda derives the 8 hex digits is not documented;
here they are the start of the SHA-256 of the function's ARN.
"""

from __future__ import annotations

import hashlib

#: A function runs at most this many times for one triggering event.
MAX_INVOCATIONS = 16


def function_key(arn: str) -> str:
    """The function's 8-hex-digit id in a ``Lineage`` entry."""
    return hashlib.sha256(arn.encode()).hexdigest()[:8]


def _fields(header: str) -> list[tuple[str, str]]:
    out = []
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep:
            out.append((key, value))
    return out


def lineage(header: str | None) -> dict[str, int]:
    """The ``Lineage`` entries of a trace header: function id -> invocations so far."""
    counts: dict[str, int] = {}
    for key, value in _fields(header or ""):
        if key != "Lineage":
            continue
        for entry in value.split("|"):
            name, _, count = entry.partition(":")
            if name and count.isdigit():
                counts[name] = int(count)
    return counts


def chain_count(header: str | None, arn: str) -> int:
    """How many times the function ``arn`` would have run in this chain, this one included.

    A header whose lineage does not name the function starts it at 1: the function has not
    run yet for this triggering event.
    """
    seen = lineage(header).get(function_key(arn))
    return 1 if seen is None else seen + 2


def stops(header: str | None, arn: str) -> bool:
    """Whether loop detection stops an invocation of ``arn`` carrying ``header``."""
    return header is not None and chain_count(header, arn) > MAX_INVOCATIONS


def continue_trace(header: str, arn: str, request_id: str) -> str:
    """The ``_X_AMZN_TRACE_ID`` of an invocation triggered with ``header``: the same trace
    (``Root``, ``Sampled``), a new ``Parent`` and the function's lineage count advanced."""
    fields = dict(_fields(header))
    counts = lineage(header)
    counts[function_key(arn)] = chain_count(header, arn) - 1
    digits = request_id.replace("-", "")
    parts = []
    if "Root" in fields:
        parts.append(f"Root={fields['Root']}")
    parts.append(f"Parent={digits[16:32]}")
    parts.append(f"Sampled={fields.get('Sampled', '0')}")
    parts.append("Lineage=" + "|".join(f"{k}:{v}" for k, v in counts.items()))
    return ";".join(parts)
