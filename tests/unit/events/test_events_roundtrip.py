"""Round trips for every encoding the factories apply."""

from __future__ import annotations

import base64
import decimal
import gzip
import json
from typing import Any

import pytest

from pytest_lambda import events


@pytest.mark.parametrize("data", ["text ü", b"\x00\xff binary", {"a": [1, None]}, [1, "x"]])
def test_kinesis_data_round_trip(data: Any) -> None:
    """Kinesis data decodes back to the original bytes / JSON."""
    record = events.kinesis_record(data)["Records"][0]
    raw = events.decode_kinesis_data(record)
    if isinstance(data, bytes):
        assert raw == data
    elif isinstance(data, str):
        assert raw.decode() == data
    else:
        assert events.decode_kinesis_json(record) == data


def test_firehose_and_kafka_base64_round_trip() -> None:
    """Firehose record data and Kafka keys/values are standard base64 of the payload."""
    firehose = events.firehose_transformation([b"\x01\x02", "x"])
    assert [base64.b64decode(r["data"]) for r in firehose["records"]] == [b"\x01\x02", b"x"]
    kafka = events.kafka_event([{"a": 1}], key=b"\x00")
    [record] = kafka["records"]["my-topic-0"]
    assert json.loads(base64.b64decode(record["value"])) == {"a": 1}
    assert base64.b64decode(record["key"]) == b"\x00"


def test_cloudwatch_logs_gzip_round_trip() -> None:
    """awslogs.data is base64(gzip(JSON)) and decodes to the log events given."""
    event = events.cloudwatch_logs(["one", {"message": "two", "timestamp": 1700000000000}])
    raw = base64.b64decode(event["awslogs"]["data"])
    assert raw[:2] == b"\x1f\x8b"
    document = json.loads(gzip.decompress(raw))
    assert document == events.decode_cloudwatch_logs(event)
    assert [e["message"] for e in document["logEvents"]] == ["one", "two"]
    assert document["logEvents"][1]["timestamp"] == 1700000000000


ALL_TYPES = {
    "s": "text",
    "n_int": 42,
    "n_dec": decimal.Decimal("3.14"),
    "b": b"\x00\x01",
    "bool": True,
    "null": None,
    "m": {"inner": [1, "two", {"x": False}]},
    "l": [1, "a", None],
    "ss": {"a", "b"},
    "ns": {1, 2, 3},
    "bs": {b"x", b"y"},
}


def test_dynamodb_types_all_tags() -> None:
    """Every Python type maps to its DynamoDB tag and back to an equal value."""
    typed = events.marshal_image(ALL_TYPES)
    tags = {name: next(iter(value)) for name, value in typed.items()}
    assert tags == {
        "s": "S", "n_int": "N", "n_dec": "N", "b": "B", "bool": "BOOL", "null": "NULL",
        "m": "M", "l": "L", "ss": "SS", "ns": "NS", "bs": "BS",
    }  # fmt: skip
    assert typed["n_int"] == {"N": "42"}
    assert typed["b"] == {"B": "AAE="}
    assert events.unmarshal_image(typed) == ALL_TYPES


def test_dynamodb_stream_image_round_trip() -> None:
    """A MODIFY record's images unmarshal back to the plain values given (keys merged in)."""
    record = events.dynamodb_modify({"pk": "a"}, {"v": 1}, {"v": 2, "tags": {"x"}})["Records"][0]
    assert events.unmarshal_image(record["dynamodb"]["NewImage"]) == {
        "pk": "a",
        "v": 2,
        "tags": {"x"},
    }
    assert events.unmarshal_image(record["dynamodb"]["OldImage"]) == {"pk": "a", "v": 1}
    assert events.unmarshal_image(record["dynamodb"]["Keys"]) == {"pk": "a"}


def test_dynamodb_matches_powertools_deserializer() -> None:
    """Powertools' own deserializer reads our typed JSON to the same values."""
    deserializer = pytest.importorskip(
        "aws_lambda_powertools.shared.dynamodb_deserializer"
    ).TypeDeserializer()
    typed = events.marshal_image({"n": decimal.Decimal("1.5"), "ss": {"a"}, "l": [None, True]})
    assert {k: deserializer.deserialize(v) for k, v in typed.items()} == {
        "n": decimal.Decimal("1.5"),
        "ss": {"a"},
        "l": [None, True],
    }


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("red flower.jpg", "red+flower.jpg"),
        ("a+b.txt", "a%2Bb.txt"),
        ("photos/2024/ü.png", "photos/2024/%C3%BC.png"),
        ("x=1&y", "x%3D1%26y"),
    ],
)
def test_s3_key_encoding(raw: str, encoded: str) -> None:
    """S3 keys are form-URL-encoded (space '+', plus '%2B', '/' kept) and decode back."""
    event = events.s3_put("bkt", raw)
    key = event["Records"][0]["s3"]["object"]["key"]
    assert key == encoded
    assert events.decode_s3_key(key) == raw


