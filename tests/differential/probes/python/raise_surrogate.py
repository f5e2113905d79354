"""An error whose message holds a lone surrogate (a file name os.listdir decoded with
surrogateescape): the runtime logs the error before posting it, and a line written raw (the
text format; JSON from python3.12 on) cannot be encoded: the runtime process ends."""


def handler(event, context):
    name = b"report-\xff.csv".decode("utf-8", "surrogateescape")
    raise ValueError(f"cannot process {name}")
