"""Handlers the runtime cannot call as ``handler(event, context)``: the call itself raises."""

not_callable = {"handler": "a dict"}


def one_argument(event):
    return event
