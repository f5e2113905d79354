"""A valid module; the case configures the handler string without a dot ("app")."""


def handler(event, context):
    return "unreachable: the handler string is malformed"
