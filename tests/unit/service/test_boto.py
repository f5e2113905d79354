"""The embedded AWS's boto3 sessions: the plugin's lookups share a loader, endpoints moto serves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("moto")

from pytest_lambda.service.aws import MockedAws
from pytest_lambda.service.boto import ENDPOINT_MODE_ENV, shared_session


def test_plugin_sessions_share_one_loader() -> None:
    """The plugin's own model lookups parse each model once per process."""
    first, second = shared_session(), shared_session()
    assert first is not second
    loader = first.get_component("data_loader")
    assert second.get_component("data_loader") is loader
    model = loader.load_service_model("lambda", "service-2")
    assert second.get_component("data_loader").load_service_model("lambda", "service-2") is model


def test_handlers_and_tests_keep_boto3s_own_sessions() -> None:
    """Under lambda_aws, boto3's default session is a plain one: a fresh environment that
    creates a client parses its models, and that memory counts, as on Lambda."""
    import boto3

    shared = shared_session().get_component("data_loader")
    before = boto3.DEFAULT_SESSION
    with MockedAws("us-east-1") as aws:
        aws.client("sqs").list_queues()
        session = boto3.DEFAULT_SESSION
        assert session is not None and session is not before
        assert session._session.get_component("data_loader") is not shared
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
