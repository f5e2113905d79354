"""The embedded AWS's boto3 sessions: models parsed once per process, endpoints moto serves."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("moto")

from pytest_lambda.service.aws import MockedAws
from pytest_lambda.service.boto import ENDPOINT_MODE_ENV, shared_session


def _loader() -> Any:
    import boto3

    session = boto3.DEFAULT_SESSION
    assert session is not None
    return session._session.get_component("data_loader")


def test_each_mock_gets_a_new_session_on_the_same_loader() -> None:
    """A second lambda_aws (the next test) parses no service model again."""
    import boto3

    with MockedAws("us-east-1") as aws:
        aws.client("sqs").list_queues()
        first_session, first_loader = boto3.DEFAULT_SESSION, _loader()
        model = first_loader.load_service_model("sqs", "service-2")
    with MockedAws("eu-west-1") as aws:
        aws.client("sqs").list_queues()
        assert boto3.DEFAULT_SESSION is not first_session  # credentials and config: fresh
        assert _loader() is first_loader
        assert _loader().load_service_model("sqs", "service-2") is model


def test_the_default_session_is_given_back() -> None:
    """After the mock, boto3's default session is the one from before it."""
    import boto3

    before = boto3.DEFAULT_SESSION
    with MockedAws("us-east-1"):
        assert boto3.DEFAULT_SESSION is not None
        assert boto3.DEFAULT_SESSION is not before
    assert boto3.DEFAULT_SESSION is before


def test_a_data_path_of_its_own_gets_a_loader_of_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS_DATA_PATH (extra or patched models) is honoured: no loader of another path is used."""
    default = shared_session().get_component("data_loader")
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    other = shared_session().get_component("data_loader")
    assert other is not default
    assert str(tmp_path) in other.search_paths
    assert shared_session().get_component("data_loader") is other


def test_clients_stay_on_the_endpoints_moto_serves() -> None:
    """Inside the mock, account-ID endpoint routing is off for every client; after, as before."""
    before = os.environ.get(ENDPOINT_MODE_ENV)
    with MockedAws("us-east-1") as aws:
        assert os.environ[ENDPOINT_MODE_ENV] == "disabled"
        table = aws.client("dynamodb").create_table(
            TableName="t", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        arn = table["TableDescription"]["LatestStreamArn"]
        streams = aws.client("dynamodbstreams").describe_stream(StreamArn=arn)
        assert streams["StreamDescription"]["StreamArn"] == arn
    assert os.environ.get(ENDPOINT_MODE_ENV) == before
