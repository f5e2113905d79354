"""pytest-aws-lambda: test AWS Lambda handlers as if they ran on AWS Lambda.

The core works without pytest::

    from pytest_lambda import LambdaFunction, events

    fn = LambdaFunction("app.handler", code_dir="src", timeout=3)
    result = fn.invoke(events.s3_put(bucket="b", key="k"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Account",
    "Alias",
    "Application",
    "FunctionConfig",
    "InvokeResult",
    "LambdaContext",
    "LambdaFunction",
    "LogEvent",
    "LogView",
    "Report",
    "Version",
    "__version__",
    "events",
]

if TYPE_CHECKING:
    from . import events
    from .config import FunctionConfig
    from .context import LambdaContext
    from .function import LambdaFunction
    from .observe.logs import LogEvent, LogView
    from .report import Report
    from .result import InvokeResult
    from .service.account import Account
    from .service.versions import Alias, Version
    from .templates.app import Application

_LAZY = {
    "Account": ("service.account", "Account"),
    "Alias": ("service.versions", "Alias"),
    "Application": ("templates.app", "Application"),
    "Version": ("service.versions", "Version"),
    "FunctionConfig": ("config", "FunctionConfig"),
    "InvokeResult": ("result", "InvokeResult"),
    "LambdaContext": ("context", "LambdaContext"),
    "LambdaFunction": ("function", "LambdaFunction"),
    "LogEvent": ("observe.logs", "LogEvent"),
    "LogView": ("observe.logs", "LogView"),
    "Report": ("report", "Report"),
}


def __getattr__(name: str) -> Any:
    # Lazy so that loading the pytest plugin (which imports this package) stays cheap.
    if name == "events":
        import importlib

        return importlib.import_module(".events", __name__)
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module 'pytest_lambda' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
