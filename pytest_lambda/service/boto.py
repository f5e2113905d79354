"""The plugin's one way to make boto3 clients for the embedded AWS (boto3 imported lazily).

botocore 1.35+ routes some operations to account-ID endpoints taken from the request's ARN
(``https://<account>.streams-ddb.<region>.amazonaws.com`` for DynamoDB Streams), which moto
does not serve: ``DescribeStream`` answers 404. The emulated AWS never needs account-ID
routing, so every client made here turns it off (``account_id_endpoint_mode="disabled"``),
and :data:`ENDPOINT_MODE_ENV` does the same for clients a handler or a test creates.
"""

from __future__ import annotations

from typing import Any

#: One botocore data loader per data path for the plugin's own model lookups (the Lambda API's
#: route table): it caches the JSON it parses. Handlers and tests keep boto3's own sessions:
#: a fresh environment parsing its models is part of the memory it uses on Lambda.
_LOADERS: dict[Any, Any] = {}

#: botocore's environment variable for account-ID endpoint routing; "disabled" keeps requests
#: on the regional endpoints moto serves. Older botocore ignores it.
ENDPOINT_MODE_ENV = "AWS_ACCOUNT_ID_ENDPOINT_MODE"


def client_config(config: Any = None) -> Any:
    """``config`` merged with account-ID routing disabled (where botocore knows the option)."""
    from botocore.config import Config  # type: ignore[import-untyped]

    if "account_id_endpoint_mode" not in Config.OPTION_DEFAULTS:
        return config
    ours = Config(account_id_endpoint_mode="disabled")
    return ours if config is None else ours.merge(config)


def client(service: str, region: str, **kwargs: Any) -> Any:
    """A boto3 client for ``service`` in ``region`` that moto can serve."""
    import boto3  # type: ignore[import-untyped]

    kwargs.setdefault("region_name", region)
    config = client_config(kwargs.pop("config", None))
    if config is not None:
        kwargs["config"] = config
    return boto3.client(service, **kwargs)


def resource(service: str, region: str, **kwargs: Any) -> Any:
    """A boto3 resource for ``service`` in ``region`` that moto can serve."""
    import boto3

    kwargs.setdefault("region_name", region)
    config = client_config(kwargs.pop("config", None))
    if config is not None:
        kwargs["config"] = config
    return boto3.resource(service, **kwargs)


def shared_session() -> Any:
    """A new botocore session that reads service models through the process's shared loader
    (the models are read-only data; credentials, configuration and clients stay per session).
    Never boto3's default session: see :data:`_LOADERS`."""
    import botocore.loaders  # type: ignore[import-untyped]
    import botocore.session  # type: ignore[import-untyped]

    session = botocore.session.get_session()
    data_path = session.get_config_variable("data_path")
    loader = _LOADERS.get(data_path)
    if loader is None:
        loader = _LOADERS[data_path] = botocore.loaders.create_loader(data_path)
    session.register_component("data_loader", loader)
    return session
