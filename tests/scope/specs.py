"""The REGISTRY of scoped resources the randomised scope test exercises.

To plug in a resource, add a `ScopedResource`: how to call each operation, which unit path
decides each record's scope, a snapshot to prove refused writes changed nothing, and (for
records other than units) a `seed` that creates records over the forest.
"""

import random
import uuid
from datetime import date

import httpx
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd import clock
from doan3cd.auth.permissions import Permission
from doan3cd.domain.hierarchy import is_within
from doan3cd.domain.text import fold
from doan3cd.domain.units import KindRule, kind_allowed
from doan3cd.models.assessment import Assessment
from doan3cd.models.unit import Unit, UnitKindRule, UnitVersion
from tests.scope.harness import (
    PLACES,
    UNITS,
    CollectionOp,
    Ctx,
    Listing,
    ScopedResource,
    SingleOp,
    Target,
    UnitNode,
    current_version_of,
    list_all,
    tree_paths,
    unit_ever_paths,
)


async def unit_snapshot(session: AsyncSession, unit_id: uuid.UUID) -> tuple[object, ...]:
    """Every version of the unit: a refused write must leave all of them as they were."""
    rows = await session.execute(
        select(
            UnitVersion.name,
            UnitVersion.path,
            UnitVersion.parent_id,
            UnitVersion.valid_from,
            UnitVersion.valid_to,
        )
        .where(UnitVersion.unit_id == unit_id)
        .order_by(UnitVersion.valid_from)
    )
    return tuple(tuple(row) for row in rows)


async def move_destinations(ctx: Ctx, unit_id: uuid.UUID) -> list[uuid.UUID]:
    """Units that may hold `unit_id` today: kind rules allow it, outside its own subtree, and
    not its current parent."""
    today = clock.today()
    rules = [
        KindRule(r.parent_kind, r.child_kind, r.valid_from, r.valid_to)
        for r in await ctx.session.scalars(select(UnitKindRule))
    ]
    subject = (
        await ctx.session.execute(
            select(UnitVersion.kind, UnitVersion.path, UnitVersion.parent_id).where(
                current_version_of(unit_id)
            )
        )
    ).one()
    rows = await ctx.session.execute(
        select(UnitVersion.unit_id, UnitVersion.kind, UnitVersion.path)
        .join(Unit, Unit.id == UnitVersion.unit_id)
        .where(current_version_of(UnitVersion.unit_id))
        .order_by(Unit.code)
    )
    return [
        row.unit_id
        for row in rows
        if kind_allowed(rules, row.kind, subject.kind, today)
        and row.unit_id != subject.parent_id
        and not is_within(row.path, subject.path)
    ]


async def matching_units(session: AsyncSession, q: str | None = None) -> set[uuid.UUID]:
    """What `GET /units?q=` matches when scope is ignored: folded name or code."""
    stmt = (
        select(UnitVersion.unit_id)
        .join(Unit, Unit.id == UnitVersion.unit_id)
        .where(current_version_of(UnitVersion.unit_id))
    )
    if q:
        stmt = stmt.where(
            or_(
                UnitVersion.name_folded.contains(fold(q), autoescape=True),
                Unit.code.contains(q.strip().upper(), autoescape=True),
            )
        )
    return set((await session.scalars(stmt)).all())


def search_term(ctx: Ctx) -> str:
    place = ctx.rng.choice(PLACES)
    return ctx.rng.choice([place, fold(place), place.split()[-1].upper(), "P1.2"])


async def get_unit(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    return await ctx.client.get(f"{UNITS}/{target.record_id}", headers=headers)


async def rename_unit(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    name = f"Đoàn {ctx.rng.choice(PLACES)} mới"
    return await ctx.client.patch(
        f"{UNITS}/{target.record_id}", json={"name": name}, headers=headers
    )


async def move_unit(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    return await ctx.client.post(
        f"{UNITS}/{target.record_id}/move",
        json={"parent_id": str(target.destination)},
        headers=headers,
    )


async def list_units(ctx: Ctx, headers: dict[str, str]) -> Listing:
    return await list_all(ctx, headers, UNITS, {}, await matching_units(ctx.session))


async def search_units(ctx: Ctx, headers: dict[str, str]) -> Listing:
    q = search_term(ctx)
    return await list_all(ctx, headers, UNITS, {"q": q}, await matching_units(ctx.session, q))


UNITS_RESOURCE = ScopedResource(
    name="units",
    read_permission=Permission.units_read,
    scope_paths=tree_paths,
    ever_paths=unit_ever_paths,
    snapshot=unit_snapshot,
    singles=[
        SingleOp("get", Permission.units_read, get_unit),
        SingleOp("patch", Permission.units_write, rename_unit),
        SingleOp("move", Permission.units_write, move_unit, destinations=move_destinations),
    ],
    collections=[
        CollectionOp("list", Permission.units_read, list_units),
        CollectionOp("search", Permission.units_read, search_units),
    ],
)

ASSESSMENTS = "/api/v1/assessments"


async def seed_assessments(ctx: Ctx, units: list[UnitNode], rng: random.Random) -> None:
    """A 2023 registration for about half of the units."""
    for unit in units:
        if rng.random() < 0.5:
            ctx.session.add(
                Assessment(
                    unit_id=unit.id,
                    year=2023,
                    state="registered",
                    registered_on=date(2022, 10, 1),
                    return_reasons=[],
                    locked=False,
                    row_version=1,
                )
            )
    await ctx.session.commit()


async def assessment_paths(session: AsyncSession) -> dict[uuid.UUID, str]:
    """An assessment's scope is its unit's path today."""
    tree = await tree_paths(session)
    rows = await session.execute(select(Assessment.id, Assessment.unit_id).order_by(Assessment.id))
    return {row.id: tree[row.unit_id] for row in rows if row.unit_id in tree}


async def assessment_snapshot(session: AsyncSession, assessment_id: uuid.UUID) -> object:
    return await session.scalar(
        select(Assessment.row_version).where(Assessment.id == assessment_id)
    )


async def get_assessment(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
    return await ctx.client.get(f"{ASSESSMENTS}/{target.record_id}", headers=headers)


async def list_assessments(ctx: Ctx, headers: dict[str, str]) -> Listing:
    candidates = set((await assessment_paths(ctx.session)).keys())
    return await list_all(ctx, headers, ASSESSMENTS, {"year": "2023"}, candidates)


ASSESSMENTS_RESOURCE = ScopedResource(
    name="assessments",
    read_permission=Permission.assessments_read,
    scope_paths=assessment_paths,
    snapshot=assessment_snapshot,
    singles=[SingleOp("get", Permission.assessments_read, get_assessment)],
    collections=[CollectionOp("list", Permission.assessments_read, list_assessments)],
    seed=seed_assessments,
)

REGISTRY = [UNITS_RESOURCE, ASSESSMENTS_RESOURCE]
