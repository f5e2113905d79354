"""Output during init (print and logging), then a successful invocation."""

import logging

print("cold start print")
logging.warning("cold start warning")


def handler(event, context):
    logging.warning("in handler")
    return event
