"""Code whose compilation warns (an invalid escape, ``is`` with a literal): whoever compiles the
module writes the SyntaxWarning / DeprecationWarning to stderr, during Init."""


def handler(event, context):
    pattern = "\d+"  # noqa: W605 - the point of the probe
    return event.get("count") is 1, pattern  # noqa: F632 - the point of the probe
