"""Live verdicts: the batch loader + the pure engine, for one unit, a page of units, or a rollup."""

import contextlib
import gc
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from doan3cd.api.pagination import PageParams, encode_cursor, keyset_page
from doan3cd.assessments import frameworks
from doan3cd.assessments.facts_loader import load_facts
from doan3cd.assessments.units import path_in_scope, scope_on_today, valid_on
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import subtree_of
from doan3cd.db.types import utcnow
from doan3cd.domain.evaluation import Verdict, evaluate, verdict_to_dict
from doan3cd.domain.framework import Framework
from doan3cd.models.assessment import Assessment
from doan3cd.models.unit import UnitVersion

V = UnitVersion
# Units per batch of facts. Each batch's fact-family queries scan their tables once, so small
# batches make a national run quadratic (5,000 units in batches of 500: ten scans of a million
# activities); a batch of 2,000 stays near 200 MB of facts.
CHUNK = 2000


async def compute(
    session: AsyncSession,
    framework: Framework,
    unit_ids: Sequence[uuid.UUID],
    year: int,
    *,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> dict[uuid.UUID, Verdict]:
    """Verdicts of many units, loading facts `chunk` units at a time (pass them sorted by path)."""
    verdicts: dict[uuid.UUID, Verdict] = {}
    with cyclic_gc_paused():
        for first in range(0, len(unit_ids), chunk):
            facts = await load_facts(session, unit_ids[first : first + chunk], year)
            verdicts |= {unit_id: evaluate(framework, f) for unit_id, f in facts.items()}
            if progress is not None:
                progress(min(first + chunk, len(unit_ids)))
    return verdicts


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Facts and verdicts are hundreds of small objects per unit that all stay alive, so the
    cyclic collector rescans a growing heap again and again while they are built: it was 70 % of
    the time for 5,000 units. Reference counting still frees them; the collector resumes after.
    A caller that had it disabled keeps it disabled."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def decision_of(assessment: Assessment | None) -> dict[str, Any] | None:
    if assessment is None or assessment.state != "decided":
        return None
    return {
        "assessment_id": assessment.id,
        "recognised": assessment.recognised,
        "decision_number": assessment.decision_number,
        "decided_on": assessment.decided_on,
        "issuing_unit_id": assessment.issuing_unit_id,
        "reason": assessment.decision_reason,
        "framework_code": assessment.framework_code,
        "framework_version": assessment.framework_version,
        "inputs_hash": assessment.inputs_hash,
    }


def shaped(
    verdict: Verdict, computed_at: datetime, assessment: Assessment | None
) -> dict[str, Any]:
    return {
        **verdict_to_dict(verdict),
        "computed_at": computed_at,
        "decision": decision_of(assessment),
    }


async def _assessments(
    session: AsyncSession, unit_ids: Sequence[uuid.UUID], year: int
) -> dict[uuid.UUID, Assessment]:
    rows = await session.scalars(
        select(Assessment).where(Assessment.unit_id.in_(unit_ids), Assessment.year == year)
    )
    return {row.unit_id: row for row in rows}


async def unit_verdict(
    session: AsyncSession, principal: Principal, unit_id: uuid.UUID, year: int
) -> dict[str, Any]:
    await path_in_scope(session, principal, Permission.assessments_read, unit_id)
    framework = frameworks.decode(await frameworks.for_year(session, year))
    verdicts = await compute(session, framework, [unit_id], year)
    assessments = await _assessments(session, [unit_id], year)
    return shaped(verdicts[unit_id], utcnow(), assessments.get(unit_id))


async def list_verdicts(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    year: int,
    within: uuid.UUID | None,
    status: str | None,
) -> tuple[list[dict[str, Any]], str | None, int | None]:
    """Verdicts of the eligible-kind units of the year-end tree the caller may read, ordered by
    their year-end path. Filtering by `status` needs every candidate's verdict first."""
    framework = frameworks.decode(await frameworks.for_year(session, year))
    within_path = None
    if within is not None:
        within_path = await path_in_scope(session, principal, Permission.assessments_read, within)
    stmt = _candidates(principal, framework, date(year, 12, 31), within_path)
    keys = (V.path.expression, V.unit_id.expression)
    if status is None:
        rows, cursor, total = await keyset_page(
            session, stmt, keys, page, cursor_types=(str, uuid.UUID)
        )
        unit_ids = [r.unit_id for r in rows]
        verdicts = await compute(session, framework, unit_ids, year)
    else:
        rows = list((await session.execute(stmt.order_by(*keys))).all())
        verdicts = await compute(session, framework, [r.unit_id for r in rows], year)
        chosen = [(r.path, r.unit_id) for r in rows if verdicts[r.unit_id].status == status]
        total = len(chosen) if page.include_total else None
        if page.cursor:
            after = (str(page.cursor[0]), str(page.cursor[1]))
            chosen = [c for c in chosen if (c[0], str(c[1])) > after]
        cursor = encode_cursor(chosen[page.limit - 1]) if len(chosen) > page.limit else None
        unit_ids = [unit_id for _, unit_id in chosen[: page.limit]]
    assessments = await _assessments(session, unit_ids, year)
    now = utcnow()
    items = [shaped(verdicts[u], now, assessments.get(u)) for u in unit_ids if u in verdicts]
    return items, cursor, total


def _candidates(
    principal: Principal, framework: Framework, end: date, within_path: str | None
) -> Any:
    """Eligible-kind units in force on the year's last day, readable by the caller today."""
    now = aliased(V, name="today")
    stmt = (
        select(V.unit_id, V.path)
        .join(now, now.unit_id == V.unit_id)
        .where(
            valid_on(end),
            V.kind.in_(framework.eligible_kinds),
            scope_on_today(principal, Permission.assessments_read, now),
        )
    )
    if within_path is not None:
        stmt = stmt.where(subtree_of([within_path], now.path.expression))
    return stmt
