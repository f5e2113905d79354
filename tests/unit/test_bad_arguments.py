"""Wrong argument types get a clear error naming the argument, never a traceback from inside."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import InvalidParameterValueException

if TYPE_CHECKING:
    from conftest import CodeWriter


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"code_dir": 123}, InvalidParameterValueException,
     r"code_dir=123 is a int: pass the path of the folder"),
    ({"environment": ["A1", "b"]}, InvalidParameterValueException,
     r"environment=\['A1', 'b'\] is a list: pass a dict of variable names to string values"),
    ({"environment": "A1=b"}, InvalidParameterValueException,
     r"environment='A1=b' is a str: .* e\.g\. environment=\{'A1': 'b'\}"),
    ({"tracing": "yes"}, InvalidParameterValueException,
     r"tracing='yes' is not valid: pass True \(Active tracing\) or False"),
    ({"measure_memory": "no"}, TypeError,
     r"measure_memory='no' is not valid: pass True"),
])
def test_bad_function_arguments(code: CodeWriter, kwargs: dict[str, Any],
                                error: type[Exception], message: str) -> None:
    """LambdaFunction(...) refuses wrongly typed arguments by name."""
    kwargs.setdefault("code_dir", code(app="def handler(e, c):\n    return 1\n"))
    with pytest.raises(error, match=message):
        LambdaFunction("app.handler", **kwargs)


def test_update_configuration_checks_types_too(code: CodeWriter) -> None:
    """update_configuration(environment="A=b") is refused like the constructor's argument."""
    with LambdaFunction("app.handler", code_dir=code(app="def handler(e, c):\n    return 1\n")) \
            as fn, pytest.raises(InvalidParameterValueException, match=r"environment='A=b'"):
        fn.update_configuration(environment="A=b")


@pytest.mark.parametrize("argument", ["client_context", "identity"])
def test_bad_invoke_arguments(code: CodeWriter, argument: str) -> None:
    """client_context/identity must be dicts; the handler does not run otherwise."""
    with LambdaFunction("app.handler", code_dir=code(app="def handler(e, c):\n    return 1\n")) \
            as fn:
        with pytest.raises(TypeError, match=rf"{argument}='str' is a str: pass a dict"):
            fn.invoke({}, **{argument: "str"})
        assert fn.logs.messages == []


def test_misspelt_setting_names_the_closest_one(code: CodeWriter) -> None:
    """A misspelt function setting is refused with the setting it most likely meant."""
    with pytest.raises(TypeError, match=r"'timeot' for a Lambda function: did you mean "
                                        r"'timeout'\?"):
        LambdaFunction("app.handler", code_dir=code(app=""), timeot=3)  # type: ignore[call-arg]
