"""The context object handed to Python handlers, with the real runtime's attributes."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any


class CognitoIdentity:
    """``context.identity``: always present; both ids are ``None`` without a Cognito header."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, cognito_identity_id: str | None = None,
                 cognito_identity_pool_id: str | None = None) -> None:
        self.cognito_identity_id = cognito_identity_id
        self.cognito_identity_pool_id = cognito_identity_pool_id

    def __repr__(self) -> str:
        return (f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id},"
                f"cognito_identity_pool_id={self.cognito_identity_pool_id}])")


class Client:
    """``context.client_context.client``: the mobile app that called the function."""

    __slots__ = ("app_package_name", "app_title", "app_version_code", "app_version_name",
                 "installation_id")

    def __init__(self, client: Mapping[str, Any]) -> None:
        self.installation_id = client.get("installation_id")
        self.app_title = client.get("app_title")
        self.app_version_name = client.get("app_version_name")
        self.app_version_code = client.get("app_version_code")
        self.app_package_name = client.get("app_package_name")

    def __repr__(self) -> str:
        return (f"Client([installation_id={self.installation_id},app_title={self.app_title},"
                f"app_version_name={self.app_version_name},"
                f"app_version_code={self.app_version_code},"
                f"app_package_name={self.app_package_name}])")


class ClientContext:
    """``context.client_context``: only for synchronous invocations that pass one."""

    __slots__ = ("client", "custom", "env")

    def __init__(self, client_context: Mapping[str, Any]) -> None:
        # A Client whenever the key has a value, ``{}`` included (awslambdaric tests ``is None``).
        client = client_context.get("client")
        self.custom = client_context.get("custom")
        self.env = client_context.get("env")
        self.client = Client(client) if client is not None else None

    def __repr__(self) -> str:
        return f"ClientContext([custom={self.custom},env={self.env},client={self.client}])"


class LambdaContext:
    """What ``awslambdaric`` passes as the handler's second argument.

    ``get_remaining_time_in_millis`` uses ``time.time()`` like the real runtime, so it follows
    freezegun / time-machine when a test freezes or moves time; the timeout itself is enforced
    on the real clock elsewhere.
    """

    # A __dict__, as awslambdaric's context is a plain object whose ``vars()`` handlers print
    # and on which middleware stores its own attributes: its attributes are set in the
    # client's order, under its names (``vars(context)`` shows the same keys). What only the
    # plugin needs is in slots, which ``vars()`` does not show.
    __slots__ = ("__dict__", "__weakref__", "_pl_log", "_pl_raw", "_pl_timeout_ms")

    def __init__(
        self,
        *,
        aws_request_id: str,
        deadline_ms: int,
        invoked_function_arn: str,
        function_name: str,
        function_version: str,
        memory_limit_in_mb: str,
        log_group_name: str,
        log_stream_name: str,
        identity: Mapping[str, Any] | None = None,
        client_context: Mapping[str, Any] | None = None,
        tenant_id: str | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.aws_request_id = aws_request_id
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self.function_name = function_name
        self.memory_limit_in_mb = memory_limit_in_mb
        self.function_version = function_version
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self._w3c_fields: dict[str, Any] = {}
        if client_context is not None:
            cc = dict(client_context)
            self._w3c_fields = dict(cc.pop("w3c", None) or {})
            self.client_context: ClientContext | None = ClientContext(cc)
        else:
            self.client_context = None
        self.identity = CognitoIdentity(
            (identity or {}).get("cognitoIdentityId"),
            (identity or {}).get("cognitoIdentityPoolId"),
        )
        self._epoch_deadline_time_in_ms = deadline_ms
        self._pl_log = log
        self._pl_raw = {"identity": identity, "client_context": client_context}
        #: Set by the ``lambda_context`` fixture: the timeout, to count from the first
        #: ``get_remaining_time_in_millis`` call on the clock the test then runs on (it set a
        #: deadline on the real clock before freezegun or time-machine moved the test's).
        self._pl_timeout_ms: int | None = None

    def to_kwargs(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this context (without ``log``)."""
        return {
            "aws_request_id": self.aws_request_id,
            "deadline_ms": self._epoch_deadline_time_in_ms,
            "invoked_function_arn": self.invoked_function_arn,
            "function_name": self.function_name, "function_version": self.function_version,
            "memory_limit_in_mb": self.memory_limit_in_mb, "log_group_name": self.log_group_name,
            "log_stream_name": self.log_stream_name, "tenant_id": self.tenant_id,
            **self._pl_raw,
        }

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the deadline, never below 0 (as the Python runtime)."""
        now = int(time.time() * 1000)
        timeout = self._pl_timeout_ms
        if timeout is not None:
            self._pl_timeout_ms = None
            self._epoch_deadline_time_in_ms = now + timeout
        return max(self._epoch_deadline_time_in_ms - now, 0)

    def log(self, msg: object) -> None:
        """Write ``msg`` to the function's log, like the runtime's undocumented ``log``."""
        log = self._pl_log
        if log is not None:
            log(str(msg))

    def w3c(self) -> dict[str, Any]:
        """W3C trace context (``traceparent``, ``tracestate``, ``baggage``) from the client."""
        return dict(self._w3c_fields)

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},identity={self.identity},"
            f"tenant_id={self.tenant_id}])"
        )
