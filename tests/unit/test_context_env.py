"""The context object and the environment variables a handler sees."""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.context import LambdaContext

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture


DUMP = """
import os
def handler(event, context):
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "identity": [context.identity.cognito_identity_id,
                     context.identity.cognito_identity_pool_id],
        "client_context": None if context.client_context is None else {
            "custom": context.client_context.custom, "env": context.client_context.env,
            "app_title": context.client_context.client.app_title},
        "remaining": context.get_remaining_time_in_millis(),
        "env": dict(os.environ),
        "cwd": os.getcwd(),
    }
"""


@pytest.fixture
def seen(code: CodeWriter) -> dict[str, object]:
    """What the handler saw on one invocation of a configured function."""
    fn = LambdaFunction("app.handler", code_dir=code(app=DUMP), name="orders-api", timeout=30,
                        memory_size=512, environment={"TABLE": "orders"}, region="eu-west-1",
                        account_id="210987654321")
    r = fn.invoke({})
    out = r.payload
    out["_request_id"] = r.request_id
    out["_code_dir"] = str(fn.config.code_dir)
    return out  # type: ignore[no-any-return]


def test_context_attributes(seen: dict[str, object]) -> None:
    """Every attribute has the real runtime's value and format."""
    assert seen["function_name"] == "orders-api"
    assert seen["function_version"] == "$LATEST"
    assert seen["invoked_function_arn"] == (
        "arn:aws:lambda:eu-west-1:210987654321:function:orders-api")
    assert seen["memory_limit_in_mb"] == "512"
    assert seen["aws_request_id"] == seen["_request_id"]
    assert seen["log_group_name"] == "/aws/lambda/orders-api"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", str(seen["log_stream_name"]))
    assert seen["identity"] == [None, None]
    assert seen["client_context"] is None
    assert 29_000 < int(seen["remaining"]) <= 30_000  # type: ignore[call-overload]


def test_runtime_environment_variables(seen: dict[str, object]) -> None:
    """Lambda's reserved variables, the function's own, and fake credentials are set."""
    env = seen["env"]
    assert isinstance(env, dict)
    expected = {
        "AWS_LAMBDA_FUNCTION_NAME": "orders-api",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/orders-api",
        "AWS_LAMBDA_LOG_STREAM_NAME": seen["log_stream_name"],
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python3.{os.sys.version_info.minor}",  # type: ignore[attr-defined]
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "_HANDLER": "app.handler",
        "LAMBDA_TASK_ROOT": seen["_code_dir"],
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "TABLE": "orders",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "AWS_LAMBDA_LOG_FORMAT": "Text",  # set for Text too (a real 2024 environment dump)
    }
    assert {k: env.get(k) for k in expected} == expected
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0",
                        env["_X_AMZN_TRACE_ID"])
    assert seen["cwd"] == seen["_code_dir"]


