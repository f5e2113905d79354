"""Creating a template's resources in the active moto account, with their template properties.

Each supported CloudFormation type has one function that makes the resource with boto3 (against
moto) and returns its physical id and attributes; the names are the ones the template loader's
``Ref`` / ``Fn::GetAtt`` give (a ``Name`` property, else the logical id, as SAM CLI names
resources), so a function's environment points at what was created.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..service.boto import client
from .errors import TemplateError


@dataclass
class Resource:
    """One created resource: its type, physical id (name or URL) and attributes (``Arn``...)."""

    logical_id: str
    type: str
    #: What ``Ref`` returns (a queue's URL, a topic's ARN, a table's or bucket's name).
    physical_id: str
    #: The resource's name (``Ref`` and ``Fn::GetAtt`` are built from it).
    name: str
    attributes: dict[str, str] = field(default_factory=dict)


Props = Mapping[str, Any]


def _queue(lid: str, props: Props, region: str) -> Resource:
    sqs = client("sqs", region)
    name = str(props.get("QueueName") or lid)
    fifo = props.get("FifoQueue") in (True, "true")
    if fifo and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {key: _text(props[key]) for key in (
        "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "MaximumMessageSize",
        "ReceiveMessageWaitTimeSeconds", "ContentBasedDeduplication", "KmsMasterKeyId",
        "SqsManagedSseEnabled", "DeduplicationScope", "FifoThroughputLimit") if key in props}
    if fifo:
        attributes["FifoQueue"] = "true"
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return Resource(lid, "AWS::SQS::Queue", url, name, {
        "Arn": arn["Attributes"]["QueueArn"], "QueueName": name, "QueueUrl": url})


def set_redrive(resource: Resource, props: Props, region: str) -> None:
    """A queue's ``RedrivePolicy`` / ``RedriveAllowPolicy``, set once every queue exists."""
    attributes = {key: props[key] if isinstance(props[key], str) else json.dumps(props[key])
                  for key in ("RedrivePolicy", "RedriveAllowPolicy") if key in props}
    if attributes:
        client("sqs", region).set_queue_attributes(QueueUrl=resource.physical_id,
                                                   Attributes=attributes)


def _topic(lid: str, props: Props, region: str) -> Resource:
    sns = client("sns", region)
    name = str(props.get("TopicName") or lid)
    attributes = {}
    if props.get("FifoTopic") in (True, "true"):
        name = name if name.endswith(".fifo") else name + ".fifo"
        attributes["FifoTopic"] = "true"
    if "ContentBasedDeduplication" in props:
        attributes["ContentBasedDeduplication"] = _text(props["ContentBasedDeduplication"])
    arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    return Resource(lid, "AWS::SNS::Topic", arn, name, {"TopicArn": arn, "TopicName": name})


def _table(lid: str, props: Props, region: str) -> Resource:
    ddb = client("dynamodb", region)
    name = str(props.get("TableName") or lid)
    args: dict[str, Any] = {"TableName": name}
    if "KeySchema" in props:
        args["KeySchema"] = list(props["KeySchema"])
        args["AttributeDefinitions"] = list(props.get("AttributeDefinitions") or [])
    else:  # AWS::Serverless::SimpleTable: PrimaryKey {Name, Type}, default id: String
        key = dict(props.get("PrimaryKey") or {"Name": "id", "Type": "String"})
        kind = {"String": "S", "Number": "N", "Binary": "B"}.get(str(key.get("Type")), "S")
        args["KeySchema"] = [{"AttributeName": key["Name"], "KeyType": "HASH"}]
        args["AttributeDefinitions"] = [{"AttributeName": key["Name"], "AttributeType": kind}]
    if "ProvisionedThroughput" in props:
        args["ProvisionedThroughput"] = {k: int(v) for k, v in
                                         props["ProvisionedThroughput"].items()}
    else:
        args["BillingMode"] = str(props.get("BillingMode", "PAY_PER_REQUEST"))
    for index in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if index in props:
            args[index] = props[index]
    if "StreamSpecification" in props:
        args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    table = ddb.create_table(**args)["TableDescription"]
    attributes = {"Arn": table["TableArn"]}
    if table.get("LatestStreamArn"):
        attributes["StreamArn"] = table["LatestStreamArn"]
    return Resource(lid, "AWS::DynamoDB::Table", name, name, attributes)


