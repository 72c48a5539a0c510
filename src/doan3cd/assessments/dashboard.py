"""The 3 chủ động rollup: per child of a root (tree as of a date) and per criterion."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from doan3cd.assessments import frameworks, problems
from doan3cd.assessments.schemas import (
    Counts,
    CriterionCounts,
    DashboardGroup,
    DashboardRead,
)
from doan3cd.assessments.units import path_in_scope, path_on, scope_on_today, valid_on
from doan3cd.assessments.verdicts import compute
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import subtree_of
from doan3cd.db.types import utcnow
from doan3cd.domain.evaluation import Verdict
from doan3cd.domain.hierarchy import ancestor_ids
from doan3cd.models.assessment import Assessment
from doan3cd.models.unit import Unit, UnitVersion

V = UnitVersion
SUBMITTED = ("submitted", "decided")


async def three_proactives(
    session: AsyncSession, principal: Principal, *, year: int, root: uuid.UUID, as_of: date | None
) -> DashboardRead:
    """Counts over the eligible-kind units under `root` in the tree as of `as_of` (default the
    year's last day) that the caller may read today, grouped by the root's children then."""
    on = as_of or date(year, 12, 31)
    await path_in_scope(session, principal, Permission.assessments_read, root)
    root_path = await path_on(session, root, on)
    if root_path is None:
        raise problems.not_found("unit", "tổ chức Đoàn vào ngày này")
    framework_row = await frameworks.for_year(session, year)
    framework = frameworks.decode(framework_row)
    now = aliased(V, name="today")
    units = (
        await session.execute(
            select(V.unit_id, V.path)
            .join(now, now.unit_id == V.unit_id)
            .where(
                valid_on(on),
                subtree_of([root_path], V.path.expression),
                V.kind.in_(framework.eligible_kinds),
                scope_on_today(principal, Permission.assessments_read, now),
            )
            .order_by(V.path)
        )
    ).all()
    children = (
        await session.execute(
            select(V.unit_id, Unit.code, V.name, V.kind)
            .join(Unit, Unit.id == V.unit_id)
            .where(V.parent_id == root, valid_on(on))
            .order_by(V.name_folded, V.unit_id)
        )
    ).all()
    unit_ids = list(dict.fromkeys(u.unit_id for u in units))
    verdicts = await compute(session, framework, unit_ids, year)
    assessments = {
        a.unit_id: a
        for a in await session.scalars(
            select(Assessment).where(Assessment.unit_id.in_(unit_ids), Assessment.year == year)
        )
    }
    keys = [criterion.key for criterion in framework.criteria]
    depth = len(ancestor_ids(root_path))
    totals = _empty(keys)
    groups = {c.unit_id: _empty(keys) for c in children}
    for unit_id, path in units:
        lineage = ancestor_ids(path)
        child = lineage[depth] if len(lineage) > depth else None
        verdict = verdicts.get(unit_id)
        for counts in (totals, groups.get(child) if child else None):
            if counts is not None and verdict is not None:
                _count(counts, verdict, assessments.get(unit_id))
    return DashboardRead(
        root_id=root,
        year=year,
        as_of=on,
        computed_at=utcnow(),
        framework_code=framework.code,
        framework_version=framework.version,
        totals=totals,
        groups=[
            DashboardGroup(
                unit_id=c.unit_id,
                code=c.code,
                name=c.name,
                kind=c.kind,
                **groups[c.unit_id].model_dump(),
            )
            for c in children
        ],
    )


def _empty(keys: list[str]) -> Counts:
    return Counts(criteria={key: CriterionCounts() for key in keys})


def _count(counts: Counts, verdict: Verdict, assessment: Assessment | None) -> None:
    counts.units += 1
    counts.eligible += verdict.eligibility.eligible
    counts.achieved += verdict.status == "achieved"
    recognised = False
    if assessment is not None:
        counts.registered += 1
        counts.submitted += assessment.state in SUBMITTED
        recognised = assessment.state == "decided" and bool(assessment.recognised)
        counts.recognised += recognised
    frozen = _frozen_passes(assessment) if recognised else {}
    for criterion in verdict.criteria:
        tally = counts.criteria[criterion.key]
        tally.achieved += criterion.passed
        tally.recognised += frozen.get(criterion.key, False)


def _frozen_passes(assessment: Assessment | None) -> dict[str, bool]:
    verdict: dict[str, Any] = (assessment.verdict if assessment else None) or {}
    return {c["key"]: bool(c["passed"]) for c in verdict.get("criteria", [])}
