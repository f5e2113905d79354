"""The plugin's markers: their signatures, and the one path that reads and validates them.

Each marker has a Python signature function (as pytest-django does): a marker's arguments are
bound to it, so a missing, extra or misnamed argument is refused with the marker's signature,
and the bound value is then checked against Lambda's range. Every fixture reads markers through
:func:`marker_arg`; a bad marker is a ``pytest.UsageError`` naming the marker, the value and
what is valid.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from pytest_lambda.observe.cost import Budget

# Lambda's limits (kept here so that loading the plugin imports nothing of the core).
_TIMEOUT = (1, 900)
_MEMORY = (128, 10240)
_ISOLATION = ("in-process", "process")


def lambda_timeout(seconds: int) -> Any:
    """The marker's signature: the function timeout in whole seconds."""
    return _whole("lambda_timeout", "seconds", seconds, *_TIMEOUT, "s")


def lambda_memory(mb: int) -> Any:
    """The marker's signature: the function memory size in MB."""
    return _whole("lambda_memory", "mb", mb, *_MEMORY, "MB")


def lambda_cold() -> Any:
    """The marker's signature: takes no arguments."""
    return True


def lambda_network(*, allow: Any) -> Any:
    """The marker's signature: ``allow=`` a list of hosts or ``True``."""
    if allow is True:
        return True
    if isinstance(allow, str | bytes) or not isinstance(allow, list | tuple | set | frozenset):
        raise pytest.UsageError(
            f"@pytest.mark.lambda_network(allow={allow!r}): allow must be a list of hosts "
            f"(host, *.domain, IP, CIDR or host:port) or True, e.g. "
            f"@pytest.mark.lambda_network(allow=[{allow!r}])." if isinstance(allow, str) else
            f"@pytest.mark.lambda_network(allow={allow!r}): allow must be a list of hosts "
            "(host, *.domain, IP, CIDR or host:port) or True.")
    from ..runtime.network import NetworkGuard  # stdlib-only module

    try:
        NetworkGuard(list(allow))
    except (TypeError, ValueError) as exc:
        raise pytest.UsageError(f"@pytest.mark.lambda_network(allow={allow!r}): {exc}.") \
            from None
    return list(allow)


def lambda_isolation(mode: str) -> Any:
    """The marker's signature: ``'in-process'`` or ``'process'``."""
    if mode not in _ISOLATION:
        raise pytest.UsageError(
            f"@pytest.mark.lambda_isolation({mode!r}): the mode must be 'in-process' or "
            "'process'.")
    return mode


def lambda_budget(*, max_duration_ms: float | None = None, max_memory_mb: float | None = None,
                  max_cost_per_million: float | None = None) -> Any:
    """The marker's signature: limits each of the test's invocations must stay within."""
    limits = {"max_duration_ms": max_duration_ms, "max_memory_mb": max_memory_mb,
              "max_cost_per_million": max_cost_per_million}
    given = {name: value for name, value in limits.items() if value is not None}
    try:
        return Budget.from_kwargs(**given)
    except ValueError as exc:
        shown = ", ".join(f"{name}={value!r}" for name, value in given.items())
        raise pytest.UsageError(f"@pytest.mark.lambda_budget({shown}): {exc}.") from None


def _whole(marker: str, name: str, value: object, low: int, high: int, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        kind = "" if isinstance(value, int) and not isinstance(value, bool) else (
            f" (a {type(value).__name__})")
        raise pytest.UsageError(
            f"@pytest.mark.{marker}({value!r}){kind}: {name} must be a whole number from "
            f"{low} to {high} {unit}, e.g. @pytest.mark.{marker}({low if low > 1 else 10}).")
    return value


SIGNATURES: dict[str, Callable[..., Any]] = {
    "lambda_timeout": lambda_timeout,
    "lambda_memory": lambda_memory,
    "lambda_cold": lambda_cold,
    "lambda_network": lambda_network,
    "lambda_isolation": lambda_isolation,
    "lambda_budget": lambda_budget,
}

_HELP = {
    "lambda_timeout": "timeout of functions created in this test (1-900 s)",
    "lambda_memory": "memory size of functions created in this test (128-10240 MB)",
    "lambda_cold": "discard warm environments of the LambdaFunction fixtures this test uses, so "
                   "its first invocation of each is a cold start",
    "lambda_network": "hosts the handler may connect to during the test (a list of host, "
                      "*.domain, IP, CIDR or host:port; True allows everything)",
    "lambda_isolation": "run this test's functions 'in-process' or in a worker 'process'",
    "lambda_budget": "fail the test if one of its Lambda invocations exceeds a duration (ms), "
                     "memory used (MB) or cost per million invocations (USD)",
}


def _signature(name: str) -> str:
    """The marker's signature without annotations, e.g. ``(seconds)``."""
    sig = inspect.signature(SIGNATURES[name])
    empty = inspect.Parameter.empty
    bare = sig.replace(parameters=[p.replace(annotation=empty) for p in sig.parameters.values()],
                       return_annotation=empty)
    return str(bare)


MARKER_NAMES = tuple(SIGNATURES)
MARKERS = tuple(f"{name}{_signature(name) if _signature(name) != '()' else ''}: {_HELP[name]}"
                for name in SIGNATURES)


def validate_marker(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Bind the marker's arguments to its signature and check them; returns the value."""
    func = SIGNATURES[name]
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
    except TypeError as exc:
        shown = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
        raise pytest.UsageError(
            f"@pytest.mark.{name}({shown}): {exc}. The marker's signature is "
            f"@pytest.mark.{name}{_signature(name)}.") from None
    return func(*bound.args, **bound.kwargs)


def marker_arg(item: pytest.Item, name: str) -> Any:
    """The validated value of the item's closest ``name`` marker, or None without one."""
    marker = item.get_closest_marker(name)
    if marker is None:
        return None
    return validate_marker(name, tuple(marker.args), dict(marker.kwargs))
