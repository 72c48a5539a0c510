"""Reading the clock, kept out of `domain/` so pure rules take dates as arguments."""

from datetime import date

from doan3cd.db.types import utcnow
from doan3cd.domain.calendar import vietnam_date


def vietnam_today() -> date:
    """Today in Vietnam: what "today" means for grants, expiries and the tree."""
    return vietnam_date(utcnow())
