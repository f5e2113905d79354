"""Realism checks the Powertools models skip, and small checkers for sources without a model.

Shapes follow the AWS documentation for each source (see shared/reference/events.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from pytest_lambda.events._attributes import sqs_attributes_md5

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ISO_S = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CLF = re.compile(r"^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$")
SQS_TYPES = ("String", "Number", "Binary")
SNS_TYPES = ("String", "Number", "Binary", "String.Array")


def check_s3(event: dict[str, Any]) -> None:
    """Keys are form-encoded, times ISO-ms, sizes non-negative, ETags hex, versions by type."""
    for record in event["Records"]:
        assert ISO_MS.match(record["eventTime"])
        name = record["eventName"]
        # S3 user guide, "Event message structure": 2.2 for replication; 2.3 for lifecycle,
        # Intelligent-Tiering, object ACL, object tagging and restore-delete; 2.1 otherwise.
        if name.startswith("Replication:"):
            assert record["eventVersion"] == "2.2"
        elif name == "ObjectRestore:Delete" or name.startswith(
            ("Lifecycle", "IntelligentTiering", "ObjectAcl:", "ObjectTagging:")
        ):
            assert record["eventVersion"] == "2.3"
        # Same page: transition events name the target class, tiering events the access tier,
        # restore-completed events the restored copy's expiry and class, replication the rule.
        if name == "LifecycleTransition":
            assert record["lifecycleEventData"]["transitionEventData"]["destinationStorageClass"]
        if name == "IntelligentTiering":
            assert record["intelligentTieringEventData"]["destinationAccessTier"] in (
                "ARCHIVE_ACCESS",
                "DEEP_ARCHIVE_ACCESS",
            )
        if name == "ObjectRestore:Completed":
            restore = record["glacierEventData"]["restoreEventData"]
            assert ISO_MS.match(restore["lifecycleRestorationExpiryTime"])
        if name.startswith("Replication:"):
            data = record["replicationEventData"]
            assert data["destinationBucket"].startswith("arn:aws:s3:::")
            assert ("failureReason" in data) == name.endswith("FailedReplication")
        obj = record["s3"]["object"]
        # Removal events describe an object that is gone: no size, no eTag (same page).
        removed = name.startswith(("ObjectRemoved:", "LifecycleExpiration:"))
        assert ("size" in obj) != removed
        key = obj["key"]
        assert quote_plus(unquote_plus(key), safe="/") == key
        if "size" in obj:
            assert isinstance(obj["size"], int) and obj["size"] >= 0
            assert re.fullmatch(r"[0-9a-f]{32}(-\d+)?", obj["eTag"])
        assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::" + record["s3"]["bucket"]["name"]


def check_sqs(event: dict[str, Any]) -> None:
    """MD5s recomputed, attribute types restricted, attributes all strings, FIFO consistent.

    Sources: Lambda developer guide "Using Lambda with Amazon SQS" (example event: string
    attributes); SQS developer guide "Calculating the MD5 message digest for message attributes"
    and "Message attribute data types" (String, Number, Binary + custom suffix).
    """
    for record in event["Records"]:
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()
        assert all(isinstance(v, str) for v in record["attributes"].values())
        attrs = record["messageAttributes"]
        for attr in attrs.values():
            assert attr["dataType"].split(".", 1)[0] in SQS_TYPES
            if attr["dataType"].startswith("Binary"):
                base64.b64decode(attr["binaryValue"], validate=True)
        if attrs:
            assert record["md5OfMessageAttributes"] == sqs_attributes_md5(attrs)
        fifo = record["eventSourceARN"].endswith(".fifo")
        assert fifo == ("MessageGroupId" in record["attributes"])
        assert UUID.match(record["messageId"])


def check_sns(event: dict[str, Any]) -> None:
    """One record, attribute types restricted, URLs on the regional SNS endpoint.

    Sources: Lambda developer guide "Using Lambda with Amazon SNS" (example event); SNS developer
    guide "Amazon SNS message attributes" (String, String.Array, Number, Binary).
    """
    [record] = event["Records"]
    sns = record["Sns"]
    assert record["EventSubscriptionArn"].startswith(sns["TopicArn"] + ":")
    assert ISO_MS.match(sns["Timestamp"])
    for attr in sns["MessageAttributes"].values():
        assert attr["Type"] in SNS_TYPES
    assert sns["SigningCertUrl"].startswith("https://sns.")


def check_dynamodb(event: dict[str, Any]) -> None:
    """Images agree with eventName and StreamViewType; numbers are strings.

    Source: DynamoDB API reference, StreamRecord and StreamViewType (which images each view
    type carries); AttributeValue (N is sent as a string).
    """
    for record in event["Records"]:
        change = record["dynamodb"]
        view, name = change["StreamViewType"], record["eventName"]
        wants_new = name != "REMOVE" and view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
        wants_old = name != "INSERT" and view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")
        assert ("NewImage" in change) == wants_new
        assert ("OldImage" in change) == wants_old
        assert change["SequenceNumber"].isdigit() and change["SizeBytes"] > 0
        for image in ("NewImage", "OldImage"):
            for key, value in change["Keys"].items():
                if image in change:
                    assert change[image][key] == value


def check_http_v2(event: dict[str, Any]) -> None:
    """Payload 2.0: literal version, leading '/', lower-case headers, no multi-value maps.

    Source: API Gateway developer guide "Create AWS Lambda proxy integrations for HTTP APIs"
    (payload format version 2.0: no multi-value maps, cookies field, comma-joined values).
    """
    assert event["version"] == "2.0"
    assert event["rawPath"].startswith("/") and not event["rawQueryString"].startswith("?")
    assert all(k == k.lower() for k in event["headers"])
    assert "multiValueHeaders" not in event
    assert CLF.match(event["requestContext"]["time"])
    ipaddress.ip_address(event["requestContext"]["http"]["sourceIp"])
    if "queryStringParameters" in event:
        assert event["queryStringParameters"]
    assert "cookie" not in event["headers"]


def check_rest_v1(event: dict[str, Any]) -> None:
    """Payload 1.0: single-value maps are the last of each multi-value list.

    Source: API Gateway developer guide "Lambda proxy integrations in API Gateway" (input format:
    headers and multiValueHeaders; requestContext.path includes the stage).
    """
    multi = event["multiValueHeaders"]
    assert event["headers"] == {k: v[-1] for k, v in multi.items()}
    mq = event["multiValueQueryStringParameters"]
    single = event["queryStringParameters"]
    assert (mq is None) == (single is None)
    if mq:
        assert single == {k: v[-1] for k, v in mq.items()}
    context = event["requestContext"]
    assert context["path"] == f"/{context['stage']}{event['path']}"
    assert CLF.match(context["requestTime"])
    ipaddress.ip_address(context["identity"]["sourceIp"])
    if event["isBase64Encoded"]:
        base64.b64decode(event["body"], validate=True)


def check_alb(event: dict[str, Any]) -> None:
    """ALB sends single-value or multi-value maps, never both; body is a string.

    Source: Elastic Load Balancing user guide "Lambda functions as targets" (multi-value headers
    is a target group attribute; with it on, only multiValue* maps are sent).
    """
    single = "headers" in event
    assert single != ("multiValueHeaders" in event)
    assert single == ("queryStringParameters" in event)
    assert single != ("multiValueQueryStringParameters" in event)
    assert isinstance(event["body"], str) and isinstance(event["isBase64Encoded"], bool)
    assert event["httpMethod"] in ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
    assert event["path"].startswith("/")
    assert event["requestContext"]["elb"]["targetGroupArn"].startswith(
        "arn:aws:elasticloadbalancing:"
    )
    headers = event.get("headers") or event["multiValueHeaders"]
    assert all(k == k.lower() for k in headers)
    if not single:
        assert all(isinstance(v, list) and v for v in event["multiValueHeaders"].values())


def check_alexa(event: dict[str, Any]) -> None:
    """Alexa request envelope per the ASK request-and-response JSON reference."""
    assert event["version"] == "1.0"
    session = event["session"]
    assert isinstance(session["new"], bool)
    assert session["sessionId"].startswith("amzn1.echo-api.session.")
    assert session["application"]["applicationId"].startswith("amzn1.ask.skill.")
    assert session["user"]["userId"].startswith("amzn1.ask.account.")
    system = event["context"]["System"]
    assert system["application"] == session["application"]
    assert system["apiEndpoint"].startswith("https://api.")
    request = event["request"]
    assert request["type"] in ("LaunchRequest", "IntentRequest", "SessionEndedRequest")
    assert request["requestId"].startswith("amzn1.echo-api.request.")
    assert ISO_S.match(request["timestamp"])
    assert re.fullmatch(r"[a-z]{2}-[A-Z]{2}", request["locale"])
    if request["type"] == "IntentRequest":
        intent = request["intent"]
        assert intent["confirmationStatus"] in ("NONE", "CONFIRMED", "DENIED")
        for name, slot in intent["slots"].items():
            assert slot["name"] == name
            assert isinstance(slot.get("value", ""), str)
    if request["type"] == "SessionEndedRequest":
        assert request["reason"] in ("USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS")


def check_lex_v2(event: dict[str, Any]) -> None:
    """Lex V2 code hook input per the Lex V2 developer guide's event format."""
    assert event["messageVersion"] == "1.0"
    assert event["invocationSource"] in ("DialogCodeHook", "FulfillmentCodeHook")
    assert event["inputMode"] in ("Text", "Speech", "DTMF")
    bot = event["bot"]
    assert set(bot) == {"id", "name", "aliasId", "aliasName", "localeId", "version"}
    intent = event["sessionState"]["intent"]
    assert intent["confirmationState"] in ("Confirmed", "Denied", "None")
    for slot in intent["slots"].values():
        assert slot is None or {"originalValue", "interpretedValue"} <= set(slot["value"])
    assert (
        event["interpretations"] and event["interpretations"][0]["intent"]["name"] == intent["name"]
    )


