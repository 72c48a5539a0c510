"""The REGISTRY of scoped resources the randomised scope test exercises.

To plug in a resource, add a `ScopedResource`: how to call each operation, which unit path
decides each record's scope, a snapshot to prove refused writes changed nothing, and (for
records other than units) a `seed` that creates records over the forest.
"""

import uuid

import httpx
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd import clock
from doan3cd.auth.permissions import Permission
from doan3cd.domain.hierarchy import is_within
from doan3cd.domain.text import fold
from doan3cd.domain.units import KindRule, kind_allowed
from doan3cd.models.change import Change
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

SYNC_CHANGES = "/api/v1/sync/changes"
SYNC_SNAPSHOT = "/api/v1/sync/snapshot"


async def feed_units(ctx: Ctx, headers: dict[str, str]) -> Listing:
    """Units whose current data the feed hands out. An old change made where a unit used to be
    may still be listed for that subtree, but without data: only today's scope sees the record."""
    candidates = set(
        await ctx.session.scalars(select(Change.resource_id).where(Change.resource == "units"))
    )
    ids: list[uuid.UUID] = []
    cursor = None
    while True:
        params = {"resources": "units", "limit": "25"} | ({"cursor": cursor} if cursor else {})
        response = await ctx.client.get(SYNC_CHANGES, params=params, headers=headers)
        if response.status_code != 200:
            return Listing(response.status_code, [], None, candidates)
        body = response.json()
        ids += [uuid.UUID(item["id"]) for item in body["items"] if item["data"] is not None]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return Listing(200, list(dict.fromkeys(ids)), None, candidates)


async def snapshot_units(ctx: Ctx, headers: dict[str, str]) -> Listing:
    candidates = await matching_units(ctx.session)
    ids: list[uuid.UUID] = []
    cursor = None
    while True:
        params = {"resource": "units", "limit": "7"} | ({"cursor": cursor} if cursor else {})
        response = await ctx.client.get(SYNC_SNAPSHOT, params=params, headers=headers)
        if response.status_code != 200:
            return Listing(response.status_code, [], None, candidates)
        body = response.json()
        ids += [uuid.UUID(item["id"]) for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            return Listing(200, ids, None, candidates)


SYNC_UNITS_RESOURCE = ScopedResource(
    name="sync-units",
    read_permission=Permission.sync_read,
    scope_paths=tree_paths,
    ever_paths=unit_ever_paths,
    snapshot=unit_snapshot,
    singles=[],
    collections=[
        CollectionOp("changes", Permission.sync_read, feed_units),
        CollectionOp("snapshot", Permission.sync_read, snapshot_units),
    ],
)

REGISTRY = [UNITS_RESOURCE, SYNC_UNITS_RESOURCE]
