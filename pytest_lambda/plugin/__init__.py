"""The pytest plugin: fixtures, markers, options and reports over the plain-Python core.

Only pytest and the standard library are imported here; the runtime is imported when a
fixture first needs it, so projects that do not use the plugin pay (almost) nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

# First, before any other module of ours: the unrelated 'pytest-lambda' distribution (its
# pytest_lambda/impl.py, next to this package) may have overwritten pytest_lambda/__init__.py.
if os.path.exists(os.path.join(os.path.dirname(os.path.dirname(__file__)), "impl.py")):
    raise ImportError(
        "pytest-aws-lambda: the unrelated 'pytest-lambda' distribution is installed too and "
        "shares the import package 'pytest_lambda', so the two overwrite each other. "
        "Uninstall both and reinstall the one you want: "
        "'pip uninstall -y pytest-lambda pytest-aws-lambda && pip install pytest-aws-lambda'."
    )

from .. import __version__
from . import gates, instrumentation, reporting
from .fixtures import (
    lambda_api,
    lambda_app,
    lambda_aws,
    lambda_context,
    lambda_events,
    lambda_function,
    lambda_logs,
    lambda_metrics,
)
from .freezegun_guard import FreezegunGuard
from .markers import MARKER_NAMES, MARKERS, marker_arg
from .state import (
    FREEZEGUN_KEY,
    INSTRUMENTATION_KEY,
    INTERPRETERS_KEY,
    INVOCATIONS_KEY,
    SETTINGS_KEY,
    TEMPLATES_KEY,
    Settings,
)

if TYPE_CHECKING:
    from ..result import InvokeResult


__all__ = [
    "lambda_api",
    "lambda_app",
    "lambda_aws",
    "lambda_context",
    "lambda_events",
    "lambda_function",
    "lambda_logs",
    "lambda_metrics",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_report_header",
    "pytest_runtest_makereport",
    "pytest_runtest_setup",
    "pytest_unconfigure",
]

_SETTINGS = (
    # (name, help, kind, default)
    ("code_dir", "folder holding the handlers' code (Lambda's /var/task); default: rootdir",
     "string", None),
    ("default_timeout", "function timeout in seconds when a test does not set one (1-900)",
     "string", "3"),
    ("default_memory", "function memory in MB when a test does not set one (128-10240)",
     "string", "128"),
    ("region", "AWS Region the functions run in; default: the serverless.yml's "
     "provider.region, else us-east-1", "string", ""),
    ("seed", "seed for request ids and generated events (reproducible runs)", "string", None),
    ("template", "SAM template.yaml or serverless.yml whose functions lambda_function(name) "
     "loads (relative to the rootdir)", "string", None),
    ("isolation", "where handlers run: in-process (default: fast, shares mocks with the test) "
     "or process (a worker process per environment: hard timeouts, real memory)", "string",
     "in-process"),
    ("package_check", "check handlers' imports against their deployment package: off "
     "(default), warn (log what Lambda would not find) or strict (fail it with "
     "Runtime.ImportModuleError)", "string", "off"),
)



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
    group.addoption("--lambda-shared-modules", dest="lambda_shared_modules", action="append",
                    default=None, help="top-level package every execution environment shares "
                    "with the test process instead of importing it fresh; repeatable (ini: "
                    "lambda_shared_modules)")
    parser.addini("lambda_shared_modules", "top-level packages every execution environment "
                  "shares with the test process instead of importing fresh (one per line)",
                  type="linelist", default=[])
    group.addoption("--lambda-python-interpreter", dest="lambda_python_interpreters",
                    action="append", default=None, metavar="PYTHON",
                    help="a Python interpreter that process workers of functions whose runtime "
                    "is its version run on; repeatable (ini: lambda_python_interpreters)")
    parser.addini("lambda_python_interpreters", "Python interpreters (paths or commands, one "
                  "per line) process workers run on when a function's runtime is their "
                  "version; PATH and pyenv are searched after them", type="linelist",
                  default=[])
    group.addoption("--lambda-parameter-override", dest="lambda_parameter_overrides",
                    action="append", default=None, metavar="KEY=VALUE",
                    help="a template parameter_overrides entry (a parameter, a resource's "
                    "local name, ssm:/path, a layer ARN...); repeatable (ini: "
                    "lambda_parameter_overrides)")
    parser.addini("lambda_parameter_overrides", "the template's parameter_overrides, one "
                  "KEY=VALUE per line (as sam deploy --parameter-overrides takes them), for "
                  "lambda_app and lambda_function", type="linelist", default=[])
    reporting.add_options(parser)
    gates.add_options(parser)


def _parameter_overrides(config: pytest.Config) -> tuple[tuple[str, str], ...]:
    """The ``KEY=VALUE`` lines of lambda_parameter_overrides, checked."""
    pairs = []
    for line in _setting(config, "parameter_overrides") or []:
        key, sep, value = str(line).partition("=")
        if not sep or not key.strip():
            raise pytest.UsageError(
                f"lambda_parameter_overrides: {line!r} is not KEY=VALUE: write one override "
                "per line, e.g. ApiKey=test-key or ssm:/orders/table=orders-test "
                "(--lambda-parameter-override or ini lambda_parameter_overrides).")
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


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


def _check_network_allow(allow: tuple[str, ...] | bool) -> None:
    """A bad lambda_network_allow entry stops the run at start-up, not every test."""
    from ..runtime.network import NetworkGuard  # standard library only

    try:
        NetworkGuard(allow)
    except (TypeError, ValueError) as exc:
        raise pytest.UsageError(
            f"lambda_network_allow is not valid: {exc} (--lambda-network-allow or ini "
            "lambda_network_allow).") from None


def _template_region(template: str | None, overrides: tuple[tuple[str, str], ...]) -> str:
    """The Region a test runs in when lambda_region is not set: a serverless.yml's
    ``provider.region`` (``sls deploy`` deploys there), else us-east-1 (a SAM template names
    none: the Region is the deploy's)."""
    if template is None or not os.path.basename(template).startswith("serverless"):
        return "us-east-1"
    # Only for a serverless.yml without lambda_region: the loader stays out of the plugin's
    # import otherwise (STYLE rule 3).
    from ..template import load_template

    try:
        return load_template(template, parameter_overrides=dict(overrides)).region
    except Exception:  # a template that does not load says so when a fixture loads it
        return "us-east-1"


def _check_region(region: str) -> None:
    """A region that is not an AWS Region name stops the run at start-up."""
    # Only when a region is set: the core stays out of the plugin's import (STYLE rule 3).
    from ..config import REGION_PATTERN

    if not REGION_PATTERN.fullmatch(region):
        raise pytest.UsageError(
            f"lambda_region = {region!r} is not an AWS Region name: use a name such as "
            "'us-east-1' (--lambda-region or ini lambda_region).")


def _shared_modules(config: pytest.Config) -> tuple[str, ...]:
    """ini/CLI lambda_shared_modules, checked at start-up."""
    from ..config import shared_module_names  # standard library only

    raw = [n for line in _setting(config, "shared_modules") or [] for n in str(line).split()]
    try:
        return shared_module_names(raw)
    except ValueError as exc:
        raise pytest.UsageError(f"lambda_shared_modules is not valid: {exc}") from None


def _check_interpreters(paths: tuple[str, ...]) -> list[Any]:
    """Each configured interpreter, asked its version once; one that cannot run stops the run."""
    if not paths:
        return []
    from ..runtime.interpreter import probe  # standard library only

    found = []
    for path in paths:
        python = probe(path)
        if python is None:
            raise pytest.UsageError(
                f"lambda_python_interpreters: {path!r} cannot be run as a Python interpreter: "
                "give the path (or command name) of a python executable, e.g. "
                "/usr/bin/python3.12 (--lambda-python-interpreter or ini "
                "lambda_python_interpreters).")
        found.append(python)
    return found


def _check_own_ini_names(config: pytest.Config) -> None:
    """Refuse an ini key with the plugin's ``lambda_`` prefix that is none of its options,
    naming the closest (pytest only warns "Unknown config option" and the run goes on with
    the default: ``lambda_timeout = 10`` left every function at 3 s)."""
    # pytest's own list of the ini file's unknown keys (8.0 to 9.x; what its warning uses).
    listed = getattr(config, "_get_unknown_ini_keys", None)
    unknown = sorted(k for k in (listed() if callable(listed) else ()) if k.startswith("lambda_"))
    if unknown:
        import difflib  # only to word this error

        options = getattr(getattr(config, "_parser", None), "_inidict", {})
        known = [k for k in options if k.startswith("lambda_")]
        # The markers' names are the natural guesses for the defaults they override.
        aliases = {"lambda_timeout": "lambda_default_timeout",
                   "lambda_memory": "lambda_default_memory",
                   "lambda_network": "lambda_network_allow"}
        close = ([aliases[unknown[0]]] if unknown[0] in aliases
                 else difflib.get_close_matches(unknown[0], known, n=1, cutoff=0.5))
        hint = f" Did you mean {close[0]}?" if close else ""
        raise pytest.UsageError(
            f"ini option {unknown[0]} is not an option of pytest-aws-lambda.{hint} Its options "
            f"are {', '.join(sorted(known))} (docs/reference/ini.md).")


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    _check_own_ini_names(config)
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
    _check_network_allow(allow)
    region = str(_setting(config, "region") or "") or _template_region(
        template, _parameter_overrides(config))
    _check_region(region)
    package_check = str(_setting(config, "package_check"))
    if package_check not in ("off", "warn", "strict"):
        raise pytest.UsageError(
            f"lambda_package_check = {package_check!r} is not valid: use 'off', 'warn' or "
            "'strict' (--lambda-package-check or ini lambda_package_check).")
    shared = _shared_modules(config)
    isolation = str(_setting(config, "isolation"))
    if isolation not in _ISOLATION_MODES:
        raise pytest.UsageError(
            f"lambda_isolation = {isolation!r} is not valid: use 'in-process' or 'process'.")
    interpreters = tuple(str(p) for p in _setting(config, "python_interpreters") or [])
    config.stash[INTERPRETERS_KEY] = {"configured": _check_interpreters(interpreters)}
    config.stash[TEMPLATES_KEY] = {}
    config.stash[SETTINGS_KEY] = Settings(
        code_dir=code_dir,
        default_timeout=_as_int(config, "default_timeout", 1, 900),
        default_memory=_as_int(config, "default_memory", 128, 10240),
        region=region,
        seed=seed,
        network_allow=allow,
        template=template,
        isolation=isolation,
        shared_modules=shared,
        package_check=package_check,
        python_interpreters=interpreters,
        parameter_overrides=_parameter_overrides(config),
    )
    reporting.configure(config)
    gates.configure(config)
    guard = FreezegunGuard()
    guard.install()
    config.stash[FREEZEGUN_KEY] = guard


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.stash.get(FREEZEGUN_KEY, None)
    if guard is not None:
        guard.uninstall()
        del config.stash[FREEZEGUN_KEY]


def pytest_report_header(config: pytest.Config) -> str | None:
    s = config.stash.get(SETTINGS_KEY, None)
    if s is None:
        return None
    return (f"aws_lambda: pytest-aws-lambda {__version__}, region {s.region}, timeout "
            f"{s.default_timeout} s, memory {s.default_memory} MB, code dir {s.code_dir}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check every plugin marker once, at collection: a bad one stops the run up front, and so
    does a misspelt one with the plugin's ``lambda_`` prefix that nothing registered (pytest
    only warns, and the test ran with the defaults)."""
    registered = {str(line).split(":", 1)[0].split("(", 1)[0].strip()
                  for line in config.getini("markers")}
    for item in items:
        for name in MARKER_NAMES:
            marker_arg(item, name)
        for marker in item.iter_markers():
            if marker.name.startswith("lambda_") and marker.name not in registered:
                import difflib  # only to word this error

                close = difflib.get_close_matches(marker.name, MARKER_NAMES, n=1, cutoff=0.5)
                hint = f" Did you mean @pytest.mark.{close[0]}?" if close else ""
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.{marker.name} is not a marker of "
                    f"pytest-aws-lambda.{hint} Its markers are "
                    f"{', '.join(sorted(MARKER_NAMES))}.")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    item.stash[INVOCATIONS_KEY] = []
    item.stash[INSTRUMENTATION_KEY] = instrumentation.snapshot()
    result = yield
    if marker_arg(item, "lambda_cold") is not None:
        from ..function import LambdaFunction  # not at the top: loading the plugin stays cheap

        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, LambdaFunction):
                value.cold_start()
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    result = yield
    # After the fixtures' teardown: what a handler's tracer patched into shared libraries
    # (X-Ray's botocore/requests/http.client wrappers) does not reach the next test.
    taken = item.stash.get(INSTRUMENTATION_KEY, None)
    if taken is not None:
        instrumentation.restore(taken)
        instrumentation.unwrap_new(taken)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    # A fixture that invokes a function fails in setup or teardown: its log belongs there too.
    if report.failed:
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


