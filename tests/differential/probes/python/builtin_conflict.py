"""A valid module; the case configures a handler on a built-in module name ("sys.handler")."""


def handler(event, context):
    return "unreachable: sys is a built-in module"
