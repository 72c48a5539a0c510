"""`doan3cd recompute`: every evaluated unit's verdict for a year, in chunks, with progress."""

import json
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import IO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.assessments import frameworks, problems
from doan3cd.assessments.full_run import all_outcomes
from doan3cd.assessments.units import path_on, valid_on
from doan3cd.assessments.verdicts import CHUNK
from doan3cd.auth.scope import subtree_of
from doan3cd.config import Settings
from doan3cd.models.unit import Unit, UnitVersion

V = UnitVersion


async def units_of_year(
    session: AsyncSession, year: int, kinds: tuple[str, ...], within: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """Units of the evaluated kinds in force on the year's last day, in path order."""
    end = date(year, 12, 31)
    stmt = select(V.unit_id).where(valid_on(end), V.kind.in_(kinds)).order_by(V.path)
    if within is not None:
        path = await path_on(session, within, end)
        if path is None:
            raise problems.not_found("unit", "tổ chức Đoàn vào cuối năm")
        stmt = stmt.where(subtree_of([path], V.path.expression))
    return list((await session.scalars(stmt)).all())


async def recompute(
    session: AsyncSession,
    year: int,
    *,
    within_code: str | None = None,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
    output: IO[str] | None = None,
    workers: int = 1,
    settings: Settings | None = None,
) -> Counter[str]:
    """Compute the verdicts and count them by status; `output` receives one JSON line each, in
    path order. With `workers` > 1 and `settings`, slices of the units run in that many
    processes (`full_run`)."""
    framework = frameworks.decode(await frameworks.for_year(session, year))
    within = None
    if within_code is not None:
        within = await session.scalar(select(Unit.id).where(Unit.code == within_code))
        if within is None:
            raise problems.not_found("unit", f"tổ chức Đoàn {within_code}")
    unit_ids = await units_of_year(session, year, framework.eligible_kinds, within)
    results = await all_outcomes(
        session,
        framework,
        unit_ids,
        year,
        chunk=chunk,
        lines=output is not None,
        workers=workers,
        settings=settings,
        progress=None if progress is None else lambda done: progress(done, len(unit_ids)),
    )
    statuses: Counter[str] = Counter()
    for status, line in results:
        statuses[status] += 1
        if output is not None:
            output.write(f"{line}\n")
    return statuses


def as_json(statuses: Counter[str]) -> str:
    return json.dumps(dict(sorted(statuses.items())))