def check_codepipeline(event: dict[str, Any]) -> None:
    """A single literal 'CodePipeline.job' key with S3 artifacts and credentials."""
    assert list(event) == ["CodePipeline.job"]
    job = event["CodePipeline.job"]
    assert UUID.match(job["id"]) and job["accountId"].isdigit()
    data = job["data"]
    assert "FunctionName" in data["actionConfiguration"]["configuration"]
    for artifact in data["inputArtifacts"] + data["outputArtifacts"]:
        assert artifact["location"]["type"] == "S3"
    assert data["artifactCredentials"]["accessKeyId"].startswith("ASIA")


def check_secretsmanager(event: dict[str, Any]) -> None:
    """Rotation events: Step, secret ARN, UUID request token."""
    assert event["Step"] in ("createSecret", "setSecret", "testSecret", "finishSecret")
    assert re.fullmatch(
        r"arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}", event["SecretId"]
    )
    assert UUID.match(event["ClientRequestToken"])


# Keys whose values are points in time at or before delivery. Sources: SQS API reference
# (ReceiveMessage attributes, epoch ms), DynamoDB Streams StreamRecord (epoch s), Kinesis Record
# (approximateArrivalTimestamp, epoch s), S3 "Event message structure" (eventTime: when S3
# finished processing), API Gateway $context.requestTimeEpoch (ms).
_PAST_KEYS = (
    "SentTimestamp",
    "ApproximateFirstReceiveTimestamp",
    "ApproximateCreationDateTime",
    "approximateArrivalTimestamp",
    "eventTime",
    "Timestamp",
    "timestamp",
    "time",
    "requestTimeEpoch",
    "timeEpoch",
    "requestTime",
)


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _as_time(value: Any) -> dt.datetime | None:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        if value > 10**14:  # microseconds (VPC Lattice v2 timeEpoch)
            seconds = value / 10**6
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    if isinstance(value, str):
        for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%d/%b/%Y:%H:%M:%S %z"):
            try:
                return dt.datetime.strptime(value.replace("Z", "+0000"), fmt)
            except ValueError:
                continue
    return None


