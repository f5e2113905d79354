"""CloudWatch metric alarms invoking Lambda directly as their alarm action.

Shape: CloudWatch user guide, "Using Amazon CloudWatch alarms", section "Lambda alarm actions"
(AlarmThatSendsEmail.html#alarms-and-actions-Lambda, example event): ``source``
"aws.cloudwatch", ``alarmArn``, ``accountId``, ``time`` and state timestamps written
``2023-08-04T12:36:15.490+0000``, ``region``, and ``alarmData`` {alarmName, state,
previousState, configuration {description, metrics [{id, metricStat {metric {namespace, name,
dimensions}, period, stat}, returnData}]}}; ``reasonData`` is a JSON string.
"""

from __future__ import annotations

import datetime as _dt
import json
import random
from collections.abc import Mapping
from typing import Any

from ._common import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    arn,
    bad,
    check_account,
    check_choice,
    check_region,
    now_or_utc,
    rng_or_new,
    uuid4,
)
from ._validate import checked

__all__ = ["cloudwatch_alarm"]

STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_COMPARE = {"ALARM": "was greater than", "OK": "was not greater than"}


def _time(t: _dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


def _state(
    value: str, threshold: float, stat: str, period: int, at: _dt.datetime, rng: random.Random
) -> dict[str, Any]:
    if value == "INSUFFICIENT_DATA":
        reason = "Insufficient Data: 1 datapoint was unknown."
        return {"value": value, "reason": reason, "timestamp": _time(at)}
    point = threshold + (rng.uniform(1, 10) if value == "ALARM" else -rng.uniform(1, 10))
    start = (at - _dt.timedelta(seconds=period * 2)).replace(second=0, microsecond=0)
    reason_data = {
        "version": "1.0",
        "queryDate": _time(at),
        "startDate": _time(start),
        "statistic": stat,
        "period": period,
        "recentDatapoints": [round(point, 1)],
        "threshold": threshold,
        "evaluatedDatapoints": [
            {"timestamp": _time(start), "sampleCount": 1.0, "value": round(point, 1)}
        ],
    }
    shown = start.strftime("%d/%m/%y %H:%M")
    reason = (
        f"Threshold Crossed: 1 out of the last 1 datapoints [{round(point, 1)} ({shown})] "
        f"{_COMPARE[value]} the threshold ({threshold}) (minimum 1 datapoint for "
        f"{'OK -> ALARM' if value == 'ALARM' else 'ALARM -> OK'} transition)."
    )
    return {
        "value": value,
        "reason": reason,
        "reasonData": json.dumps(reason_data, separators=(",", ":")),
        "timestamp": _time(at),
    }


@checked
def cloudwatch_alarm(
    state: str = "ALARM",
    previous_state: str = "OK",
    *,
    alarm_name: str = "my-alarm",
    namespace: str = "AWS/Lambda",
    metric_name: str = "Errors",
    dimensions: Mapping[str, str] | None = None,
    statistic: str = "Sum",
    period: int = 60,
    threshold: float = 1.0,
    description: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
    rng: random.Random | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A metric alarm's state change (*previous_state* -> *state*) as its Lambda action sees it."""
    rng = rng_or_new(rng)
    when = now_or_utc(now)
    check_choice("state", state, STATES)
    check_choice("previous_state", previous_state, STATES)
    check_choice("statistic", statistic, STATISTICS)
    check_region(region)
    check_account(account_id)
    if state == previous_state:
        # Alarm actions run on state changes only.
        raise bad("previous_state", previous_state, f"must differ from state={state!r}")
    if not 1 <= len(alarm_name) <= 255:
        raise bad("alarm_name", alarm_name, "alarm names are 1-255 characters")
    # PutMetricAlarm: period 10, 20, 30 or a multiple of 60 seconds.
    if isinstance(period, bool) or not (
        period in (10, 20, 30) or (period > 0 and period % 60 == 0)
    ):
        raise bad("period", period, "expected 10, 20, 30 or a multiple of 60 seconds")
    for name, value in (dimensions or {}).items():
        if not isinstance(value, str):
            raise bad(f"dimensions[{name!r}]", value, "dimension values are strings")
    dims = dict(dimensions if dimensions is not None else {"FunctionName": "my-function"})
    before = when - _dt.timedelta(minutes=rng.randrange(5, 600), milliseconds=rng.randrange(1000))
    configuration: dict[str, Any] = {
        "metrics": [
            {
                "id": uuid4(rng),
                "metricStat": {
                    "metric": {"namespace": namespace, "name": metric_name, "dimensions": dims},
                    "period": period,
                    "stat": statistic,
                },
                "returnData": True,
            }
        ]
    }
    if description is not None:
        configuration = {"description": description, **configuration}
    return {
        "source": "aws.cloudwatch",
        "alarmArn": arn("cloudwatch", region, account_id, f"alarm:{alarm_name}"),
        "accountId": account_id,
        "time": _time(when),
        "region": region,
        "alarmData": {
            "alarmName": alarm_name,
            "state": _state(state, threshold, statistic, period, when, rng),
            "previousState": _state(previous_state, threshold, statistic, period, before, rng),
            "configuration": configuration,
        },
    }
