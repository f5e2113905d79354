"""logging.exception inside a handler that recovers, plus exc_info on a warning."""

import logging

logger = logging.getLogger("probe")


def handler(event, context):
    try:
        {}["missing"]
    except KeyError:
        logging.exception("lookup failed for %s", "missing")
        logger.warning("recovered", exc_info=True)
    return "recovered"
