"""Application: a template's resources on moto and its functions' events, without the plugin."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("moto")

from pytest_lambda.templates.app import Application
from pytest_lambda.templates.errors import TemplateError

RUNTIME = f"python3.{sys.version_info.minor}"
HANDLERS = """
import base64, json, os
def echo(event, context):
    records = event.get("Records") or [event]
    return [r.get("eventSource") or r.get("EventSource") or r.get("source") for r in records]
def kinesis(event, context):
    return [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
def env(event, context):
    return {k: v for k, v in os.environ.items() if k.startswith("APP_")}
"""


def _project(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / "app.py").write_text(HANDLERS)
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).replace("RUNTIME", RUNTIME))
    return path


def test_serverless_events_create_and_wire(tmp_path: Path) -> None:
    """serverless.yml sqs, stream, s3 (with rules), sns (by topic name) and schedule events."""
    path = _project(tmp_path, "serverless.yml", """\
        service: shop
        provider: {name: aws, runtime: RUNTIME}
        functions:
          jobs:
            handler: app.echo
            events:
              - sqs: {arn: !GetAtt Jobs.Arn, batchSize: 2}
              - s3: {bucket: shop-uploads, event: "s3:ObjectCreated:*", rules: [{suffix: .csv}]}
              - sns: orders-topic
              - schedule: rate(10 minutes)
          clicks:
            handler: app.kinesis
            events:
              - stream: {type: kinesis, arn: !GetAtt Clicks.Arn, batchSize: 10,
                         startingPosition: TRIM_HORIZON}
        resources:
          Resources:
            Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: shop-jobs}}
            Clicks: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}
        """)
    with Application(path) as app:
        assert set(app.functions) == {"jobs", "clicks"}
        assert app.function("shop-dev-jobs") is app.functions["jobs"]
        sqs = app.client("sqs")
        for body in ("a", "b", "c"):
            sqs.send_message(QueueUrl=app.resources["Jobs"].physical_id, MessageBody=body)
        app.client("s3").put_object(Bucket="shop-uploads", Key="x.csv", Body=b"1")
        app.client("s3").put_object(Bucket="shop-uploads", Key="x.txt", Body=b"1")
        app.client("sns").publish(TopicArn=app.resources["orders-topic"].physical_id,
                                  Message="m")
        app.client("kinesis").put_record(StreamName="Clicks", Data=b"c1", PartitionKey="p")
        results = app.drain()
        payloads = sorted(str(r.payload) for r in results)
        assert payloads == sorted(["['aws:sqs', 'aws:sqs']", "['aws:sqs']", "['aws:s3']",
                                   "['aws:sns']", "['c1']"])
        assert [r.payload for r in app.advance(600)] == [["aws.events"]]
        assert app.unsupported == []


def test_cloudformation_wiring_resources(tmp_path: Path) -> None:
    """Plain CloudFormation: an EventSourceMapping, a lambda SNS subscription, a scheduled rule
    and a bucket's LambdaConfigurations reach the function; environment refs are real names."""
    path = _project(tmp_path, "template.yaml", """\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Handler: app.echo
              Runtime: RUNTIME
              Code: .
          Env:
            Type: AWS::Lambda::Function
            Properties:
              Handler: app.env
              Runtime: RUNTIME
              Code: .
              Environment:
                Variables:
                  APP_QUEUE: !Ref Queue
                  APP_FIFO: !GetAtt Fifo.QueueName
                  APP_STREAM: !GetAtt Table.StreamArn
                  APP_BUCKET: !Ref Bucket
          Queue: {Type: AWS::SQS::Queue}
          Fifo: {Type: AWS::SQS::Queue, Properties: {FifoQueue: true}}
          Table:
            Type: AWS::DynamoDB::Table
            Properties:
              AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
              KeySchema: [{AttributeName: pk, KeyType: HASH}]
              BillingMode: PAY_PER_REQUEST
              StreamSpecification: {StreamViewType: KEYS_ONLY}
          Mapping:
            Type: AWS::Lambda::EventSourceMapping
            Properties: {FunctionName: !Ref Fn, EventSourceArn: !GetAtt Queue.Arn}
          Topic: {Type: AWS::SNS::Topic}
          Sub:
            Type: AWS::SNS::Subscription
            Properties: {TopicArn: !Ref Topic, Protocol: lambda, Endpoint: !GetAtt Fn.Arn}
          Nightly:
            Type: AWS::Events::Rule
            Properties:
              ScheduleExpression: cron(0 3 * * ? *)
              Targets: [{Arn: !GetAtt Fn.Arn, Id: t}]
          Bucket:
            Type: AWS::S3::Bucket
            Properties:
              BucketName: lower-case-only
              NotificationConfiguration:
                LambdaConfigurations: [{Event: "s3:ObjectCreated:*", Function: !GetAtt Fn.Arn}]
        """)
    with Application(path) as app:
        env = app.function("Env").invoke({}).payload
        stream = app.resources["Table"].attributes["StreamArn"]
        assert env == {"APP_QUEUE": app.resources["Queue"].physical_id, "APP_FIFO": "Fifo.fifo",
                       "APP_STREAM": stream, "APP_BUCKET": "lower-case-only"}
        app.client("sqs").send_message(QueueUrl=env["APP_QUEUE"], MessageBody="q")
        app.client("sns").publish(TopicArn=app.resources["Topic"].physical_id, Message="n")
        app.client("s3").put_object(Bucket=env["APP_BUCKET"], Key="k", Body=b"")
        assert sorted(str(r.payload) for r in app.drain()) == [
            "['aws:s3']", "['aws:sns']", "['aws:sqs']"]
        assert app.advance(86400) == []  # cron schedules run only when asked
        assert [r.payload for r in app.run_schedule("Nightly")] == [["aws.events"]]
        # Its only schedule, by the function's logical id or deployed name, as elsewhere.
        assert [r.payload for r in app.run_schedule("Fn")] == [["aws.events"]]
        assert [r.payload for r in app.run_schedule(app.function("Fn").name)] == [["aws.events"]]
        with pytest.raises(KeyError, match=r"no schedule 'Env'.*a function with one schedule"):
            app.run_schedule("Env")


