"""Warning filters: handlers run under the runtime's defaults, the test keeps its own."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

APP = """
import warnings

def deprecated(event, context):
    warnings.warn("old API", DeprecationWarning)
    return "ok"

def user_warning(event, context):
    warnings.warn("check this", UserWarning)
    return "ok"
"""


def test_handler_warnings_follow_runtime_defaults(pytester: pytest.Pytester) -> None:
    """Under ``filterwarnings = error`` a DeprecationWarning in a handler is ignored as on
    Lambda, a UserWarning is printed to the log, and the test's filters are back afterwards."""
    pytester.makeini("[pytest]\nfilterwarnings =\n    error\n")
    pytester.makepyfile(app=APP)
    pytester.makepyfile(test_it=textwrap.dedent("""
        import warnings
        import pytest
        from pytest_lambda import LambdaFunction

        def test_deprecation_is_ignored():
            before = list(warnings.filters)
            fn = LambdaFunction("app.deprecated", code_dir=".")
            assert fn.invoke({}).payload == "ok"
            assert warnings.filters == before
            with pytest.raises(DeprecationWarning):
                warnings.warn("still an error here", DeprecationWarning)

        def test_user_warning_goes_to_the_log():
            r = LambdaFunction("app.user_warning", code_dir=".").invoke({})
            assert r.payload == "ok"
            assert any("UserWarning: check this" in m for m in r.logs.messages), r.logs.text
    """))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
