"""The plugin's state: session settings and every ``StashKey`` (config and item stash)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from .freezegun_guard import FreezegunGuard

if TYPE_CHECKING:
    from .reporting import ObservabilityPlugin

#: Every InvokeResult produced by functions created in the test, in order.
INVOCATIONS_KEY = pytest.StashKey[list[Any]]()

#: Every LambdaFunction the ``lambda_function`` factory created in the test.
FUNCTIONS_KEY = pytest.StashKey[list[Any]]()


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
    shared_modules: tuple[str, ...] = ()
    package_check: str = "off"
    #: Interpreters (paths or commands) process workers may run on, by their version.
    python_interpreters: tuple[str, ...] = ()
    #: The template's ``parameter_overrides`` (``Key=Value`` lines, as ``sam deploy`` takes).
    parameter_overrides: tuple[tuple[str, str], ...] = ()


SETTINGS_KEY = pytest.StashKey[Settings]()
#: Parsed templates, by path, for the session (loading YAML once, not per function).
TEMPLATES_KEY = pytest.StashKey[dict[str, Any]]()
#: The interpreter chosen for each Python runtime's process workers, for the session.
INTERPRETERS_KEY = pytest.StashKey[dict[str, Any]]()
#: Notes of the test's functions (``LambdaFunction.notes``), reported once per session.
NOTES_KEY = pytest.StashKey[list[str]]()
#: freezegun's guard against lazy imports during its module scan (see freezegun_guard.py).
FREEZEGUN_KEY = pytest.StashKey[FreezegunGuard]()
#: The session's observability plugin (budgets, summary, JSON report; plugin/reporting.py).
REPORTING_KEY: pytest.StashKey[ObservabilityPlugin] = pytest.StashKey()

#: ``user_properties`` name under which ``lambda_app`` reports what a template declares that the
#: application does not emulate (so the controller can list it once, under xdist too).
APP_NOTES_PROPERTY = "pytest_lambda.app_notes"

#: The watched library attributes before a test (plugin/instrumentation.py).
INSTRUMENTATION_KEY = pytest.StashKey[list[tuple[Any, dict[str, Any]]]]()
