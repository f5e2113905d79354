"""Configuration validation with Lambda's limits and wording."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_lambda.config import FunctionConfig
from pytest_lambda.errors import InvalidParameterValueException, ValidationException


def _make(tmp_path: Path, **kwargs: object) -> FunctionConfig:
    return FunctionConfig.create("app.handler", code_dir=tmp_path, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"memory_size": 64}, "1 validation error detected: Value '64' at 'memorySize' failed to "
                          "satisfy constraint: Member must have value greater than or equal to "
                          "128"),
    ({"memory_size": 10241}, "Value '10241' at 'memorySize' failed to satisfy constraint: Member "
                             "must have value less than or equal to 10240"),
    ({"timeout": 0}, "Value '0' at 'timeout' failed to satisfy constraint: Member must have "
                     "value greater than or equal to 1"),
    ({"timeout": 901}, "Value '901' at 'timeout' failed to satisfy constraint: Member must have "
                       "value less than or equal to 900"),
    ({"timeout": 2.5}, "Value '2.5' at 'timeout' failed to satisfy constraint: Member must be a "
                       "whole number"),
    ({"name": "bad name"}, "Value 'bad name' at 'functionName' failed to satisfy constraint: "
                           "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"),
    ({"name": "x" * 65}, "Member must have length less than or equal to 64"),
    ({"architecture": "x86"}, "Value '[x86]' at 'architectures' failed to satisfy constraint: "
                              "Member must satisfy constraint: [Member must satisfy enum value "
                              "set: [x86_64, arm64]]"),
    ({"runtime": "ruby9"}, "Value 'ruby9' at 'runtime' failed to satisfy constraint: Member must "
                           "satisfy enum value set: [python3.10"),
    ({"environment": {"1BAD": "x"}}, "at 'environment.variables' failed to satisfy constraint: "
                                     "Map keys must satisfy constraint: [Member must satisfy "
                                     "regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"),
])
def test_validation_errors(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    """Out-of-range or malformed settings raise ValidationException with AWS's wording."""
    with pytest.raises(ValidationException) as info:
        _make(tmp_path, **kwargs)
    assert message in str(info.value)
    assert info.value.code == "ValidationException"
    # Lambda's message exactly (what the API sends); the fix is a note on the exception.
    assert str(info.value) == info.value.message and not str(info.value).endswith(".")
    assert info.value.__notes__ == [info.value.advice] and info.value.advice


def test_the_fix_is_a_note_under_lambdas_own_message(tmp_path: Path) -> None:
    """A traceback shows Lambda's message, then what to change."""
    import traceback

    with pytest.raises(ValidationException) as info:
        _make(tmp_path, memory_size=64)
    shown = "".join(traceback.format_exception_only(info.value))
    assert shown.endswith("greater than or equal to 128\nPass memory_size in MB between 128 "
                          "and 10240.\n")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"runtime": "python3.8"}, "The runtime parameter of python3.8 is no longer supported for "
                               "creating or updating AWS Lambda functions. We recommend you use "
                               "the new runtime (python3.14) while"),
    ({"runtime": "nodejs16.x"}, "We recommend you use the new runtime (nodejs24.x) while"),
    ({"environment": {"AWS_REGION": "x"}}, "Reserved keys used in this request: AWS_REGION"),
    ({"environment": {"BIG": "x" * 5000}}, "exceeded the 4KB limit. String measured: "),
    ({"environment": {"NUM": 1}}, "environment variable 'NUM' has a int value"),
    ({"log_level": "DEBUG"}, "Application log level can only be set when the log format is "
                             "JSON"),
    ({"region": "moon-1"}, "region 'moon-1' is not an AWS Region name"),
])
def test_invalid_parameter_values(tmp_path: Path, kwargs: dict[str, object],
                                  message: str) -> None:
    """Values Lambda rejects after schema validation raise InvalidParameterValueException."""
    with pytest.raises(InvalidParameterValueException, match=message.replace("(", r"\(")
                       .replace(")", r"\)").replace(".", r"\.")):
        _make(tmp_path, **kwargs)


def test_missing_code_dir(tmp_path: Path) -> None:
    """A code directory that does not exist is named in the error with the fix."""
    with pytest.raises(InvalidParameterValueException, match=r"does not exist or is not a "
                                                             r"directory\. Pass code_dir="):
        FunctionConfig.create("app.handler", code_dir=tmp_path / "missing")


def test_defaults(tmp_path: Path) -> None:
    """Defaults are Lambda's: 128 MB, 3 s, x86_64, Text logs, /aws/lambda/<name>."""
    cfg = _make(tmp_path)
    assert (cfg.memory_size, cfg.timeout, cfg.architecture, cfg.log_format) == (
        128, 3, "x86_64", "Text")
    assert cfg.name == "app"
    assert cfg.log_group_name == "/aws/lambda/app"
    assert cfg.arn == "arn:aws:lambda:us-east-1:123456789012:function:app"