def test_bad_schedule_and_unknown_function_are_clear_errors(tmp_path: Path) -> None:
    """A schedule expression Lambda would refuse, or a mapping to no function, names the cause."""
    path = _project(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.echo
              Runtime: RUNTIME
              CodeUri: .
              Events:
                Tick: {Type: Schedule, Properties: {Schedule: every 5 minutes}}
        """)
    with pytest.raises(TemplateError, match=r"schedule 'FnTick' has the expression "
                                            r"'every 5 minutes'; use rate\("):
        Application(path)
    path = _project(tmp_path, "template.yaml", """\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Handler: app.echo, Runtime: RUNTIME, Code: .}
          Queue: {Type: AWS::SQS::Queue}
          Map:
            Type: AWS::Lambda::EventSourceMapping
            Properties: {FunctionName: other, EventSourceArn: !GetAtt Queue.Arn}
        """)
    with pytest.raises(TemplateError, match=r"Resources.Map names the function 'other', which "
                                            r"is not one of the template's functions"):
        Application(path)


def test_inline_topic_subscriptions_are_wired(tmp_path: Path) -> None:
    """A topic's inline Subscription entries deliver as AWS::SNS::Subscription resources do;
    other protocols are listed as not emulated."""
    path = _project(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.echo, Runtime: RUNTIME, CodeUri: .}
          Copy: {Type: AWS::SQS::Queue}
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              Subscription:
                - {Protocol: sqs, Endpoint: !GetAtt Copy.Arn}
                - {Protocol: lambda, Endpoint: !GetAtt Fn.Arn}
                - {Protocol: https, Endpoint: "https://example.com/hook"}
                - {Protocol: email, Endpoint: ops@example.com}
        """)
    with Application(path) as app:
        app.client("sns").publish(TopicArn=app.resources["Topic"].physical_id, Message="n")
        assert [r.payload for r in app.drain()] == [["aws:sns"]]
        [copy] = app.client("sqs").receive_message(
            QueueUrl=app.resources["Copy"].physical_id)["Messages"]
        assert json.loads(copy["Body"])["Message"] == "n"
        assert app.unsupported == [
            "Topic.Subscription[2] (AWS::SNS::Topic inline subscription, protocol https: "
            "nothing is delivered to https://example.com/hook)",
            "Topic.Subscription[3] (AWS::SNS::Topic inline subscription, protocol email: "
            "nothing is delivered to ops@example.com)"]


def test_serverless_resources_inline_topic_subscriptions(tmp_path: Path) -> None:
    """serverless.yml resources.Resources: inline subscriptions are wired the same way, and a
    LayerVersion there says why its content is not loaded."""
    path = _project(tmp_path, "serverless.yml", """\
        service: shop
        provider: {name: aws, runtime: RUNTIME}
        functions:
          jobs: {handler: app.echo}
        resources:
          Resources:
            Copy: {Type: AWS::SQS::Queue}
            Topic:
              Type: AWS::SNS::Topic
              Properties:
                Subscription:
                  - {Protocol: sqs, Endpoint: !GetAtt Copy.Arn}
                  - Protocol: lambda
                    Endpoint: !Join [":", [arn:aws:lambda, !Ref AWS::Region,
                                           !Ref AWS::AccountId, function, shop-dev-jobs]]
                  - {Protocol: sms, Endpoint: "+15555550100"}
            Deps: {Type: AWS::Lambda::LayerVersion, Properties: {Content: .}}
        """)
    with Application(path) as app:
        app.client("sns").publish(TopicArn=app.resources["Topic"].physical_id, Message="n")
        assert [r.payload for r in app.drain()] == [["aws:sns"]]
        assert len(app.client("sqs").receive_message(
            QueueUrl=app.resources["Copy"].physical_id)["Messages"]) == 1
        assert app.unsupported == [
            "Deps (AWS::Lambda::LayerVersion: a serverless.yml function's layers come from the "
            "layers: section or an ARN mapped to a folder, so its content is not loaded)",
            "Topic.Subscription[2] (AWS::SNS::Topic inline subscription, protocol sms: "
            "nothing is delivered to +15555550100)"]


