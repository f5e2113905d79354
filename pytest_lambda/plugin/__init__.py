"""The pytest plugin: fixtures, markers, options and reports over the plain-Python core.

Only pytest and the standard library are imported here; the runtime is imported when a
fixture first needs it, so projects that do not use the plugin pay (almost) nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from pytest_lambda.plugin.state import FUNCTIONS_KEY, INVOCATIONS_KEY

if TYPE_CHECKING:
    from pytest_lambda.context import LambdaContext
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.result import InvokeResult

if os.path.exists(os.path.join(os.path.dirname(__file__), "impl.py")):
    raise ImportError(
        "pytest-aws-lambda: the unrelated 'pytest-lambda' distribution is installed too and "
        "shares the import package 'pytest_lambda', so the two overwrite each other. "
        "Uninstall both and reinstall the one you want: "
        "'pip uninstall -y pytest-lambda pytest-aws-lambda && pip install pytest-aws-lambda'."
    )

_SETTINGS = (
    # (name, help, kind, default)
    ("code_dir", "folder holding the handlers' code (Lambda's /var/task); default: rootdir",
     "string", None),
    ("default_timeout", "function timeout in seconds when a test does not set one (1-900)",
     "string", "3"),
    ("default_memory", "function memory in MB when a test does not set one (128-10240)",
     "string", "128"),
    ("region", "AWS Region the functions run in", "string", "us-east-1"),
    ("seed", "seed for request ids and generated events (reproducible runs)", "string", None),
    ("template", "SAM template.yaml or serverless.yml whose functions lambda_function(name) "
     "loads (relative to the rootdir)", "string", None),
    ("isolation", "where handlers run: in-process (default: fast, shares mocks with the test) "
     "or process (a worker process per environment: hard timeouts, real memory)", "string",
     "in-process"),
)

_MARKERS = (
    "lambda_timeout(seconds): timeout of functions created in this test (1-900 s)",
    "lambda_memory(mb): memory size of functions created in this test (128-10240 MB)",
    "lambda_cold: discard warm environments of the LambdaFunction fixtures this test uses, so "
    "its first invocation of each is a cold start",
    "lambda_network(*, allow): hosts the handler may connect to during the test (a list of "
    "host, *.domain, IP, CIDR or host:port; True allows everything)",
    "lambda_isolation(mode): run this test's functions 'in-process' or in a worker 'process'",
)


@dataclass(frozen=True)
class Settings:
    """Plugin settings resolved once per session (CLI over ini over default)."""

    code_dir: str
    default_timeout: int
    default_memory: int
    region: str
    seed: int | None
    network_allow: tuple[str, ...] | bool
    template: str | None
    isolation: str


SETTINGS_KEY = pytest.StashKey[Settings]()
#: Parsed templates, by path, for the session (loading YAML once, not per function).
TEMPLATES_KEY = pytest.StashKey[dict[str, Any]]()
_ISOLATION_MODES = ("in-process", "process")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("aws_lambda", "AWS Lambda emulation (pytest-aws-lambda)")
    for name, help_text, kind, default in _SETTINGS:
        group.addoption(f"--lambda-{name.replace('_', '-')}", dest=f"lambda_{name}",
                        default=None, help=f"{help_text} (ini: lambda_{name})")
        parser.addini(f"lambda_{name}", help_text, type=kind, default=default)  # type: ignore[arg-type]
    group.addoption("--lambda-network-allow", dest="lambda_network_allow", action="append",
                    default=None, help="host a handler may connect to; repeatable "
                    "(ini: lambda_network_allow)")
    parser.addini("lambda_network_allow", "hosts handlers may connect to (one per line; "
                  "'*' allows everything)", type="linelist", default=[])
    from pytest_lambda.plugin import reporting as _observe_plugin

    _observe_plugin.add_options(parser)


def _setting(config: pytest.Config, name: str) -> Any:
    value = config.getoption(f"lambda_{name}")
    return value if value is not None else config.getini(f"lambda_{name}")


def _as_int(config: pytest.Config, name: str, low: int, high: int) -> int:
    raw = _setting(config, name)
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise pytest.UsageError(
            f"lambda_{name} = {raw!r} is not valid: use a whole number from {low} to {high} "
            f"(--lambda-{name.replace('_', '-')} or ini lambda_{name}).")
    return value


def pytest_configure(config: pytest.Config) -> None:
    for line in _MARKERS:
        config.addinivalue_line("markers", line)
    seed_raw = _setting(config, "seed")
    try:
        seed = None if seed_raw in (None, "") else int(seed_raw)
    except ValueError:
        raise pytest.UsageError(
            f"lambda_seed = {seed_raw!r} is not valid: use a whole number (or leave it unset "
            "for fresh random ids every run).") from None
    code_dir = _setting(config, "code_dir") or str(config.rootpath)
    if not os.path.isabs(code_dir):
        code_dir = str(config.rootpath / code_dir)
    if not os.path.isdir(code_dir):
        raise pytest.UsageError(
            f"lambda_code_dir = {code_dir!r} is not a directory: point it at the folder that "
            "holds your handlers' code (relative paths start at the rootdir).")
    allow_raw = list(_setting(config, "network_allow") or [])
    allow: tuple[str, ...] | bool = True if "*" in allow_raw else tuple(allow_raw)
    template = _setting(config, "template") or None
    if template is not None:
        if not os.path.isabs(template):
            template = str(config.rootpath / template)
        if not os.path.isfile(template):
            raise pytest.UsageError(
                f"lambda_template = {template!r} is not a file: point it at your SAM "
                "template.yaml or serverless.yml (relative paths start at the rootdir).")
    isolation = str(_setting(config, "isolation"))
    if isolation not in _ISOLATION_MODES:
        raise pytest.UsageError(
            f"lambda_isolation = {isolation!r} is not valid: use 'in-process' or 'process'.")
    config.stash[TEMPLATES_KEY] = {}
    config.stash[SETTINGS_KEY] = Settings(
        code_dir=code_dir,
        default_timeout=_as_int(config, "default_timeout", 1, 900),
        default_memory=_as_int(config, "default_memory", 128, 10240),
        region=str(_setting(config, "region")),
        seed=seed,
        network_allow=allow,
        template=template,
        isolation=isolation,
    )
    from pytest_lambda.plugin import reporting as _observe_plugin

    _observe_plugin.configure(config)


def pytest_report_header(config: pytest.Config) -> str | None:
    s = config.stash.get(SETTINGS_KEY, None)
    if s is None:
        return None
    from pytest_lambda import __version__

    return (f"aws_lambda: pytest-aws-lambda {__version__}, region {s.region}, timeout "
            f"{s.default_timeout} s, memory {s.default_memory} MB, code dir {s.code_dir}")


def _marker_arg(item: pytest.Item, name: str) -> Any:
    marker = item.get_closest_marker(name)
    if marker is None:
        return None
    if marker.kwargs and name == "lambda_network":
        return marker.kwargs.get("allow", ())
    if not marker.args:
        example = {"lambda_timeout": "10", "lambda_memory": "512",
                   "lambda_isolation": "'process'"}.get(name, "...")
        raise pytest.UsageError(f"@pytest.mark.{name} needs a value, e.g. "
                                f"@pytest.mark.{name}({example}).")
    return marker.args[0]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    item.stash[INVOCATIONS_KEY] = []
    result = yield
    if item.get_closest_marker("lambda_cold") is not None:
        from pytest_lambda.function import LambdaFunction

        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, LambdaFunction):
                value.cold_start()
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if call.when == "call" and report.failed:
        results = item.stash.get(INVOCATIONS_KEY, [])
        for name, text in _log_sections(results):
            report.sections.append((f"Captured lambda log: {name}", text))
    return report


def _log_sections(results: list[InvokeResult], limit: int = 200) -> list[tuple[str, str]]:
    by_fn: dict[str, list[str]] = {}
    for r in results:
        by_fn.setdefault(r.function_name, []).extend(
            m.rstrip("\n") for m in [*r.init_logs.messages, *r.logs.messages])
    out = []
    for name, lines in by_fn.items():
        if len(lines) > limit:
            lines = [f"... {len(lines) - limit} earlier lines not shown ...", *lines[-limit:]]
        out.append((name, "\n".join(lines)))
    return out


@pytest.fixture
def lambda_function(request: pytest.FixtureRequest) -> Iterator[Callable[..., LambdaFunction]]:
    """Factory: ``lambda_function("app.handler", timeout=5, ...)`` -> ``LambdaFunction``.

    Takes the arguments of :class:`pytest_lambda.LambdaFunction`, or the name of a function of
    the ini ``lambda_template``. Precedence: explicit arguments, then markers, then the
    template, then ini options. The functions of one test share one account (concurrency,
    async queue, destinations by ARN); each is closed after the test and its invocations are
    reported.
    """
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.service.account import Account

    settings = request.config.stash[SETTINGS_KEY]
    item = request.node
    results = item.stash.setdefault(INVOCATIONS_KEY, [])
    created: list[LambdaFunction] = item.stash.setdefault(FUNCTIONS_KEY, [])
    markers = {
        "timeout": _marker_arg(item, "lambda_timeout"),
        "memory_size": _marker_arg(item, "lambda_memory"),
        "network_allow": _marker_arg(item, "lambda_network"),
        "isolation": _marker_arg(item, "lambda_isolation"),
    }
    accounts: dict[tuple[str, str], Account] = {}

    def factory(handler: str, **kwargs: Any) -> LambdaFunction:
        for key, value in markers.items():
            if value is not None:
                kwargs.setdefault(key, value)
        handler, kwargs = _from_template(request.config, settings, handler, kwargs)
        kwargs.setdefault("timeout", settings.default_timeout)
        kwargs.setdefault("memory_size", settings.default_memory)
        kwargs.setdefault("code_dir", settings.code_dir)
        kwargs.setdefault("region", settings.region)
        kwargs.setdefault("network_allow", settings.network_allow)
        kwargs.setdefault("isolation", settings.isolation)
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
    for fn in created:
        fn.close()


DEFAULT_ACCOUNT_ID = "123456789012"


def _from_template(config: pytest.Config, settings: Settings, handler: str,
                   kwargs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``handler`` resolved through the ini template when it names one of its functions."""
    if settings.template is None:
        return handler, kwargs
    from pytest_lambda.template import UnknownFunctionError, load_template

    cache = config.stash[TEMPLATES_KEY]
    overrides = kwargs.pop("parameter_overrides", None)
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
    merged = found.kwargs(environment=kwargs.pop("environment", None))
    handler = merged.pop("handler")
    for name, value in merged.items():
        kwargs.setdefault(name, value)
    return handler, kwargs


