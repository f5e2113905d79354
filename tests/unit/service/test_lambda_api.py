"""The Lambda API through boto3 inside MockedAws, answered by in-process functions."""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from pytest_lambda import LambdaFunction
from pytest_lambda.service.account import Account
from pytest_lambda.service.aws import MockedAws

if TYPE_CHECKING:
    from conftest import CodeWriter

ARN = "arn:aws:lambda:us-east-1:123456789012:function:thumbs"
HANDLER = """
import json, os
def handler(event, context):
    print("got", json.dumps(event))
    if event.get("fail"):
        raise ValueError("bad input")
    return {"event": event, "version": context.function_version,
            "custom": context.client_context.custom if context.client_context else None,
            "color": os.environ.get("COLOR"), "memory": context.memory_limit_in_mb}
"""


@pytest.fixture
def aws() -> Iterator[MockedAws]:
    """moto with the Lambda API installed."""
    with MockedAws("us-east-1") as mocked:
        yield mocked


@pytest.fixture
def fn(aws: MockedAws, code: CodeWriter) -> Iterator[LambdaFunction]:
    """An in-process function named 'thumbs', created while the API is installed."""
    with LambdaFunction("app.handler", name="thumbs", code_dir=code(app=HANDLER)) as function:
        yield function


@pytest.fixture
def client(aws: MockedAws, fn: LambdaFunction) -> Any:
    """A boto3 Lambda client into moto."""
    return aws.client("lambda")


