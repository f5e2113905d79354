"""Realism checks for the sources added in round 2 (Lattice, Object Lambda, MQ, DocumentDB, ...).

Each rule cites the AWS page it comes from; event_checks.py holds the checks for the older
sources.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from event_checks import ISO_MS, ISO_S, UUID


def check_vpc_lattice(event: dict[str, Any]) -> None:
    """VPC Lattice user guide, "Lambda functions as targets" (event structure 1.0 / 2.0)."""
    v2 = event.get("version") == "2.0"
    # 1.0 is snake_case without a request context; 2.0 is camelCase with one.
    assert ("raw_path" in event) != v2 and ("requestContext" in event) == v2
    # 1.0: one string per header; 2.0: a list of values per header (same page, and AWS's
    # aws-lambda-java-libs / aws-lambda-go event types).
    headers = {k: v if v2 else [v] for k, v in event["headers"].items()}
    assert all(k == k.lower() for k in headers)
    assert all(
        isinstance(v, list) and v and all(isinstance(i, str) for i in v) for v in headers.values()
    )
    [host] = headers["host"]
    assert host.endswith(".on.aws") and ".vpc-lattice-svcs." in host
    # Callers are inside a VPC: x-forwarded-for is a private address.
    assert ipaddress.ip_address(headers["x-forwarded-for"][0].split(",")[0]).is_private
    encoded = event["is_base64_encoded" if not v2 else "isBase64Encoded"]
    if encoded:
        base64.b64decode(event["body"], validate=True)
    if v2:
        context = event["requestContext"]
        for key, kind in (
            ("serviceNetworkArn", "servicenetwork/sn-"),
            ("serviceArn", "service/svc-"),
            ("targetGroupArn", "targetgroup/tg-"),
        ):
            assert re.fullmatch(
                rf"arn:aws:vpc-lattice:{context['region']}:\d{{12}}:{kind}[0-9a-f]{{17}}",
                context[key],
            )
        # timeEpoch: epoch microseconds, sent as a string.
        assert isinstance(context["timeEpoch"], str) and len(context["timeEpoch"]) == 16
        identity = context["identity"]
        assert identity["type"] in ("NONE", "AWS_IAM")
        assert ("principal" in identity) == (identity["type"] == "AWS_IAM")


def check_s3_object_lambda(event: dict[str, Any]) -> None:
    """Amazon S3 user guide, "Event context format and usage" (olap-event-context.html)."""
    context = event["getObjectContext"]
    url = urlsplit(context["inputS3Url"])
    assert url.scheme == "https" and ".s3-accesspoint." in url.netloc
    query = parse_qs(url.query)
    # A presigned GetObject on the supporting access point (SigV4 query parameters).
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and "X-Amz-Signature" in query
    assert re.fullmatch(r"io-[a-z]{2}[a-z]\d-\d{3}", context["outputRoute"])
    config = event["configuration"]
    assert config["accessPointArn"].startswith("arn:aws:s3-object-lambda:")
    ap_name = config["supportingAccessPointArn"].rsplit("/", 1)[1]
    assert url.netloc.startswith(ap_name + "-")
    assert isinstance(config["payload"], str)
    assert urlsplit(event["userRequest"]["url"]).netloc == event["userRequest"]["headers"]["Host"]
    assert event["protocolVersion"] == "1.00"
    assert event["userIdentity"]["accountId"].isdigit()


_S3_EB_BY_S3 = (
    "Object Restore Completed",
    "Object Restore Expired",
    "Object Storage Class Changed",
    "Object Access Tier Changed",
)


def check_s3_eventbridge(event: dict[str, Any]) -> None:
    """Amazon S3 user guide, "EventBridge event message structure" (ev-events.html)."""
    assert event["source"] == "aws.s3" and event["version"] == "0" and ISO_S.match(event["time"])
    detail = event["detail"]
    assert detail["version"] == "0"
    assert event["resources"] == [f"arn:aws:s3:::{detail['bucket']['name']}"]
    kind = event["detail-type"]
    by_s3 = kind in _S3_EB_BY_S3 or detail.get("reason") == "Lifecycle Expiration"
    # Events S3 raises itself: requester s3.amazonaws.com and no source IP.
    assert (detail["requester"] == "s3.amazonaws.com") == by_s3
    assert ("source-ip-address" in detail) != by_s3
    assert ("reason" in detail) == (kind in ("Object Created", "Object Deleted"))
    assert ("deletion-type" in detail) == (kind == "Object Deleted")
    assert ("restore-expiry-time" in detail) == (kind == "Object Restore Completed")
    assert ("destination-storage-class" in detail) == (kind == "Object Storage Class Changed")
    assert ("destination-access-tier" in detail) == (kind == "Object Access Tier Changed")
    if "restore-expiry-time" in detail:  # midnight UTC, whole seconds (the S3 user guide's
        # "Object Restore Completed" example: "2021-11-13T00:00:00Z")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", detail["restore-expiry-time"])
    obj = detail["object"]
    if "etag" in obj:
        assert re.fullmatch(r"[0-9a-f]{32}(-\d+)?", obj["etag"]) and obj["size"] >= 0
    # Deletions describe an object that is gone: no size or ETag.
    assert ("size" in obj) != (
        kind in ("Object Deleted", "Object Restore Expired", "Object Tags Deleted")
    )


def check_activemq(event: dict[str, Any]) -> None:
    """Lambda developer guide, "Using Lambda with Amazon MQ" (example ActiveMQ event)."""
    assert event["eventSource"] == "aws:mq"
    assert re.fullmatch(
        r"arn:aws:mq:[a-z0-9-]+:\d{12}:broker:[\w-]+:b-[0-9a-f-]{36}", event["eventSourceArn"]
    )
    broker_id = event["eventSourceArn"].rsplit(":", 1)[1]
    ids = [m["messageID"] for m in event["messages"]]
    assert len(set(ids)) == len(ids)
    for message in event["messages"]:
        assert message["messageID"].startswith(f"ID:{broker_id}-")
        assert message["messageType"] in ("jms/text-message", "jms/bytes-message")
        base64.b64decode(message["data"], validate=True)
        # The broker received the message, then handed it on: in <= out, both epoch ms.
        assert message["timestamp"] <= message["brokerInTime"] <= message["brokerOutTime"]
        # No properties: null, as a real broker's event has it (aws-lambda-go activemq-event).
        assert all(isinstance(v, str) for v in (message["properties"] or {}).values())
        # JMS header names keep their Java spelling (messageID, correlationID).
        assert "correlationId" not in message and "messageId" not in message


def check_rabbitmq(event: dict[str, Any]) -> None:
    """Same page (example RabbitMQ event): messages grouped by "<queue>::<virtual host>"."""
    assert event["eventSource"] == "aws:rmq"
    assert event["eventSourceArn"].startswith("arn:aws:mq:")
    for queue, messages in event["rmqMessagesByQueue"].items():
        name, _, vhost = queue.partition("::")
        assert name and vhost
        for message in messages:
            props = message["basicProperties"]
            body = base64.b64decode(message["data"], validate=True)
            assert props["bodySize"] == len(body)
            assert isinstance(message["redelivered"], bool)
            for value in props["headers"].values():
                # String headers travel as their UTF-8 bytes.
                assert isinstance(value, int | float) or set(value) == {"bytes"}


def check_documentdb(event: dict[str, Any]) -> None:
    """Lambda developer guide, "Using Lambda with Amazon DocumentDB" (example event)."""
    assert event["eventSource"] == "aws:docdb"
    assert re.fullmatch(r"arn:aws:rds:[a-z0-9-]+:\d{12}:cluster:[\w-]+", event["eventSourceArn"])
    times = []
    for item in event["events"]:
        change = item["event"]
        kind = change["operationType"]
        assert kind in ("insert", "update", "replace", "delete")
        stamp = change["clusterTime"]["$timestamp"]
        times.append((stamp["t"], stamp["i"]))
        # fullDocument on insert/replace, never on delete (DocumentDB guide, change streams).
        if kind in ("insert", "replace"):
            assert change["fullDocument"]["_id"] == change["documentKey"]["_id"]
        assert kind != "delete" or "fullDocument" not in change
        assert ("updateDescription" in change) == (kind == "update")
        assert set(change["ns"]) == {"db", "coll"}
    # Change streams are time-ordered (same guide).
    assert times == sorted(times)


def check_kinesis_dynamodb(event: dict[str, Any]) -> None:
    """DynamoDB developer guide, "Kinesis Data Streams for DynamoDB" (record format)."""
    keys_by_partition: dict[str, str] = {}
    for record in event["Records"]:
        data = json.loads(base64.b64decode(record["kinesis"]["data"]))
        assert data["recordFormat"] == "application/json" and data["eventSource"] == "aws:dynamodb"
        assert UUID.match(data["eventID"]) and data["awsRegion"] == record["awsRegion"]
        change = data["dynamodb"]
        name = data["eventName"]
        assert ("NewImage" in change) == (name != "REMOVE")
        assert ("OldImage" in change) == (name != "INSERT")
        # Kinesis delivery has no stream view type or stream sequence number.
        assert "StreamViewType" not in change and "SequenceNumber" not in change
        assert data["userIdentity"] in (
            None,
            {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
        )
        # One item's changes share a partition key (so they stay ordered on one shard).
        key = json.dumps(change["Keys"], sort_keys=True)
        assert keys_by_partition.setdefault(record["kinesis"]["partitionKey"], key) == key
        # Written before it reached Kinesis (creation time in µs or ms; arrival in seconds).
        created = change["ApproximateCreationDateTime"]
        seconds = created / 10**6 if created > 10**14 else created / 1000
        assert seconds <= record["kinesis"]["approximateArrivalTimestamp"]


def check_cognito_sender(event: dict[str, Any]) -> None:
    """Cognito guide, "Custom email sender" / "Custom SMS sender" Lambda triggers."""
    kind = "Email" if event["triggerSource"].startswith("CustomEmailSender_") else "SMS"
    assert event["triggerSource"].startswith(f"Custom{kind}Sender_")
    request = event["request"]
    assert request["type"] == f"custom{kind}SenderRequestV1"
    # The code is an AWS Encryption SDK message (base64), never the plain code.
    raw = base64.b64decode(request["code"], validate=True)
    assert raw[:2] == b"\x01\x80" and len(raw) > 100 and not request["code"].isdigit()
    assert "response" not in event
    # Codes for sign-up go to unconfirmed users; admin-created users must change their password.
    status = request["userAttributes"].get("cognito:user_status")
    source = event["triggerSource"].split("_", 1)[1]
    if source in ("SignUp", "ResendCode"):
        assert status == "UNCONFIRMED"
        assert "true" not in (
            request["userAttributes"].get("email_verified"),
            request["userAttributes"].get("phone_number_verified"),
        )
    if source == "AdminCreateUser":
        assert status == "FORCE_CHANGE_PASSWORD"
    assert all(isinstance(v, str) for v in request["userAttributes"].values())
    assert event["userPoolId"].startswith(event["region"] + "_")


def check_appsync_authorizer(event: dict[str, Any]) -> None:
    """AppSync guide, "AWS Lambda authorization" (the authorizer's request event)."""
    context = event["requestContext"]
    assert re.fullmatch(r"[a-z0-9]{26}", context["apiId"]) and context["accountId"].isdigit()
    assert UUID.match(context["requestId"]) and context["queryString"].strip()
    assert isinstance(context["variables"], dict)
    # The token is the request's Authorization header.
    assert event["requestHeaders"]["authorization"] == event["authorizationToken"]
    assert context["apiId"] in event["requestHeaders"]["host"]


def check_appsync_events(event: dict[str, Any]) -> None:
    """AppSync Events guide, "Direct Lambda integration" (handler event)."""
    info = event["info"]
    assert info["operation"] in ("PUBLISH", "SUBSCRIBE")
    channel = info["channel"]
    assert channel["path"] == "/" + "/".join(channel["segments"])
    assert info["channelNamespace"]["name"] == channel["segments"][0]
    # Events travel only on PUBLISH, 1-5 of them, each {id, payload object}.
    if info["operation"] == "PUBLISH":
        assert 1 <= len(event["events"]) <= 5
        assert all(UUID.match(e["id"]) and isinstance(e["payload"], dict) for e in event["events"])
    else:
        assert event["events"] is None
    assert event["stash"] == {} and event["outErrors"] == []


_CW_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


def check_cloudwatch_alarm(event: dict[str, Any]) -> None:
    """CloudWatch user guide, "Lambda alarm actions" (example event)."""
    assert event["source"] == "aws.cloudwatch"
    assert event["alarmArn"] == (
        f"arn:aws:cloudwatch:{event['region']}:{event['accountId']}:alarm:"
        f"{event['alarmData']['alarmName']}"
    )
    assert _CW_TIME.match(event["time"])
    data = event["alarmData"]
    # Actions run on a state change: the two states differ, the previous one came first.
    assert data["state"]["value"] != data["previousState"]["value"]
    assert data["previousState"]["timestamp"] < data["state"]["timestamp"]
    for state in (data["state"], data["previousState"]):
        assert state["value"] in ("OK", "ALARM", "INSUFFICIENT_DATA")
        assert _CW_TIME.match(state["timestamp"])
        if "reasonData" in state:
            assert json.loads(state["reasonData"])["version"] == "1.0"
    for metric in data["configuration"]["metrics"]:
        stat = metric["metricStat"]
        assert stat["period"] in (10, 20, 30) or stat["period"] % 60 == 0
        assert all(isinstance(v, str) for v in stat["metric"]["dimensions"].values())


def check_codedeploy_hook(event: dict[str, Any]) -> None:
    """CodeDeploy user guide, AppSpec hooks for a Lambda deployment: exactly two ids."""
    assert set(event) == {"DeploymentId", "LifecycleEventHookExecutionId"}
    assert re.fullmatch(r"d-[A-Z0-9]{9}", event["DeploymentId"])
    base64.b64decode(event["LifecycleEventHookExecutionId"], validate=True)


def check_bedrock_agent(event: dict[str, Any]) -> None:
    """Bedrock user guide, "Lambda input event from Amazon Bedrock" (agents-lambda.html)."""
    assert event["messageVersion"] == "1.0"
    assert set(event["agent"]) == {"name", "id", "alias", "version"}
    # An action group is defined by an OpenAPI schema or by function details, never both.
    assert ("function" in event) != ("apiPath" in event)
    assert ("httpMethod" in event) == ("apiPath" in event)
    body = event.get("requestBody", {"content": {}})["content"]
    params = list(event.get("parameters") or [])
    params += [p for media in body.values() for p in media["properties"]]
    for param in params:
        assert set(param) == {"name", "type", "value"} and isinstance(param["value"], str)
        assert param["type"] in ("string", "number", "integer", "boolean", "array")
    assert all(isinstance(v, str) for v in event["sessionAttributes"].values())


def check_transfer_family(event: dict[str, Any]) -> None:
    """Transfer Family user guide, custom identity provider Lambda event."""
    assert event["protocol"] in ("SFTP", "FTP", "FTPS")
    assert re.fullmatch(r"s-[0-9a-f]{17}", event["serverId"])
    ipaddress.ip_address(event["sourceIp"])
    # Only SFTP has key-based logins (no password field).
    assert "password" in event or event["protocol"] == "SFTP"


def check_iot_registry(event: dict[str, Any]) -> None:
    """AWS IoT developer guide, "Registry events"."""
    assert event["eventType"] in ("THING_EVENT", "THING_GROUP_EVENT")
    assert event["operation"] in ("CREATED", "UPDATED", "DELETED")
    assert isinstance(event["timestamp"], int) and event["accountId"].isdigit()
    # A created thing or group is at version 1; later operations are after it.
    if event["operation"] == "CREATED":
        assert event["versionNumber"] == 1
    if event["operation"] == "UPDATED":
        assert event["versionNumber"] > 1
    assert all(isinstance(v, str) for v in event["attributes"].values())
    if event["eventType"] == "THING_GROUP_EVENT":
        chain = event["rootToParentThingGroups"]
        assert (event["parentGroupName"] is None) == (not chain)
        if chain:
            assert chain[-1]["groupArn"].endswith("/" + event["parentGroupName"])
            assert chain[-1]["groupId"] == event["parentGroupId"]


def check_destination_record(event: dict[str, Any]) -> None:
    """Lambda guide, "Capturing records of Lambda asynchronous invocations"."""
    assert event["version"] == "1.0" and ISO_MS.match(event["timestamp"])
    context, response = event["requestContext"], event["responseContext"]
    assert context["condition"] in ("Success", "RetriesExhausted", "EventAgeExceeded")
    assert UUID.match(context["requestId"]) and context["approximateInvokeCount"] >= 1
    # The ARN names the version that was invoked, and executedVersion agrees.
    assert context["functionArn"].rsplit(":", 1)[1] == response["executedVersion"]
    ran = response["statusCode"] == 200
    # A throttled event (429) never ran, so there is no response payload.
    assert ran == ("responsePayload" in event)
    if context["condition"] == "Success":
        assert ran and "functionError" not in response
    if context["condition"] == "RetriesExhausted":
        assert ran and response["functionError"] in ("Handled", "Unhandled")


def check_stream_failure_record(event: dict[str, Any]) -> None:
    """Lambda guide, Kinesis/DynamoDB "Configuring destinations for failed invocations" and
    "Capturing discarded batches for Amazon MSK ... event sources"."""
    # Stream mappings invoke the unqualified function and carry no payloads.
    assert event["requestContext"]["functionArn"].count(":") == 6
    assert "requestPayload" not in event and "responsePayload" not in event
    [key] = [k for k in event if k.endswith("BatchInfo")]
    info = event[key]
    if key == "KafkaBatchInfo":
        _check_kafka_failure(event, info)
        return
    assert event["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert key in ("KinesisBatchInfo", "DDBStreamBatchInfo")
    assert info["streamArn"].startswith(
        "arn:aws:kinesis:" if key == "KinesisBatchInfo" else "arn:aws:dynamodb:"
    )
    assert int(info["startSequenceNumber"]) <= int(info["endSequenceNumber"])
    first, last = info["approximateArrivalOfFirstRecord"], info["approximateArrivalOfLastRecord"]
    assert ISO_MS.match(first) and first <= last <= event["timestamp"]
    assert 1 <= info["batchSize"] <= 10_000


def _check_kafka_failure(event: dict[str, Any], info: dict[str, Any]) -> None:
    condition = event["requestContext"]["condition"]
    assert condition in ("RetryAttemptsExhausted", "MaximumPayloadSizeExceeded")
    assert (event["responseContext"] is None) == (condition == "MaximumPayloadSizeExceeded")
    assert set(info) == {"batchSize", "eventSourceArn", "bootstrapServers", "payloadSize",
                         "recordsInfo"}
    assert info["eventSourceArn"].startswith("arn:aws:kafka:")
    assert all(s.rsplit(":", 1)[1].isdigit() for s in info["bootstrapServers"].split(","))
    assert isinstance(info["payloadSize"], int) and info["payloadSize"] > 0
    total = 0
    for key, span in info["recordsInfo"].items():
        topic, partition = key.rsplit("-", 1)
        assert topic and partition.isdigit()
        first, last = int(span["firstRecordOffset"]), int(span["lastRecordOffset"])
        assert 0 <= first <= last and isinstance(span["firstRecordOffset"], str)
        assert ISO_MS.match(span["firstRecordTimestamp"])
        assert span["firstRecordTimestamp"] <= span["lastRecordTimestamp"] <= event["timestamp"]
        total += last - first + 1
    assert total == info["batchSize"]
    if "payload" in event:  # an S3 destination's: the whole event, as JSON text
        import json

        payload = json.loads(event["payload"])
        assert payload["eventSource"] == "aws:kafka"
        assert len(event["payload"].encode()) == info["payloadSize"]


def for_powertools(model: str, event: dict[str, Any]) -> dict[str, Any]:
    """*event* in the shape a Powertools model expects where that model departs from AWS.

    VpcLatticeV2Model types 2.0 headers as strings; AWS sends lists (see check_vpc_lattice).
    Everything else in the event is still validated by the model.
    """
    if model == "VpcLatticeV2Model":
        return {**event, "headers": {k: ",".join(v) for k, v in event["headers"].items()}}
    return event
