"""Fixtures for sync tests: a small tree, integration tokens scoped to a unit, batch helpers."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth import commands
from doan3cd.auth.permissions import Permission
from tests.factories import UnitRef, add_unit

CHANGES = "/api/v1/sync/changes"
SNAPSHOT = "/api/v1/sync/snapshot"
BATCH = "/api/v1/sync/members:batch"
WEBHOOKS = "/api/v1/webhooks"
SENSITIVE = {"ethnicity", "religion", "national_id"}


@dataclass(frozen=True)
class SyncTree:
    province: UnitRef
    district_a: UnitRef
    branch_a: UnitRef
    district_b: UnitRef
    branch_b: UnitRef


@pytest_asyncio.fixture
async def tree(session: AsyncSession) -> SyncTree:
    suffix = uuid.uuid4().hex[:6]
    province = await add_unit(session, f"P-{suffix}", kind="province")
    district_a = await add_unit(session, f"DA-{suffix}", province, kind="district")
    branch_a = await add_unit(session, f"BA-{suffix}", district_a, kind="branch")
    district_b = await add_unit(session, f"DB-{suffix}", province, kind="district")
    branch_b = await add_unit(session, f"BB-{suffix}", district_b, kind="branch")
    await session.commit()
    return SyncTree(province, district_a, branch_a, district_b, branch_b)


async def token_headers(
    session: AsyncSession, unit: UnitRef, *scopes: Permission
) -> dict[str, str]:
    """An integration API token with the given scopes over the unit's subtree."""
    created = await commands.create_token(
        session, f"sync-{uuid.uuid4().hex[:8]}", list(scopes), unit.code, None
    )
    await session.commit()
    return {"Authorization": f"Bearer {created.secret}"}


def member_item(external_id: str, branch: UnitRef | None, **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "external_id": external_id,
        "updated_at": "2026-01-01T00:00:00Z",
        "full_name": "Nguyễn Thị Mai",
        "date_of_birth": "2004-05-01",
        "gender": "nữ",
        "joined_on": "2021-03-26",
    }
    if branch is not None:
        item["branch_code"] = branch.code
    item.update(fields)
    return item


async def post_batch(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    items: list[dict[str, Any]],
    source: str = "yum",
    **extra_headers: str,
) -> list[dict[str, Any]]:
    response = await client.post(
        BATCH, json={"source": source, "items": items}, headers=headers | extra_headers
    )
    assert response.status_code == 207, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


async def read_feed(
    client: httpx.AsyncClient, headers: dict[str, str], cursor: str | None = None, **params: Any
) -> tuple[list[dict[str, Any]], str]:
    """Every change after `cursor`, following pages; returns the items and the final cursor."""
    items: list[dict[str, Any]] = []
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(CHANGES, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            assert cursor is not None
            return items, cursor
