"""Exceptions named as the Lambda API names them.

Each carries the AWS error code (``code``), the HTTP status Lambda answers with, and a message.
Where Lambda has a wording of its own, the message is exactly it (what the Lambda API sends,
what a test may compare with) and what to change in the test is its ``advice``: a note on the
exception (PEP 678), shown under it in a traceback and matched by ``pytest.raises(match=)``.
"""

from __future__ import annotations

from typing import Any


class LambdaError(Exception):
    """Base class of the Lambda API errors pytest-aws-lambda raises."""

    code = "ServiceException"
    status_code = 500

    def __init__(self, message: str, *, advice: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        #: What to change in the test (not part of Lambda's message).
        self.advice = advice
        self.details = details
        if advice:
            self.add_note(advice)

    def response(self) -> dict[str, Any]:
        """The error body as the Lambda API returns it."""
        body: dict[str, Any] = {"Type": "User", "message": self.message}
        body.update(self.details)
        return body


class ValidationException(LambdaError, ValueError):
    """A parameter failed the API's schema (``1 validation error detected: ...``)."""

    code = "ValidationException"
    status_code = 400


class InvalidParameterValueException(LambdaError, ValueError):
    """A parameter passed the schema but Lambda rejects its value."""

    code = "InvalidParameterValueException"
    status_code = 400


class ResourceNotFoundException(LambdaError, LookupError):
    """The function, version, alias or statement does not exist."""

    code = "ResourceNotFoundException"
    status_code = 404


class ResourceConflictException(LambdaError):
    """The resource already exists (e.g. a duplicate permission statement id)."""

    code = "ResourceConflictException"
    status_code = 409


class RequestTooLargeException(LambdaError, ValueError):
    """The invocation payload is over Lambda's limit.

    The API reference names this error ``RequestTooLargeException``, but the error code callers
    receive on the wire (and botocore's ``ClientError`` shows) is
    ``RequestEntityTooLargeException`` (captured: ASFHyP3/hyp3#2241, aws/aws-pdk#771).
    """

    code = "RequestEntityTooLargeException"
    status_code = 413


#: The wire error code's name for the same exception.
RequestEntityTooLargeException = RequestTooLargeException


class TooManyRequestsException(LambdaError):
    """The invocation was throttled (concurrency limit reached)."""

    code = "TooManyRequestsException"
    status_code = 429


class AccessDeniedException(LambdaError, PermissionError):
    """The caller is not allowed to invoke the function."""

    code = "AccessDeniedException"
    status_code = 403


class HandlerNotStopped(RuntimeError):
    """An in-process handler ran on past its timeout and could not be stopped in time.

    Not a Lambda error: Lambda would have stopped it (``result`` holds the invocation, which
    reports Lambda's timeout). The test fails instead of the session hanging or passing.
    """

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


def validation_error(value: object, member: str, constraint: str, fix: str) -> ValidationException:
    """AWS's single-field validation message, with the fix as its advice."""
    return ValidationException(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}", advice=fix)


def with_advice(exc: BaseException) -> str:
    """The exception's message followed by its notes (the advice), for one line of output."""
    return " ".join([str(exc), *getattr(exc, "__notes__", ())])


class RecursiveInvocationException(LambdaError):
    """Lambda's recursive loop detection stopped the invocation (AWS docs "Lambda recursive
    loop detection"; the error the Invoke API returns, status 400)."""

    code = "RecursiveInvocationException"
    status_code = 400
