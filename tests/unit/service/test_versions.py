"""Versions and aliases: publishing, frozen code, qualifiers, weighted routing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import (
    InvalidParameterValueException,
    ResourceConflictException,
    ResourceNotFoundException,
    ValidationException,
)

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture


APP = """
import os
def handler(event, context):
    return {"code": "v1", "env": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
            "version": context.function_version, "arn": context.invoked_function_arn,
            "stream": context.log_stream_name, "memory": context.memory_limit_in_mb}
"""
ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders"


@pytest.fixture
def fn(code: CodeWriter) -> Iterator[LambdaFunction]:
    """A function whose handler reports what version it runs as."""
    with LambdaFunction("app.handler", code_dir=code(app=APP), name="orders", seed=7) as f:
        yield f


def test_unqualified_invoke_runs_latest_with_unqualified_arn(fn: LambdaFunction) -> None:
    """Without a qualifier the function runs $LATEST and sees the unqualified ARN."""
    r = fn.invoke({})
    assert r.payload["arn"] == ARN
    assert (r.payload["version"], r.payload["env"], r.executed_version) == ("$LATEST",) * 3


def test_latest_qualifier_gives_qualified_arn(fn: LambdaFunction) -> None:
    """Invoking ``$LATEST`` by name shows the qualified ARN."""
    assert fn.invoke({}, qualifier="$LATEST").payload["arn"] == f"{ARN}:$LATEST"


def test_publish_numbers_and_reuses_unchanged(fn: LambdaFunction) -> None:
    """Versions count from 1, and publishing without a change returns the last version."""
    v1 = fn.publish_version()
    assert v1.version == "1" and v1.arn == f"{ARN}:1"
    assert fn.publish_version() is v1
    fn.update_configuration(memory_size=256)
    assert fn.publish_version().version == "2"
    assert list(fn.versions) == ["1", "2"]


def test_function_level_settings_do_not_make_a_version(fn: LambdaFunction) -> None:
    """Reserved concurrency and retry settings are not part of a version."""
    v1 = fn.publish_version()
    fn.update_configuration(reserved_concurrent_executions=5, maximum_retry_attempts=0)
    assert fn.publish_version() is v1


def test_version_runs_as_its_number(fn: LambdaFunction) -> None:
    """A version sees its number in context, env, START line and log stream name."""
    fn.publish_version()
    r = fn.invoke({}, qualifier="1")
    assert (r.payload["version"], r.payload["env"], r.executed_version) == ("1", "1", "1")
    assert r.payload["arn"] == f"{ARN}:1"
    assert "/[1]" in r.payload["stream"]
    assert f"START RequestId: {r.request_id} Version: 1" in r.logs.text


def test_published_version_unaffected_by_code_edit(fn: LambdaFunction, code: CodeWriter) -> None:
    """Editing the source after publishing changes $LATEST but never the version."""
    fn.publish_version()
    code(app=APP.replace('"v1"', '"v2"'))
    fn.cold_start()
    assert fn.invoke({}).payload["code"] == "v2"
    assert fn.invoke({}, qualifier="1").payload["code"] == "v1"
    assert fn.publish_version().version == "2"
    assert fn.invoke({}, qualifier="2").payload["code"] == "v2"


def test_a_function_never_closed_leaves_no_code_snapshot_behind(code: CodeWriter) -> None:
    """A version's copy of the code goes once its function is collected, without close()."""
    import gc

    fn = LambdaFunction("app.handler", code_dir=code(app=APP), name="orders")
    snapshot = str(fn.publish_version().config.code_dir)
    assert os.path.isfile(os.path.join(snapshot, "app.py"))
    del fn
    gc.collect()
    assert not os.path.exists(os.path.dirname(snapshot))


def test_published_version_keeps_its_configuration(fn: LambdaFunction) -> None:
    """A configuration change after publishing does not reach the version."""
    fn.publish_version()
    fn.update_configuration(memory_size=512)
    assert fn.invoke({}, qualifier="1").payload["memory"] == "128"
    assert fn.invoke({}).payload["memory"] == "512"


def test_alias_invocation_reports_alias_arn_and_version(fn: LambdaFunction) -> None:
    """Through an alias the ARN carries the alias name and the version is the resolved one."""
    fn.publish_version()
    fn.create_alias("live", "1")
    r = fn.invoke({}, qualifier="live")
    assert r.payload["arn"] == f"{ARN}:live"
    assert (r.payload["version"], r.executed_version) == ("1", "1")
    assert r.invoked_function_arn == f"{ARN}:live"


