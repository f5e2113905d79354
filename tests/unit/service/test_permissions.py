"""Resource-based policy: AddPermission, RemovePermission, GetPolicy, denied callers, DryRun."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import (
    AccessDeniedException,
    ResourceConflictException,
    ResourceNotFoundException,
    ValidationException,
)

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture

ARN = "arn:aws:lambda:us-east-1:123456789012:function:thumbs"
BUCKET = "arn:aws:s3:::uploads"


@pytest.fixture
def fn(code: CodeWriter) -> LambdaFunction:
    """A function whose handler answers 'ran'."""
    return LambdaFunction("app.handler", name="thumbs",
                          code_dir=code(app="def handler(e, c):\n    return 'ran'\n"))


def test_function_is_private_to_other_principals(fn: LambdaFunction) -> None:
    """A service principal without a statement is denied with AWS's message."""
    with pytest.raises(AccessDeniedException) as info:
        fn.invoke({}, principal="s3.amazonaws.com", source_arn=BUCKET)
    assert str(info.value).startswith(
        f"User: s3.amazonaws.com is not authorized to perform: lambda:InvokeFunction on "
        f"resource: {ARN} because no resource-based policy allows the lambda:InvokeFunction "
        "action")
    assert info.value.status_code == 403
    assert fn.metrics.records == []


def test_same_account_caller_is_allowed(fn: LambdaFunction) -> None:
    """The function's own account (or no principal) needs no statement."""
    assert fn.invoke({}).ok
    assert fn.invoke({}, principal="arn:aws:iam::123456789012:role/app").ok


def test_add_permission_allows_service_with_conditions(fn: LambdaFunction) -> None:
    """A statement with SourceArn and SourceAccount admits only callers matching both."""
    statement = fn.add_permission(principal="s3.amazonaws.com", statement_id="s3",
                                  source_arn="arn:aws:s3:::upl*", source_account="111122223333")
    assert statement == {
        "Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction", "Resource": ARN,
        "Condition": {"StringEquals": {"AWS:SourceAccount": "111122223333"},
                      "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::upl*"}}}
    ok = fn.invoke({}, principal="s3.amazonaws.com", source_arn=BUCKET,
                   source_account="111122223333")
    assert ok.payload == "ran"
    with pytest.raises(AccessDeniedException):
        fn.invoke({}, principal="s3.amazonaws.com", source_arn="arn:aws:s3:::other",
                  source_account="111122223333")
    with pytest.raises(AccessDeniedException):
        fn.invoke({}, principal="s3.amazonaws.com", source_arn=BUCKET)


def test_cross_account_principal(fn: LambdaFunction) -> None:
    """An account id principal becomes its root ARN and admits any identity of that account."""
    fn.add_permission(principal="210987654321", statement_id="xacct")
    assert fn.policy is not None
    assert fn.policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::210987654321:root"}
    assert fn.invoke({}, principal="arn:aws:iam::210987654321:role/caller").ok
    with pytest.raises(AccessDeniedException, match="arn:aws:iam::999999999999:root"):
        fn.invoke({}, principal="999999999999")


def test_policy_document_and_get_policy(fn: LambdaFunction) -> None:
    """``policy`` is the document; ``get_policy`` wraps it as a JSON string, 404 when empty."""
    assert fn.policy is None
    with pytest.raises(ResourceNotFoundException, match="does not exist"):
        fn.get_policy()
    fn.add_permission(principal="events.amazonaws.com", statement_id="rule")
    response = fn.get_policy()
    assert json.loads(response["Policy"]) == fn.policy
    assert fn.policy == {"Version": "2012-10-17", "Id": "default", "Statement": [
        {"Sid": "rule", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
         "Action": "lambda:InvokeFunction", "Resource": ARN}]}
    assert response["RevisionId"]


def test_remove_permission(fn: LambdaFunction) -> None:
    """Removing the statement denies the principal again; an unknown id is not found."""
    fn.add_permission(principal="sns.amazonaws.com", statement_id="sns")
    assert fn.invoke({}, principal="sns.amazonaws.com").ok
    fn.remove_permission("sns")
    with pytest.raises(AccessDeniedException):
        fn.invoke({}, principal="sns.amazonaws.com")
    with pytest.raises(ResourceNotFoundException, match="Statement sns is not found"):
        fn.remove_permission("sns")


def test_duplicate_statement_id(fn: LambdaFunction) -> None:
    """A statement id already used raises ResourceConflictException with AWS's wording."""
    fn.add_permission(principal="s3.amazonaws.com", statement_id="same")
    with pytest.raises(ResourceConflictException,
                       match=r"The statement id \(same\) provided already exists"):
        fn.add_permission(principal="sns.amazonaws.com", statement_id="same")


def test_bad_statement_inputs(fn: LambdaFunction) -> None:
    """Statement id and action must match the API's patterns."""
    with pytest.raises(ValidationException, match="statementId"):
        fn.add_permission(principal="s3.amazonaws.com", statement_id="has space")
    with pytest.raises(ValidationException, match="action"):
        fn.add_permission(principal="s3.amazonaws.com", action="s3:GetObject")


def test_alias_permission_is_separate(fn: LambdaFunction) -> None:
    """A statement on an alias admits calls through that alias only."""
    fn.publish_version()
    fn.create_alias("live", "1")
    fn.add_permission(principal="s3.amazonaws.com", statement_id="a", qualifier="live")
    assert fn.invoke({}, principal="s3.amazonaws.com", qualifier="live").ok
    with pytest.raises(AccessDeniedException, match=f"resource: {ARN} because"):
        fn.invoke({}, principal="s3.amazonaws.com")
    with pytest.raises(ResourceNotFoundException):
        fn.add_permission(principal="s3.amazonaws.com", qualifier="ghost")
    fn.close()


def test_dry_run_checks_and_does_not_run(fn: LambdaFunction) -> None:
    """DryRun answers 204 after the permission check and never runs the handler."""
    r = fn.invoke({}, invocation_type="DryRun")
    assert (r.status_code, r.payload, r.report) == (204, None, None)
    assert not fn.logs and fn.metrics.records == []
    with pytest.raises(AccessDeniedException):
        fn.invoke({}, invocation_type="DryRun", principal="s3.amazonaws.com")
    with pytest.raises(ResourceNotFoundException):
        fn.invoke({}, invocation_type="DryRun", qualifier="nope")