def check_not_after(event: Any, now: dt.datetime) -> None:
    """No timestamp in the event is later than its delivery time."""
    for key, value in _walk(event):
        if key in _PAST_KEYS:
            when = _as_time(value)
            if when is not None:
                assert when <= now, f"{key}={value!r} is after delivery time {now.isoformat()}"


def check_cloudfront(event: dict[str, Any]) -> None:
    """Lambda@Edge shape (CloudFront developer guide, "Lambda@Edge event structure")."""
    [record] = event["Records"]
    cf = record["cf"]
    config = cf["config"]
    assert config["eventType"] in (
        "viewer-request",
        "origin-request",
        "origin-response",
        "viewer-response",
    )
    assert config["distributionDomainName"].endswith(".cloudfront.net")
    request = cf["request"]
    # Headers: lower-case name → list of {key: original case, value}; same page.
    for name, entries in request["headers"].items():
        assert name == name.lower()
        assert all(e["key"].lower() == name and isinstance(e["value"], str) for e in entries)
    assert not request["querystring"].startswith("?") and request["uri"].startswith("/")
    ipaddress.ip_address(request["clientIp"])
    # Origin-facing events name the origin; viewer-facing ones do not (same page).
    assert ("origin" in request) == config["eventType"].startswith("origin")
    assert ("response" in cf) == config["eventType"].endswith("response")
    if "response" in cf:
        assert cf["response"]["status"].isdigit()  # a string, e.g. "200"
        assert all(k == k.lower() for k in cf["response"]["headers"])
    if "body" in request:
        assert request["body"]["encoding"] == "base64"
        base64.b64decode(request["body"]["data"], validate=True)