def test_layer_versions_the_functions_load_are_not_listed(tmp_path: Path) -> None:
    """A LayerVersion a function's Layers (or Globals' Layers) refers to is emulated; one no
    function refers to, or all of them when layers= replaces the template's, is listed with
    the reason."""
    (tmp_path / "shared" / "python").mkdir(parents=True)
    path = _project(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Layers: [!Ref Shared]}
        Resources:
          Shared:
            Type: AWS::Serverless::LayerVersion
            Properties: {ContentUri: shared/}
          Spare:
            Type: AWS::Lambda::LayerVersion
            Properties: {Content: shared/}
          Fn:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.env, Runtime: RUNTIME, CodeUri: .}
        """)
    with Application(path) as app:
        assert app.functions["Fn"].config.layers == (tmp_path / "shared",)
        assert app.unsupported == [
            "Spare (AWS::Lambda::LayerVersion: no function's Layers has !Ref to it, so its "
            "content is not loaded)"]
    with Application(path, layers=[]) as app:
        assert app.unsupported == [
            f"{lid} ({rtype}: layers= replaces every function's layers, so its content is "
            "not loaded)" for lid, rtype in (("Shared", "AWS::Serverless::LayerVersion"),
                                             ("Spare", "AWS::Lambda::LayerVersion"))]


def test_seeded_functions_with_a_shared_name_prefix_keep_their_own_triggers(
        tmp_path: Path) -> None:
    """Under one seed, two functions whose names share a long prefix each get their own S3
    relay and their own request ids (on Lambda no two invocations share one)."""
    long = "orders-service-production-image-thumbnail-generator-"
    path = _project(tmp_path, "template.yaml", f"""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Small:
            Type: AWS::Serverless::Function
            Properties:
              FunctionName: {long}small
              Handler: app.echo
              Runtime: RUNTIME
              CodeUri: .
              Events:
                Up: {{Type: S3, Properties: {{Bucket: !Ref Photos, Events: s3:ObjectCreated:*}}}}
          Large:
            Type: AWS::Serverless::Function
            Properties:
              FunctionName: {long}large
              Handler: app.echo
              Runtime: RUNTIME
              CodeUri: .
              Events:
                Up: {{Type: S3, Properties: {{Bucket: !Ref Videos, Events: s3:ObjectCreated:*}}}}
          Photos: {{Type: AWS::S3::Bucket, Properties: {{BucketName: photos}}}}
          Videos: {{Type: AWS::S3::Bucket, Properties: {{BucketName: videos}}}}
        """)
    with Application(path, seed=7) as app:
        assert len({t.queue_url for t in app.triggers}) == 2
        app.client("s3").put_object(Bucket="photos", Key="a.jpg", Body=b"1")
        app.client("s3").put_object(Bucket="videos", Key="b.mp4", Body=b"1")
        results = app.drain()
        assert sorted(r.function_name for r in results) == [f"{long}large", f"{long}small"]
        assert len({r.request_id for r in results}) == 2
        small, large = app.functions["Small"], app.functions["Large"]
        assert small.new_request_id() != large.new_request_id()


def test_drain_returns_every_async_invocation_next_to_push_triggers(tmp_path: Path) -> None:
    """An asynchronous invoke of a function without a trigger is returned by drain() even
    when the template has S3 and SNS triggers (a trigger's drain keeps only its own)."""
    path = _project(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          OnUpload:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.echo
              Runtime: RUNTIME
              CodeUri: .
              Events:
                Up: {Type: S3, Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}}
                Note: {Type: SNS, Properties: {Topic: !Ref Notes}}
          Plain:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.echo, Runtime: RUNTIME, CodeUri: .}
          Uploads: {Type: AWS::S3::Bucket}
          Notes: {Type: AWS::SNS::Topic}
        """)
    with Application(path) as app:
        app.functions["Plain"].invoke({"source": "test"}, invocation_type="Event")
        app.client("s3").put_object(Bucket=app.resources["Uploads"].physical_id, Key="k",
                                    Body=b"1")
        results = app.drain()
        assert sorted(str(r.payload) for r in results) == ["['aws:s3']", "['test']"]
        assert [r.payload for r in app.triggers[0].results] == [["aws:s3"]]


def test_sam_function_name_from_sub_is_the_name_ref_gives(tmp_path: Path) -> None:
    """FunctionName: !Sub "${AWS::StackName}-worker" names the function as !Ref and
    !GetAtt give it to other functions, so a handler that invokes it by name finds it."""
    path = _project(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Worker:
            Type: AWS::Serverless::Function
            Properties:
              FunctionName: !Sub "${AWS::StackName}-worker"
              Handler: app.env
              Runtime: RUNTIME
              CodeUri: .
          Caller:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.env
              Runtime: RUNTIME
              CodeUri: .
              Environment:
                Variables: {APP_TARGET: !Ref Worker, APP_ARN: !GetAtt Worker.Arn}
        """)
    with Application(path) as app:
        target = app.functions["Caller"].invoke({}).payload
        worker = app.functions["Worker"]
        assert target["APP_TARGET"] == worker.name and target["APP_ARN"] == worker.arn
        assert worker.name.endswith("-worker") and app.function(worker.name) is worker


