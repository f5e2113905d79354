"""CloudWatch's per-event size: a stdout line longer than one event is split, never dropped."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.runtime.capture import MAX_EVENT_BYTES, split_event

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture


def test_split_event_cuts_between_characters() -> None:
    """Pieces hold at most 262,118 UTF-8 bytes, are cut between characters and rejoin exactly."""
    text = "é" * 200_000  # 2 bytes each
    pieces = split_event(text)
    assert "".join(pieces) == text
    assert all(len(p.encode()) <= MAX_EVENT_BYTES for p in pieces)
    assert len(pieces[0].encode()) == MAX_EVENT_BYTES  # 262,118 is even: no character cut
    assert split_event("short") == ["short"]


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_long_print_becomes_several_events(code: CodeWriter, isolation: str) -> None:
    """A 600,000-byte line arrives as 262,118 + 262,118 + 75,764 bytes, then the newline."""
    root = code(app="def handler(e, c):\n    print('z' * 600_000)\n    return 1\n")
    with LambdaFunction("app.handler", code_dir=root, isolation=isolation) as fn:
        r = fn.invoke({})
    pieces = [e.message for e in r.logs if e.message.startswith("z")]
    assert [len(p) for p in pieces] == [MAX_EVENT_BYTES, MAX_EVENT_BYTES,
                                        600_000 - 2 * MAX_EVENT_BYTES + 1]
    assert "".join(pieces) == "z" * 600_000 + "\n"


class _Sink:
    def __init__(self) -> None:
        self.events: list[str] = []

    def app(self, message: str, rank: object = None) -> None:
        self.events.append(message)


@pytest.mark.parametrize("piece", ["1, ", "é€, ", "😀"])
def test_a_line_written_in_small_pieces_is_cut_as_one_written_at_once(piece: str) -> None:
    """``json.dump(data, sys.stdout)`` writes a line in thousands of small pieces: the events
    are the same as for the line written in one go (cut at the event size, between
    characters), however the pieces fall."""
    from pytest_lambda.runtime.capture import StreamWriter

    line = piece * (2 * MAX_EVENT_BYTES // len(piece.encode()) + 7)
    whole, pieces = _Sink(), _Sink()
    StreamWriter(whole, "<stdout>").write(line + "\n")  # type: ignore[arg-type]
    writer = StreamWriter(pieces, "<stdout>")  # type: ignore[arg-type]
    for i in range(0, len(line), len(piece)):
        writer.write(line[i:i + len(piece)])
    writer.write("\n")
    assert pieces.events == whole.events
    assert "".join(whole.events) == line + "\n"
    assert all(len(e.encode()) <= MAX_EVENT_BYTES for e in whole.events[:-1])
