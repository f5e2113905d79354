"""Property tests for the round-2 sources: arbitrary inputs keep events valid and decodable."""

from __future__ import annotations

import base64
import json
from typing import Any

import event_checks_sources as more
import powertools_oracle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_events_properties import ddb_values, json_objects, keys, names

from pytest_lambda import events
from pytest_lambda.events.s3_eventbridge import S3_EVENTBRIDGE_TYPES

models = powertools_oracle.load_models()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
bodies = st.binary(max_size=40) | st.text(max_size=40) | json_objects


def _roundtrip(event: Any) -> Any:
    return json.loads(json.dumps(event, allow_nan=False))


@SETTINGS
@given(
    body=json_objects | st.binary(max_size=40),
    query=st.dictionaries(names, st.text(min_size=1, max_size=10), max_size=3),
    version=st.sampled_from(["1.0", "2.0"]),
    auth=st.sampled_from(["NONE", "AWS_IAM"]),
)
def test_lattice_any_body_and_query(
    body: Any, query: dict[str, str], version: str, auth: str
) -> None:
    """Any body and query validate in both event versions and decode back."""
    event = _roundtrip(
        events.vpc_lattice_request(
            "POST", "/p", version=version, query=query, body=body, auth_type=auth
        )
    )
    model = "VpcLatticeModel" if version == "1.0" else "VpcLatticeV2Model"
    getattr(models, model).model_validate(more.for_powertools(model, event))
    more.check_vpc_lattice(event)
    sent = event["body"]
    if isinstance(body, bytes):
        assert base64.b64decode(sent) == body
    else:
        assert json.loads(sent) == body


@SETTINGS
@given(messages=st.lists(bodies, min_size=1, max_size=5))
def test_mq_any_messages(messages: list[Any]) -> None:
    """Any bodies reach ActiveMQ and RabbitMQ events base64-encoded, in order."""
    active = _roundtrip(events.activemq_event(messages))
    rabbit = _roundtrip(events.rabbitmq_event(messages))
    more.check_activemq(active)
    more.check_rabbitmq(rabbit)
    [queue] = rabbit["rmqMessagesByQueue"].values()
    for item, a, r in zip(messages, active["messages"], queue, strict=True):
        raw = item if isinstance(item, bytes) else item.encode() if isinstance(item, str) else None
        if raw is not None:
            assert base64.b64decode(a["data"]) == raw == base64.b64decode(r["data"])


@SETTINGS
@given(
    documents=st.lists(json_objects.filter(lambda d: "_id" not in d), min_size=1, max_size=4),
    operation=st.sampled_from(["insert", "update", "replace", "delete"]),
)
def test_documentdb_any_documents(documents: list[dict[str, Any]], operation: str) -> None:
    """Any JSON documents give ordered change events that keep the documents."""
    event = _roundtrip(events.documentdb_change_event(documents, operation=operation))
    more.check_documentdb(event)
    for item, document in zip(event["events"], documents, strict=True):
        if "fullDocument" in item["event"]:
            full = dict(item["event"]["fullDocument"])
            full.pop("_id")
            assert full == document


@SETTINGS
@given(
    image=st.dictionaries(st.text(min_size=1), ddb_values, max_size=4),
    name=st.sampled_from(["INSERT", "MODIFY", "REMOVE"]),
)
def test_kinesis_dynamodb_any_image(image: dict[str, Any], name: str) -> None:
    """Any DynamoDB-representable image travels through Kinesis and unmarshals back."""
    image.pop("pk", None)
    images = {"new_image": image} if name != "REMOVE" else {"old_image": image}
    event = _roundtrip(events.kinesis_dynamodb_record(name, {"pk": "k"}, **images))
    models.KinesisDataStreamModel.model_validate(event)
    more.check_kinesis_dynamodb(event)
    change = events.decode_kinesis_json(event["Records"][0])["dynamodb"]
    typed = change["NewImage"] if name != "REMOVE" else change["OldImage"]
    assert events.unmarshal_image(typed) == {"pk": "k", **image}


@SETTINGS
@given(key=keys, kind=st.sampled_from(S3_EVENTBRIDGE_TYPES), size=st.integers(0, 5 * 1024**4))
def test_s3_eventbridge_any_key(key: str, kind: str, size: int) -> None:
    """Any key, detail-type and size validates; the key arrives as given."""
    event = _roundtrip(events.s3_eventbridge_event(kind, "bkt", key, size))
    models.S3EventNotificationEventBridgeModel.model_validate(event)
    more.check_s3_eventbridge(event)
    assert event["detail"]["object"]["key"] == key


