"""Every plugin marker is bound to its signature and checked, with one message style."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("marker", "message"), [
    ("lambda_timeout(0)", "@pytest.mark.lambda_timeout(0): seconds must be a whole number from "
                          "1 to 900 s, e.g. @pytest.mark.lambda_timeout(10)."),
    ("lambda_timeout(-5)", "@pytest.mark.lambda_timeout(-5): seconds must be a whole number*"),
    ("lambda_timeout(2.9)", "@pytest.mark.lambda_timeout(2.9) (a float): seconds must be a "
                            "whole number from 1 to 900 s*"),
    ("lambda_timeout('x')", "@pytest.mark.lambda_timeout('x') (a str): seconds must be*"),
    ("lambda_timeout(True)", "@pytest.mark.lambda_timeout(True) (a bool): seconds must be*"),
    ("lambda_timeout()", "@pytest.mark.lambda_timeout(): missing a required argument: "
                         "'seconds'. The marker's signature is "
                         "@pytest.mark.lambda_timeout(seconds)."),
    ("lambda_timeout(secs=5)", "@pytest.mark.lambda_timeout(secs=5): *"),
    ("lambda_memory(-1)", "@pytest.mark.lambda_memory(-1): mb must be a whole number from 128 "
                          "to 10240 MB*"),
    ("lambda_memory(256, 512)", "@pytest.mark.lambda_memory(256, 512): too many positional "
                                "arguments. The marker's signature is "
                                "@pytest.mark.lambda_memory(mb)."),
    ("lambda_isolation('thread')", "@pytest.mark.lambda_isolation('thread'): the mode must be "
                                   "'in-process' or 'process'."),
    ("lambda_network('example.com')", "@pytest.mark.lambda_network('example.com'): too many "
                                      "positional arguments*"),
    ("lambda_network(allow='example.com')", "@pytest.mark.lambda_network(allow='example.com'):"
                                            " allow must be a list of hosts*"),
    ("lambda_network(allow=['10.0.0.0/33'])", "@pytest.mark.lambda_network(allow=*10.0.0.0/33*):"
                                              " * is not a valid CIDR network*"),
    ("lambda_cold(1)", "@pytest.mark.lambda_cold(1): too many positional arguments*"),
    ("lambda_budget(max_duration_ms='fast')", "@pytest.mark.lambda_budget(max_duration_ms="
                                              "'fast'): max_duration_ms must be a positive "
                                              "number, e.g. max_duration_ms=100."),
    ("lambda_budget(max_memory_mb=-1)", "@pytest.mark.lambda_budget(max_memory_mb=-1): "
                                        "max_memory_mb must be a positive number*"),
    ("lambda_budget(max_time=3)", "@pytest.mark.lambda_budget(max_time=3): got an unexpected "
                                  "keyword argument 'max_time'. The marker's signature is "
                                  "@pytest.mark.lambda_budget(*, max_duration_ms=None, "
                                  "max_memory_mb=None, max_cost_per_million=None)."),
    ("lambda_budget(100)", "@pytest.mark.lambda_budget(100): too many positional arguments*"),
    ("lambda_budget()", "@pytest.mark.lambda_budget(): give at least one limit*"),
])
def test_bad_markers_stop_the_run(pytester: pytest.Pytester, marker: str,
                                  message: str) -> None:
    """A bad marker is a usage error naming the marker, the value and what is valid; the
    run stops at collection, whichever fixture (or none) the test uses."""
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.{marker}
        def test_context(lambda_context):
            pass

        @pytest.mark.{marker}
        def test_function(lambda_function):
            pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_keyword_and_positional_forms_are_equivalent(pytester: pytest.Pytester) -> None:
    """lambda_timeout(seconds=5) works like lambda_timeout(5), for every fixture."""
    pytester.makepyfile("""
        import pytest

        @pytest.mark.lambda_timeout(seconds=5)
        @pytest.mark.lambda_memory(mb=256)
        def test_context(lambda_context):
            assert lambda_context.memory_limit_in_mb == "256"
            assert 4000 < lambda_context.get_remaining_time_in_millis() <= 5000

        @pytest.mark.lambda_timeout(seconds=7)
        @pytest.mark.lambda_memory(mb=512)
        def test_function(lambda_function, tmp_path):
            (tmp_path / "app.py").write_text("def handler(e, c):\\n    return 1\\n")
            fn = lambda_function("app.handler", code_dir=tmp_path)
            assert (fn.config.timeout, fn.config.memory_size) == (7, 512)
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_context_marker_values_are_exact(pytester: pytest.Pytester) -> None:
    """lambda_context reflects the marker's values exactly (not 'or default')."""
    pytester.makepyfile("""
        import pytest

        @pytest.mark.lambda_timeout(900)
        @pytest.mark.lambda_memory(10240)
        def test_context(lambda_context):
            assert lambda_context.memory_limit_in_mb == "10240"
            assert lambda_context.get_remaining_time_in_millis() > 899_000
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_misspelt_plugin_marker_stops_the_run(pytester: pytest.Pytester) -> None:
    """``@pytest.mark.lambda_timout`` is refused with the marker it is close to (pytest only
    warned, and the test ran with the default timeout)."""
    pytester.makepyfile("""
        import pytest

        @pytest.mark.lambda_timout(10)
        def test_it():
            pass
    """)
    # (pytest's own warning for it is only a warning in a user's run, as here.)
    result = pytester.runpytest("-p", "no:cacheprovider",
                                "-W", "default::pytest.PytestUnknownMarkWarning")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: *test_it: @pytest.mark.lambda_timout is not a marker "
                                 "of pytest-aws-lambda. Did you mean "
                                 "@pytest.mark.lambda_timeout?*"])


@pytest.mark.parametrize(("key", "suggestion"), [
    ("lambda_timeout", "lambda_default_timeout"), ("lambda_memory", "lambda_default_memory"),
    ("lambda_regoin", "lambda_region")])
def test_an_unknown_plugin_ini_option_stops_the_run(pytester: pytest.Pytester, key: str,
                                                    suggestion: str) -> None:
    """An ini key with the plugin's prefix that is none of its options is refused with the
    option meant (pytest only warned "Unknown config option", and the default applied)."""
    pytester.makeini(f"[pytest]\n{key} = 10\n")
    pytester.makepyfile("def test_it():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: ini option {key} is not an option of "
                                 f"pytest-aws-lambda. Did you mean {suggestion}?*"])
