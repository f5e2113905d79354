"""``lambda_aws``: moto as the embedded AWS of a test (boto3 and moto imported lazily)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from . import dynamodb_streams, eventbridge_rules, kinesis_numbers, sns_filters
from .boto import ENDPOINT_MODE_ENV
from .boto import client as boto_client
from .boto import resource as boto_resource

if TYPE_CHECKING:
    from .lambda_api import LambdaApi


#: Variables set in the test process while moto is the embedded AWS, so that every client the
#: test or the plugin makes stays on the endpoints moto serves: account-ID endpoint routing off
#: (see ``boto.py``), and endpoint URLs from the environment or the AWS config file ignored
#: (``AWS_ENDPOINT_URL=http://localhost:4566``, a LocalStack leftover in a ``.env`` or a CI job,
#: sent the test's own calls there while its handlers read moto).
_SET = {ENDPOINT_MODE_ENV: "disabled", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}
#: Variables hidden meanwhile: a profile (a developer's usual ``AWS_PROFILE=dev``) that the
#: machine does not have failed every client with ProfileNotFound, and one it has could bring
#: its own settings; moto's own fake credentials are used instead.
_HIDDEN = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


class MockedAws:
    """A ``moto.mock_aws`` context with boto3 clients and resources in the test's Region.

    While it is active, the variables of :data:`_SET` are set in the test process and those of
    :data:`_HIDDEN` are unset, so that clients the test or a handler creates stay on the
    endpoints moto serves; the test's own values come back afterwards.
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self._mock: Any = None
        self._saved: dict[str, str | None] = {}
        self._lambda_api: LambdaApi | None = None

    def __enter__(self) -> MockedAws:
        try:
            import moto
        except ImportError:
            raise RuntimeError(
                "the lambda_aws fixture needs moto and boto3: "
                "pip install 'pytest-aws-lambda[aws]'") from None
        self._saved = {name: os.environ.get(name) for name in (*_SET, *_HIDDEN)}
        os.environ.update(_SET)
        for name in _HIDDEN:
            os.environ.pop(name, None)
        self._mock = moto.mock_aws()
        try:
            self._mock.start()
        except BaseException:
            self._restore_mode()
            raise
        kinesis_numbers.install()
        eventbridge_rules.install()
        sns_filters.install()
        dynamodb_streams.install()
        # The Lambda API on moto (botocore's model) loads when lambda_aws starts.
        from .lambda_api import LambdaApi

        self._lambda_api = LambdaApi()
        try:
            self._lambda_api.install()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._lambda_api is not None:
                self._lambda_api.uninstall()
            self._mock.stop()
        finally:
            dynamodb_streams.uninstall()
            sns_filters.uninstall()
            eventbridge_rules.uninstall()
            kinesis_numbers.uninstall()
            self._restore_mode()

    @property
    def lambda_api(self) -> LambdaApi:
        """The Lambda API answered by in-process functions (``boto3.client("lambda")``):
        ``mapping(uuid)`` for a mapping created through it, ``register(fn)``."""
        if self._lambda_api is None:
            raise RuntimeError("lambda_api exists while the MockedAws is entered (inside "
                               "the lambda_aws fixture or a 'with MockedAws(...)' block).")
        return self._lambda_api

    def _restore_mode(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` against moto."""
        return boto_client(service, self.region, **kwargs)

    def resource(self, service: str, **kwargs: Any) -> Any:
        """A boto3 resource for ``service`` against moto."""
        return boto_resource(service, self.region, **kwargs)
