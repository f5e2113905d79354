"""Run every example's test suite, each from its own folder (each has its own pytest.ini).

Usage: ``python examples/run.py [NAME ...]`` (default: all). Exits non-zero if any suite fails.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    examples = sorted(p.parent for p in HERE.glob("*/pytest.ini"))
    if names:
        unknown = set(names) - {e.name for e in examples}
        if unknown:
            print(f"unknown example(s) {sorted(unknown)}; there are "
                  f"{', '.join(e.name for e in examples)}", file=sys.stderr)
            return 2
        examples = [e for e in examples if e.name in names]
    failed = []
    for example in examples:
        print(f"\n=== examples/{example.name}", flush=True)
        start = time.monotonic()
        code = subprocess.call([sys.executable, "-m", "pytest", "-q"], cwd=example)
        print(f"=== examples/{example.name}: exit {code} in {time.monotonic() - start:.1f} s",
              flush=True)
        if code:
            failed.append(example.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"\nall {len(examples)} example suites passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
