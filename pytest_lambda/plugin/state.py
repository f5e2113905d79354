"""Keys for per-test data kept in ``item.stash``."""

from __future__ import annotations

from typing import Any

import pytest

#: Every InvokeResult produced by functions created in the test, in order.
INVOCATIONS_KEY = pytest.StashKey[list[Any]]()

#: Every LambdaFunction the ``lambda_function`` factory created in the test.
FUNCTIONS_KEY = pytest.StashKey[list[Any]]()