def test_a_mapping_lambda_refuses_is_listed_and_the_rest_runs(tmp_path: Path) -> None:
    """A FilterCriteria operator Lambda's filters do not have leaves that one mapping out,
    listed with Lambda's error; the other mappings and functions still run."""
    path = _project(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Filtered:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.echo
              Runtime: RUNTIME
              CodeUri: .
              Events:
                Jobs:
                  Type: SQS
                  Properties:
                    Queue: !GetAtt Bad.Arn
                    FilterCriteria:
                      Filters: [{Pattern: '{"body": {"ip": [{"cidr": "10.0.0.0/24"}]}}'}]
          Fine:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.echo
              Runtime: RUNTIME
              CodeUri: .
              Events:
                Jobs: {Type: SQS, Properties: {Queue: !GetAtt Good.Arn}}
          Bad: {Type: AWS::SQS::Queue}
          Good: {Type: AWS::SQS::Queue}
        """)
    with Application(path) as app:
        assert [n for n in app.unsupported if n.startswith("Filtered.Events.Jobs")] == [
            n for n in app.unsupported if "cidr" in n]
        assert any("not wired" in n and "cidr" in n for n in app.unsupported)
        app.client("sqs").send_message(QueueUrl=app.resources["Good"].physical_id,
                                       MessageBody="x")
        assert [r.payload for r in app.drain()] == [["aws:sqs"]]


def test_mapping_properties_are_read_or_listed(tmp_path: Path) -> None:
    """StartingPositionTimestamp wires an AT_TIMESTAMP mapping (records put before it are not
    delivered); properties the local mapping does not emulate are listed, not dropped."""
    path = _project(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: RUNTIME, CodeUri: ., Handler: app.kinesis}
        Resources:
          Clicks: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}
          Jobs: {Type: AWS::SQS::Queue}
          Later:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Clicks:
                  Type: Kinesis
                  Properties:
                    Stream: !GetAtt Clicks.Arn
                    StartingPosition: AT_TIMESTAMP
                    StartingPositionTimestamp: 4102444800
          Windowed:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.echo
              Events:
                Jobs:
                  Type: SQS
                  Properties: {Queue: !GetAtt Jobs.Arn, ScalingConfig: {MaximumConcurrency: 2}}
                Clicks:
                  Type: Kinesis
                  Properties: {Stream: !GetAtt Clicks.Arn, StartingPosition: TRIM_HORIZON,
                               TumblingWindowInSeconds: 60}
        """)
    with Application(path) as app:
        assert len(app.mappings) == 3
        assert sorted(app.unsupported) == [
            "Windowed.Events.Clicks.TumblingWindowInSeconds (not emulated: tumbling windows; "
            "the handler gets plain batches, without window state)",
            "Windowed.Events.Jobs.ScalingConfig (not emulated: SQS maximum concurrency; the "
            "local poller invokes one batch at a time)"]
        app.client("kinesis").put_record(StreamName=app.resources["Clicks"].physical_id,
                                         Data=b"c1", PartitionKey="p")
        delivered = {r.function_name: r.payload for r in app.drain()}
        assert "Later" not in delivered and delivered["Windowed"] == ["aws:kinesis"]


def test_kinesis_stream_retention_and_mode_are_created(tmp_path: Path) -> None:
    """RetentionPeriodHours sets how long records stay (the end of a stream mapping's retries),
    StreamModeDetails an on-demand stream; a retention Kinesis refuses is a clear error."""
    text = """\
        Resources:
          Week: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 2, RetentionPeriodHours: 168}}
          Plain: {Type: AWS::Kinesis::Stream}
          OnDemand:
            Type: AWS::Kinesis::Stream
            Properties: {StreamModeDetails: {StreamMode: ON_DEMAND}}
        """
    with Application(_project(tmp_path, "template.yaml", text)) as app:
        kinesis = app.client("kinesis")

        def summary(lid: str) -> dict[str, Any]:
            return kinesis.describe_stream_summary(  # type: ignore[no-any-return]
                StreamName=app.resources[lid].physical_id)["StreamDescriptionSummary"]

        assert (summary("Week")["RetentionPeriodHours"], summary("Week")["OpenShardCount"]) == (
            168, 2)
        assert summary("Plain")["RetentionPeriodHours"] == 24
        assert summary("OnDemand")["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    bad = _project(tmp_path, "bad.yaml", """\
        Resources:
          Short: {Type: AWS::Kinesis::Stream, Properties: {RetentionPeriodHours: 12}}
        """)
    with pytest.raises(TemplateError, match=r"Short \(AWS::Kinesis::Stream\) could not be "
                       r"created in moto: .*Minimum allowed retention period is 24 hours.*"
                       r"too short\. Check its Properties"):
        Application(bad)


def test_bucket_queue_and_topic_notifications_in_cloudformation_shape(tmp_path: Path) -> None:
    """A bucket's QueueConfigurations / TopicConfigurations (CloudFormation's Event, Queue,
    Topic, Filter.S3Key.Rules) notify the queue and topic, next to a Lambda notification."""
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Jobs: {Type: AWS::SQS::Queue}
          Fanout: {Type: AWS::SNS::Topic}
          FanoutCopy: {Type: AWS::SQS::Queue}
          Copy:
            Type: AWS::SNS::Subscription
            Properties: {TopicArn: !Ref Fanout, Protocol: sqs, Endpoint: !GetAtt FanoutCopy.Arn,
                         RawMessageDelivery: true}
          Uploads:
            Type: AWS::S3::Bucket
            Properties:
              NotificationConfiguration:
                QueueConfigurations:
                  - Event: "s3:ObjectCreated:*"
                    Queue: !GetAtt Jobs.Arn
                    Filter: {S3Key: {Rules: [{Name: suffix, Value: .jpg}]}}
                TopicConfigurations:
                  - {Event: "s3:ObjectRemoved:*", Topic: !Ref Fanout}
                LambdaConfigurations:
                  - {Event: "s3:ObjectCreated:*", Function: !GetAtt Echo.Arn}
          Echo:
            Type: AWS::Serverless::Function
            Properties: {Runtime: RUNTIME, CodeUri: ., Handler: app.echo}
        """
    with Application(_project(tmp_path, "template.yaml", text)) as app:
        s3, sqs = app.client("s3"), app.client("sqs")
        bucket = app.resources["Uploads"].physical_id
        s3.put_object(Bucket=bucket, Key="a b.jpg", Body=b"x")
        s3.put_object(Bucket=bucket, Key="notes.txt", Body=b"x")
        s3.delete_object(Bucket=bucket, Key="notes.txt")

        def keys(lid: str) -> list[tuple[str, str]]:
            url = app.resources[lid].physical_id
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
            bodies = [json.loads(m["Body"]) for m in got]
            # S3 tests a queue destination with an s3:TestEvent when it is configured.
            return [(r["eventName"], r["s3"]["object"]["key"])
                    for b in bodies for r in b.get("Records", [])]

        assert keys("Jobs") == [("ObjectCreated:Put", "a+b.jpg")]
        assert keys("FanoutCopy") == [("ObjectRemoved:Delete", "notes.txt")]
        assert sorted(r.payload for r in app.drain()) == [["aws:s3"], ["aws:s3"]]