def check_codecommit(event: dict[str, Any]) -> None:
    """CodeCommit trigger records (CodeCommit user guide, trigger test event)."""
    for record in event["Records"]:
        assert record["eventSource"] == "aws:codecommit" and record["eventVersion"] == "1.0"
        # eventTime is written with a numeric offset and milliseconds: ...T23:59:59.000+0000.
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", record["eventTime"])
        assert record["eventSourceARN"].startswith("arn:aws:codecommit:")
        for ref in record["codecommit"]["references"]:
            assert re.fullmatch(r"[0-9a-f]{40}", ref["commit"])
            assert ref["ref"].startswith("refs/")


def check_config(event: dict[str, Any]) -> None:
    """Config rule events: JSON-string invokingEvent/ruleParameters (Config "Example events")."""
    invoking = json.loads(event["invokingEvent"])
    json.loads(event["ruleParameters"])
    assert event["version"] == "1.0" and isinstance(event["eventLeftScope"], bool)
    kind = invoking["messageType"]
    if kind == "ConfigurationItemChangeNotification":
        assert invoking["configurationItem"]["awsAccountId"] == event["accountId"]
    elif kind == "OversizedConfigurationItemChangeNotification":
        assert "configurationItem" not in invoking and invoking["configurationItemSummary"]
    else:
        assert kind == "ScheduledNotification" and "configurationItem" not in invoking
    assert event["configRuleArn"].endswith("/" + event["configRuleId"])


def check_connect(event: dict[str, Any]) -> None:
    """Connect contact flow input (Connect admin guide, Lambda function input): strings only."""
    assert event["Name"] == "ContactFlowEvent"
    data = event["Details"]["ContactData"]
    assert data["Channel"] in ("VOICE", "CHAT", "TASK")
    assert all(isinstance(v, str) for v in data["Attributes"].values())
    assert all(isinstance(v, str) for v in event["Details"]["Parameters"].values())
    assert UUID.match(data["ContactId"]) and data["InstanceARN"].startswith("arn:aws:connect:")
    if data["Channel"] == "VOICE":
        assert re.fullmatch(r"\+\d{8,15}", data["CustomerEndpoint"]["Address"])


def check_lex_v1(event: dict[str, Any]) -> None:
    """Lex V1 input (Lex V1 developer guide, input event format): string-or-null slots."""
    assert event["messageVersion"] == "1.0"
    assert event["invocationSource"] in ("DialogCodeHook", "FulfillmentCodeHook")
    assert set(event["bot"]) == {"name", "alias", "version"}
    intent = event["currentIntent"]
    assert intent["confirmationStatus"] in ("None", "Confirmed", "Denied")
    assert all(v is None or isinstance(v, str) for v in intent["slots"].values())
    assert all(isinstance(v, str) for v in event["sessionAttributes"].values())


