"""A logging call at import whose arguments do not match its format: the Init fails."""

import logging

logging.warning("cold start %s of %s", 1)


def handler(event, context):
    return event
