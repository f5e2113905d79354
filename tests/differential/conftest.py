"""The differential tier: pytest-aws-lambda against the real runtime interface clients.

Opt-in where the clients are not installed (each test skips, naming the install command);
with ``PYTEST_LAMBDA_DIFFERENTIAL=require`` (what CI sets) a missing client is an error.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator

import pytest
from diff_clients import MODE_VAR, Client, mode, node_client, python_client


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "differential: compares pytest-aws-lambda byte for byte with the real "
        "runtime interface clients (tests/differential; select with -m differential)")


@pytest.fixture(autouse=True)
def _long_header_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fake Runtime API reads header lines as long as Lambda's accepts: the client sends an
    error's X-Ray cause in one header of up to 1 MiB (``lambda_runtime_client``
    ``post_invocation_error``), which ``http.server``'s 64 KiB line limit refused with 431, so
    an error with a long message or a deep stack failed on the real side only."""
    monkeypatch.setattr(http.client, "_MAXLINE", 4 * 1024 * 1024)
    yield


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