def test_bucket_eventbridge_notifications_reach_rules(tmp_path: Path) -> None:
    """EventBridgeEnabled sends the bucket's events to the default bus, where a rule on
    ``aws.s3`` / ``Object Created`` invokes its function."""
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Ingest:
            Type: AWS::S3::Bucket
            Properties:
              NotificationConfiguration: {EventBridgeConfiguration: {EventBridgeEnabled: true}}
          Quiet: {Type: AWS::S3::Bucket}
          Echo:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: RUNTIME
              CodeUri: .
              Handler: app.echo
              Events:
                Created:
                  Type: EventBridgeRule
                  Properties:
                    Pattern: {source: [aws.s3], detail-type: [Object Created]}
        """
    with Application(_project(tmp_path, "template.yaml", text)) as app:
        s3 = app.client("s3")
        s3.put_object(Bucket=app.resources["Ingest"].physical_id, Key="k", Body=b"x")
        s3.put_object(Bucket=app.resources["Quiet"].physical_id, Key="k", Body=b"x")
        assert [r.payload for r in app.drain()] == [["aws.s3"]]


def test_auto_publish_alias_is_what_the_events_invoke(tmp_path: Path) -> None:
    """SAM AutoPublishAlias publishes version 1 and the alias, and wires the function's events to
    the alias: the handler sees the alias ARN and version 1, as on AWS. A direct invoke (no
    qualifier) still runs $LATEST; a !Ref Fn.Alias elsewhere names the alias too."""
    (tmp_path / "who.py").write_text(
        "import os\n"
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': ' '.join([context.invoked_function_arn,\n"
        "            context.function_version, os.environ['AWS_LAMBDA_FUNCTION_VERSION']])}\n")
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Parameters: {Stage: {Type: String, Default: live}}
        Globals:
          Function: {Runtime: RUNTIME, CodeUri: ., Handler: who.handler}
        Resources:
          Jobs: {Type: AWS::SQS::Queue}
          More: {Type: AWS::SQS::Queue}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              AutoPublishAlias: !Ref Stage
              Events:
                Jobs: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
                Http: {Type: HttpApi, Properties: {Path: /who, Method: get}}
          MoreMapping:
            Type: AWS::Lambda::EventSourceMapping
            Properties: {EventSourceArn: !GetAtt More.Arn, FunctionName: !Ref Fn.Alias}
        """
    with Application(_project(tmp_path, "template.yaml", text)) as app:
        arn = app.functions["Fn"].arn
        assert list(app.functions["Fn"].aliases) == ["live"]
        assert app.http.get("/who").text == f"{arn}:live 1 1"
        sqs = app.client("sqs")
        for queue in ("Jobs", "More"):
            sqs.send_message(QueueUrl=app.resources[queue].physical_id, MessageBody="x")
        drained = app.drain()
        assert [json.loads(json.dumps(r.payload))["body"] for r in drained] == [
            f"{arn}:live 1 1"] * 2
        assert {r.executed_version for r in drained} == {"1"}
        assert app.functions["Fn"].invoke({}).payload["body"] == f"{arn} $LATEST $LATEST"


