"""sys.exit variants inside a handler, selected by the handler name."""

import sys


def exit_none(event, context):
    print("exiting without a code")
    sys.exit()


def exit_zero(event, context):
    sys.exit(0)


def exit_code(event, context):
    print("exiting with 3")
    sys.exit(3)


def exit_text(event, context):
    sys.exit("fatal: configuration is broken")