def _stream(lid: str, props: Props, region: str) -> Resource:
    kinesis = client("kinesis", region)
    name = str(props.get("Name") or lid)
    mode = dict(props.get("StreamModeDetails") or {"StreamMode": "PROVISIONED"})
    if mode.get("StreamMode") == "ON_DEMAND":
        kinesis.create_stream(StreamName=name, StreamModeDetails=mode)
    else:
        kinesis.create_stream(StreamName=name, ShardCount=int(props.get("ShardCount", 1)))
    # How long records stay (and so when a stream mapping's retries end): 24 h unless set.
    retention = props.get("RetentionPeriodHours")
    if retention is not None and int(retention) != 24:
        kinesis.increase_stream_retention_period(StreamName=name,
                                                 RetentionPeriodHours=int(retention))
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    return Resource(lid, "AWS::Kinesis::Stream", name, name, {"Arn": arn["StreamARN"]})


#: S3's bucket naming rules (general purpose buckets): 3-63 characters, lowercase letters,
#: digits, dots and hyphens, beginning and ending with a letter or digit.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def _bucket(lid: str, props: Props, region: str) -> Resource:
    s3 = client("s3", region)
    given = props.get("BucketName")
    if given is not None and not _BUCKET_NAME.fullmatch(str(given)):
        # S3 refuses it, so the stack would fail to deploy: the test must not pass.
        raise TemplateError(
            f"{lid} (AWS::S3::Bucket) has BucketName {given!r}, which S3 refuses (3-63 "
            "lowercase letters, digits, dots and hyphens, starting and ending with a letter "
            f"or digit): CloudFormation could not create it. Use e.g. {str(given).lower()!r}.")
    # Without one, CloudFormation makes a lowercase name from the stack and the logical id.
    name = str(given or lid).lower()
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name,
                         CreateBucketConfiguration={"LocationConstraint": region})
    return Resource(lid, "AWS::S3::Bucket", name, name, {
        "Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com"})


def _bus(lid: str, props: Props, region: str) -> Resource:
    name = str(props.get("Name") or lid)
    arn = client("events", region).create_event_bus(Name=name)["EventBusArn"]
    return Resource(lid, "AWS::Events::EventBus", name, name, {"Arn": arn, "Name": name})


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


#: The types created in moto, in creation order (queues before redrive, and so on).
CREATORS: dict[str, Callable[[str, Props, str], Resource]] = {
    "AWS::SQS::Queue": _queue,
    "AWS::SNS::Topic": _topic,
    "AWS::DynamoDB::Table": _table,
    "AWS::Serverless::SimpleTable": _table,
    "AWS::Kinesis::Stream": _stream,
    "AWS::S3::Bucket": _bucket,
    "AWS::Events::EventBus": _bus,
}


#: The property that names a resource of each type the application creates.
NAME_PROPERTY = {
    "AWS::SQS::Queue": "QueueName", "AWS::SNS::Topic": "TopicName",
    "AWS::DynamoDB::Table": "TableName", "AWS::Serverless::SimpleTable": "TableName",
    "AWS::Kinesis::Stream": "Name", "AWS::S3::Bucket": "BucketName",
    "AWS::Events::EventBus": "Name",
}


def create(lid: str, rtype: str, props: Props, region: str) -> Resource:
    """Create one resource of a supported type in moto."""
    try:
        return CREATORS[rtype](lid, props, region)
    except Exception as exc:
        # botocore's errors (a service's own exceptions subclass ClientError), by name: botocore
        # is not imported at module level.
        if not {c.__name__ for c in type(exc).__mro__} & {"ClientError", "ParamValidationError"}:
            raise
        raise TemplateError(f"{lid} ({rtype}) could not be created in moto: "
                            f"{str(exc).rstrip('.')}. Check "
                            "its Properties in the template.") from None