def test_drain_can_be_bounded_for_a_poison_record(tmp_path: Path) -> None:
    """lambda_app.drain(max_invocations=N) stops a stream whose batch keeps failing (retried
    until the record expires, as on Lambda) with the mapping's error, after N invocations."""
    (tmp_path / "poison.py").write_text("def handler(event, context):\n    raise ValueError()\n")
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Clicks: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: RUNTIME
              CodeUri: .
              Handler: poison.handler
              Events:
                Clicks:
                  Type: Kinesis
                  Properties: {Stream: !GetAtt Clicks.Arn, StartingPosition: TRIM_HORIZON}
        """
    with Application(_project(tmp_path, "template.yaml", text)) as app:
        app.client("kinesis").put_record(StreamName=app.resources["Clicks"].physical_id,
                                         Data=b"x", PartitionKey="p")
        with pytest.raises(RuntimeError, match=r"invoked 'Fn' 6 times without draining"):
            app.drain(max_invocations=5)


def test_function_properties_that_do_not_run_locally_are_listed(tmp_path: Path) -> None:
    """Durable functions, EFS mounts, SnapStart, provisioned concurrency and RecursiveLoop
    Allow change how a function runs on Lambda: listed, not skipped silently."""
    path = _project(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: RUNTIME, CodeUri: ., Handler: app.echo}
        Resources:
          Durable:
            Type: AWS::Serverless::Function
            Properties: {DurableConfig: {ExecutionTimeout: 900}, RecursiveLoop: Terminate}
          Managed:
            Type: AWS::Serverless::Function
            Properties:
              CapacityProviderConfig:
                Arn: "arn:aws:lambda:us-east-1:123456789012:capacity-provider:p"
          Mounted:
            Type: AWS::Serverless::Function
            Properties:
              FileSystemConfigs:
                - {Arn: "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1",
                   LocalMountPath: /mnt/data}
              SnapStart: {ApplyOn: PublishedVersions}
              RecursiveLoop: Allow
              Environment: {Variables: {AWS_LAMBDA_EXEC_WRAPPER: /opt/otel-instrument}}
              LoggingConfig: {LogFormat: JSON, SystemLogLevel: WARN}
        """)
    with Application(path) as app:
        assert app.unsupported == [
            "Durable.DurableConfig (not emulated: durable functions; the handler gets the plain "
            "event, without a durable execution)",
            "Managed.CapacityProviderConfig (not emulated: Lambda Managed Instances; the "
            "function runs as an on-demand one: one request per environment, "
            "AWS_LAMBDA_MAX_CONCURRENCY unset, its log format as configured, on-demand prices)",
            "Mounted.FileSystemConfigs (not emulated: EFS mounts; the LocalMountPath does not "
            "exist locally)",
            "Mounted.SnapStart (not emulated: SnapStart; every new environment is an on-demand "
            "cold start and no restore hook runs)",
            "Mounted.RecursiveLoop (not emulated: RecursiveLoop Allow; a recursive loop is still "
            "stopped at its 17th invocation)",
            "Mounted.LoggingConfig.SystemLogLevel (not emulated: the platform's START, END and "
            "REPORT records are still written)",
            "Mounted environment AWS_LAMBDA_EXEC_WRAPPER (not emulated: the wrapper script does "
            "not run)"]
        assert app.function("Durable").invoke({}).ok


@pytest.mark.parametrize(("expression", "problem"), [
    ("rate(1 minutes)", "a rate of 1 takes the singular unit: rate(1 minute)"),
    ("rate(5 minute)", "a rate above 1 takes the plural unit: rate(5 minutes)"),
    ("rate(0 hours)", "the rate must be a positive whole number"),
    ("cron(0 12 * * * *)", "day-of-month and day-of-week cannot both be given: put ? in one "
                           "of them, e.g. cron(0 12 * * ? *)"),
    ("cron(0 12 * *)", "a cron expression has six fields"),
])
def test_schedule_expressions_eventbridge_refuses_are_refused(tmp_path: Path, expression: str,
                                                             problem: str) -> None:
    """An expression EventBridge's PutRule refuses cannot deploy: the application says why
    instead of running the schedule."""
    path = _project(tmp_path, "template.yaml", f"""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.echo
              Runtime: RUNTIME
              CodeUri: .
              Events:
                Tick: {{Type: Schedule, Properties: {{Schedule: "{expression}"}}}}
        """)
    with pytest.raises(TemplateError) as e:
        Application(path)
    assert f"'{expression}', which EventBridge refuses: {problem}" in str(e.value)


def test_schedule_targets_apply_their_input_path_and_transformer(tmp_path: Path) -> None:
    """A scheduled rule's target InputPath / InputTransformer shape the Scheduled Event as
    EventBridge does (CloudFormation targets and serverless.yml schedule events)."""
    (tmp_path / "got.py").write_text("def handler(event, context):\n    return event\n")
    path = _project(tmp_path, "serverless.yml", """\
        service: cron
        provider: {name: aws, runtime: RUNTIME}
        functions:
          path:
            handler: got.handler
            events: [{schedule: {rate: rate(1 hour), inputPath: $.detail-type}}]
          shaped:
            handler: got.handler
            events:
              - schedule:
                  rate: rate(1 hour)
                  inputTransformer:
                    inputPathsMap: {when: $.time, kind: $.detail-type}
                    inputTemplate: '{"kind": <kind>, "at": <when>}'
        resources:
          Resources:
            Nightly:
              Type: AWS::Events::Rule
              Properties:
                ScheduleExpression: rate(1 hour)
                Targets:
                  - Arn: !GetAtt PathLambdaFunction.Arn
                    Id: t
                    InputTransformer:
                      InputPathsMap: {src: $.source}
                      InputTemplate: '"from <src>"'
        """)
    with Application(path) as app:
        got = sorted((r.function_name, json.dumps(r.payload)) for r in app.advance(3600))
    names = [n for n, _ in got]
    assert names == ["cron-dev-path", "cron-dev-path", "cron-dev-shaped"]
    payloads = [json.loads(p) for _, p in got]
    assert sorted(map(str, payloads[:2])) == ["Scheduled Event", "from aws.events"]
    assert payloads[2]["kind"] == "Scheduled Event" and payloads[2]["at"].endswith("Z")


