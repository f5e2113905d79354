"""Init failure: the module calls sys.exit while it is imported (a configuration check)."""

import sys

print("checking configuration")
sys.exit(2)


def handler(event, context):
    return "unreachable"
