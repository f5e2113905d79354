"""Init failure: a module that imports a package that does not exist."""

import package_that_does_not_exist  # noqa: F401


def handler(event, context):
    return "unreachable"