def _error(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return dict(info.value.response)


def test_invoke_request_response(client: Any) -> None:
    """A synchronous Invoke answers 200 with the payload, the version and no function error."""
    response = client.invoke(FunctionName="thumbs", Payload=json.dumps({"a": 1}))
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response and "LogResult" not in response
    assert json.loads(response["Payload"].read())["event"] == {"a": 1}


def test_invoke_function_error_is_unhandled(client: Any) -> None:
    """A handler exception answers 200 with FunctionError 'Unhandled' and the error payload."""
    response = client.invoke(FunctionName="thumbs", Payload=b'{"fail": true}')
    assert (response["StatusCode"], response["FunctionError"]) == (200, "Unhandled")
    body = json.loads(response["Payload"].read())
    assert (body["errorType"], body["errorMessage"]) == ("ValueError", "bad input")


def test_log_type_tail_decodes_to_the_report_line(client: Any, fn: LambdaFunction) -> None:
    """LogType=Tail returns the invocation's log (START..REPORT) base64-encoded."""
    response = client.invoke(FunctionName="thumbs", Payload=b"{}", LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    lines = tail.splitlines()
    request_id = response["ResponseMetadata"]["RequestId"]
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert lines[-1].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    assert "got {}" in tail


def test_log_tail_keeps_the_last_4_kb(client: Any, code: CodeWriter) -> None:
    """A long log is cut to its last 4096 bytes, which end with the REPORT line."""
    LambdaFunction("noisy.handler", code_dir=code(noisy=(
        "def handler(event, context):\n    print('x' * 10000)\n")))
    response = client.invoke(FunctionName="noisy", LogType="Tail")
    tail = base64.b64decode(response["LogResult"])
    assert len(tail) == 4096 and tail.decode().splitlines()[-1].startswith("REPORT RequestId:")


def test_invoke_event_and_dry_run(client: Any, fn: LambdaFunction) -> None:
    """Event answers 202 and queues the event; DryRun answers 204 and runs nothing."""
    queued = client.invoke(FunctionName="thumbs", InvocationType="Event", Payload=b'{"b": 2}')
    dry = client.invoke(FunctionName="thumbs", InvocationType="DryRun")
    assert (queued["StatusCode"], dry["StatusCode"]) == (202, 204)
    assert queued["Payload"].read() == b"" and fn.logs.text == ""
    [result] = fn.account.drain()
    assert result.payload["event"] == {"b": 2}


def test_client_context_reaches_the_handler(client: Any) -> None:
    """ClientContext (base64 JSON) arrives as context.client_context."""
    context = base64.b64encode(json.dumps({"custom": {"user": "u1"}}).encode()).decode()
    response = client.invoke(FunctionName="thumbs", ClientContext=context)
    assert json.loads(response["Payload"].read())["custom"] == {"user": "u1"}


def test_bad_client_context_is_refused(client: Any) -> None:
    """A ClientContext that is not base64 JSON is refused before the handler runs."""
    response = _error(client.invoke, FunctionName="thumbs", ClientContext="not json")
    assert response["Error"]["Code"] == "InvalidRequestContentException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_qualifiers_versions_and_aliases(client: Any) -> None:
    """Invoke with a version, an alias, or a qualified ARN runs that version."""
    published = client.publish_version(FunctionName="thumbs", Description="first")
    assert (published["Version"], published["Description"]) == ("1", "first")
    assert published["FunctionArn"] == f"{ARN}:1"
    client.create_alias(FunctionName="thumbs", Name="live", FunctionVersion="1")
    for kwargs in ({"Qualifier": "1"}, {"Qualifier": "live"}, {"FunctionName": f"{ARN}:live"}):
        response = client.invoke(**{"FunctionName": "thumbs", **kwargs})
        assert response["ExecutedVersion"] == "1"
        assert json.loads(response["Payload"].read())["version"] == "1"


def test_unknown_function_and_qualifier_are_404(client: Any) -> None:
    """Unknown qualifiers answer ResourceNotFoundException; unknown names reach moto's 404."""
    missing = _error(client.invoke, FunctionName="thumbs", Qualifier="7")
    assert missing["Error"]["Code"] == "ResourceNotFoundException"
    assert missing["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert missing["Message"].startswith(f"Function not found: {ARN}:7.")
    assert _error(client.get_function, FunctionName="nope")["Error"]["Code"] == \
        "ResourceNotFoundException"


def test_throttle_is_too_many_requests_with_reason(client: Any) -> None:
    """Reserved concurrency 0 throttles: TooManyRequestsException with its Reason."""
    client.put_function_concurrency(FunctionName="thumbs", ReservedConcurrentExecutions=0)
    response = _error(client.invoke, FunctionName="thumbs")
    assert response["Error"]["Code"] == "TooManyRequestsException"
    assert response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_payload_too_large(client: Any) -> None:
    """A payload over 6 MB is RequestEntityTooLargeException (413)."""
    response = _error(client.invoke, FunctionName="thumbs",
                      Payload=json.dumps({"x": "a" * 6_300_000}))
    assert response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_get_function_and_configuration(client: Any, fn: LambdaFunction) -> None:
    """GetFunction / GetFunctionConfiguration answer the FunctionConfiguration shape."""
    config = client.get_function_configuration(FunctionName="thumbs")
    assert {k: config[k] for k in ("FunctionName", "FunctionArn", "Handler", "Timeout",
                                   "MemorySize", "Version", "State", "PackageType")} == {
        "FunctionName": "thumbs", "FunctionArn": ARN, "Handler": "app.handler", "Timeout": 3,
        "MemorySize": 128, "Version": "$LATEST", "State": "Active", "PackageType": "Zip"}
    assert config["Runtime"] == fn.config.runtime
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/thumbs"}
    whole = client.get_function(FunctionName=ARN)
    assert whole["Configuration"]["CodeSha256"] == config["CodeSha256"]
    assert whole["Code"]["RepositoryType"] == "S3" and "Concurrency" not in whole


def test_list_functions_includes_in_process_functions(client: Any) -> None:
    """ListFunctions lists the in-process functions of the caller's account and Region."""
    names = [f["FunctionName"] for f in client.list_functions()["Functions"]]
    assert names == ["thumbs"]


def test_closed_functions_disappear(client: Any, fn: LambdaFunction) -> None:
    """A closed function is no longer answered for."""
    fn.close()
    assert client.list_functions()["Functions"] == []


def test_versions_and_aliases_with_routing(client: Any, fn: LambdaFunction) -> None:
    """PublishVersion, CreateAlias/UpdateAlias with routing, ListAliases, ListVersions."""
    client.publish_version(FunctionName="thumbs")
    fn.update_configuration(memory_size=256)
    client.publish_version(FunctionName="thumbs")
    versions = client.list_versions_by_function(FunctionName="thumbs")["Versions"]
    assert [(v["Version"], v["MemorySize"]) for v in versions] == [
        ("$LATEST", 256), ("1", 128), ("2", 256)]
    created = client.create_alias(FunctionName="thumbs", Name="live", FunctionVersion="1",
                                  RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})
    assert created["AliasArn"] == f"{ARN}:live"
    assert created["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}
    updated = client.update_alias(FunctionName="thumbs", Name="live", FunctionVersion="2",
                                  RoutingConfig={"AdditionalVersionWeights": {}})
    assert updated["FunctionVersion"] == "2" and "RoutingConfig" not in updated
    assert fn.aliases["live"].function_version == "2"
    assert [a["Name"] for a in client.list_aliases(FunctionName="thumbs")["Aliases"]] == ["live"]
    conflict = _error(client.create_alias, FunctionName="thumbs", Name="live",
                      FunctionVersion="1")
    assert conflict["Error"]["Code"] == "ResourceConflictException"


def test_concurrency(client: Any, fn: LambdaFunction) -> None:
    """Put/Get/DeleteFunctionConcurrency change the function's reservation."""
    put = client.put_function_concurrency(FunctionName="thumbs", ReservedConcurrentExecutions=5)
    assert put["ReservedConcurrentExecutions"] == 5
    assert fn.config.reserved_concurrent_executions == 5
    assert client.get_function(FunctionName="thumbs")["Concurrency"] == {
        "ReservedConcurrentExecutions": 5}
    client.delete_function_concurrency(FunctionName="thumbs")
    assert "ReservedConcurrentExecutions" not in client.get_function_concurrency(
        FunctionName="thumbs")


def test_event_invoke_config(client: Any, fn: LambdaFunction) -> None:
    """PutFunctionEventInvokeConfig sets retries, event age and destinations on the function."""
    queue = "arn:aws:sqs:us-east-1:123456789012:failures"
    config = client.put_function_event_invoke_config(
        FunctionName="thumbs", MaximumRetryAttempts=0, MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": queue}})
    assert config["FunctionArn"] == f"{ARN}:$LATEST"
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (0, 60)
    assert config["DestinationConfig"] == {"OnSuccess": {},
                                           "OnFailure": {"Destination": queue}}
    assert fn.config.maximum_retry_attempts == 0
    assert fn.config.destination_config == {"OnFailure": {"Destination": queue}}
    again = client.put_function_event_invoke_config(FunctionName="thumbs")
    assert (again["MaximumRetryAttempts"], again["MaximumEventAgeInSeconds"]) == (2, 21600)


def test_event_invoke_config_that_was_never_set_is_not_found(client: Any,
                                                             fn: LambdaFunction) -> None:
    """Get/Update/Delete of a function with no EventInvokeConfig answer Lambda's "doesn't
    have an EventInvokeConfig" (deployment code that puts on that error took the other
    branch); Delete puts the defaults back; List lists what is set."""
    missing = f"The function {ARN} doesn't have an EventInvokeConfig"
    for call in (client.get_function_event_invoke_config,
                 client.update_function_event_invoke_config,
                 client.delete_function_event_invoke_config):
        error = _error(call, FunctionName="thumbs")["Error"]
        assert (error["Code"], error["Message"]) == ("ResourceNotFoundException", missing)
    listed = client.list_function_event_invoke_configs(FunctionName="thumbs")
    assert listed["FunctionEventInvokeConfigs"] == []
    client.put_function_event_invoke_config(FunctionName="thumbs", MaximumRetryAttempts=0)
    assert client.get_function_event_invoke_config(
        FunctionName="thumbs")["MaximumRetryAttempts"] == 0
    [listed] = client.list_function_event_invoke_configs(
        FunctionName="thumbs")["FunctionEventInvokeConfigs"]
    assert listed["MaximumRetryAttempts"] == 0
    client.delete_function_event_invoke_config(FunctionName="thumbs")
    assert fn.config.maximum_retry_attempts == 2
    assert _error(client.get_function_event_invoke_config,
                  FunctionName="thumbs")["Error"]["Message"] == missing


def test_permissions(client: Any, fn: LambdaFunction) -> None:
    """AddPermission / GetPolicy / RemovePermission share the function's policy."""
    added = client.add_permission(FunctionName="thumbs", StatementId="s3", Principal=
                                  "s3.amazonaws.com", Action="lambda:InvokeFunction",
                                  SourceArn="arn:aws:s3:::uploads")
    statement = json.loads(added["Statement"])
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    policy = json.loads(client.get_policy(FunctionName="thumbs")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["s3"]
    assert fn.invoke({}, principal="s3.amazonaws.com",
                     source_arn="arn:aws:s3:::uploads").ok
    client.remove_permission(FunctionName="thumbs", StatementId="s3")
    assert _error(client.get_policy, FunctionName="thumbs")["Error"]["Code"] == \
        "ResourceNotFoundException"


def test_update_configuration_takes_effect_on_next_cold_start(client: Any,
                                                               fn: LambdaFunction) -> None:
    """UpdateFunctionConfiguration: the next invocation is a cold start with the new values."""
    assert fn.invoke({}).payload["color"] is None
    config = client.update_function_configuration(
        FunctionName="thumbs", Environment={"Variables": {"COLOR": "red"}}, MemorySize=512,
        Timeout=10)
    assert (config["MemorySize"], config["Timeout"]) == (512, 10)
    assert config["Environment"] == {"Variables": {"COLOR": "red"}}
    result = fn.invoke({})
    assert result.cold_start and result.payload["color"] == "red"
    assert result.payload["memory"] == "512"


def test_update_configuration_refuses_what_is_not_modelled(client: Any) -> None:
    """A setting the in-process function cannot honour is refused, naming it."""
    response = _error(client.update_function_configuration, FunctionName="thumbs",
                      Layers=["arn:aws:lambda:us-east-1:123456789012:layer:x:1"])
    assert response["Error"]["Code"] == "InvalidParameterValueException"
    assert "Layers" in response["Error"]["Message"]


def test_event_source_mappings(aws: MockedAws, client: Any, fn: LambdaFunction) -> None:
    """CreateEventSourceMapping polls through the same poller; List/Get/Delete see it."""
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    created = client.create_event_source_mapping(EventSourceArn=arn, FunctionName="thumbs",
                                                 BatchSize=5)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (created["FunctionArn"], created["BatchSize"], created["State"]) == (ARN, 5,
                                                                                "Enabled")
    listed = client.list_event_source_mappings(FunctionName="thumbs")["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [created["UUID"]]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    [result] = aws.lambda_api.mapping(created["UUID"]).drain()
    assert result.payload["event"]["Records"][0]["body"] == "hello"
    client.delete_event_source_mapping(UUID=created["UUID"])
    assert client.list_event_source_mappings(FunctionName="thumbs")["EventSourceMappings"] == []


def test_a_stream_mapping_needs_its_starting_position(aws: MockedAws, client: Any) -> None:
    """CreateEventSourceMapping on a Kinesis stream without StartingPosition is refused, as the
    API requires it for stream sources (it defaulted to TRIM_HORIZON: deployment code that
    omits it passed here and fails on AWS)."""
    kinesis = aws.client("kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="clicks")["StreamDescription"]["StreamARN"]
    response = _error(client.create_event_source_mapping, EventSourceArn=arn,
                      FunctionName="thumbs")
    assert response["Error"]["Code"] == "InvalidParameterValueException"
    assert "StartingPosition is required" in response["Error"]["Message"]
    created = client.create_event_source_mapping(EventSourceArn=arn, FunctionName="thumbs",
                                                 StartingPosition="LATEST")
    assert created["StartingPosition"] == "LATEST"


def test_functions_of_other_accounts_are_not_answered(aws: MockedAws, code: CodeWriter,
                                                      client: Any) -> None:
    """A function in another account is not the caller's: its name is moto's 404."""
    LambdaFunction("app.handler", name="elsewhere", code_dir=code(app=HANDLER),
                   account=Account("210987654321"))
    response = _error(client.invoke, FunctionName="elsewhere")
    assert response["Error"]["Code"] == "ResourceNotFoundException"


def test_nested_invoke_counts_in_both_functions(aws: MockedAws, code: CodeWriter) -> None:
    """A handler invoking another through boto3: both run, the caller's clock runs on."""
    root = code(app=HANDLER, caller="""
        import json, time, boto3
        def handler(event, context):
            before = context.get_remaining_time_in_millis()
            response = boto3.client("lambda").invoke(FunctionName="slow", Payload=b"{}")
            return {"inner": json.loads(response["Payload"].read()),
                    "spent": before - context.get_remaining_time_in_millis()}
        """, slow="""
        import time
        def handler(event, context):
            time.sleep(0.2)
            return "slept"
        """)
    account = Account()
    caller = LambdaFunction("caller.handler", code_dir=root, account=account, timeout=10)
    slow = LambdaFunction("slow.handler", code_dir=root, account=account)
    result = caller.invoke({}).raise_for_error()
    assert result.payload["inner"] == "slept" and result.payload["spent"] >= 200
    [inner] = slow.metrics.values("Duration")
    assert inner >= 200 and caller.metrics.values("Duration")[0] >= inner
    assert "START RequestId" in slow.logs.text and "START RequestId" in caller.logs.text


def test_a_function_started_in_another_s_phase_has_its_tmp_beside_it(
        aws: MockedAws, code: CodeWriter) -> None:
    """A function a handler invokes in-process starts its environment during the caller's
    phase: its /tmp was made inside the caller's, and the caller's was left behind, empty."""
    import tempfile

    root = code(caller="""
        import json, tempfile, boto3
        def handler(event, context):
            response = boto3.client("lambda").invoke(FunctionName="inner", Payload=b"{}")
            return [tempfile.gettempdir(), json.loads(response["Payload"].read())]
        """, inner="""
        import tempfile
        def handler(event, context):
            return tempfile.gettempdir()
        """)
    account = Account()
    with LambdaFunction("caller.handler", code_dir=root, account=account) as caller, \
            LambdaFunction("inner.handler", code_dir=root, account=account):
        outer_tmp, inner_tmp = caller.invoke({}).raise_for_error().payload
    test_tmp = tempfile.gettempdir()
    assert os.path.dirname(outer_tmp) == os.path.dirname(inner_tmp) == test_tmp
    assert not os.path.exists(outer_tmp) and not os.path.exists(inner_tmp)


def test_a_nested_invocation_leaves_the_test_process_its_modules(
        aws: MockedAws, code: CodeWriter) -> None:
    """A handler invoking another in-process function: the inner cold start takes the test
    process's modules out of ``sys.modules`` and puts them back at its end, so the outer
    phase's exit can no longer find what it imported by position. It took some of the test
    process's own modules (certifi, yaml, hypothesis's...) as the environment's and they left
    the test process: its next import made a second copy, whose classes are not the first's
    (a hypothesis test failed on ``isinstance(provider, PrimitiveProvider)`` in CI)."""
    import email.message  # noqa: F401 - present before the invocations
    import json as stdlib_json  # a module certainly loaded, and one of a package

    root = code(outer="""
        import json, boto3
        def handler(event, context):
            answer = boto3.client("lambda").invoke(FunctionName="inner", Payload=b"{}")
            return json.loads(answer["Payload"].read())
        """, inner="""
        import email.message
        def handler(event, context):
            return "inner"
        """)
    account = Account()
    outer = LambdaFunction("outer.handler", code_dir=root, account=account, timeout=10)
    inner = LambdaFunction("inner.handler", code_dir=root, account=account)
    before = dict(sys.modules)
    for _ in range(2):  # cold, then warm nested phases
        assert outer.invoke({}).raise_for_error().payload == "inner"
        inner.cold_start()
    after = sys.modules
    assert [n for n, m in before.items() if after.get(n) is not m] == []
    assert sys.modules["json"] is stdlib_json


def test_nested_invocations_keep_their_logs_and_deadlines_apart(
        aws: MockedAws, code: CodeWriter) -> None:
    """The inner function's records are its own log's, not also the caller's (two sandboxes on
    Lambda); a caller whose deadline passes while the inner function runs times out without
    running on, and the inner invocation still completes (END and REPORT)."""
    root = code(outer="""
        import json, logging, boto3
        logging.getLogger().setLevel(logging.INFO)
        LAMBDA = boto3.client("lambda")  # at Init: a loaded machine took 1 s to make it
        def handler(event, context):
            logging.info("outer before")
            response = LAMBDA.invoke(FunctionName="inner", Payload=json.dumps(event))
            logging.info("outer after")
            return json.loads(response["Payload"].read())
        """, inner="""
        import logging, time
        logging.getLogger().setLevel(logging.INFO)
        def handler(event, context):
            logging.info("inner log")
            time.sleep(event.get("sleep", 0))
            return "inner done"
        """)
    account = Account()
    outer = LambdaFunction("outer.handler", code_dir=root, account=account, name="outer",
                           timeout=1)
    inner = LambdaFunction("inner.handler", code_dir=root, account=account, name="inner",
                           timeout=5)
    r = outer.invoke({}).raise_for_error()
    assert r.payload == "inner done"
    assert "inner log" not in r.logs.text and "outer after" in r.logs.text
    assert inner.logs.text.count("inner log") == 1
    late = outer.invoke({"sleep": 1.3})
    assert late.timed_out and "outer after" not in late.logs.text
    last = inner.logs.messages
    assert last[-2].startswith("END RequestId:") and last[-1].startswith("REPORT RequestId:")
    assert "Status: timeout" not in last[-1]


def test_uninstall_restores_moto(aws: MockedAws) -> None:
    """Leaving MockedAws gives moto its own dispatcher back."""
    import moto.core.models

    stubber = moto.core.models.botocore_stubber
    assert "process_request" in vars(stubber)
    aws.lambda_api.uninstall()
    assert "process_request" not in vars(stubber)
    assert not hasattr(stubber, "pytest_lambda_api")


def test_payload_that_is_not_json_is_refused(client: Any, fn: LambdaFunction) -> None:
    """A body that is not JSON is InvalidRequestContentException; an empty one is {}."""
    response = _error(client.invoke, FunctionName="thumbs", Payload=b"not json")
    assert response["Error"]["Code"] == "InvalidRequestContentException"
    assert response["Error"]["Message"].startswith(
        "Could not parse request body into json: Could not parse payload into json: ")
    assert fn.logs.text == ""
    empty = client.invoke(FunctionName="thumbs")
    assert json.loads(empty["Payload"].read())["event"] == {}


def test_get_account_settings(client: Any, fn: LambdaFunction) -> None:
    """GetAccountSettings (moto has none; AWS's sample apps call it at import): Lambda's
    quotas, the account's concurrency with reservations taken out, the functions' usage."""
    fn.put_function_concurrency(50)
    settings = client.get_account_settings()
    assert settings["AccountLimit"] == {
        "TotalCodeSize": 80_530_636_800, "CodeSizeUnzipped": 262_144_000,
        "CodeSizeZipped": 52_428_800, "ConcurrentExecutions": 1000,
        "UnreservedConcurrentExecutions": 950}
    assert settings["AccountUsage"]["FunctionCount"] == 1
    assert settings["AccountUsage"]["TotalCodeSize"] > 0
