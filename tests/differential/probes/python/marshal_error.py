"""A result that is not JSON serialisable (a set), after a side effect was logged."""

import logging


def handler(event, context):
    logging.warning("about to return a set")
    return {"ids": {1, 2, 3}}