def test_test_process_environment_is_not_visible(code: CodeWriter,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Variables of the test process do not leak into the function (only Lambda's do)."""
    monkeypatch.setenv("MY_LOCAL_SECRET", "x")
    env = LambdaFunction("app.handler", code_dir=code(app=DUMP)).invoke({}).payload["env"]
    assert "MY_LOCAL_SECRET" not in env


def test_client_context_and_identity(code: CodeWriter) -> None:
    """Client context and Cognito identity reach the context as the runtime builds them."""
    fn = LambdaFunction("app.handler", code_dir=code(app=DUMP))
    r = fn.invoke({}, client_context={"client": {"app_title": "shop"}, "custom": {"k": "v"},
                                      "env": {"locale": "en"}},
                  identity={"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"})
    assert r.payload["identity"] == ["id-1", "pool-1"]
    assert r.payload["client_context"] == {"custom": {"k": "v"}, "env": {"locale": "en"},
                                           "app_title": "shop"}


def test_handler_env_changes_persist_in_environment_only(code: CodeWriter) -> None:
    """A variable the handler sets stays for its warm environment but never reaches pytest."""
    root = code(app="import os\ndef handler(e, c):\n    prev = os.environ.get('SEEN')\n"
                    "    os.environ['SEEN'] = 'yes'\n    return prev\n")
    fn = LambdaFunction("app.handler", code_dir=root)
    assert [fn.invoke({}).payload, fn.invoke({}).payload] == [None, "yes"]
    assert "SEEN" not in os.environ


def test_context_repr_and_log() -> None:
    """The context repr follows the runtime's, and ``log`` writes to the sink."""
    lines: list[str] = []
    ctx = LambdaContext(aws_request_id="r", deadline_ms=0, invoked_function_arn="arn",
                        function_name="f", function_version="$LATEST", memory_limit_in_mb="128",
                        log_group_name="/aws/lambda/f", log_stream_name="s", log=lines.append)
    ctx.log("hello")
    assert lines == ["hello"]
    assert repr(ctx).startswith("LambdaContext([aws_request_id=r,log_group_name=/aws/lambda/f,")
    assert ctx.get_remaining_time_in_millis() == 0
    assert ctx.w3c() == {}


def test_w3c_is_taken_out_of_client_context() -> None:
    """The ``w3c`` key of the client context is served by ``w3c()``, not ``client_context``."""
    ctx = LambdaContext(aws_request_id="r", deadline_ms=0, invoked_function_arn="a",
                        function_name="f", function_version="1", memory_limit_in_mb="128",
                        log_group_name="g", log_stream_name="s",
                        client_context={"custom": {}, "w3c": {"traceparent": "00-x"}})
    assert ctx.w3c() == {"traceparent": "00-x"}
    assert ctx.client_context is not None and ctx.client_context.client is None
    assert json.dumps(ctx.client_context.custom) == "{}"


def test_the_context_is_a_plain_object_as_the_runtimes() -> None:
    """awslambdaric's context has a ``__dict__`` (handlers print ``vars(context)``, middleware
    sets attributes on it) with the client's attribute names in its order; a client context
    with ``"client": {}`` has a Client of ``None`` fields; its repr lists custom, env, client.
    The context had ``__slots__``: ``vars()`` and new attributes raised."""
    ctx = LambdaContext(aws_request_id="r", deadline_ms=5, invoked_function_arn="a",
                        function_name="f", function_version="1", memory_limit_in_mb="128",
                        log_group_name="g", log_stream_name="s",
                        client_context={"client": {}, "custom": {"a": 1}, "env": None})
    assert list(vars(ctx)) == [
        "aws_request_id", "log_group_name", "log_stream_name", "function_name",
        "memory_limit_in_mb", "function_version", "invoked_function_arn", "tenant_id",
        "_w3c_fields", "client_context", "identity", "_epoch_deadline_time_in_ms"]
    ctx.middleware_state = "kept"  # type: ignore[attr-defined]
    assert vars(ctx)["middleware_state"] == "kept"
    assert ctx.client_context is not None and ctx.client_context.client is not None
    assert ctx.client_context.client.installation_id is None
    assert repr(ctx.client_context) == (
        "ClientContext([custom={'a': 1},env=None,client=Client([installation_id=None,"
        "app_title=None,app_version_name=None,app_version_code=None,app_package_name=None])])")


TRACE = "import os\ndef handler(event, context):\n    return os.environ['_X_AMZN_TRACE_ID']\n"


def test_active_tracing_samples_like_lambda(code: CodeWriter) -> None:
    """``tracing=True`` samples the first request of each second and ~5 % of the rest."""
    freezegun = pytest.importorskip("freezegun")
    root = code(app=TRACE)
    active = LambdaFunction("app.handler", code_dir=root, tracing=True, seed=7)
    passive = LambdaFunction("app.handler", code_dir=root, seed=7)
    with freezegun.freeze_time("2026-01-01 00:00:00"):
        traced = [active.invoke({}).payload for _ in range(60)]
        untraced = [passive.invoke({}).payload for _ in range(3)]
    flags = [t.rsplit(";", 1)[1] for t in traced]
    assert flags[0] == "Sampled=1"
    assert 1 < flags.count("Sampled=1") < 15 and "Sampled=0" in flags
    assert {t.rsplit(";", 1)[1] for t in untraced} == {"Sampled=0"}
    with freezegun.freeze_time("2026-01-01 00:00:01"):
        assert active.invoke({}).payload.endswith(";Sampled=1")