def test_default_name_from_path_handler(tmp_path: Path) -> None:
    """A path-style handler gives a legal default function name."""
    assert FunctionConfig.create("src/api/app.handler", code_dir=tmp_path).name == "src-api-app"


def _function(tmp_path: Path, **kwargs: object) -> object:
    from pytest_lambda import LambdaFunction

    (tmp_path / "app.py").write_text("def handler(e, c):\n    return 1\n")
    return LambdaFunction("app.handler", code_dir=tmp_path, **kwargs)  # type: ignore[arg-type]


def _update(tmp_path: Path, **changes: object) -> None:
    fn: object = _function(tmp_path)
    fn.update_configuration(**changes)  # type: ignore[attr-defined]


def _invoke(tmp_path: Path, **kwargs: object) -> None:
    fn: object = _function(tmp_path)
    fn.invoke({}, **kwargs)  # type: ignore[attr-defined]


def _account(tmp_path: Path, *args: object, **kwargs: object) -> None:
    from pytest_lambda import Account

    Account(*args, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("call", "kwargs", "message"), [
    (_function, {"region": None}, "region None is not an AWS Region name"),
    (_function, {"account_id": 123456789012}, "must be 12 digits in a str"),
    (_function, {"environment": {1: "x"}}, "environment variable name 1 is not a str (int)"),
    (_function, {"account": "123456789012"}, "account='123456789012' is not an Account (str)"),
    (_function, {"log_group": 5}, "Value '5' at 'loggingConfig.logGroup'"),
    (_function, {"isolaton": "process"}, "did you mean 'isolation'?"),
    (_function, {"env": {"A1": "b"}}, "did you mean 'environment'?"),
    (_account, {"concurrency_limit": "10"}, "Account(concurrency_limit='10'): a whole number"),
    (_account, {"account_id": 123456789012}, "Account(account_id=123456789012): 12 digits"),
    (_invoke, {"trace_header": 5}, "trace_header=5 is not a str (int)"),
    (_invoke, {"principal": 5}, "principal=5 is not a str (int)"),
    (_update, {"timout": 5}, "update_configuration: did you mean 'timeout'?"),
    (_update, {"name": "other"}, "a function's name cannot be changed"),
    (_update, {"region": "eu-west-1"}, "a function's region cannot be changed"),
    (_update, {"handler": None}, "update_configuration(handler=None): pass a handler string"),
    (_update, {"code_dir": "/nonexistent/code"}, "update_configuration(code_dir='/nonexist"),
    (_update, {"reserved_concurrent_executions": "5"}, "reserved concurrency '5' is not valid"),
    (_update, {"handler": "app.handler "}, "Member must satisfy regular expression pattern: "
                                           "[^\\s]+"),
    (_function, {"environment": {"AB": None}}, "Leave the variable out."),
    (_function, {"environment": {"AB": b"x"}}, "Pass 'x' (decoded)."),
    (_function, {"destination_config": {"OnSuccess": "arn:aws:sqs:us-east-1:1:q"}},
     "each destination is {'Destination': '<ARN>'}"),
])
def test_bad_arguments_are_refused_where_they_are_given_naming_them(
        tmp_path: Path, call: object, kwargs: dict[str, object], message: str) -> None:
    """Wrong types and misspelt names are refused by the call that takes them, naming the
    argument and the fix (they raised TypeError/AttributeError from deep inside, or were
    accepted and failed at the next invocation)."""
    with pytest.raises((TypeError, ValueError)) as info:
        call(tmp_path, **kwargs)  # type: ignore[operator]
    assert message in str(info.value), str(info.value)


@pytest.mark.parametrize(("handler", "constraint"), [
    (" app.handler", "Member must satisfy regular expression pattern: [^\\s]+"),
    ("app.han dler", "Member must satisfy regular expression pattern: [^\\s]+"),
    ("a" * 130 + ".handler", "Member must have length less than or equal to 128"),
])
def test_handlers_createfunction_refuses_are_refused_when_made(tmp_path: Path, handler: str,
                                                              constraint: str) -> None:
    """CreateFunction's Handler checks (whitespace, 128 characters) apply when the function
    is made (they were accepted and failed at invoke as an import error)."""
    with pytest.raises(ValidationException, match=re.escape(constraint)):
        FunctionConfig.create(handler, code_dir=tmp_path)


def test_a_template_folder_is_named_as_a_folder(tmp_path: Path) -> None:
    """A folder given as the template says so (it said the template "does not exist")."""
    from pytest_lambda.template import TemplateError, load_template

    with pytest.raises(TemplateError, match="is a folder: give the template file in it"):
        load_template(tmp_path)


def test_a_client_context_that_is_not_json_is_refused(tmp_path: Path) -> None:
    """The client context goes to Lambda as JSON: a value JSON cannot hold is refused (the
    handler got the Python object as it was given)."""
    with pytest.raises(TypeError, match=r"client_context is not JSON \(Object of type set"):
        _invoke(tmp_path, client_context={"custom": {"a": {1}}})
