"""The deployment-package check: what Lambda would not find fails (strict) or is logged (warn)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.runtime.package_check import declared, resolve

if TYPE_CHECKING:
    from conftest import CodeWriter

pytest.importorskip("yaml")
pytest.importorskip("requests")

USES_YAML = "import yaml\ndef handler(e, c):\n    return yaml.safe_load('a: 1')\n"


def test_strict_fails_an_undeclared_library_as_lambda_does(code: CodeWriter) -> None:
    """A library the venv has but requirements.txt does not declare: Runtime.ImportModuleError."""
    root = code(app=USES_YAML)
    (root / "requirements.txt").write_text("requests>=2\n")
    r = LambdaFunction("app.handler", code_dir=root, package_check="strict").invoke({})
    assert r.error == {"errorMessage": "Unable to import module 'app': No module named 'yaml'",
                       "errorType": "Runtime.ImportModuleError", "requestId": "",
                       "stackTrace": []}


def test_strict_passes_a_declared_library(code: CodeWriter) -> None:
    """The same handler passes once requirements.txt declares the distribution."""
    root = code(app=USES_YAML)
    (root / "requirements.txt").write_text("# deps\nPyYAML==6.*  # parser\n")
    r = LambdaFunction("app.handler", code_dir=root, package_check="strict").invoke({})
    assert r.payload == {"a": 1}


def test_dependencies_of_declared_distributions_are_allowed(code: CodeWriter) -> None:
    """requests declared: urllib3 and idna, its own dependencies, are in the package too."""
    root = code(app="import urllib3, idna\ndef handler(e, c):\n    return 1\n")
    (root / "requirements.txt").write_text("requests\n")
    assert LambdaFunction("app.handler", code_dir=root, package_check="strict").invoke(
        {}).payload == 1


def test_runtime_bundled_sdk_needs_no_declaration(code: CodeWriter) -> None:
    """boto3 and its dependencies come with every Python runtime."""
    root = code(app="import boto3, botocore, dateutil, jmespath\n"
                    "def handler(e, c):\n    return 1\n")
    assert LambdaFunction("app.handler", code_dir=root, package_check="strict").invoke(
        {}).payload == 1


def test_code_folder_modules_and_stdlib_are_allowed(code: CodeWriter) -> None:
    """The function's own modules and the standard library need no declaration."""
    root = code(app="import json, helpers\ndef handler(e, c):\n    return helpers.X\n",
                helpers="X = 3\n")
    assert LambdaFunction("app.handler", code_dir=root, package_check="strict").invoke(
        {}).payload == 3


def test_layer_libraries_are_in_the_package(code: CodeWriter, tmp_path: Path) -> None:
    """A library one of the function's layers provides needs no declaration."""
    layer = tmp_path / "layer"
    (layer / "python" / "yaml").mkdir(parents=True)
    (layer / "python" / "yaml" / "__init__.py").write_text(
        "def safe_load(text):\n    return 'from the layer'\n")
    root = code(app=USES_YAML)
    r = LambdaFunction("app.handler", code_dir=root, package_check="strict",
                       layers=[layer]).invoke({})
    assert r.payload == "from the layer"


def test_a_layer_built_from_its_requirements_provides_them(code: CodeWriter,
                                                         tmp_path: Path) -> None:
    """A layer folder with a requirements file (SAM ``BuildMethod: python3.x``, CDK's
    ``PythonLayerVersion``): once built and deployed it holds those distributions."""
    layer = tmp_path / "deps"
    layer.mkdir()
    (layer / "requirements.txt").write_text("PyYAML\n")
    root = code(app=USES_YAML)
    with LambdaFunction("app.handler", code_dir=root, package_check="strict",
                        layers=[layer]) as fn:
        assert fn.invoke({}).payload == {"a": 1}


@pytest.mark.parametrize(("architecture", "tag"), [
    ("arm64", "x86_64"),  # built on an x86 machine, deployed to arm64
    ("x86_64", "aarch64"),
])
def test_an_extension_built_for_the_other_machine_is_not_in_the_package(
        code: CodeWriter, architecture: str, tag: str) -> None:
    """Lambda's interpreter loads only extensions tagged for its own Python and machine: an
    x86_64 build in an arm64 function is "No module named ..." there (it imported here)."""
    import sys

    minor = sys.version_info.minor
    root = code(app="import fast\ndef handler(e, c):\n    return 1\n")
    (root / f"fast.cpython-3{minor}-{tag}-linux-gnu.so").write_bytes(b"")
    with LambdaFunction("app.handler", code_dir=root, package_check="strict",
                        runtime=f"python3.{minor}", architecture=architecture) as fn:
        r = fn.invoke({})
    assert r.error is not None and r.error["errorType"] == "Runtime.ImportModuleError"
    assert r.error["errorMessage"] == "Unable to import module 'app': No module named 'fast'"


def test_lazy_import_in_the_handler_fails_the_invocation(code: CodeWriter) -> None:
    """An import inside the handler fails that invocation with ModuleNotFoundError."""
    root = code(app="def handler(e, c):\n    import yaml\n    return 1\n")
    r = LambdaFunction("app.handler", code_dir=root, package_check="strict").invoke({})
    assert r.error is not None
    assert (r.error["errorType"], r.error["errorMessage"]) == (
        "ModuleNotFoundError", "No module named 'yaml'")


def test_warn_logs_once_and_lets_the_import_through(code: CodeWriter) -> None:
    """warn: one line in the log per missing module, and the handler runs."""
    root = code(app=USES_YAML)
    fn = LambdaFunction("app.handler", code_dir=root, package_check="warn")
    r = fn.invoke({})
    assert r.payload == {"a": 1}
    lines = [m for m in r.init_logs.messages if "package check" in m]
    assert len(lines) == 1 and "'yaml' is not in the deployment package" in lines[0]


def test_pyproject_dependencies_are_read(tmp_path: Path) -> None:
    """Without requirements.txt, [project] dependencies of pyproject.toml are the declaration."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "fn"\nversion = "1"\ndependencies = ["PyYAML>=6"]\n')
    assert declared(tmp_path) == ["PyYAML>=6"]
    assert "pyyaml" in resolve(declared(tmp_path))


def test_off_is_the_default(code: CodeWriter) -> None:
    """Without the option, the test environment's libraries are importable as before."""
    root = code(app=USES_YAML)
    assert LambdaFunction("app.handler", code_dir=root).invoke({}).payload == {"a": 1}


def test_bad_value_is_refused(code: CodeWriter) -> None:
    """package_check accepts off, warn and strict only."""
    with pytest.raises(ValueError, match=r"'off' .*'warn'.*'strict'"):
        LambdaFunction("app.handler", code_dir=code(), package_check="yes")
