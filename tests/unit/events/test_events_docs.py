"""docs/events.md lists every factory, and its examples run."""

from __future__ import annotations

import json
import pathlib
import re

import pytest

from pytest_lambda import events

DOC = pathlib.Path(__file__).parents[3] / "docs" / "events.md"
TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = re.findall(r"\| `(events\.[^`]+)` \|$", TEXT, flags=re.MULTILINE)


def test_every_factory_is_documented() -> None:
    """Each public factory name appears in docs/events.md."""
    missing = [name for name in events.FACTORIES if f"`{name}`" not in TEXT]
    assert not missing


@pytest.mark.parametrize("example", EXAMPLES)
def test_table_example_runs(example: str) -> None:
    """Each example in the sources table builds a JSON-serializable event."""
    json.dumps(eval(example, {"events": events}))  # the examples come from our own doc


def test_counts_match_the_package() -> None:
    """The factory, source and generate-event counts in the doc are the real ones."""
    from pytest_lambda.events._catalog import CATALOG

    table = TEXT.split("## Sources and variants", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ")][2:]
    found = re.search(r"\*\*(\d+) factories\*\* for \*\*(\d+) sources\*\*", TEXT)
    assert found is not None
    assert (int(found[1]), int(found[2])) == (len(events.FACTORIES), len(rows))
    assert f"names {len(CATALOG)} events" in TEXT
