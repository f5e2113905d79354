"""Round-2 sources read through Powertools data classes, and behaviours beyond the shape."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from typing import Any

import event_checks_sources as more
import powertools_oracle
import pytest

from pytest_lambda import events

models = powertools_oracle.load_models()
NOW = dt.datetime(2024, 3, 4, 19, 15, 17, 123000, tzinfo=dt.UTC)


def _r() -> random.Random:
    return random.Random(7)


def _data_class(module: str, name: str) -> Callable[[dict[str, Any]], Any]:
    found = pytest.importorskip(f"aws_lambda_powertools.utilities.data_classes.{module}")
    return getattr(found, name)  # type: ignore[no-any-return]


def test_activemq_reads_through_powertools_data_class() -> None:
    """Powertools' ActiveMQEvent decodes our bodies and reads the queue name."""
    view = _data_class("active_mq_event", "ActiveMQEvent")(
        events.activemq_event(["a", {"x": 1}], queue="q1")
    )
    assert [m.decoded_data for m in view.messages] == ["a", '{"x":1}']
    assert view.message.destination_physicalname == "q1"


def test_rabbitmq_reads_through_powertools_data_class() -> None:
    """Powertools' RabbitMQEvent groups our messages by queue and decodes them."""
    event = events.rabbitmq_event(["hi"], queue="q1", virtual_host="vh", headers={"h": "v"})
    view = _data_class("rabbit_mq_event", "RabbitMQEvent")(event)
    [(queue, [message])] = view.rmq_messages_by_queue.items()
    assert queue == "q1::vh" and message.decoded_data == "hi"
    assert message.basic_properties.headers == {"h": {"bytes": [118]}}


def test_kinesis_dynamodb_changes_decode_to_plain_values() -> None:
    """The record data unmarshals back to the item the caller described."""
    event = events.kinesis_dynamodb_record(
        "MODIFY", {"pk": "a"}, old_image={"n": 1}, new_image={"n": 2}
    )
    data = events.decode_kinesis_json(event["Records"][0])
    assert events.unmarshal_image(data["dynamodb"]["NewImage"]) == {"pk": "a", "n": 2}
    assert events.unmarshal_image(data["dynamodb"]["OldImage"]) == {"pk": "a", "n": 1}


def test_kinesis_dynamodb_precision_sets_the_time_unit() -> None:
    """MICROSECOND precision gives epoch µs, MILLISECOND epoch ms, both at or before `now`."""

    def stamp(precision: str) -> int:
        event = events.kinesis_dynamodb_record(precision=precision, now=NOW, rng=_r())
        return int(
            events.decode_kinesis_json(event["Records"][0])["dynamodb"][
                "ApproximateCreationDateTime"
            ]
        )

    micros, millis = stamp("MICROSECOND"), stamp("MILLISECOND")
    assert micros // 1000 == millis and millis <= int(NOW.timestamp() * 1000)


def test_lattice_v2_time_epoch_is_the_delivery_time() -> None:
    """timeEpoch is `now` in epoch microseconds."""
    context = events.vpc_lattice_request(now=NOW, rng=_r())["requestContext"]
    assert int(context["timeEpoch"]) == int(NOW.timestamp()) * 10**6 + NOW.microsecond


@pytest.mark.parametrize(
    ("build", "model"),
    [
        (lambda: events.iot_registry_thing_event("DELETED", version=4), "IoTCoreThingEvent"),
        (
            lambda: events.iot_registry_thing_group_event("UPDATED", parents=["a"]),
            "IoTCoreThingGroupEvent",
        ),
    ],
)
def test_iot_registry_events_validate(build: Callable[[], Any], model: str) -> None:
    """Registry events validate against Powertools' IoT registry models."""
    registry = pytest.importorskip(
        "aws_lambda_powertools.utilities.parser.models.iot_registry_events"
    )
    event = build()
    getattr(registry, model).model_validate(event)
    more.check_iot_registry(event)