@SETTINGS
@given(key=keys, payload=st.text(max_size=50))
def test_s3_object_lambda_any_key(key: str, payload: str) -> None:
    """Any key and access-point payload give a valid Object Lambda event."""
    event = _roundtrip(events.s3_object_lambda(key, payload=payload))
    models.S3ObjectLambdaEvent.model_validate(event)
    more.check_s3_object_lambda(event)
    assert event["configuration"]["payload"] == payload


params = st.dictionaries(
    names,
    st.text(max_size=20)
    | st.integers()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False),
    max_size=5,
)


@SETTINGS
@given(parameters=params, body=params)
def test_bedrock_any_parameters(parameters: dict[str, Any], body: dict[str, Any]) -> None:
    """Any parameter values arrive as typed string properties in both action-group kinds."""
    api = _roundtrip(events.bedrock_agent_api("/items", "POST", parameters=parameters, body=body))
    models.BedrockAgentEventModel.model_validate(api)
    more.check_bedrock_agent(api)
    function = _roundtrip(events.bedrock_agent_function("f", parameters))
    models.BedrockAgentFunctionEventModel.model_validate(function)
    more.check_bedrock_agent(function)
    assert [p["name"] for p in function["parameters"]] == list(parameters)


@SETTINGS
@given(payloads=st.lists(json_objects, min_size=1, max_size=5))
def test_appsync_events_any_payloads(payloads: list[dict[str, Any]]) -> None:
    """Any 1-5 JSON payloads publish unchanged, each with its own id."""
    event = _roundtrip(events.appsync_events(payloads))
    model = powertools_oracle.model(models, "AppSyncEventsModel")
    if model is not None:
        model.model_validate(event)
    more.check_appsync_events(event)
    assert [e["payload"] for e in event["events"]] == payloads


@SETTINGS
@given(
    states=st.permutations(["OK", "ALARM", "INSUFFICIENT_DATA"]),
    threshold=st.floats(-1e6, 1e6),
    period=st.sampled_from([10, 20, 30, 60, 300, 3600]),
)
def test_cloudwatch_alarm_any_transition(states: list[str], threshold: float, period: int) -> None:
    """Every state transition, threshold and period gives a consistent alarm event."""
    event = _roundtrip(
        events.cloudwatch_alarm(states[0], states[1], threshold=threshold, period=period)
    )
    more.check_cloudwatch_alarm(event)


@SETTINGS
@given(
    request=json_objects,
    response=json_objects,
    condition=st.sampled_from(["Success", "RetriesExhausted", "EventAgeExceeded"]),
    throttled=st.booleans(),
)
def test_destination_any_payloads(
    request: dict[str, Any], response: dict[str, Any], condition: str, throttled: bool
) -> None:
    """Any request/response payloads give a consistent destination record."""
    throttled = throttled and condition == "EventAgeExceeded"
    event = _roundtrip(
        events.lambda_destination_record(
            request, None if throttled else response, condition=condition, throttled=throttled
        )
    )
    more.check_destination_record(event)
    assert event["requestPayload"] == request


@SETTINGS
@given(
    attributes=st.dictionaries(names, st.text(max_size=20), max_size=5),
    metadata=st.dictionaries(names, st.text(max_size=20), max_size=3),
)
def test_cognito_senders_any_attributes(
    attributes: dict[str, str], metadata: dict[str, str]
) -> None:
    """Any string attributes and client metadata keep a valid sender event."""
    email = _roundtrip(
        events.cognito_custom_email_sender(user_attributes=attributes, client_metadata=metadata)
    )
    models.CognitoCustomEmailSenderTriggerModel.model_validate(email)
    more.check_cognito_sender(email)
    assert email["request"].get("clientMetadata", {}) == metadata


@SETTINGS
@given(
    attributes=st.dictionaries(names, st.text(max_size=20), max_size=5),
    operation=st.sampled_from(["CREATED", "UPDATED", "DELETED"]),
    parents=st.lists(names, max_size=7),
)
def test_iot_registry_any_attributes(
    attributes: dict[str, str], operation: str, parents: list[str]
) -> None:
    """Any attributes, operation and parent chain keep the registry event shape."""
    thing = _roundtrip(events.iot_registry_thing_event(operation, attributes=attributes))
    group = _roundtrip(
        events.iot_registry_thing_group_event(operation, parents=parents, attributes=attributes)
    )
    more.check_iot_registry(thing)
    more.check_iot_registry(group)
    assert thing["attributes"] == group["attributes"] == attributes
