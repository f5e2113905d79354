"""Handler raising an exception whose message is not ASCII."""


def handler(event, context):
    raise RuntimeError("naïve café ☃ 日本語 — \"quoted\" \\ backslash")
