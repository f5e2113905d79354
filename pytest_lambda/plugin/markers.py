"""The plugin's markers: their registered signatures and how a test's marker is read."""

from __future__ import annotations

from typing import Any

import pytest

MARKERS = (
    "lambda_timeout(seconds): timeout of functions created in this test (1-900 s)",
    "lambda_memory(mb): memory size of functions created in this test (128-10240 MB)",
    "lambda_cold: discard warm environments of the LambdaFunction fixtures this test uses, so "
    "its first invocation of each is a cold start",
    "lambda_network(*, allow): hosts the handler may connect to during the test (a list of "
    "host, *.domain, IP, CIDR or host:port; True allows everything)",
    "lambda_isolation(mode): run this test's functions 'in-process' or in a worker 'process'",
)


def marker_arg(item: pytest.Item, name: str) -> Any:
    marker = item.get_closest_marker(name)
    if marker is None:
        return None
    if marker.kwargs and name == "lambda_network":
        return marker.kwargs.get("allow", ())
    if not marker.args:
        example = {"lambda_timeout": "10", "lambda_memory": "512",
                   "lambda_isolation": "'process'"}.get(name, "...")
        raise pytest.UsageError(f"@pytest.mark.{name} needs a value, e.g. "
                                f"@pytest.mark.{name}({example}).")
    return marker.args[0]
