"""Handler raising through explicit (``from``) and implicit exception chains, via a helper."""


def parse(text):
    return int(text)


def load(event):
    try:
        return parse(event.get("count", "x"))
    except ValueError as exc:
        raise LookupError("count is not a number") from exc


def handler(event, context):
    try:
        load(event)
    except LookupError:
        raise KeyError("count")  # noqa: B904 - the implicit chain is what is probed
