"""Amazon Bedrock Agents action groups backed by a Lambda function.

Shape: Bedrock user guide, "Configure Lambda functions to send information that an Amazon
Bedrock agent elicits from the user" (agents-lambda.html, "Lambda input event from Amazon
Bedrock"): ``messageVersion`` "1.0", ``agent`` {name, id, alias, version}, ``inputText``,
``sessionId``, ``actionGroup``, ``sessionAttributes``, ``promptSessionAttributes``; an action
group defined by an OpenAPI schema adds ``apiPath``, ``httpMethod``, ``parameters`` and (for a
body) ``requestBody.content.<media type>.properties``; one defined by function details adds
``function`` and ``parameters``. Every parameter is {name, type, value} with the value as a
string.
"""

from __future__ import annotations

import datetime as _dt
import json
import random
from collections.abc import Mapping
from typing import Any

from ._common import bad, check_choice, digits, now_or_utc, rng_or_new, upper_token
from ._http import check_method, check_path
from ._validate import checked

__all__ = ["bedrock_agent_api", "bedrock_agent_function"]

Parameters = Mapping[str, str | int | float | bool | list[Any]]


def _parameters(argument: str, values: Parameters | None) -> list[dict[str, str]]:
    out = []
    for name, value in (values or {}).items():
        if isinstance(value, bool):
            kind, text = "boolean", "true" if value else "false"
        elif isinstance(value, int):
            kind, text = "integer", str(value)
        elif isinstance(value, float):
            kind, text = "number", repr(value)
        elif isinstance(value, list):
            kind, text = "array", json.dumps(value)
        elif isinstance(value, str):
            kind, text = "string", value
        else:
            raise bad(f"{argument}[{name!r}]", value, "expected str, int, float, bool or list")
        out.append({"name": name, "type": kind, "value": text})
    return out


def _base(
    action_group: str,
    input_text: str,
    agent_name: str,
    session_attributes: Mapping[str, str] | None,
    prompt_session_attributes: Mapping[str, str] | None,
    rng: random.Random,
) -> dict[str, Any]:
    if not action_group or not input_text:
        raise bad(
            "action_group" if not action_group else "input_text", "", "expected non-empty text"
        )
    for argument, attrs in (
        ("session_attributes", session_attributes),
        ("prompt_session_attributes", prompt_session_attributes),
    ):
        for name, value in (attrs or {}).items():
            if not isinstance(value, str):
                raise bad(f"{argument}[{name!r}]", value, "session attributes are strings")
    return {
        "messageVersion": "1.0",
        # A draft agent is invoked through the test alias TSTALIASID at version DRAFT.
        "agent": {
            "name": agent_name,
            "id": upper_token(rng, 10),
            "alias": "TSTALIASID",
            "version": "DRAFT",
        },
        "inputText": input_text,
        "sessionId": digits(rng, 15),
        "actionGroup": action_group,
    }


@checked
def bedrock_agent_api(
    api_path: str = "/claims/{claimId}",
    http_method: str = "GET",
    *,
    parameters: Parameters | None = None,
    body: Parameters | None = None,
    content_type: str = "application/json",
    action_group: str = "ClaimManagement",
    input_text: str = "What is the status of claim 42?",
    agent_name: str = "my-agent",
    session_attributes: Mapping[str, str] | None = None,
    prompt_session_attributes: Mapping[str, str] | None = None,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """An OpenAPI-schema action group call: *api_path* is the schema's path template."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    method = check_method(http_method)
    check_path("api_path", api_path)
    if body is not None and method in ("GET", "HEAD", "DELETE"):
        raise bad("body", body, f"{method} operations have no request body")
    event = _base(
        action_group, input_text, agent_name, session_attributes, prompt_session_attributes, rng
    )
    given = dict(
        parameters
        if parameters is not None
        else {"claimId": "42"}
        if "{claimId}" in api_path
        else {}
    )
    event.update(
        {"apiPath": api_path, "httpMethod": method, "parameters": _parameters("parameters", given)}
    )
    if body is not None:
        check_choice(
            "content_type", content_type, ("application/json", "application/x-www-form-urlencoded")
        )
        event["requestBody"] = {
            "content": {content_type: {"properties": _parameters("body", body)}}
        }
    event["sessionAttributes"] = dict(session_attributes or {})
    event["promptSessionAttributes"] = dict(prompt_session_attributes or {})
    return event


@checked
def bedrock_agent_function(
    function: str = "getWeather",
    parameters: Parameters | None = None,
    *,
    action_group: str = "WeatherActions",
    input_text: str = "What is the weather in Paris?",
    agent_name: str = "my-agent",
    session_attributes: Mapping[str, str] | None = None,
    prompt_session_attributes: Mapping[str, str] | None = None,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A function-details action group call of *function* with *parameters*."""
    rng = rng_or_new(rng)
    now_or_utc(now)
    if not function or not all(c.isalnum() or c in "_-" for c in function):
        raise bad("function", function, "function names are letters, digits, '_' and '-'")
    event = _base(
        action_group, input_text, agent_name, session_attributes, prompt_session_attributes, rng
    )
    given = parameters if parameters is not None else {"city": "Paris"}
    event.update({"function": function, "parameters": _parameters("parameters", given)})
    event["sessionAttributes"] = dict(session_attributes or {})
    event["promptSessionAttributes"] = dict(prompt_session_attributes or {})
    return event