@pytest.fixture
def lambda_context(request: pytest.FixtureRequest) -> LambdaContext:
    """A context object like Lambda's, for tests that call a handler function directly."""
    import time
    import uuid

    from pytest_lambda.config import DEFAULT_ACCOUNT
    from pytest_lambda.context import LambdaContext

    settings = request.config.stash[SETTINGS_KEY]
    timeout = _marker_arg(request.node, "lambda_timeout") or settings.default_timeout
    memory = _marker_arg(request.node, "lambda_memory") or settings.default_memory
    name = "test-function"
    return LambdaContext(
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


@pytest.fixture
def lambda_events(request: pytest.FixtureRequest) -> Any:
    """Event factories (``lambda_events.s3_put(...)``), seeded by ini ``lambda_seed``."""
    from pytest_lambda.events import EventFactory

    settings = request.config.stash[SETTINGS_KEY]
    return EventFactory(seed=settings.seed, region=settings.region)


@pytest.fixture
def lambda_aws(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A moto-backed AWS for the test: ``lambda_aws.client("sqs")`` (boto3, mocked).

    Everything the handlers and the plugin (dead-letter queues, destinations) send to AWS
    during the test lands in moto; nothing reaches the network.
    """
    from pytest_lambda.service.aws import MockedAws

    settings = request.config.stash[SETTINGS_KEY]
    with MockedAws(settings.region) as aws:
        yield aws


@pytest.fixture
def lambda_logs(request: pytest.FixtureRequest) -> Any:
    """Logs of every invocation in this test, with ``assert_*`` helpers."""
    from pytest_lambda.plugin.views import LambdaLogs, _live_results

    assert isinstance(request.node, pytest.Item)
    return LambdaLogs(_live_results(request.node))


@pytest.fixture
def lambda_metrics(request: pytest.FixtureRequest) -> Any:
    """Lambda and EMF metrics of every invocation in this test, with ``assert_*`` helpers."""
    from pytest_lambda.plugin.views import LambdaMetrics, _live_results

    node = request.node
    assert isinstance(node, pytest.Item)

    def functions() -> list[Any]:
        found: list[Any] | None = node.stash.get(FUNCTIONS_KEY, None)
        return list(found or [])

    return LambdaMetrics(_live_results(node), functions)
