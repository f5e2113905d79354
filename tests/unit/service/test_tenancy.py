"""Tenant isolation (TenancyConfig PER_TENANT): a tenant id per invocation, and each tenant's
own execution environments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import InvalidParameterValueException, ValidationException
from pytest_lambda.template import function_from_template

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import CodeWriter

APP = """
SERVED = []

def handler(event, context):
    SERVED.append(context.tenant_id)  # what this execution environment has served
    return SERVED
"""


def test_each_tenant_has_its_own_environments(code: CodeWriter) -> None:
    """Environments are never shared between tenants; a tenant's next request is warm."""
    with LambdaFunction("app.handler", code_dir=code(app=APP), tenancy="PER_TENANT") as fn:
        blue = fn.invoke({}, tenant_id="blue")
        green = fn.invoke({}, tenant_id="green")
        again = fn.invoke({}, tenant_id="blue")
    assert (blue.cold_start, green.cold_start, again.cold_start) == (True, True, False)
    assert (blue.payload, green.payload, again.payload) == (
        ["blue"], ["green"], ["blue", "blue"])


def test_the_tenant_id_must_match_the_tenant_isolation(code: CodeWriter) -> None:
    """Without a tenant id for an isolated function, or with one for a function without
    isolation: InvalidParameterValueException, as the Invoke API answers."""
    root = code(app=APP)
    with LambdaFunction("app.handler", code_dir=root, tenancy="PER_TENANT") as isolated, \
            LambdaFunction("app.handler", code_dir=root, name="shared") as plain:
        with pytest.raises(InvalidParameterValueException, match="tenant_id='blue'"):
            isolated.invoke({})
        with pytest.raises(InvalidParameterValueException, match="leave tenant_id out"):
            plain.invoke({}, tenant_id="blue")
        with pytest.raises(InvalidParameterValueException, match="invoke_many"):
            isolated.invoke_many([{}])
        assert plain.invoke({}).payload == [None]


def test_queued_events_run_in_their_tenants_environment(code: CodeWriter) -> None:
    with LambdaFunction("app.handler", code_dir=code(app=APP), tenancy="PER_TENANT") as fn:
        fn.invoke({}, tenant_id="blue")
        assert fn.invoke({}, invocation_type="Event", tenant_id="blue").status_code == 202
        [result] = fn.account.drain()
    assert (result.payload, result.cold_start) == (["blue", "blue"], False)


def test_tenancy_is_validated_and_cannot_change(code: CodeWriter) -> None:
    root = code(app=APP)
    with pytest.raises(ValidationException, match="PER_TENANT"):
        LambdaFunction("app.handler", code_dir=root, tenancy="PER_USER")
    with LambdaFunction("app.handler", code_dir=root) as fn, \
            pytest.raises(InvalidParameterValueException, match="cannot be modified"):
        fn.update_configuration(tenancy="PER_TENANT")


def test_template_tenancy_config_is_read(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(APP)
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  PerTenant:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      CodeUri: src/\n"
        "      TenancyConfig:\n"
        "        TenantIsolationMode: PER_TENANT\n")
    with function_from_template(tmp_path / "template.yaml", "PerTenant") as fn:
        assert fn.config.tenancy == "PER_TENANT"
        assert fn.invoke({}, tenant_id="a").payload == ["a"]
