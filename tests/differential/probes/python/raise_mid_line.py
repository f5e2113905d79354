"""Errors raised in the middle of a line: carets, a subscript chain, a multi-line call."""

TABLE = {"a": {"b": 1}}


def compute(x):
    return 10 + x["a"]["missing"] * 2


def handler(event, context):
    total = 1 + compute(TABLE) + (
        3
    )
    return total
