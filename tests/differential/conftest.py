"""The differential tier: pytest-aws-lambda against the real runtime interface clients.

Opt-in where the clients are not installed (each test skips, naming the install command);
with ``PYTEST_LAMBDA_DIFFERENTIAL=require`` (what CI sets) a missing client is an error.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from diff_clients import MODE_VAR, Client, mode, node_client, python_client


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "differential: compares pytest-aws-lambda byte for byte with the real "
        "runtime interface clients (tests/differential; select with -m differential)")


@pytest.fixture
def real_client() -> Callable[[str], Client]:
    """The real client of a runtime; skips (or, when required, fails) if it is not installed."""
    try:
        required = mode() == "require"
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None

    def get(runtime: str) -> Client:
        client = node_client(runtime) if runtime.startswith("nodejs") else python_client(runtime)
        problem = client.missing()
        if problem is None:
            return client
        if required:
            pytest.fail(f"{problem} ({MODE_VAR}=require)", pytrace=False)
        pytest.skip(f"{problem} (set {MODE_VAR}=require to make this an error)")

    return get
