"""The pytest surface of the core runtime, used as a user would through pytester."""

from __future__ import annotations

import re

import pytest

HANDLER = """
import json, time
COUNT = 0
def handler(event, context):
    global COUNT
    COUNT += 1
    print("got", json.dumps(event))
    if event.get("fail"):
        raise ValueError("handler failed on purpose")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {"count": COUNT, "timeout_ms": context.get_remaining_time_in_millis(),
            "memory": context.memory_limit_in_mb}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user project with a handler in ``src/app.py``."""
    pytester.mkdir("src")
    pytester.path.joinpath("src", "app.py").write_text(HANDLER)
    pytester.makeini("[pytest]\nlambda_code_dir = src\n")
    return pytester


def test_factory_fixture_cold_then_warm(project: pytest.Pytester) -> None:
    """The factory builds functions from the ini code dir; module state persists warm."""
    project.makepyfile("""
        def test_it(lambda_function):
            fn = lambda_function("app.handler")
            first, second = fn.invoke({}), fn.invoke({})
            assert (first.cold_start, second.cold_start) == (True, False)
            assert second.payload["count"] == 2
            assert first.payload["memory"] == "128"
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_function_name_without_a_template_is_refused_where_it_is_made(
        project: pytest.Pytester) -> None:
    """``lambda_function("OrdersFunction")`` with no template set: a clear error at the call
    (it used to make a function that failed every invocation with MalformedHandlerName)."""
    project.makepyfile("""
        import pytest

        def test_it(lambda_function):
            with pytest.raises(ValueError) as info:
                lambda_function("OrdersFunction")
            assert "'OrdersFunction' is not a handler string" in str(info.value)
            assert "lambda_template" in str(info.value)
            assert lambda_function("OrdersFunction", handler="app.handler").name == (
                "OrdersFunction")
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_markers_and_ini_defaults(project: pytest.Pytester) -> None:
    """lambda_timeout / lambda_memory markers win over ini defaults."""
    project.makeini("[pytest]\nlambda_code_dir = src\nlambda_default_timeout = 20\n"
                    "lambda_default_memory = 256\n")
    project.makepyfile("""
        import pytest

        def test_ini(lambda_function):
            r = lambda_function("app.handler").invoke({})
            assert 19000 < r.payload["timeout_ms"] <= 20000
            assert r.payload["memory"] == "256"

        @pytest.mark.lambda_timeout(5)
        @pytest.mark.lambda_memory(1024)
        def test_marker(lambda_function):
            r = lambda_function("app.handler").invoke({})
            assert 4000 < r.payload["timeout_ms"] <= 5000
            assert r.payload["memory"] == "1024"
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_timeout_marker_stops_handler(project: pytest.Pytester) -> None:
    """A handler sleeping past ``lambda_timeout`` returns Lambda's timeout error."""
    project.makepyfile("""
        import pytest

        @pytest.mark.lambda_timeout(1)
        def test_it(lambda_function):
            r = lambda_function("app.handler").invoke({"sleep": 3})
            assert r.payload["errorType"] == "Sandbox.Timedout"
            assert r.payload["errorMessage"].endswith("Task timed out after 1.00 seconds")
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_failing_test_shows_lambda_log(project: pytest.Pytester) -> None:
    """A failing test's report carries the invocation's CloudWatch-style log."""
    project.makepyfile("""
        def test_it(lambda_function):
            r = lambda_function("app.handler", name="orders").invoke({"fail": True})
            assert r.ok
    """)
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*Captured lambda log: orders*",
        "INIT_START Runtime Version: python:3.*",
        "START RequestId: * Version: $LATEST",
        'got {"fail": true}',
        "[[]ERROR[]] ValueError: handler failed on purpose",
        "Traceback (most recent call last):",
        "END RequestId: *",
        "REPORT RequestId: *\tDuration: * ms\tBilled Duration: * ms\tMemory Size: 128 MB\t*",
    ])


def test_a_fixture_failing_after_an_invocation_shows_its_lambda_log(
        project: pytest.Pytester) -> None:
    """A fixture that invokes a function and then fails (in setup or in teardown) shows the
    invocation's log with its error: only failures of the test body did."""
    project.makepyfile("""
        import pytest

        @pytest.fixture
        def seeded(lambda_function):
            r = lambda_function("app.handler", name="seeder").invoke({"fail": True})
            assert r.ok, "seeding failed"

        @pytest.fixture
        def checked(lambda_function):
            yield
            r = lambda_function("app.handler", name="checker").invoke({"fail": True})
            assert r.ok, "check failed"

        def test_setup(seeded):
            pass

        def test_teardown(checked):
            pass
    """)
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["*Captured lambda log: seeder*",
                                 "[[]ERROR[]] ValueError: handler failed on purpose"])
    result.stdout.fnmatch_lines(["*Captured lambda log: checker*",
                                 "[[]ERROR[]] ValueError: handler failed on purpose"])


def test_lambda_cold_marker_resets_wider_scoped_function(project: pytest.Pytester) -> None:
    """``lambda_cold`` discards warm environments of LambdaFunction fixtures the test uses."""
    project.makepyfile("""
        import pytest
        from pytest_lambda import LambdaFunction

        @pytest.fixture(scope="module")
        def fn():
            f = LambdaFunction("app.handler", code_dir="src")
            yield f
            f.close()

        def test_warm_up(fn):
            assert fn.invoke({}).cold_start

        def test_warm(fn):
            assert not fn.invoke({}).cold_start

        @pytest.mark.lambda_cold
        def test_cold(fn):
            assert fn.invoke({}).cold_start
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_lambda_context_fixture(pytester: pytest.Pytester) -> None:
    """``lambda_context`` gives a realistic context for calling a handler directly."""
    pytester.makepyfile("""
        import re

        def test_it(lambda_context):
            assert re.fullmatch(r"[0-9a-f-]{36}", lambda_context.aws_request_id)
            assert lambda_context.invoked_function_arn.startswith("arn:aws:lambda:us-east-1:")
            assert 2900 < lambda_context.get_remaining_time_in_millis() <= 3000
            assert lambda_context.memory_limit_in_mb == "128"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_lambda_context_follows_a_clock_the_test_freezes(pytester: pytest.Pytester) -> None:
    """The fixture is made before the test freezes time: its deadline was on the real clock,
    so under a 2024 freeze ~92 billion ms were left, under a 2035 one none. The time left now
    counts from its first reading on the test's clock."""
    pytester.makepyfile("""
        import pytest, time_machine
        from freezegun import freeze_time

        @freeze_time("2024-01-01", tick=False)
        def test_freezegun_past(lambda_context):
            assert lambda_context.get_remaining_time_in_millis() == 3000

        @pytest.mark.lambda_timeout(5)
        @freeze_time("2035-01-01")
        def test_freezegun_future(lambda_context):
            assert 4900 < lambda_context.get_remaining_time_in_millis() <= 5000

        def test_time_machine(lambda_context):
            with time_machine.travel("2024-01-01", tick=False) as traveller:
                assert lambda_context.get_remaining_time_in_millis() == 3000
                traveller.shift(2.5)
                assert lambda_context.get_remaining_time_in_millis() == 500
                traveller.shift(1)
                assert lambda_context.get_remaining_time_in_millis() == 0
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_user_lambda_context_fixture_shadows_ours(pytester: pytest.Pytester) -> None:
    """A conftest ``lambda_context`` fixture takes precedence over the plugin's."""
    pytester.makeconftest("""
        import pytest

        @pytest.fixture
        def lambda_context():
            return "mine"
    """)
    pytester.makepyfile("def test_it(lambda_context):\n    assert lambda_context == 'mine'\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_network_is_blocked_and_marker_allows(pytester: pytest.Pytester) -> None:
    """Outbound connections are refused with a clear error; the marker allow-lists hosts."""
    pytester.mkdir("src")
    pytester.path.joinpath("src", "net.py").write_text(
        "import socket\ndef handler(event, context):\n"
        "    socket.getaddrinfo(event['host'], 443)\n    return 'resolved'\n")
    pytester.makeini("[pytest]\nlambda_code_dir = src\n")
    pytester.makepyfile("""
        import socket
        import pytest

        @pytest.fixture(autouse=True)
        def no_real_dns(monkeypatch):
            # Only the guard may decide; never let a real lookup leave the machine.
            monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [])

        def test_blocked(lambda_function):
            r = lambda_function("net.handler", name="net").invoke(
                {"host": "sqs.us-east-1.amazonaws.com"})
            assert r.payload["errorType"] == "NetworkBlockedError"
            assert r.payload["errorMessage"].startswith(
                "pytest-aws-lambda blocked a connection to sqs.us-east-1.amazonaws.com")

        @pytest.mark.lambda_network(allow=["*.amazonaws.com"])
        def test_allowed(lambda_function):
            r = lambda_function("net.handler").invoke({"host": "sqs.us-east-1.amazonaws.com"})
            assert r.payload == "resolved"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_markers_and_options_are_registered(pytester: pytest.Pytester) -> None:
    """``--markers`` and ``--help`` list every marker and option with its ini twin."""
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.lambda_timeout(seconds):*",
                                  "@pytest.mark.lambda_memory(mb):*",
                                  "@pytest.mark.lambda_cold:*",
                                  "@pytest.mark.lambda_network(*, allow):*"])
    helptext = pytester.runpytest("--help")
    helptext.stdout.fnmatch_lines(["*--lambda-code-dir=*", "*--lambda-default-timeout=*",
                                   "*--lambda-default-memory=*", "*--lambda-region=*",
                                   "*--lambda-seed=*", "*lambda_code_dir (string):*",
                                   "*lambda_default_timeout (string):*"])


@pytest.mark.parametrize(("ini", "message"), [
    ("lambda_default_timeout = 0", "*lambda_default_timeout = '0' is not valid: use a whole "
                                   "number from 1 to 900*"),
    ("lambda_default_memory = lots", "*lambda_default_memory = 'lots' is not valid*"),
    ("lambda_seed = abc", "*lambda_seed = 'abc' is not valid: use a whole number*"),
    ("lambda_code_dir = nowhere", "*lambda_code_dir = '*nowhere' is not a directory*"),
    ("lambda_region = mars", "lambda_region = 'mars' is not an AWS Region name: use a name such "
                             "as 'us-east-1'*"),
    ("lambda_network_allow = 10.0.0.0/33", "lambda_network_allow is not valid: lambda_network "
                                           "allow entry '10.0.0.0/33' is not a valid CIDR*"),
    ("lambda_free_tier = maybe", "lambda_free_tier = 'maybe' is not valid: use true or false*"),
])
def test_bad_settings_are_usage_errors(pytester: pytest.Pytester, ini: str,
                                       message: str) -> None:
    """Invalid ini values stop the run at start-up with a message naming the setting."""
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_report_header(pytester: pytest.Pytester) -> None:
    """One header line states the plugin's settings."""
    pytester.makepyfile("def test_x():\n    pass\n")
    pytester.runpytest("-p", "no:cacheprovider").stdout.fnmatch_lines([
        "aws_lambda: pytest-aws-lambda *, region us-east-1, timeout 3 s, memory 128 MB, *"])


def test_seed_makes_request_ids_reproducible(project: pytest.Pytester) -> None:
    """With ``lambda_seed`` two runs produce the same request ids."""
    project.makeini("[pytest]\nlambda_code_dir = src\nlambda_seed = 42\n")
    project.makepyfile("""
        def test_it(lambda_function):
            print("RID", lambda_function("app.handler").invoke({}).request_id)
    """)
    first = project.runpytest("-s", "-p", "no:cacheprovider")
    second = project.runpytest("-s", "-p", "no:cacheprovider")
    ids = [re.findall(r"RID (\S+)", r.stdout.str()) for r in (first, second)]
    assert ids[0] == ids[1] and len(ids[0]) == 1


def test_plugin_import_loads_no_aws_sdk(pytester: pytest.Pytester) -> None:
    """Loading the plugin imports neither boto3, botocore, moto nor the runtime."""
    result = pytester.runpython_c(
        "import sys, pytest_lambda.plugin\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'moto')"
        " or m in ('pytest_lambda.runtime.inprocess', 'pytest_lambda.function')]\n"
        "print('HEAVY', bad)\n")
    result.stdout.fnmatch_lines(["HEAVY []"])


def test_explicit_argument_wins_over_marker(project: pytest.Pytester) -> None:
    """An argument passed to the factory beats the marker; the marker beats the ini."""
    project.makepyfile("""
        import pytest

        @pytest.mark.lambda_timeout(5)
        def test_it(lambda_function):
            marked = lambda_function("app.handler").invoke({}).payload["timeout_ms"]
            explicit = lambda_function("app.handler", name="other", timeout=9).invoke({}).payload[
                "timeout_ms"]
            assert 4000 < marked <= 5000
            assert 8000 < explicit <= 9000
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_template_functions_by_name(pytester: pytest.Pytester) -> None:
    """With ``lambda_template``, the factory takes a SAM function's logical id."""
    pytester.mkdir("src")
    pytester.path.joinpath("src", "app.py").write_text(
        "import os\ndef handler(e, c):\n    return [os.environ['TABLE'], c.memory_limit_in_mb,"
        " c.function_name]\n")
    pytester.path.joinpath("template.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Transform: AWS::Serverless-2016-10-31\n"
        "Globals:\n  Function:\n    Timeout: 10\n    Runtime: python3.12\n"
        "Resources:\n  OrdersFunction:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: src/\n      Handler: app.handler\n"
        "      MemorySize: 512\n      Environment:\n        Variables:\n"
        "          TABLE: !Ref OrdersTable\n"
        "  OrdersTable:\n    Type: AWS::DynamoDB::Table\n"
        "    Properties:\n      TableName: orders\n")
    pytester.makeini("[pytest]\nlambda_template = template.yaml\n")
    pytester.makepyfile("""
        def test_it(lambda_function):
            fn = lambda_function("OrdersFunction")
            assert fn.invoke({}).payload == ["orders", "512", "OrdersFunction"]
            assert fn.config.timeout == 10
            assert fn.config.runtime == "python3.12"

        def test_keyword_handler_wins(lambda_function):
            fn = lambda_function("OrdersFunction", handler="app.other", timeout=5)
            assert (fn.config.handler, fn.config.timeout, fn.name) == (
                "app.other", 5, "OrdersFunction")
            assert fn.config.environment["TABLE"] == "orders"

        def test_handler_keyword_without_template_function(lambda_function):
            fn = lambda_function("Extra", handler="app.handler")
            assert (fn.name, fn.config.handler) == ("Extra", "app.handler")
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_isolation_marker_runs_in_a_worker_process(project: pytest.Pytester) -> None:
    """``lambda_isolation("process")`` runs the handler in its own process."""
    project.path.joinpath("src", "pid.py").write_text(
        "import os\ndef handler(e, c):\n    return os.getpid()\n")
    project.makepyfile("""
        import os
        import pytest

        @pytest.mark.lambda_isolation("process")
        def test_it(lambda_function):
            assert lambda_function("pid.handler").invoke({}).payload != os.getpid()

        def test_default(lambda_function):
            assert lambda_function("pid.handler").invoke({}).payload == os.getpid()
    """)
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_lambda_aws_fixture_is_moto(pytester: pytest.Pytester) -> None:
    """``lambda_aws`` gives boto3 clients on moto; handlers see the same mocked AWS."""
    pytester.mkdir("src")
    pytester.path.joinpath("src", "put.py").write_text(
        "import boto3\ndef handler(e, c):\n"
        "    boto3.client('s3').put_object(Bucket='bkt', Key='k', Body=b'v')\n")
    pytester.makeini("[pytest]\nlambda_code_dir = src\n")
    pytester.makepyfile("""
        def test_it(lambda_aws, lambda_function):
            s3 = lambda_aws.client("s3")
            s3.create_bucket(Bucket="bkt")
            assert lambda_function("put.handler").invoke({}).ok
            assert s3.get_object(Bucket="bkt", Key="k")["Body"].read() == b"v"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_handler_thread_calling_os_exit_later_cannot_end_the_session(
        pytester: pytest.Pytester) -> None:
    """A thread the handler leaves behind calls ``os._exit(0)`` after the invocation returned
    (on Lambda that ends the runtime): it ended pytest with exit status 0, the later failing
    test unreported (a green run). The thread stops; the session reports everything."""
    pytester.makepyfile(app="""
        import os, threading

        def recycle():
            os._exit(0)  # looked up when called, after the invocation

        def handler(event, context):
            threading.Timer(0.2, recycle).start()
            return "ok"
    """)
    pytester.makepyfile(test_it="""
        import time

        def test_a(lambda_function):
            assert lambda_function("app.handler", code_dir=".").invoke({}).payload == "ok"

        def test_b_later():
            time.sleep(0.6)
            assert False, "this failure must be reported"
    """)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-n", "0")
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == 1
