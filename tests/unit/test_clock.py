"""The one millisecond-ISO timestamp formatter, ``clock.iso_ms``."""

from __future__ import annotations

import datetime

from pytest_lambda.clock import iso_ms


def test_iso_ms_writes_epoch_seconds_and_utc_datetimes_alike() -> None:
    """Epoch seconds and the same moment as a UTC datetime give one string, milliseconds cut."""
    moment = datetime.datetime(2019, 11, 14, 0, 38, 4, 835_999, tzinfo=datetime.UTC)
    assert iso_ms(moment) == "2019-11-14T00:38:04.835Z"
    assert iso_ms(moment.timestamp()) == "2019-11-14T00:38:04.835Z"
    assert iso_ms(0) == "1970-01-01T00:00:00.000Z"
