"""The embedded AWS's boto3 sessions: the plugin's lookups share a loader, endpoints moto serves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("moto")

from pytest_lambda.service import boto
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


def test_handlers_keep_boto3s_own_sessions() -> None:
    """Under lambda_aws, ``boto3.client`` (in a handler, or a test) makes boto3's default
    session a plain one: a fresh environment that creates a client parses its models, and that
    memory counts, as on Lambda. ``lambda_aws.client`` comes from the plugin's session."""
    import boto3

    shared = shared_session().get_component("data_loader")
    before = boto3.DEFAULT_SESSION
    with MockedAws("us-east-1") as aws:
        boto3.client("sqs", region_name="us-east-1").list_queues()
        session = boto3.DEFAULT_SESSION
        assert session is not None and session is not before
        assert session._session.get_component("data_loader") is not shared
        ours = aws.client("sqs")
        assert ours._loader is shared
        assert ours.list_queues().get("QueueUrls", []) == []
    assert boto3.DEFAULT_SESSION is before


def test_the_plugin_session_is_made_again_when_what_it_captured_changes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One session serves the plugin's clients while credentials, profile and botocore's
    built-in handlers (where moto's stubber sits) stay the same; any change makes a new one."""
    import botocore.handlers

    with MockedAws("us-east-1") as aws:
        first = aws.client("sqs")
        session = boto._plugin_session()
        assert boto._plugin_session() is session
        assert aws.client("sqs") is not first  # a client of its own, as always
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")  # a function's variables: same
        assert boto._plugin_session() is session
        monkeypatch.undo()
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAOTHERACCOUNT0000")
        assert boto._plugin_session() is not session
        assert aws.client("sqs")._request_signer._credentials.access_key == "AKIAOTHERACCOUNT0000"
        monkeypatch.undo()
        assert boto._plugin_session() is session
        extra = ("before-send", lambda **_: None)
        monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS",
                            [*botocore.handlers.BUILTIN_HANDLERS, extra])
        assert boto._plugin_session() is not session
    assert len(boto._SESSIONS) <= boto._MAX_SESSIONS


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


def test_configured_endpoints_and_profiles_do_not_take_calls_out_of_moto(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A LocalStack endpoint or a developer's profile in the test's environment sent the test's
    own clients to localhost:4566 (or failed them with ProfileNotFound) while its handlers read
    moto; inside the mock they reach moto, and the variables are the test's again after."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://localhost:4566")
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile-here")
    with MockedAws("us-east-1") as aws:
        aws.client("s3").create_bucket(Bucket="kept-in-moto")
        names = [b["Name"] for b in boto3.client("s3", region_name="us-east-1")
                 .list_buckets()["Buckets"]]
        assert names == ["kept-in-moto"]
    assert os.environ["AWS_ENDPOINT_URL"] == "http://localhost:4566"
    assert os.environ["AWS_PROFILE"] == "no-such-profile-here"
    assert "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" not in os.environ


def test_handlers_can_call_cognito_user_pools(tmp_path: Path) -> None:
    """The aws extra brings what moto's Cognito user pools need (joserfc): a trigger handler
    that reads the user it is called for works under lambda_aws."""
    from pytest_lambda import LambdaFunction

    (tmp_path / "trigger.py").write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    user = boto3.client('cognito-idp').admin_get_user(\n"
        "        UserPoolId=event['userPoolId'], Username=event['userName'])\n"
        "    return user['Username']\n")
    with MockedAws("us-east-1") as aws:
        idp = aws.client("cognito-idp")
        pool = idp.create_user_pool(PoolName="users")["UserPool"]["Id"]
        idp.admin_create_user(UserPoolId=pool, Username="ada")
        with LambdaFunction("trigger.handler", code_dir=tmp_path) as fn:
            assert fn.invoke({"userPoolId": pool, "userName": "ada"}).payload == "ada"
