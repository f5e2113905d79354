"""Init failure when the configured handler names a function this module does not have."""

print("module imported")


def other(event, context):
    return "not the handler"
