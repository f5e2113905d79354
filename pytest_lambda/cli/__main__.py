"""``python -m pytest_lambda.cli``: the ``pytest-lambda`` command."""

from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
