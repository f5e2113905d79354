"""The function's resource-based policy: AddPermission, RemovePermission, GetPolicy, checks.

Functions are private: a caller in the function's own account is allowed (as an IAM identity
of that account would be); any other principal needs a statement that allows it.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import TYPE_CHECKING, Any

from pytest_lambda.errors import (
    AccessDeniedException,
    ResourceConflictException,
    ResourceNotFoundException,
    validation_error,
)

from ..arn import Arn
from .ids import new_uuid

if TYPE_CHECKING:
    from pytest_lambda.config import FunctionConfig
    from pytest_lambda.service.versions import Versions

INVOKE = "lambda:InvokeFunction"
_SID = re.compile(r"[a-zA-Z0-9-_.]{1,100}")
_ACTION = re.compile(r"(lambda:[*]|lambda:[a-zA-Z]+|[*])")
_ACCOUNT = re.compile(r"\d{12}")


def principal_block(principal: str) -> Any:
    """The ``Principal`` element Lambda writes for a principal string."""
    if principal == "*":
        return "*"
    if _ACCOUNT.fullmatch(principal):
        return {"AWS": f"arn:aws:iam::{principal}:root"}
    if principal.startswith("arn:"):
        return {"AWS": principal}
    return {"Service": principal}


def caller_account(principal: str) -> str | None:
    """The account a caller principal belongs to (None for a service principal)."""
    if _ACCOUNT.fullmatch(principal):
        return principal
    arn = Arn.parse(principal)
    if arn is not None and _ACCOUNT.fullmatch(arn.account):
        return arn.account
    return None


def _principal_matches(block: Any, caller: str) -> bool:
    if block == "*":
        return True
    if "Service" in block:
        return bool(block["Service"] == caller)
    allowed = str(block["AWS"])
    if allowed.endswith(":root"):
        arn = Arn.parse(allowed)
        return arn is not None and caller_account(caller) == arn.account
    return allowed == caller


def _action_matches(action: str, wanted: str) -> bool:
    return action in ("*", "lambda:*") or action == wanted


def _conditions_hold(statement: dict[str, Any], source_arn: str | None,
                     source_account: str | None) -> bool:
    condition = statement.get("Condition", {})
    want_arn = condition.get("ArnLike", {}).get("AWS:SourceArn")
    if want_arn is not None and (source_arn is None
                                 or not fnmatch.fnmatchcase(source_arn, want_arn)):
        return False
    want_account = condition.get("StringEquals", {}).get("AWS:SourceAccount")
    return want_account is None or want_account == source_account


class Policy:
    """Resource-based policies of one function: one per qualifier (None = the function)."""

    def __init__(self) -> None:
        self._statements: dict[str | None, list[dict[str, Any]]] = {}
        self._revision = new_uuid()

    def add(self, resource: str, qualifier: str | None, *, statement_id: str, action: str,
            principal: str, source_arn: str | None = None, source_account: str | None = None,
            ) -> dict[str, Any]:
        """``AddPermission``: append a statement, refusing a duplicate statement id."""
        if not isinstance(statement_id, str) or not _SID.fullmatch(statement_id):
            raise validation_error(statement_id, "statementId",
                                   "Member must satisfy regular expression pattern: "
                                   "([a-zA-Z0-9-_.]+)", "Use 1-100 letters, digits, '-_.'.")
        if not isinstance(action, str) or not _ACTION.fullmatch(action):
            raise validation_error(action, "action", "Member must satisfy regular expression "
                                   "pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
                                   "Use an action such as 'lambda:InvokeFunction'.")
        if not isinstance(principal, str) or not principal or any(c.isspace()
                                                                  for c in principal):
            raise validation_error(principal, "principal",
                                   "Member must satisfy regular expression pattern: [^\\s]+",
                                   "Pass a service (s3.amazonaws.com), an account id or an ARN.")
        key = _key(qualifier)
        statements = self._statements.setdefault(key, [])
        if any(s["Sid"] == statement_id for s in statements):
            raise ResourceConflictException(
                f"The statement id ({statement_id}) provided already exists. Please provide a "
                "new statement id, or remove the existing statement.")
        statement: dict[str, Any] = {"Sid": statement_id, "Effect": "Allow",
                                     "Principal": principal_block(principal),
                                     "Action": action, "Resource": resource}
        condition: dict[str, Any] = {}
        if source_account is not None:
            condition["StringEquals"] = {"AWS:SourceAccount": source_account}
        if source_arn is not None:
            condition["ArnLike"] = {"AWS:SourceArn": source_arn}
        if condition:
            statement["Condition"] = condition
        statements.append(statement)
        self._revision = new_uuid()
        return statement

    def remove(self, statement_id: str, qualifier: str | None) -> None:
        """``RemovePermission``."""
        statements = self._statements.get(_key(qualifier), [])
        for i, statement in enumerate(statements):
            if statement["Sid"] == statement_id:
                del statements[i]
                self._revision = new_uuid()
                return
        raise ResourceNotFoundException(
            f"Statement {statement_id} is not found in resource policy.")

    def document(self, qualifier: str | None) -> dict[str, Any] | None:
        """The policy document, or None when there are no statements."""
        statements = self._statements.get(_key(qualifier))
        if not statements:
            return None
        return {"Version": "2012-10-17", "Id": "default",
                "Statement": [dict(s) for s in statements]}

    def get_policy(self, qualifier: str | None) -> dict[str, Any]:
        """``GetPolicy``'s response: the document as a JSON string and the revision id."""
        document = self.document(qualifier)
        if document is None:
            raise ResourceNotFoundException("The resource you requested does not exist.")
        return {"Policy": json.dumps(document, separators=(",", ":")),
                "RevisionId": self._revision}

    def allows(self, qualifier: str | None, principal: str, *, action: str = INVOKE,
               source_arn: str | None = None, source_account: str | None = None) -> bool:
        """Whether a statement on ``qualifier`` allows ``principal`` to perform ``action``."""
        return any(
            _principal_matches(s["Principal"], principal) and _action_matches(s["Action"], action)
            and _conditions_hold(s, source_arn, source_account)
            for s in self._statements.get(_key(qualifier), []))

    def check_invoke(self, *, function_account: str, resource: str, qualifier: str | None,
                     principal: str | None, source_arn: str | None,
                     source_account: str | None) -> None:
        """Raise ``AccessDeniedException`` unless ``principal`` may invoke ``resource``."""
        if principal is None or caller_account(principal) == function_account:
            return
        if self.allows(qualifier, principal, source_arn=source_arn,
                       source_account=source_account):
            return
        who = f"arn:aws:iam::{principal}:root" if _ACCOUNT.fullmatch(principal) else principal
        raise AccessDeniedException(
            f"User: {who} is not authorized to perform: {INVOKE} on resource: {resource} "
            f"because no resource-based policy allows the {INVOKE} action. Grant it with "
            f"add_permission(principal={principal!r}, ...)"
            f"{f' on qualifier {qualifier!r}' if qualifier else ''}.")


