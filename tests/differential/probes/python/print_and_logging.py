"""Success: print and logging at every level, a dict message, extra fields, %-args."""

import logging

logger = logging.getLogger("probe.child")


def handler(event, context):
    print("plain print")
    print("multi\nline print")
    print("tabs\tand unicode: naïve ☃")
    logging.debug("debug %s", "root")
    logging.info("info %s", "root")
    logging.warning("warning %s", "root")
    logging.error("error %s", "root")
    logging.critical("critical %s", "root")
    logger.debug("debug child")
    logger.info("info child")
    logger.warning("warning child\nwith a second line")
    logger.log(25, "custom level 25")
    logging.warning({"dict": "message", "n": 1})
    logging.warning("with extra", extra={"orderId": 42, "tags": ["a", "b"]})
    return {"ok": True, "unicode": "naïve ☃", "n": 1.5, "none": None}
