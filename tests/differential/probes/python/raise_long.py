"""An error whose message is 300 KB (a response body quoted in it): the client sends its
X-Ray cause in a header far over 64 KiB."""


def handler(event, context):
    raise ValueError("upstream answered: " + "x" * 300_000)
