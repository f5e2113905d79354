"""The plugin's fixtures: thin adapters over the core.

The core is imported inside each fixture, when a test first uses it, so that loading the
plugin (which happens in every pytest run of a project that installs the package) imports
nothing but pytest and the standard library.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .markers import marker_arg
from .state import (
    APP_NOTES_PROPERTY,
    FUNCTIONS_KEY,
    INTERPRETERS_KEY,
    INVOCATIONS_KEY,
    NOTES_KEY,
    SETTINGS_KEY,
    TEMPLATES_KEY,
    Settings,
)

if TYPE_CHECKING:
    from ..context import LambdaContext
    from ..events import EventFactory
    from ..function import LambdaFunction
    from ..service.aws import MockedAws
    from ..templates.app import Application
    from ..templates.http import HttpClient
    from .views import LambdaLogs, LambdaMetrics


@pytest.fixture
def lambda_function(request: pytest.FixtureRequest) -> Iterator[Callable[..., LambdaFunction]]:
    """Factory: ``lambda_function("app.handler", timeout=5, ...)`` -> ``LambdaFunction``.

    Takes the arguments of :class:`pytest_lambda.LambdaFunction`, or the name of a function of
    the ini ``lambda_template``. Precedence: explicit arguments, then markers, then the
    template, then ini options. The functions of one test share one account (concurrency,
    async queue, destinations by ARN); each is closed after the test and its invocations are
    reported.
    """
    # The core loads with the first test that uses a function, not with the plugin.
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.service.account import Account

    settings = request.config.stash[SETTINGS_KEY]
    item = request.node
    results = item.stash.setdefault(INVOCATIONS_KEY, [])
    created: list[LambdaFunction] = item.stash.setdefault(FUNCTIONS_KEY, [])
    markers = {
        "timeout": marker_arg(item, "lambda_timeout"),
        "memory_size": marker_arg(item, "lambda_memory"),
        "network_allow": marker_arg(item, "lambda_network"),
        "isolation": marker_arg(item, "lambda_isolation"),
    }
    accounts: dict[tuple[str, str], Account] = {}

    def factory(handler: str, /, **kwargs: Any) -> LambdaFunction:
        for key, value in markers.items():
            if value is not None:
                kwargs.setdefault(key, value)
        explicit = kwargs.pop("handler", None)
        if explicit is None:
            if settings.template is None:
                _check_handler_name(handler, kwargs)
            handler, kwargs = _from_template(request.config, settings, handler, kwargs)
        else:
            # ``lambda_function("Orders", handler="app.other")``: keyword arguments win over
            # the template; without a template function of that name it names the function.
            handler, kwargs = _with_handler(request.config, settings, handler, explicit, kwargs)
        kwargs.setdefault("timeout", settings.default_timeout)
        kwargs.setdefault("memory_size", settings.default_memory)
        kwargs.setdefault("code_dir", settings.code_dir)
        kwargs.setdefault("region", settings.region)
        kwargs.setdefault("network_allow", settings.network_allow)
        kwargs.setdefault("isolation", settings.isolation)
        kwargs.setdefault("shared_modules", settings.shared_modules)
        kwargs.setdefault("package_check", settings.package_check)
        if kwargs["isolation"] == "process" and "python_executable" not in kwargs:
            python = _worker_python(request.config, kwargs.get("runtime"))
            if python is not None:
                kwargs["python_executable"] = python
        if settings.seed is not None:
            kwargs.setdefault("seed", settings.seed + len(created))
        if "account" not in kwargs:
            where = (str(kwargs.pop("account_id", DEFAULT_ACCOUNT_ID)), str(kwargs["region"]))
            if where not in accounts:
                accounts[where] = Account(*where)
            kwargs["account"] = accounts[where]
        fn = LambdaFunction(handler, **kwargs)
        fn.add_listener(results.append)
        created.append(fn)
        return fn

    yield factory
    notes = item.stash.setdefault(NOTES_KEY, [])
    for fn in created:
        notes.extend(n for n in fn.notes if n not in notes)
        fn.close()


def _worker_python(config: pytest.Config, runtime: str | None) -> Any:
    """The interpreter for ``runtime``'s process workers, chosen once per session: a
    configured one of its version, else one on PATH or in pyenv; None for this interpreter
    (or when there is none: the function then notes it)."""
    # Only for process workers: the core stays out of the plugin's import.
    from pytest_lambda.config import default_runtime
    from pytest_lambda.runtime import interpreter

    runtime = runtime or default_runtime()
    want = interpreter.runtime_version(runtime)
    if want is None:
        return None
    cache = config.stash[INTERPRETERS_KEY]
    if runtime not in cache:
        found = next((p for p in cache["configured"] if p.version[:2] == want), None)
        if found is None:
            found = interpreter.find(runtime)
        cache[runtime] = None if found is None or found.is_current else found
    return cache[runtime]


DEFAULT_ACCOUNT_ID = "123456789012"


def _check_handler_name(handler: Any, kwargs: dict[str, Any]) -> None:
    """Refuse a name no Python or Node runtime can load as a handler ('module.function'):
    the name of a template function, with no template to find it in."""
    if (isinstance(handler, str) and "." not in handler
            and not str(kwargs.get("runtime") or "").startswith("provided")):
        raise ValueError(
            f"lambda_function({handler!r}): {handler!r} is not a handler string "
            "('module.function', e.g. 'app.handler') and no template is set to find a "
            "function of that name in. Set the ini option lambda_template (or "
            "--lambda-template) to your template.yaml or serverless.yml, or pass the "
            "handler: lambda_function('app.handler').")


def _from_template(config: pytest.Config, settings: Settings, handler: str,
                   kwargs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``handler`` resolved through the ini template when it names one of its functions."""
    if settings.template is None:
        return handler, kwargs
    # Only with lambda_template set: the template loader stays out of the plugin's import.
    from pytest_lambda.template import UnknownFunctionError, load_template

    cache = config.stash[TEMPLATES_KEY]
    overrides = {**dict(settings.parameter_overrides),
                 **(kwargs.pop("parameter_overrides", None) or {})}
    stage = kwargs.pop("stage", None)
    key = repr((settings.template, sorted((overrides or {}).items()), stage,
                kwargs.get("region", settings.region)))
    if key not in cache:
        cache[key] = load_template(settings.template, parameter_overrides=overrides,
                                   region=kwargs.get("region", settings.region), stage=stage)
    try:
        found = cache[key].function(handler)
    except UnknownFunctionError:
        if "." in handler:  # a handler string, not a template function name
            return handler, kwargs
        raise
    explicit = {"layers": kwargs["layers"]} if "layers" in kwargs else {}
    merged = found.kwargs(environment=kwargs.pop("environment", None), **explicit)
    handler = merged.pop("handler")
    for name, value in merged.items():
        kwargs.setdefault(name, value)
    return handler, kwargs