def _key(qualifier: str | None) -> str | None:
    return None if qualifier in (None, "$LATEST") else qualifier


class PolicyMixin:
    """``LambdaFunction``'s resource-policy API, delegated to :class:`Policy`."""

    config: FunctionConfig
    _policy: Policy
    _versions: Versions

    def add_permission(self, *, principal: str, action: str = INVOKE,
                       statement_id: str | None = None, source_arn: str | None = None,
                       source_account: str | None = None,
                       qualifier: str | None = None) -> dict[str, Any]:
        """``AddPermission``: allow ``principal`` to invoke; returns the statement added."""
        if qualifier is not None:
            self._versions.resolve(qualifier, self.config)  # 404 for an unknown qualifier
        resource = self.config.arn if qualifier is None else f"{self.config.arn}:{qualifier}"
        return self._policy.add(resource, qualifier, action=action, principal=principal,
                                statement_id=statement_id or _new_sid(),
                                source_arn=source_arn, source_account=source_account)

    def remove_permission(self, statement_id: str, *, qualifier: str | None = None) -> None:
        """``RemovePermission``."""
        self._policy.remove(statement_id, qualifier)

    @property
    def policy(self) -> dict[str, Any] | None:
        """The function's resource-based policy document (None while it has no statement)."""
        return self._policy.document(None)

    def get_policy(self, qualifier: str | None = None) -> dict[str, Any]:
        """``GetPolicy``: ``{"Policy": <JSON string>, "RevisionId": ...}``, 404 when empty."""
        return self._policy.get_policy(qualifier)


def _new_sid() -> str:
    """A generated statement id: ``sid-`` and 12 hex digits."""
    return "sid-" + new_uuid().replace("-", "")[:12]
