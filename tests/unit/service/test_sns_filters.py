"""SNS filter-policy operators moto does not apply, applied under the embedded AWS:
``equals-ignore-case`` and IPv4 ``cidr``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

pytest.importorskip("moto")

from pytest_lambda import LambdaFunction
from pytest_lambda.service.aws import MockedAws
from pytest_lambda.service.sns_filters import translate

if TYPE_CHECKING:
    from conftest import CodeWriter  # the shared alias of the ``code`` fixture


@pytest.mark.parametrize(("rule", "moto_rules"), [
    ({"equals-ignore-case": "ABC"}, [{"equals-ignore-case": "abc"}]),
    ({"cidr": "10.0.0.0/24"}, [{"prefix": "10.0.0."}]),
    ({"cidr": "10.0.0.0/8"}, [{"prefix": "10."}]),
    ({"cidr": "10.0.0.9/32"}, ["10.0.0.9"]),
    ({"cidr": "10.0.2.0/23"}, [{"prefix": "10.0.2."}, {"prefix": "10.0.3."}]),
    ({"cidr": "10.0.0.8/30"}, ["10.0.0.8", "10.0.0.9", "10.0.0.10", "10.0.0.11"]),
    ({"cidr": "2001:db8::/32"}, [{"cidr": "2001:db8::/32"}]),
    ({"prefix": "a"}, [{"prefix": "a"}]),
])
def test_translate(rule: dict[str, str], moto_rules: list[object]) -> None:
    assert translate({"k": [rule], "nested": {"j": [rule]}}) == {
        "k": moto_rules, "nested": {"j": moto_rules}}


def test_subscriptions_apply_both_operators(code: CodeWriter) -> None:
    with MockedAws("us-east-1") as aws, LambdaFunction("app.handler", code_dir=code(
            app="def handler(e, c):\n    return e['Records'][0]['Sns']['MessageAttributes']\n"
    )) as fn:
        sns = aws.client("sns")
        topic = sns.create_topic(Name="t")["TopicArn"]
        trigger = fn.subscribe_sns(topic, filter_policy={
            "kind": [{"equals-ignore-case": "ORDER"}], "ip": [{"cidr": "10.0.2.0/23"}]})

        def publish(kind: str, ip: str) -> int:
            sns.publish(TopicArn=topic, Message="m", MessageAttributes={
                "kind": {"DataType": "String", "StringValue": kind},
                "ip": {"DataType": "String", "StringValue": ip}})
            return len(trigger.drain())

        assert publish("Order", "10.0.3.200") == 1
        assert publish("order", "10.0.4.1") == 0
        assert publish("invoice", "10.0.2.1") == 0
