"""Calendar logic in Vietnam's time zone (Asia/Ho_Chi_Minh, UTC+7 all year, no daylight saving)."""

from datetime import UTC, date, datetime, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def vietnam_today(now: datetime | None = None) -> date:
    """Today's date in Vietnam; `now` (aware) defaults to the current instant."""
    return (now or datetime.now(UTC)).astimezone(VIETNAM_TZ).date()
