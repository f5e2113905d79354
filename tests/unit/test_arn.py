"""The one ARN parser: its parts, Lambda function names and qualifiers, and what is not an ARN."""

from __future__ import annotations

import pytest

from pytest_lambda.arn import Arn


def test_parts_of_a_queue_arn() -> None:
    """A queue ARN splits into partition, service, Region, account and resource."""
    arn = Arn.require("arn:aws:sqs:eu-west-1:123456789012:orders")
    assert arn == Arn("aws", "sqs", "eu-west-1", "123456789012", "orders")
    assert arn.name == "orders"
    assert arn.function_name is None and arn.qualifier is None


def test_lambda_function_name_and_qualifier() -> None:
    """A function ARN names its function; only a qualified one has a qualifier."""
    plain = Arn.require("arn:aws:lambda:us-east-1:123456789012:function:resize")
    live = Arn.require("arn:aws:lambda:us-east-1:123456789012:function:resize:live")
    assert (plain.function_name, plain.qualifier) == ("resize", None)
    assert (live.function_name, live.qualifier) == ("resize", "live")
    assert live.unqualified == str(plain.unqualified) == \
        "arn:aws:lambda:us-east-1:123456789012:function:resize"


def test_resource_keeps_its_colons_and_slashes() -> None:
    """The resource is everything after the account; ``name`` is its last segment."""
    stream = Arn.require("arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024-01-01T00:00")
    assert stream.resource == "table/t/stream/2024-01-01T00:00"
    assert Arn.require("arn:aws:sns:us-east-1:123456789012:alerts").name == "alerts"


@pytest.mark.parametrize("text", ["orders", "arn:aws:sqs:us-east-1", "", None, 42, "urn:a:b:c:d:e"])
def test_not_an_arn(text: object) -> None:
    """Anything that is not an ARN parses to None, and ``require`` names it."""
    assert Arn.parse(text) is None
    with pytest.raises(ValueError, match="is not an ARN"):
        Arn.require(text)
