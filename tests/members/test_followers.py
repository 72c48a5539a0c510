"""Members follow their branch when units merge (and are counted on a dry run)."""

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.models.change import Change
from doan3cd.models.member import MembershipPeriod
from tests.members.conftest import MEMBERS, Tree, create_member


async def test_merge_moves_members(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tree: Tree, session: AsyncSession
) -> None:
    member = await create_member(client, admin_headers, tree.class_b)
    await create_member(client, admin_headers, tree.class_a)
    body = {"source_ids": [str(tree.class_b.id)], "target_id": str(tree.class_a.id)}
    dry = await client.post(
        "/api/v1/units/merge", json=body | {"dry_run": True}, headers=admin_headers
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["followers"]["members"] == 1
    merged = await client.post("/api/v1/units/merge", json=body, headers=admin_headers)
    assert merged.status_code == 200, merged.text
    moved = (await client.get(f"{MEMBERS}/{member['id']}", headers=admin_headers)).json()
    assert moved["branch_id"] == str(tree.class_a.id)
    assert moved["revision"] == 2
    reasons = (
        await session.scalars(select(MembershipPeriod.reason).order_by(MembershipPeriod.valid_from))
    ).all()
    assert sorted(reasons) == ["admission", "admission", "merge"]
    versions = (
        await session.scalars(
            select(Change.version).where(Change.resource_id == uuid.UUID(moved["id"]))
        )
    ).all()
    assert versions == [1, 2]
