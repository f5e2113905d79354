"""The Powertools parser models, loaded completely.

Powertools 3.x builds its models lazily, on first attribute access. freezegun and time-machine
walk every loaded module's attributes when a test freezes time, so a half-loaded Powertools
package would build pydantic models while ``datetime`` is faked and fail that (unrelated) test.
Loading everything here, once, keeps the events tests from leaving such a trap behind.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest


def load_models() -> ModuleType:
    """Import Powertools' parser models (skipping when absent) with nothing left lazy."""
    models = pytest.importorskip("aws_lambda_powertools.utilities.parser.models")
    for package in ("aws_lambda_powertools.utilities.parser", models.__name__):
        module = importlib.import_module(package)
        for name in dir(module):
            getattr(module, name)
    return models


def model(models: ModuleType, name: str) -> Any:
    """Powertools' model ``name``, or None when the installed release predates it (newer
    sources' models, e.g. ``AppSyncEventsModel``, are absent from the lowest supported one):
    the realism checks still run."""
    return getattr(models, name, None)