def check_kinesis_analytics(event: dict[str, Any]) -> None:
    """KDA preprocessing input: one source ARN, base64 data, ms arrival times (KDA SQL guide)."""
    assert ("streamArn" in event) != ("firehoseArn" in event)
    assert event["applicationArn"].startswith("arn:aws:kinesisanalytics:")
    for record in event["records"]:
        base64.b64decode(record["data"], validate=True)
        meta = record.get("kinesisStreamRecordMetadata") or record["kinesisFirehoseRecordMetadata"]
        assert isinstance(meta["approximateArrivalTimestamp"], int)


def check_alexa_smart_home(event: dict[str, Any]) -> None:
    """Smart Home v3 directive: header with payloadVersion "3" and a BearerToken scope."""
    directive = event["directive"]
    header = directive["header"]
    assert header["payloadVersion"] == "3" and UUID.match(header["messageId"])
    scope = directive["payload"]["scope"] if "endpoint" not in directive else None
    scope = scope or directive["endpoint"]["scope"]
    assert scope["type"] == "BearerToken" and scope["token"]
    assert ("correlationToken" in header) == (header["name"] != "Discover")


def check_workmail(event: dict[str, Any]) -> None:
    """WorkMail flow event (WorkMail admin guide, Lambda event data)."""
    assert event["flowDirection"] in ("INBOUND", "OUTBOUND")
    assert event["envelope"]["recipients"] and "@" in event["sender"]["address"]
    assert isinstance(event["truncated"], bool) and UUID.match(event["messageId"])


def check_sagemaker(event: dict[str, Any]) -> None:
    """Ground Truth Lambda input (SageMaker guide, custom labeling workflow request syntax)."""
    assert event["version"] == "2018-10-16"
    assert re.fullmatch(
        r"arn:aws:sagemaker:[a-z0-9-]+:\d{12}:labeling-job/.+", event["labelingJobArn"]
    )
    if "dataObject" in event:
        assert len({"source", "source-ref"} & set(event["dataObject"])) == 1
    else:
        assert event["payload"]["s3Uri"].startswith("s3://")


def check_cognito_sync(event: dict[str, Any]) -> None:
    """Cognito Sync trigger: version 2, SyncTrigger, replace/remove ops (Cognito Sync triggers)."""
    assert event["version"] == 2 and event["eventType"] == "SyncTrigger"
    for change in event["datasetRecords"].values():
        assert change["op"] in ("replace", "remove")
        assert (change["op"] == "remove") == (change["newValue"] is None)


def check_stepfunctions_error(event: dict[str, Any]) -> None:
    """A Catch result: exactly Error and Cause strings (Step Functions error handling)."""
    assert set(event) == {"Error", "Cause"} and all(isinstance(v, str) for v in event.values())


def check_batch_job(event: dict[str, Any]) -> None:
    """Batch SubmitJob / DescribeJobs inputs (AWS Batch API reference)."""
    if "jobId" in event:
        assert UUID.match(event["jobId"])
    else:
        assert {"jobName", "jobQueue", "jobDefinition"} <= set(event)


def check_websocket(event: dict[str, Any]) -> None:
    """WebSocket proxy events (API Gateway developer guide, WebSocket $context variables)."""
    context = event["requestContext"]
    kind = context["eventType"]
    assert kind in ("CONNECT", "MESSAGE", "DISCONNECT")
    assert context["routeKey"] == {"CONNECT": "$connect", "DISCONNECT": "$disconnect"}.get(
        kind, context["routeKey"]
    )
    # messageId only on MESSAGE; messages carry no headers, connect/disconnect do.
    assert ("messageId" in context) == (kind == "MESSAGE")
    assert ("headers" in event) == (kind != "MESSAGE")
    # connectedAt (epoch ms) is never after the request.
    assert context["connectedAt"] <= context["requestTimeEpoch"]
    assert context["messageDirection"] == "IN" and CLF.match(context["requestTime"])
    ipaddress.ip_address(context["identity"]["sourceIp"])
    if event["isBase64Encoded"]:
        base64.b64decode(event["body"], validate=True)
