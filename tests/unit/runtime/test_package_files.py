"""Files a deployment package leaves out (serverless.yml package.patterns) cannot be imported."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_lambda.runtime.package_files import excluded


@pytest.mark.parametrize(("path", "patterns", "left_out"), [
    ("helpers/fmt.py", ["!helpers/**"], True),
    ("helpers/fmt.py", ["!helpers"], True),  # a folder covers its content
    ("handler.py", ["!helpers/**"], False),
    ("lambda_handlers.py", ["!./**", "vendored/**", "lambda_handlers.py"], False),
    ("other.py", ["!./**", "vendored/**", "lambda_handlers.py"], True),
    ("vendored/six.py", ["!./**", "vendored/**", "lambda_handlers.py"], False),
    ("a/b/test_x.py", ["!**/test_*.py"], True),
    ("test_x.py", ["!**/test_*.py"], True),
    ("a/x.py", ["!*.py"], False),  # * stays within one segment
    ("x.py", ["!*.py"], True),
    ("src/keep.py", ["!src/**", "src/keep.py"], False),  # the last match decides
])
def test_patterns_apply_in_order_the_last_match_deciding(path: str, patterns: list[str],
                                                          left_out: bool) -> None:
    assert excluded(path, patterns) is left_out


def test_a_template_functions_excluded_modules_cannot_be_imported(tmp_path: Path) -> None:
    """A module under an excluded pattern fails to import, as on Lambda where it is not in the
    zip (it imported fine, even with lambda_package_check = strict); the handler module left
    out is Runtime.ImportModuleError at Init."""
    from pytest_lambda import LambdaFunction
    from pytest_lambda.template import load_template

    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "__init__.py").write_text("")
    (tmp_path / "helpers" / "fmt.py").write_text("def shout(s):\n    return s.upper()\n")
    (tmp_path / "handler.py").write_text(textwrap.dedent("""\
        def main(event, context):
            from helpers.fmt import shout
            return shout("hi")

        def plain(event, context):
            return "plain"
        """))
    (tmp_path / "serverless.yml").write_text(textwrap.dedent("""\
        service: pkg
        provider: {name: aws, runtime: python3.12}
        package:
          patterns: ["!helpers/**", "!tests/**"]
        functions:
          api: {handler: handler.main}
          plain: {handler: handler.plain}
          gone:
            handler: handler.plain
            package: {patterns: ["!handler.py"]}
        """))
    template = load_template(tmp_path / "serverless.yml")
    with LambdaFunction(**template["api"].kwargs()) as fn:
        r = fn.invoke({})
        assert r.payload["errorType"] == "ModuleNotFoundError", r.payload
        assert r.payload["errorMessage"] == "No module named 'helpers'"
    with LambdaFunction(**template["plain"].kwargs()) as fn:
        assert fn.invoke({}).payload == "plain"
    with LambdaFunction(**template["gone"].kwargs()) as fn:
        r = fn.invoke({})
        assert r.payload == {"errorType": "Runtime.ImportModuleError", "errorMessage":
                             "Unable to import module 'handler': No module named 'handler'",
                             "requestId": "", "stackTrace": []}
    import sys

    assert not any(type(f).__module__.endswith("package_files") for f in sys.meta_path)