def _with_handler(config: pytest.Config, settings: Settings, name: str, handler: str,
                  kwargs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A template function (or a new function called ``name``) with ``handler`` instead."""
    # Only for handler=: the template loader stays out of the plugin's import.
    from pytest_lambda.template import UnknownFunctionError

    try:
        found, kwargs = _from_template(config, settings, name, kwargs)
    except UnknownFunctionError:
        found = name
    if found == name and "." not in name:  # not a template function: it names the function
        kwargs.setdefault("name", name)
    return handler, kwargs


@pytest.fixture
def lambda_context(request: pytest.FixtureRequest) -> LambdaContext:
    """A context object like Lambda's, for tests that call a handler function directly.

    ``get_remaining_time_in_millis()`` gives the whole timeout at its first call and counts
    down from there on ``time.time()``, so it follows freezegun and time-machine however the
    test applies them."""
    import time
    import uuid

    # The core loads when the fixture is used, not with the plugin.
    from pytest_lambda.config import DEFAULT_ACCOUNT
    from pytest_lambda.context import LambdaContext

    settings = request.config.stash[SETTINGS_KEY]
    timeout = marker_arg(request.node, "lambda_timeout")
    memory = marker_arg(request.node, "lambda_memory")
    if timeout is None:
        timeout = settings.default_timeout
    if memory is None:
        memory = settings.default_memory
    name = "test-function"
    context = LambdaContext(
        aws_request_id=str(uuid.uuid4()),
        deadline_ms=int(time.time() * 1000) + int(timeout) * 1000,
        invoked_function_arn=f"arn:aws:lambda:{settings.region}:{DEFAULT_ACCOUNT}:function:{name}",
        function_name=name,
        function_version="$LATEST",
        memory_limit_in_mb=str(memory),
        log_group_name=f"/aws/lambda/{name}",
        log_stream_name=time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime())
        + uuid.uuid4().hex,
    )
    # The handler is called by the test, after this fixture and after any freezegun or
    # time-machine the test applies: the time left counts from its first reading, on the
    # clock the test runs on then.
    context._pl_timeout_ms = int(timeout) * 1000
    return context


@pytest.fixture
def lambda_events(request: pytest.FixtureRequest) -> EventFactory:
    """Event factories (``lambda_events.s3_put(...)``), seeded by ini ``lambda_seed``."""
    # The event factories load when the fixture is used, not with the plugin.
    from pytest_lambda.events import EventFactory

    settings = request.config.stash[SETTINGS_KEY]
    return EventFactory(seed=settings.seed, region=settings.region)


@pytest.fixture
def lambda_aws(request: pytest.FixtureRequest) -> Iterator[MockedAws]:
    """A moto-backed AWS for the test: ``lambda_aws.client("sqs")`` (boto3, mocked).

    Everything the handlers and the plugin (dead-letter queues, destinations) send to AWS
    during the test lands in moto; nothing reaches the network.
    """
    # moto loads only for tests that use lambda_aws.
    from pytest_lambda.service.aws import MockedAws

    settings = request.config.stash[SETTINGS_KEY]
    with MockedAws(settings.region) as aws:
        yield aws


@pytest.fixture
def lambda_app(request: pytest.FixtureRequest, lambda_aws: MockedAws) -> Iterator[Application]:
    """The whole application of ini ``lambda_template``, created in ``lambda_aws``'s moto.

    Queues, topics, tables, streams and buckets the template declares exist (with the names
    its ``!Ref`` / ``!GetAtt`` give, so handlers run unchanged), every function is a
    ``LambdaFunction``, and each function's events are wired: ``lambda_app.drain()`` delivers
    what is pending. What the template declares but the application does not emulate is
    listed once in the session summary.
    """
    # Templates and moto load only for tests that use lambda_app.
    from pytest_lambda.templates.app import Application

    settings = request.config.stash[SETTINGS_KEY]
    if settings.template is None:
        raise pytest.UsageError(
            "the lambda_app fixture needs a template: set the ini option lambda_template "
            "(or --lambda-template) to your template.yaml or serverless.yml.")
    item = request.node
    results = item.stash.setdefault(INVOCATIONS_KEY, [])
    created: list[LambdaFunction] = item.stash.setdefault(FUNCTIONS_KEY, [])
    options: dict[str, Any] = {"isolation": settings.isolation,
                               "network_allow": settings.network_allow}
    # Markers win over the template, as for lambda_function.
    for key, marker in (("timeout", "lambda_timeout"), ("memory_size", "lambda_memory"),
                        ("network_allow", "lambda_network"), ("isolation", "lambda_isolation")):
        value = marker_arg(item, marker)
        if value is not None:
            options[key] = value
    if settings.seed is not None:
        options["seed"] = settings.seed
    app = Application(settings.template, region=settings.region, aws=lambda_aws,
                      parameter_overrides=dict(settings.parameter_overrides), **options)
    try:
        for fn in app.functions.values():
            fn.add_listener(results.append)
            created.append(fn)
        if app.unsupported:
            shown = Path(settings.template)
            if shown.is_relative_to(request.config.rootpath):
                shown = shown.relative_to(request.config.rootpath)
            item.user_properties.append((APP_NOTES_PROPERTY, json.dumps(
                [str(shown), app.unsupported])))
        yield app
    finally:
        notes = item.stash.setdefault(NOTES_KEY, [])
        for fn in app.functions.values():
            notes.extend(n for n in fn.notes if n not in notes)
        app.close()


@pytest.fixture
def lambda_api(lambda_function: Callable[..., LambdaFunction]) -> Callable[..., HttpClient]:
    """Factory: ``lambda_api("app.handler", kind="http")`` -> an HTTP client for one function.

    The first argument is a handler string, a template function name or a ``LambdaFunction``;
    ``kind`` is ``"http"`` (HTTP API, ``payload_format`` "2.0" or "1.0"), ``"rest"`` (REST
    API) or ``"url"`` (Function URL); ``path`` a route such as ``/orders/{id}`` (default: every
    path). Other keyword arguments go to ``lambda_function``.
    """
    # The core and the HTTP client load only for tests that use lambda_api.
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.templates.http import single_function_client

    made: dict[str, LambdaFunction] = {}

    def factory(function: str | LambdaFunction, /, *, kind: str = "http",
                payload_format: str = "2.0", stage: str | None = None,
                path: str = "/{proxy+}", binary_media_types: list[str] | None = None,
                **kwargs: Any) -> HttpClient:
        if isinstance(function, LambdaFunction):
            fn = function
        elif function in made and not kwargs:  # one function per handler, as an API has
            fn = made[function]
        else:
            fn = made[function] = lambda_function(function, **kwargs)
        return single_function_client(fn, kind, payload_format=payload_format, stage=stage,
                                      path=path, binary_media_types=binary_media_types)

    return factory


@pytest.fixture
def lambda_logs(request: pytest.FixtureRequest) -> LambdaLogs:
    """Logs of every invocation in this test, with ``assert_*`` helpers."""
    # The views load with the first test that asks for them, not with the plugin.
    from pytest_lambda.plugin.views import LambdaLogs, _live_results

    assert isinstance(request.node, pytest.Item)
    return LambdaLogs(_live_results(request.node))


@pytest.fixture
def lambda_metrics(request: pytest.FixtureRequest) -> LambdaMetrics:
    """Lambda and EMF metrics of every invocation in this test, with ``assert_*`` helpers."""
    # The views load with the first test that asks for them, not with the plugin.
    from pytest_lambda.plugin.views import LambdaMetrics, _live_results

    node = request.node
    assert isinstance(node, pytest.Item)

    def functions() -> list[Any]:
        found: list[Any] | None = node.stash.get(FUNCTIONS_KEY, None)
        return list(found or [])

    return LambdaMetrics(_live_results(node), functions)
