"""Every probe case, on every runtime and log configuration: ours versus the real client."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from diff_cases import CASES, VARIANTS, Case
from diff_clients import Client
from diff_compare import Paths, compare
from diff_known import known
from diff_sides import FUNCTION_NAME, observe_ours, observe_real

from pytest_lambda import LambdaFunction

pytestmark = pytest.mark.differential


def _params() -> Iterator[Any]:
    for case in CASES:
        for runtime in case.runtimes:
            for variant in case.variants:
                log_format, log_level = VARIANTS[variant]
                rules, aspects = known((case.id, runtime, variant))
                marks = []
                if rules:
                    reason = " | ".join(f"[{r.name}] {r.description}" for r in rules)
                    marks.append(pytest.mark.xfail(strict=True, raises=AssertionError,
                                                   reason=reason))
                yield pytest.param(case, runtime, log_format, log_level,
                                   aspects,
                                   id=f"{case.id}-{runtime}-{variant}", marks=marks)


@pytest.mark.parametrize(("case", "runtime", "log_format", "log_level", "known_aspects"),
                         list(_params()))
def test_matches_real_client(case: Case, runtime: str, log_format: str, log_level: str | None,
                             known_aspects: frozenset[str], tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch,
                             real_client: Callable[[str], Client]) -> None:
    """pytest-aws-lambda's payload and log events equal the real client's, byte for byte."""
    client = real_client(runtime)
    code_dir = tmp_path / "task"
    case.install(code_dir)
    if case.is_node:
        monkeypatch.setenv("PYTEST_LAMBDA_NODE", client.command[0])
    with LambdaFunction(case.handler_string, code_dir=code_dir, runtime=runtime,
                        name=FUNCTION_NAME, log_format=log_format, log_level=log_level,
                        timeout=10) as fn:
        real = observe_real(client, fn, case.event)
        # The real client compiled the code into __pycache__: ours compiles it too (a compile-
        # time SyntaxWarning is written by whoever compiles).
        shutil.rmtree(code_dir / "__pycache__", ignore_errors=True)
        ours = observe_ours(fn, case.event)
    differences = compare(real, ours,
                          Paths(code_dir, client.runtime_dir, client.entries, client.lambda_dir),
                          Paths(code_dir, client.runtime_dir))
    if not differences:
        return
    report = "\n\n".join(d.render() for d in differences)
    aspects = {d.aspect for d in differences}
    if known_aspects and aspects != known_aspects:
        pytest.fail(f"differs from the real client in {sorted(aspects)}, but its known "
                    f"differences cover {sorted(known_aspects)}:\n{report}", pytrace=False)
    raise AssertionError(f"differs from {client.name} in {sorted(aspects)}:\n{report}")