def test_s3_batch_operation_key_encoding() -> None:
    """S3 Batch Operations task keys are URL-encoded like notifications."""
    task = events.s3_batch_operation("bkt", ["a b"])["tasks"][0]
    assert task["s3Key"] == "a+b"


def test_rest_multi_value_headers_and_query_round_trip() -> None:
    """Multi-value maps keep every value; single-value maps hold the last one."""
    event = events.apigateway_rest(
        "GET", "/", headers={"X-A": ["1", "2"]}, query={"q": ["x", "y"], "z": "1"}
    )
    assert event["multiValueHeaders"]["X-A"] == ["1", "2"]
    assert event["headers"]["X-A"] == "2"
    assert event["multiValueQueryStringParameters"] == {"q": ["x", "y"], "z": ["1"]}
    assert event["queryStringParameters"] == {"q": "y", "z": "1"}


def test_http_api_joins_repeated_values_and_raw_query() -> None:
    """HTTP API comma-joins repeated values and keeps them all in rawQueryString."""
    event = events.http_api("GET", "/", query={"q": ["a b", "c"]}, headers={"X-A": ["1", "2"]})
    assert event["queryStringParameters"] == {"q": "a b,c"}
    assert event["rawQueryString"] == "q=a%20b&q=c"
    assert event["headers"]["x-a"] == "1,2"


def test_alb_multi_value_round_trip() -> None:
    """ALB multi-value mode keeps repeated values and URL-encoded query strings."""
    event = events.alb_request(
        query={"q": ["a b", "c"]}, headers={"X-A": ["1", "2"]}, multi_value_headers=True
    )
    assert event["multiValueQueryStringParameters"] == {"q": ["a%20b", "c"]}
    assert event["multiValueHeaders"]["x-a"] == ["1", "2"]


def test_binary_body_round_trip() -> None:
    """Bytes bodies are base64-encoded with isBase64Encoded set, in v1, v2 and ALB."""
    for event in (
        events.apigateway_rest("POST", "/", body=b"\x00\xff"),
        events.http_api("POST", "/", body=b"\x00\xff"),
        events.alb_request("POST", "/", body=b"\x00\xff"),
    ):
        assert event["isBase64Encoded"] is True
        assert base64.b64decode(event["body"]) == b"\x00\xff"


def test_sns_json_message_is_double_encoded() -> None:
    """A dict message arrives as a JSON string in Sns.Message."""
    message = events.sns_notification({"a": 1})["Records"][0]["Sns"]["Message"]
    assert json.loads(message) == {"a": 1}


def test_partial_batch_response_shapes() -> None:
    """Failures are reported by messageId (SQS) or sequence number (Kinesis, DynamoDB)."""
    sqs = events.sqs_batch(["a", "b"])["Records"]
    kinesis = events.kinesis_batch(["a"])["Records"]
    ddb = events.dynamodb_insert({"pk": "a"})["Records"]
    response = events.partial_batch_response([sqs[1], kinesis[0], ddb[0], "raw-id"])
    assert response == {
        "batchItemFailures": [
            {"itemIdentifier": sqs[1]["messageId"]},
            {"itemIdentifier": kinesis[0]["kinesis"]["sequenceNumber"]},
            {"itemIdentifier": ddb[0]["dynamodb"]["SequenceNumber"]},
            {"itemIdentifier": "raw-id"},
        ]
    }
    assert events.partial_batch_response() == {"batchItemFailures": []}


def test_dynamodb_size_bytes_as_dynamodb_counts_item_sizes() -> None:
    """SizeBytes is the keys' and images' item size: the values of the AWS docs' sample stream
    records (INSERT 26, MODIFY 59, REMOVE 38) for the same items."""
    keys = {"Id": 101}
    first, changed = {"Message": "New item!"}, {"Message": "This item has changed"}
    sizes = [events.dynamodb_insert(keys, first)["Records"][0]["dynamodb"]["SizeBytes"],
             events.dynamodb_modify(keys, first, changed)["Records"][0]["dynamodb"]["SizeBytes"],
             events.dynamodb_remove(keys, changed)["Records"][0]["dynamodb"]["SizeBytes"]]
    assert sizes == [26, 59, 38]
    # Lists and maps: 3 bytes each plus 1 per element; sets: their members; binary: its bytes.
    record = events.dynamodb_insert({"k": "a"}, {"l": [1, "xy"], "m": {"a": True}, "b": b"\x00\x01",
                                                 "ss": {"ab", "c"}})
    expected = (1 + 1) * 2 + (1 + 3 + 2 + 1 + 2 + 1) + (1 + 3 + 1 + 1 + 1) + (1 + 2) + (2 + 3)
    assert record["Records"][0]["dynamodb"]["SizeBytes"] == expected