def test_alias_metrics_carry_executed_version(fn: LambdaFunction) -> None:
    """An alias invocation is recorded under the Resource and ExecutedVersion dimensions."""
    fn.publish_version()
    fn.create_alias("live", "1")
    fn.invoke({}, qualifier="live")
    dims = {"FunctionName": "orders", "Resource": "orders:live", "ExecutedVersion": "1"}
    assert fn.metrics.sum("Invocations", dimensions=dims) == 1


def test_weighted_routing_is_seeded_and_within_bounds(fn: LambdaFunction) -> None:
    """A 90/10 alias sends about 10 % to the extra version, identically for the same seed."""
    fn.publish_version()
    fn.update_configuration(memory_size=256)
    fn.publish_version()
    fn.create_alias("canary", "1", routing={"2": 0.1})
    picks = [fn._versions.resolve("canary", fn.config).version for _ in range(10_000)]
    share = picks.count("2") / len(picks)
    assert 0.09 <= share <= 0.11  # about 3.3 standard deviations
    again = LambdaFunction("app.handler", code_dir=fn.config.code_dir, name="again", seed=7)
    with again:
        again.publish_version()
        again.update_configuration(memory_size=256)
        again.publish_version()
        again.create_alias("canary", "1", routing={"2": 0.1})
        assert [again._versions.resolve("canary", again.config).version
                for _ in range(10_000)] == picks


def test_update_alias_shifts_traffic(fn: LambdaFunction) -> None:
    """Moving the alias to the new version with no routing sends everything there."""
    fn.publish_version()
    fn.update_configuration(memory_size=256)
    fn.publish_version()
    fn.create_alias("live", "1", routing={"2": 0.5})
    fn.update_alias("live", "2", routing={})
    assert {fn.invoke({}, qualifier="live").executed_version for _ in range(20)} == {"2"}
    assert fn.aliases["live"].as_dict()["FunctionVersion"] == "2"
    assert "RoutingConfig" not in fn.aliases["live"].as_dict()


def test_unknown_qualifier_is_not_found(fn: LambdaFunction) -> None:
    """An unknown version or alias raises ResourceNotFoundException with the qualified ARN."""
    with pytest.raises(ResourceNotFoundException, match=r"Function not found: .*:orders:9"):
        fn.invoke({}, qualifier="9")
    with pytest.raises(ResourceNotFoundException, match="nope"):
        fn.invoke({}, qualifier="nope")


@pytest.mark.parametrize(("version", "routing", "error", "match"), [
    ("$LATEST", {"1": 0.1}, InvalidParameterValueException, r"\$LATEST is not supported"),
    ("1", {"$LATEST": 0.1}, InvalidParameterValueException, r"\$LATEST is not supported"),
    ("1", {"2": 0.1, "3": 0.1}, InvalidParameterValueException, "cannot be greater than 1"),
    ("1", {"2": 1.5}, InvalidParameterValueException, "between 0.0 and 1.0"),
    ("1", {"2": -0.1}, InvalidParameterValueException, "between 0.0 and 1.0"),
    ("1", {"1": 0.1}, InvalidParameterValueException, "both"),
    ("7", {}, ResourceNotFoundException, "Function not found"),
    ("1", {"7": 0.1}, ResourceNotFoundException, "Function not found"),
])
def test_bad_alias_routing_is_refused(fn: LambdaFunction, version: str, routing: dict[str, float],
                                      error: type[Exception], match: str) -> None:
    """Lambda's alias routing rules are enforced with its exception names."""
    for memory in (128, 256, 512):
        fn.update_configuration(memory_size=memory)
        fn.publish_version()
    with pytest.raises(error, match=match):
        fn.create_alias("a", version, routing=routing)


def test_alias_name_rules(fn: LambdaFunction) -> None:
    """Alias names may not be purely numeric and may not repeat."""
    fn.publish_version()
    with pytest.raises(ValidationException, match="pattern"):
        fn.create_alias("123", "1")
    fn.create_alias("prod", "1")
    with pytest.raises(ResourceConflictException, match="Alias already exists"):
        fn.create_alias("prod", "1")


def test_close_removes_snapshots(code: CodeWriter) -> None:
    """Closing the function deletes the private code snapshots of its versions."""
    f = LambdaFunction("app.handler", code_dir=code(app=APP), name="snap")
    snapshot = f.publish_version().config.code_dir
    assert (snapshot / "app.py").is_file()
    f.close()
    assert not snapshot.exists()