def test_sam_creates_the_destination_a_type_alone_names(tmp_path: Path) -> None:
    """EventInvokeConfig OnSuccess {Type: SQS} / OnFailure {Type: SNS} without a Destination:
    SAM creates the queue and the topic (<Fn>EventInvokeConfigOnSuccessQueue, ...Topic), and
    the records go there."""
    (tmp_path / "flaky.py").write_text(
        "def handler(event, context):\n"
        "    if event.get('fail'):\n        raise ValueError('no')\n    return 'ok'\n")
    path = _project(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Copy: {Type: AWS::SQS::Queue}
          Worker:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: RUNTIME
              CodeUri: .
              Handler: flaky.handler
              EventInvokeConfig:
                MaximumRetryAttempts: 0
                DestinationConfig: {OnSuccess: {Type: SQS}, OnFailure: {Type: SNS}}
        """)
    with Application(path) as app:
        app.client("sns").subscribe(
            TopicArn=app.resources["WorkerEventInvokeConfigOnFailureTopic"].physical_id,
            Protocol="sqs", Endpoint=app.resources["Copy"].attributes["Arn"],
            Attributes={"RawMessageDelivery": "true"})
        fn = app.function("Worker")
        fn.invoke({}, invocation_type="Event")
        fn.invoke({"fail": True}, invocation_type="Event")
        app.drain()
        sqs = app.client("sqs")
        ok = sqs.receive_message(
            QueueUrl=app.resources["WorkerEventInvokeConfigOnSuccessQueue"].physical_id)
        assert json.loads(ok["Messages"][0]["Body"])["responsePayload"] == "ok"
        failed = sqs.receive_message(QueueUrl=app.resources["Copy"].physical_id)
        record = json.loads(failed["Messages"][0]["Body"])
        assert record["requestContext"]["condition"] == "RetriesExhausted"


def test_serverless_scheduler_method_sends_the_schedulers_event(tmp_path: Path) -> None:
    """serverless.yml ``schedule: {method: scheduler}`` is EventBridge Scheduler: its event
    (``aws.scheduler``), not an EventBridge rule's."""
    (tmp_path / "got.py").write_text("def handler(event, context):\n    return event\n")
    path = _project(tmp_path, "serverless.yml", """\
        service: cron
        provider: {name: aws, runtime: RUNTIME}
        functions:
          tick:
            handler: got.handler
            events: [{schedule: {rate: rate(1 hour), method: scheduler}},
                     {schedule: rate(1 hour)}]
        """)
    with Application(path) as app:
        sources = sorted(r.payload["source"] for r in app.advance(3600))
    assert sources == ["aws.events", "aws.scheduler"]


def test_scheduler_schedule_resources_run_like_schedulev2_events(tmp_path: Path) -> None:
    """An ``AWS::Scheduler::Schedule`` resource targeting a function of the template runs on
    ``advance()`` with its Input, as the SAM ``ScheduleV2`` event it is the form of (it was
    listed as not emulated and never ran); one targeting something else is listed."""
    (tmp_path / "got.py").write_text("def handler(event, context):\n    return event\n")
    path = _project(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ., Handler: got.handler, Runtime: RUNTIME}
          Queue: {Type: AWS::SQS::Queue}
          Cleanup:
            Type: AWS::Scheduler::Schedule
            Properties:
              ScheduleExpression: rate(5 minutes)
              FlexibleTimeWindow: {Mode: "OFF"}
              Target: {Arn: !GetAtt Fn.Arn, RoleArn: arn:aws:iam::123456789012:role/r,
                       Input: '{"job": "cleanup"}'}
          ToQueue:
            Type: AWS::Scheduler::Schedule
            Properties:
              ScheduleExpression: rate(5 minutes)
              FlexibleTimeWindow: {Mode: "OFF"}
              Target: {Arn: !GetAtt Queue.Arn, RoleArn: arn:aws:iam::123456789012:role/r}
        """)
    with Application(path) as app:
        results = app.advance(600)
        assert [r.payload for r in results] == [{"job": "cleanup"}, {"job": "cleanup"}]
        assert any(u.startswith("ToQueue (AWS::Scheduler::Schedule whose target is not")
                   for u in app.unsupported), app.unsupported


def test_eventbridge_rules_with_a_pattern_deliver_matching_events(tmp_path: Path) -> None:
    """SAM EventBridgeRule (custom bus, InputPath), CloudWatchEvent (Input) and a
    CloudFormation AWS::Events::Rule (InputTransformer): moto matches the pattern, each
    function gets what EventBridge would send it, asynchronously."""
    (tmp_path / "rules.py").write_text("def got(event, context):\n    return event\n")
    path = _project(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: RUNTIME, CodeUri: ., Handler: rules.got}
        Resources:
          Bus: {Type: AWS::Events::EventBus, Properties: {Name: shop-bus}}
          OnOrder:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Placed:
                  Type: EventBridgeRule
                  Properties:
                    EventBusName: !Ref Bus
                    Pattern: {source: [shop.orders], detail: {total: [{numeric: [">", 100]}]}}
          Constant:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Any:
                  Type: CloudWatchEvent
                  Properties:
                    Pattern: {source: [shop.audit]}
                    Input: '{"fixed": true}'
          Shaped:
            Type: AWS::Serverless::Function
          ShapedRule:
            Type: AWS::Events::Rule
            Properties:
              EventPattern: {source: [shop.audit]}
              Targets:
                - Id: shaped
                  Arn: !GetAtt Shaped.Arn
                  InputTransformer:
                    InputPathsMap: {who: $.detail.user}
                    InputTemplate: '{"user": <who>}'
        """)
    with Application(path) as app:
        bridge = app.client("events")
        entries = [
            {"Source": "shop.orders", "DetailType": "OrderPlaced", "EventBusName": "shop-bus",
             "Detail": json.dumps({"total": 150})},
            {"Source": "shop.orders", "DetailType": "OrderPlaced", "EventBusName": "shop-bus",
             "Detail": json.dumps({"total": 5})},
            {"Source": "shop.orders", "DetailType": "OrderPlaced",
             "Detail": json.dumps({"total": 500})},  # the default bus: no rule there
            {"Source": "shop.audit", "DetailType": "Login", "Detail": json.dumps({"user": "u1"})},
        ]
        assert bridge.put_events(Entries=entries)["FailedEntryCount"] == 0
        got = {r.function_name: r.payload for r in app.drain()}
        assert set(got) == {"OnOrder", "Constant", "Shaped"}
        event = got["OnOrder"]
        assert list(event) == ["version", "id", "detail-type", "source", "account", "time",
                               "region", "resources", "detail"]
        assert (event["detail"], event["account"], event["detail-type"]) == (
            {"total": 150}, "123456789012", "OrderPlaced")
        assert got["Constant"] == {"fixed": True}
        assert got["Shaped"] == {"user": "u1"}
        assert app.unsupported == []


