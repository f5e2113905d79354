"""Package-wide checks: every module imports cleanly, the public API is pinned."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import pytest_lambda

MODULES = sorted(m.name for m in pkgutil.walk_packages(pytest_lambda.__path__, "pytest_lambda."))


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_without_warnings(name: str) -> None:
    """Each module imports in a fresh interpreter with every warning turned into an error."""
    proc = subprocess.run([sys.executable, "-W", "error", "-c", f"import {name}"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_public_api_is_pinned() -> None:
    """``__all__`` lists exactly the names users import; each one resolves."""
    assert pytest_lambda.__all__ == [
        "Account", "Alias", "FunctionConfig", "InvokeResult", "LambdaContext", "LambdaFunction",
        "LogEvent", "LogView", "Report", "Version", "__version__", "events",
    ]
    for name in pytest_lambda.__all__:
        assert getattr(pytest_lambda, name) is not None


def test_unknown_attribute_is_an_attribute_error() -> None:
    """A typo in an import from the package fails clearly."""
    with pytest.raises(AttributeError, match="has no attribute 'LambdaFunctoin'"):
        importlib.import_module("pytest_lambda").LambdaFunctoin  # noqa: B018


def test_events_fixture_is_seeded(pytester: pytest.Pytester) -> None:
    """``lambda_events`` builds the same events in two runs under ``lambda_seed``."""
    pytester.makeini("[pytest]\nlambda_seed = 3\n")
    pytester.makepyfile("""
        def test_it(lambda_events):
            e = lambda_events.s3_put(bucket="my-bucket", key="my file.txt")
            print("EVENT", e["Records"][0]["s3"]["object"]["key"], e["Records"][0]["eventTime"])
    """)
    runs = [pytester.runpytest("-s", "-p", "no:cacheprovider") for _ in range(2)]
    lines = [[ln for ln in r.stdout.str().splitlines() if "EVENT" in ln] for r in runs]
    assert lines[0] == lines[1]
    assert "EVENT my+file.txt" in lines[0][0]
