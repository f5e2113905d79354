"""Package-wide checks: every module imports cleanly, the public API is pinned."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pytest_lambda

MODULES = sorted(m.name for m in pkgutil.walk_packages(pytest_lambda.__path__, "pytest_lambda."))


# One interpreter imports pytest and the standard library once, then forks a child per module:
# each child imports that module (and whatever of ours it pulls in) for the first time, with
# every warning an error. As thorough as a fresh interpreter per module, at a fraction of the
# cost (an interpreter start with pytest is most of a second on a busy 2-core machine).
_FORK_IMPORTER = r"""
import json, os, sys, traceback, warnings
import pytest  # noqa: F401  (shared by every child: its own import is not under test)
results = {}
for name in sys.argv[1:]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        warnings.simplefilter("error")
        try:
            __import__(name)
            message = ""
        except BaseException:
            message = traceback.format_exc() or "failed"
        os.write(write, message.encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    text = b"".join(chunks).decode()
    results[name] = text if status == 0 else text or f"child ended with status {status}"
print(json.dumps(results))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_every_module_imports_without_warnings() -> None:
    """Each module imports in a fresh process with every warning turned into an error.

    One test, not one per module: the importer runs once (on one xdist worker), and a failure
    names every module that failed with its traceback."""
    proc = subprocess.run([sys.executable, "-W", "error", "-c", _FORK_IMPORTER, *MODULES],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    results: dict[str, str] = json.loads(proc.stdout)
    assert sorted(results) == MODULES
    failed = {name: error for name, error in results.items() if error}
    assert not failed, "\n\n".join(f"{name}:\n{error}" for name, error in failed.items())


def test_public_api_is_pinned() -> None:
    """``__all__`` lists exactly the names users import; each one resolves."""
    assert pytest_lambda.__all__ == [
        "Account", "Alias", "Application", "FunctionConfig", "InvokeResult", "LambdaContext",
        "LambdaFunction", "LogEvent", "LogView", "Report", "Version", "__version__", "events",
    ]
    for name in pytest_lambda.__all__:
        assert getattr(pytest_lambda, name) is not None


def test_every_stash_key_is_in_plugin_state() -> None:
    """The plugin's state has one home: every ``pytest.StashKey`` is made in plugin/state.py."""
    root = Path(pytest_lambda.__file__).parent
    made = [f"{path.relative_to(root)}:{number}" for path in sorted(root.rglob("*.py"))
            for number, line in enumerate(path.read_text().splitlines(), 1)
            if re.search(r"StashKey\s*[(\[]", line) and path != root / "plugin" / "state.py"]
    assert made == []


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
