"""Handler raising an exception with an empty message."""


class EmptyError(Exception):
    pass


def handler(event, context):
    raise EmptyError()
