"""A response over the synchronous 6 MB limit: the Runtime API refuses it (413)."""


def handler(event, context):
    print("building the response")
    return "x" * 7_000_000
