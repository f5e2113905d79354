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


class MockedAws:
    """A ``moto.mock_aws`` context with boto3 clients and resources in the test's Region.

    While it is active, :data:`~pytest_lambda.service.boto.ENDPOINT_MODE_ENV` is ``disabled`` in the
    test process (and so in the environments of functions created during the test), so that
    clients the test or a handler creates stay on the endpoints moto serves.
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self._mock: Any = None
        self._saved_mode: str | None = None
        self._lambda_api: LambdaApi | None = None

    def __enter__(self) -> MockedAws:
        try:
            import moto
        except ImportError:
            raise RuntimeError(
                "the lambda_aws fixture needs moto and boto3: "
                "pip install 'pytest-aws-lambda[aws]'") from None
        self._saved_mode = os.environ.get(ENDPOINT_MODE_ENV)
        os.environ[ENDPOINT_MODE_ENV] = "disabled"
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
        if self._saved_mode is None:
            os.environ.pop(ENDPOINT_MODE_ENV, None)
        else:
            os.environ[ENDPOINT_MODE_ENV] = self._saved_mode

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` against moto."""
        return boto_client(service, self.region, **kwargs)

    def resource(self, service: str, **kwargs: Any) -> Any:
        """A boto3 resource for ``service`` against moto."""
        return boto_resource(service, self.region, **kwargs)
