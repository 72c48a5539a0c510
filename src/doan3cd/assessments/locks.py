"""Period locks: once a unit's year is decided, the evidence rolling up to it is frozen."""

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.assessments import problems
from doan3cd.assessments.units import path_on
from doan3cd.domain.hierarchy import ancestor_ids
from doan3cd.models.assessment import Assessment


async def ensure_period_open(session: AsyncSession, unit_id: uuid.UUID, year: int) -> None:
    """Raise 409 `period_locked` when evidence of `unit_id` for `year` may no longer change:
    the unit, or a unit above it in the tree as of the year's end, has a decided (locked)
    assessment for the year. Evidence services call this before every write."""
    path = await path_on(session, unit_id, date(year, 12, 31))
    units = set(ancestor_ids(path)) if path else set()
    units.add(unit_id)
    locked = await session.scalar(
        select(
            exists().where(
                Assessment.unit_id.in_(units), Assessment.year == year, Assessment.locked
            )
        )
    )
    if locked:
        raise problems.period_locked()


async def ensure_periods_open(
    session: AsyncSession, unit_id: uuid.UUID, dates: Iterable[date]
) -> None:
    """`ensure_period_open` for every year the given dates fall in."""
    for year in sorted({d.year for d in dates}):
        await ensure_period_open(session, unit_id, year)
