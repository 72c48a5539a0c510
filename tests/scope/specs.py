"""The REGISTRY of scoped resources the randomised scope test exercises.

To plug in a resource, add a `ScopedResource`: how to call each operation, which unit path
decides each record's scope, a snapshot to prove refused writes changed nothing, and (for
records other than units) a `seed` that creates records over the forest.
"""

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.permissions import Permission
from doan3cd.domain.hierarchy import is_within
from doan3cd.domain.text import fold
from doan3cd.models.unit import UnitVersion
from tests.scope import standin
from tests.scope.harness import (
    KINDS,
    PLACES,
    CollectionOp,
    Ctx,
    Listing,
    ScopedResource,
    SingleOp,
    Target,
    current_version_of,
    list_all,
    tree_paths,
)


async def unit_snapshot(session: AsyncSession, unit_id: uuid.UUID) -> tuple[object, ...]:
    row = (
        await session.execute(
            select(UnitVersion.name, UnitVersion.path, UnitVersion.parent_id).where(
                current_version_of(unit_id)
            )
        )
    ).one()
    return tuple(row)


async def move_destinations(ctx: Ctx, unit_id: uuid.UUID) -> list[uuid.UUID]:
    """Units that may hold `unit_id`: its parent's kind, outside its own subtree."""
    version = (
        await ctx.session.execute(
            select(UnitVersion.kind, UnitVersion.path, UnitVersion.parent_id).where(
                current_version_of(unit_id)
            )
        )
    ).one()
    if version.parent_id is None:
        return []
    parent_kind = KINDS[KINDS.index(version.kind) - 1]
    rows = await ctx.session.execute(
        select(UnitVersion.unit_id, UnitVersion.path).where(
            current_version_of(UnitVersion.unit_id), UnitVersion.kind == parent_kind
        )
    )
    return [
        row.unit_id
        for row in rows
        if row.unit_id != version.parent_id and not is_within(row.path, version.path)
    ]


async def all_units(session: AsyncSession, q: str | None = None) -> set[uuid.UUID]:
    stmt = select(UnitVersion.unit_id).where(current_version_of(UnitVersion.unit_id))
    if q:
        stmt = stmt.where(UnitVersion.name_folded.contains(fold(q), autoescape=True))
    return set((await session.scalars(stmt)).all())


def search_term(ctx: Ctx) -> str:
    place = ctx.rng.choice(PLACES)
    return ctx.rng.choice([place, fold(place), place.split()[-1].upper()])


def units_resource(prefix: str) -> ScopedResource:
    """Units at `prefix`: get, list, search (`q`), patch (rename) and move."""

    async def get(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
        return await ctx.client.get(f"{prefix}/{target.record_id}", headers=headers)

    async def patch(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
        name = f"Đoàn {ctx.rng.choice(PLACES)} mới"
        return await ctx.client.patch(
            f"{prefix}/{target.record_id}", json={"name": name}, headers=headers
        )

    async def move(ctx: Ctx, headers: dict[str, str], target: Target) -> httpx.Response:
        return await ctx.client.post(
            f"{prefix}/{target.record_id}/move",
            json={"parent_id": str(target.destination)},
            headers=headers,
        )

    async def list_units(ctx: Ctx, headers: dict[str, str]) -> Listing:
        return await list_all(ctx, headers, prefix, {}, await all_units(ctx.session))

    async def search(ctx: Ctx, headers: dict[str, str]) -> Listing:
        q = search_term(ctx)
        return await list_all(ctx, headers, prefix, {"q": q}, await all_units(ctx.session, q))

    return ScopedResource(
        name="units",
        scope_paths=tree_paths,
        snapshot=unit_snapshot,
        singles=[
            SingleOp("get", Permission.units_read, get),
            SingleOp("patch", Permission.units_write, patch),
            SingleOp("move", Permission.units_write, move, destinations=move_destinations),
        ],
        collections=[
            CollectionOp("list", Permission.units_read, list_units),
            CollectionOp("search", Permission.units_read, search),
        ],
    )


REGISTRY = [units_resource(standin.PREFIX)]
