"""Dates are Vietnam's (UTC+7), whatever the server's time zone."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from doan3cd.domain.calendar import vietnam_date


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2026, 12, 31, 16, 59, tzinfo=UTC), date(2026, 12, 31)),
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2027, 1, 1, 6, 0, tzinfo=timezone(timedelta(hours=-5))), date(2027, 1, 1)),
        (datetime(2027, 1, 1, 18, 0, tzinfo=timezone(timedelta(hours=-5))), date(2027, 1, 2)),
    ],
)
def test_vietnam_date(instant: datetime, expected: date) -> None:
    assert vietnam_date(instant) == expected
