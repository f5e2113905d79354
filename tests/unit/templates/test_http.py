"""The HTTP client's gateway rules that a quick handler cannot reach: integration timeouts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.templates import gateway
from pytest_lambda.templates.http import single_function_client


@pytest.mark.parametrize(("kind", "status", "body"), [
    ("rest", 504, {"message": "Endpoint request timed out"}),
    ("http", 503, {"message": "Service Unavailable"}),
])
def test_integration_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str,
                             status: int, body: dict[str, str]) -> None:
    """An invocation longer than the API's integration timeout is the gateway's own answer."""
    (tmp_path / "app.py").write_text("def handler(event, context):\n"
                                     "    return {'statusCode': 200, 'body': 'late'}\n")
    with LambdaFunction("app.handler", code_dir=tmp_path, timeout=60) as fn:
        real_invoke = fn.invoke

        def slow_invoke(*args: object, **kwargs: object) -> object:
            result = real_invoke(*args, **kwargs)  # type: ignore[arg-type]
            assert result.report is not None
            limit = gateway.REST_TIMEOUT_S if kind == "rest" else gateway.HTTP_TIMEOUT_S
            result.report = dataclasses.replace(result.report, duration_ms=limit * 1000 + 1)
            return result

        monkeypatch.setattr(fn, "invoke", slow_invoke)
        response = single_function_client(fn, kind).get("/x")
        assert (response.status_code, response.json()) == (status, body)
        assert response.invocation is not None


def test_bad_kind_names_the_choices(tmp_path: Path) -> None:
    """An unknown API kind is refused with the three valid ones."""
    (tmp_path / "app.py").write_text("def handler(e, c):\n    return e\n")
    with LambdaFunction("app.handler", code_dir=tmp_path) as fn, \
            pytest.raises(ValueError, match=r"kind='alb' is not an API kind: use 'rest'"):
        single_function_client(fn, "alb")
