"""logger.exception() with no exception being handled (a validation branch): the text format
prints "NoneType: None", the JSON formatter raises into the handler, which catches it once and
then lets it fail the invocation."""

import logging

logger = logging.getLogger("probe")


def handler(event, context):
    try:
        logger.exception("invalid order %s", event.get("order"))
    except AttributeError as error:
        logging.warning("caught %r", error, exc_info=True)
    logger.error("again", exc_info=True)
    return "logged"
