"""Calendar dates in Vietnam's time zone (Asia/Ho_Chi_Minh), where "today" is decided.

Vietnam keeps UTC+7 all year (no daylight saving since 1975), so a fixed offset needs no tz
database.
"""

from datetime import UTC, date, datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def today() -> date:
    return datetime.now(UTC).astimezone(VIETNAM).date()
