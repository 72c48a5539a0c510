"""Calendar logic in Vietnam's time zone (Asia/Ho_Chi_Minh, UTC+7 all year, no daylight saving)."""

from datetime import date, datetime, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def vietnam_date(instant: datetime) -> date:
    """The calendar date in Vietnam at an aware instant (23:30 UTC is already tomorrow there)."""
    return instant.astimezone(VIETNAM_TZ).date()
