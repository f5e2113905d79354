"""``lambda_aws``: moto as the embedded AWS of a test (boto3 and moto imported lazily)."""

from __future__ import annotations

from typing import Any


class MockedAws:
    """A ``moto.mock_aws`` context with boto3 clients and resources in the test's Region."""

    def __init__(self, region: str) -> None:
        self.region = region
        self._mock: Any = None

    def __enter__(self) -> MockedAws:
        try:
            import moto
        except ImportError:
            raise RuntimeError(
                "the lambda_aws fixture needs moto and boto3: "
                "pip install 'pytest-aws-lambda[aws]'") from None
        self._mock = moto.mock_aws()
        self._mock.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._mock.stop()

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` against moto."""
        import boto3  # type: ignore[import-untyped]

        kwargs.setdefault("region_name", self.region)
        return boto3.client(service, **kwargs)

    def resource(self, service: str, **kwargs: Any) -> Any:
        """A boto3 resource for ``service`` against moto."""
        import boto3

        kwargs.setdefault("region_name", self.region)
        return boto3.resource(service, **kwargs)
