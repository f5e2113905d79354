"""Wrong argument types get a clear error naming the argument, never a traceback from inside."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import InvalidParameterValueException, ValidationException

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


@pytest.mark.parametrize(("handler", "message"), [
    (None, r"handler=None is not a string \(NoneType\): pass it as a string such as "
           r"'app\.handler'"),
    (5, r"handler=5 is not a string \(int\)"),
])
def test_a_handler_that_is_not_a_string(handler: Any, message: str) -> None:
    """The problem is the type, not the length Lambda's validation speaks of."""
    with pytest.raises(InvalidParameterValueException, match=message):
        LambdaFunction(handler)


def test_a_one_letter_variable_name_says_two_characters(code: CodeWriter) -> None:
    """Lambda's pattern needs two characters or more: the fix says so."""
    with pytest.raises(ValidationException, match=r"Rename 'A': at least 2 characters"):
        LambdaFunction("app.handler", code_dir=code(app="def handler(e, c):\n    return 1\n"),
                       environment={"A": "1"})


@pytest.mark.parametrize(("name", "hint"), [
    ("sqs", "did you mean sqs_batch, sqs_message?"),
    ("s3put", "did you mean s3_put?"),
    ("nothing_like_it", r"dir\(lambda_events\) lists them"),
])
def test_an_unknown_event_factory_suggests_the_near_names(name: str, hint: str) -> None:
    """``lambda_events.sqs`` names the factories it may mean."""
    from pytest_lambda import events

    with pytest.raises(AttributeError, match=f"no factory '{name}'; {hint}"):
        getattr(events.EventFactory(), name)


def test_a_misspelt_factory_keyword_is_named_before_the_missing_one() -> None:
    """``s3_put(bucket="b", kye="k")``: the misspelling, with the name it is close to (it said
    only that ``key`` was missing)."""
    from pytest_lambda import events

    with pytest.raises(TypeError, match=r"unexpected keyword argument 'kye' \(did you mean "
                                        r"'key'\?\); accepted arguments: bucket, key, size"):
        events.EventFactory().s3_put(bucket="b", kye="k")
