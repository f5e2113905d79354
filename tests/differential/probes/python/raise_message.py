"""Handler raising an exception with a message."""


def handler(event, context):
    raise ValueError("the order id is missing")