def test_alarm_reads_through_powertools_data_class() -> None:
    """Powertools' CloudWatchAlarmEvent decodes our reason data and metric."""
    event = events.cloudwatch_alarm(metric_name="Throttles", dimensions={"FunctionName": "f"})
    view = _data_class("cloud_watch_alarm_event", "CloudWatchAlarmEvent")(event)
    assert view.alarm_data.state.value == "ALARM" and view.alarm_data.previous_state.value == "OK"
    assert view.alarm_data.state.reason_data_decoded["statistic"] == "Sum"
    metric = view.alarm_data.configuration.metrics[0].metric_stat.metric
    assert metric == {
        "namespace": "AWS/Lambda",
        "name": "Throttles",
        "dimensions": {"FunctionName": "f"},
    }


def test_codedeploy_and_authorizer_read_through_powertools_data_classes() -> None:
    """Powertools' CodeDeploy and AppSync authorizer data classes read our events."""
    hook = _data_class("code_deploy_lifecycle_hook_event", "CodeDeployLifecycleHookEvent")(
        events.codedeploy_lifecycle_hook(deployment_id="d-ABC123XYZ")
    )
    assert hook.deployment_id == "d-ABC123XYZ" and hook.lifecycle_event_hook_execution_id
    auth = _data_class("appsync_authorizer_event", "AppSyncAuthorizerEvent")(
        events.appsync_authorizer("tok", variables={"id": "9"})
    )
    assert auth.authorization_token == "tok" and auth.request_context.variables == {"id": "9"}


def test_bedrock_api_reads_through_powertools_data_class() -> None:
    """Powertools' BedrockAgentEvent sees our path, method, parameters and body."""
    event = events.bedrock_agent_api(
        "/claims/{claimId}", "PUT", parameters={"claimId": "7"}, body={"note": "x"}
    )
    view = _data_class("bedrock_agent_event", "BedrockAgentEvent")(event)
    assert view.api_path == "/claims/{claimId}" and view.http_method == "PUT"
    assert [(p.name, p.value) for p in view.parameters] == [("claimId", "7")]
    assert view.request_body.content["application/json"].properties[0].value == "x"


def test_async_queue_records_match_the_destination_factory(code: Any) -> None:
    """A record the async queue delivers has the factory's shape (one shared builder)."""
    from pytest_lambda import LambdaFunction

    app = (
        "def fail(event, context):\n    raise RuntimeError('no')\n"
        "def echo(event, context):\n    return event\n"
    )
    sink = LambdaFunction("app.echo", code_dir=code(app=app), name="echo")
    fn = LambdaFunction(
        "app.fail",
        code_dir=code(app=app),
        name="fail",
        maximum_retry_attempts=0,
        destination_config={"OnFailure": {"Destination": sink}},
    )
    fn.invoke({"z": 1}, invocation_type="Event")
    fn.account.drain()
    delivered = json.loads(sink.async_events[0].payload)
    built = events.lambda_destination_record({"z": 1}, condition="RetriesExhausted", attempts=1)

    def shape(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items() if k != "responsePayload"}
        return type(value).__name__

    assert list(delivered) == list(built) and shape(delivered) == shape(built)
    more.check_destination_record(delivered)


def test_powertools_lattice_v2_model_still_types_headers_as_strings() -> None:
    """Powertools' VpcLatticeV2Model rejects the list-valued 2.0 headers AWS sends."""
    pydantic = pytest.importorskip("pydantic")
    with pytest.raises(pydantic.ValidationError):
        models.VpcLatticeV2Model.model_validate(events.vpc_lattice_request())


def test_sender_user_status_follows_the_trigger_source() -> None:
    """Sign-up codes go to unconfirmed users, admin-created ones must change the password."""
    signup = events.cognito_custom_sms_sender("SignUp")["request"]["userAttributes"]
    assert signup["cognito:user_status"] == "UNCONFIRMED"
    assert signup["phone_number_verified"] == "false"
    admin = events.cognito_custom_email_sender("AdminCreateUser")["request"]["userAttributes"]
    assert admin["cognito:user_status"] == "FORCE_CHANGE_PASSWORD"
    forgot = events.cognito_custom_email_sender("ForgotPassword")["request"]["userAttributes"]
    assert forgot["cognito:user_status"] == "CONFIRMED" and forgot["email_verified"] == "true"
    given = events.cognito_custom_email_sender(user_attributes={"email_verified": True})
    assert given["request"]["userAttributes"]["email_verified"] == "true"
