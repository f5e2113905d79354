"""Init failure: a KeyError at module level (a missing environment variable)."""

import os

TABLE_NAME = os.environ["PROBE_TABLE_NAME_THAT_IS_NOT_SET"]


def handler(event, context):
    return TABLE_NAME
