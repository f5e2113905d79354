"""A logging call the runtime's handler cannot format: the client's handler catches nothing,
so the error reaches the code that logged. Caught once (its traceback logged through the
handler), then a format naming a field records lack fails the invocation."""

import logging

logger = logging.getLogger("probe")


def handler(event, context):
    try:
        logger.warning("order %s for customer %s", event.get("order"))
    except TypeError as error:
        logging.warning("caught %r", error, exc_info=True)
    logging.getLogger().handlers[0].setFormatter(
        logging.Formatter("%(asctime)s %(request_id)s %(message)s"))
    logger.warning("after the formatter")
    return "logged"
