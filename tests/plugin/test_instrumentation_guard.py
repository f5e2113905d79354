"""A tracer a handler installs into shared libraries does not outlive the test."""

from __future__ import annotations

import pytest


def test_xray_patches_from_a_handler_are_taken_back(pytester: pytest.Pytester) -> None:
    """A handler that runs X-Ray's patch_all() at Init (as Powertools' Tracer does) leaves
    botocore, requests and http.client unwrapped for the next test."""
    pytest.importorskip("aws_xray_sdk")
    pytest.importorskip("botocore")
    pytester.makepyfile(app="""
        from aws_xray_sdk.core import patch
        patch(["botocore", "requests", "httplib"])
        def handler(event, context):
            return "traced"
    """)
    pytester.makeini("[pytest]\nlambda_code_dir = .\n")
    pytester.makepyfile("""
        import http.client
        import botocore.client
        import botocore.endpoint
        import requests

        def wrapped(attribute):
            return type(attribute).__name__ in ("FunctionWrapper", "BoundFunctionWrapper")

        def test_a_handler_patches(lambda_function):
            assert lambda_function("app.handler").invoke({}).payload == "traced"
            assert wrapped(botocore.client.BaseClient._make_api_call)

        def test_the_next_test_sees_the_libraries_as_they_were():
            assert not wrapped(botocore.client.BaseClient._make_api_call)
            assert not wrapped(botocore.endpoint.Endpoint.prepare_request)
            assert not wrapped(requests.Session.request)
            assert not wrapped(http.client.HTTPConnection.getresponse)
    """)
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly",
                                  "-p", "no:xdist").assert_outcomes(passed=2)


def test_a_session_fixture_patch_of_a_watched_class_survives(pytester: pytest.Pytester) -> None:
    """Only tracer wrappers are undone: a session-scoped fixture's own patch stays in place."""
    pytest.importorskip("requests")
    pytester.makepyfile("""
        import pytest
        import requests

        @pytest.fixture(scope="session")
        def offline():
            original = requests.Session.request
            requests.Session.request = lambda self, *a, **k: "stubbed"
            yield
            requests.Session.request = original

        def test_first(offline):
            assert requests.Session().request("GET", "http://x") == "stubbed"

        def test_second(offline):
            assert requests.Session().request("GET", "http://x") == "stubbed"
    """)
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly",
                                  "-p", "no:xdist").assert_outcomes(passed=2)


def test_a_fixtures_own_wrapt_instrumentation_survives(pytester: pytest.Pytester) -> None:
    """A session fixture's wrapt wrapper (OpenTelemetry's instrumentors, a recorder) is the
    suite's own: it was undone after the first test, in tests with a Lambda function and
    without one."""
    pytest.importorskip("requests")
    pytest.importorskip("wrapt")
    pytester.makepyfile(app="def handler(event, context):\n    return 'ok'\n")
    pytester.makepyfile("""
        import pytest
        import requests
        import wrapt

        def recorder(wrapped, instance, args, kwargs):
            return wrapped(*args, **kwargs)

        @pytest.fixture(scope="session")
        def recorded():
            wrapt.wrap_function_wrapper("requests.sessions", "Session.request", recorder)

        def wrapped():
            return type(vars(requests.Session)["request"]).__name__ == "FunctionWrapper"

        def test_without_a_function(recorded):
            assert wrapped()

        def test_with_a_function(recorded, lambda_function):
            assert lambda_function("app.handler").invoke({}).payload == "ok"
            assert wrapped()

        def test_after(recorded):
            assert wrapped()
    """)
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly",
                                  "-p", "no:xdist").assert_outcomes(passed=3)


def test_a_functools_wrapper_from_a_handler_is_taken_back(pytester: pytest.Pytester) -> None:
    """A handler's instrumentation that patches with a plain ``functools.wraps`` wrapper
    (OpenTelemetry's requests instrumentor) is undone after the test: every later request of
    the test process carried its headers. A test's own such wrapper stays."""
    pytest.importorskip("requests")
    pytester.makepyfile(app="""
        import functools
        import requests

        original = requests.Session.send

        @functools.wraps(original)
        def traced_send(self, request, **kwargs):
            request.headers["traceparent"] = "00-handler"
            return original(self, request, **kwargs)

        requests.Session.send = traced_send

        def handler(event, context):
            return "instrumented"
    """)
    pytester.makeini("[pytest]\nlambda_code_dir = .\n")
    pytester.makepyfile("""
        import functools
        import requests

        ORIGINAL = requests.Session.send

        def test_a_handler_instruments(lambda_function):
            assert lambda_function("app.handler").invoke({}).payload == "instrumented"

        def test_the_next_test_sees_requests_as_it_was():
            assert requests.Session.send is ORIGINAL

        def test_a_tests_own_wrapper_stays():
            @functools.wraps(ORIGINAL)
            def mine(self, request, **kwargs):
                return ORIGINAL(self, request, **kwargs)
            requests.Session.send = mine

        def test_and_is_the_tests_to_undo():
            assert requests.Session.send is not ORIGINAL
            requests.Session.send = ORIGINAL
    """)
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly",
                                  "-p", "no:xdist").assert_outcomes(passed=4)