def test_eventbridge_rule_target_settings_are_checked(tmp_path: Path) -> None:
    """Input and InputPath on one target is refused as EventBridge refuses it, naming where."""
    path = _project(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: RUNTIME
              CodeUri: .
              Handler: app.echo
              Events:
                Both:
                  Type: EventBridgeRule
                  Properties: {Pattern: {source: [a]}, Input: '{}', InputPath: $.detail}
        """)
    with pytest.raises(TemplateError, match=r"Fn.Events.Both: input and input_path given"):
        Application(path)


def test_serverless_eventbridge_events(tmp_path: Path) -> None:
    """serverless.yml eventBridge (custom bus by name, inputTransformer) and the legacy
    cloudwatchEvent (event pattern, inputPath)."""
    (tmp_path / "rules.py").write_text("def got(event, context):\n    return event\n")
    path = _project(tmp_path, "serverless.yml", """\
        service: shop
        provider: {name: aws, runtime: RUNTIME}
        functions:
          audit:
            handler: rules.got
            events:
              - eventBridge:
                  eventBus: audit-bus
                  pattern: {source: [shop.auth]}
                  inputTransformer:
                    inputPathsMap: {who: $.detail.user}
                    inputTemplate: '{"who": <who>}'
          legacy:
            handler: rules.got
            events:
              - cloudwatchEvent: {event: {source: [shop.auth]}, inputPath: $.detail}
        """)
    with Application(path) as app:
        app.client("events").put_events(Entries=[
            {"Source": "shop.auth", "DetailType": "Login", "EventBusName": "audit-bus",
             "Detail": json.dumps({"user": "ann"})},
            {"Source": "shop.auth", "DetailType": "Login", "Detail": json.dumps({"user": "bob"})}])
        got = sorted((r.function_name, json.dumps(r.payload)) for r in app.drain())
        assert got == [("shop-dev-audit", '{"who": "ann"}'), ("shop-dev-legacy", '{"user": "bob"}')]


def test_a_bucket_name_s3_refuses_fails_like_the_stack(tmp_path: Path) -> None:
    """An uppercase BucketName cannot be deployed (S3 refuses it): the application fails
    naming the resource and a valid spelling, instead of quietly lower-casing it."""
    path = _project(tmp_path, "template.yaml", """\
        Resources:
          Uploads: {Type: AWS::S3::Bucket, Properties: {BucketName: My-Uploads}}
        """)
    with pytest.raises(TemplateError, match=r"Uploads \(AWS::S3::Bucket\) has BucketName "
                       r"'My-Uploads', which S3 refuses.*Use e.g. 'my-uploads'"):
        Application(path)


def test_serverless_lift_constructs_and_plugins_are_listed(tmp_path: Path) -> None:
    """serverless-lift ``constructs:`` (a queue with its worker function) are not created, and
    plugins are not run: they are listed, not skipped silently (a packaging plugin changes
    nothing that is deployed and is not)."""
    path = _project(tmp_path, "serverless.yml", """\
        service: jobs
        provider: {name: aws, runtime: RUNTIME}
        plugins: [serverless-lift, serverless-python-requirements,
                  serverless-apigateway-service-proxy]
        functions:
          ping: {handler: app.echo}
        constructs:
          jobs: {type: queue, worker: {handler: app.echo}}
        """)
    with Application(path) as app:
        assert list(app.functions) == ["ping"]
        assert app.unsupported == [
            "constructs.jobs (queue construct of a plugin such as serverless-lift: neither its "
            "resources nor its functions are created; declare them under resources: and "
            "functions: to test them)",
            "plugins: serverless-lift (Serverless Framework plugins are not run: resources, "
            "routes or settings it adds to the service are not created)",
            "plugins: serverless-apigateway-service-proxy (Serverless Framework plugins are not "
            "run: resources, routes or settings it adds to the service are not created)"]
