"""The plugin's one way to make boto3 clients for the embedded AWS (boto3 imported lazily).

botocore 1.35+ routes some operations to account-ID endpoints taken from the request's ARN
(``https://<account>.streams-ddb.<region>.amazonaws.com`` for DynamoDB Streams), which moto
does not serve: ``DescribeStream`` answers 404. The emulated AWS never needs account-ID
routing, so every client made here turns it off (``account_id_endpoint_mode="disabled"``),
and :data:`ENDPOINT_MODE_ENV` does the same for clients a handler or a test creates.
"""

from __future__ import annotations

import os
import threading
from typing import Any

#: One botocore data loader per data path for the plugin's own sessions (the Lambda API's
#: route table, the plugin's clients, ``lambda_aws``'s): it caches the JSON it parses.
#: ``boto3.client(...)`` in a handler (or a test) keeps boto3's own session: a fresh
#: environment parsing its models is part of the memory it uses on Lambda.
_LOADERS: dict[Any, Any] = {}

#: The plugin's boto3 sessions (see :func:`_plugin_session`), oldest first, at most
#: ``_MAX_SESSIONS``; ``_SESSION_LOCK`` guards them and the clients made from them.
_SESSIONS: dict[Any, Any] = {}
_MAX_SESSIONS = 8
_SESSION_LOCK = threading.RLock()
#: ``AWS_*`` variables a botocore session does not read (Lambda's, X-Ray's).
_NOT_SESSION_VARIABLES = ("AWS_LAMBDA_", "AWS_XRAY_", "AWS_EXECUTION_ENV")

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
    """A boto3 client for ``service`` in ``region`` that moto can serve, made from the plugin's
    shared session (:func:`_plugin_session`)."""
    kwargs.setdefault("region_name", region)
    config = client_config(kwargs.pop("config", None))
    if config is not None:
        kwargs["config"] = config
    with _SESSION_LOCK:  # a botocore session does not make clients from two threads at once
        return _plugin_session().client(service, **kwargs)


def resource(service: str, region: str, **kwargs: Any) -> Any:
    """A boto3 resource for ``service`` in ``region`` that moto can serve (see :func:`client`)."""
    kwargs.setdefault("region_name", region)
    config = client_config(kwargs.pop("config", None))
    if config is not None:
        kwargs["config"] = config
    with _SESSION_LOCK:
        return _plugin_session().resource(service, **kwargs)


def _plugin_session() -> Any:
    """The boto3 session the plugin's own clients and ``lambda_aws``'s come from.

    boto3's default session, which ``moto.mock_aws`` drops at every start, costs 110-180 ms a
    client (a new botocore session registers its ~130 built-in handlers, then parses the
    service's model and endpoint rules); this one costs about 10 ms once its models are loaded.
    It is made again whenever something it captured can have changed: an ``AWS_*`` variable
    (credentials and profile are read once per session) or botocore's built-in handler list
    (moto adds its request stubber there when it is imported, and only sessions made after
    that have it: a session from before would send requests to real AWS).
    Handlers never get it: see :data:`_LOADERS`.
    """
    import boto3  # type: ignore[import-untyped]
    import botocore.handlers  # type: ignore[import-untyped]

    # A function's own variables (AWS_LAMBDA_*, X-Ray's) say nothing about the session: with
    # them in the key, every execution environment would make one.
    key = (tuple(sorted((k, v) for k, v in os.environ.items()
                        if k.startswith("AWS_") and not k.startswith(_NOT_SESSION_VARIABLES))),
           len(botocore.handlers.BUILTIN_HANDLERS))
    session = _SESSIONS.get(key)
    if session is None:
        if len(_SESSIONS) >= _MAX_SESSIONS:
            _SESSIONS.pop(next(iter(_SESSIONS)))
        session = _SESSIONS[key] = boto3.Session(botocore_session=shared_session())
    return session


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
