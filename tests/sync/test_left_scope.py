"""A member moving out of a scoped client's subtree shows in its feed as `left_scope`.

Each way a member changes branch records where it sat before: transfer receipt, an inbound sync
batch changing the branch, an import moving it, and a merge of its branch. A client scoped to the
old place gets a tombstone-like item (id, external ids, version; no data); the new place's client
and whole-tree clients get the ordinary upsert.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.permissions import Permission
from tests.sync.conftest import SyncTree, member_item, post_batch, read_feed, token_headers

MEMBERS = "/api/v1/members"


@pytest.fixture(autouse=True)
def national_branches(app: FastAPI) -> None:
    """Let the national system's batches move members (the branch is ours by default)."""
    owners = app.state.settings.sync_field_owners | {"branch_code": "national"}
    app.state.settings = app.state.settings.model_copy(update={"sync_field_owners": owners})


Move = Callable[[httpx.AsyncClient, dict[str, str], SyncTree, dict[str, Any]], Awaitable[None]]


async def by_transfer(
    client: httpx.AsyncClient, admin: dict[str, str], tree: SyncTree, member: dict[str, Any]
) -> None:
    asked = await client.post(
        f"{MEMBERS}/{member['id']}/transfers",
        json={"to_branch_id": str(tree.branch_b.id)},
        headers=admin,
    )
    url = f"/api/v1/transfers/{asked.json()['id']}"
    assert (await client.post(f"{url}/send", headers=admin)).status_code == 200
    assert (await client.post(f"{url}/receive", headers=admin)).status_code == 200


async def by_import(
    client: httpx.AsyncClient, admin: dict[str, str], tree: SyncTree, member: dict[str, Any]
) -> None:
    content = (
        "member_code,full_name,date_of_birth,joined_on,branch_code\n"
        f"{member['member_code']},{member['full_name']},01/05/2004,26/03/2021,{tree.branch_b.code}\n"
    )
    response = await client.post(
        "/api/v1/imports",
        files={"file": ("members.csv", content.encode())},
        data={"resource": "members"},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 1


async def by_merge(
    client: httpx.AsyncClient, admin: dict[str, str], tree: SyncTree, member: dict[str, Any]
) -> None:
    body = {"source_ids": [str(tree.branch_a.id)], "target_id": str(tree.branch_b.id)}
    merged = await client.post("/api/v1/units/merge", json=body, headers=admin)
    assert merged.status_code == 200, merged.text


async def by_sync_batch(
    client: httpx.AsyncClient, admin: dict[str, str], tree: SyncTree, member: dict[str, Any]
) -> None:
    item = member_item("Y-1", tree.branch_b, updated_at="2026-02-01T00:00:00Z")
    [result] = await post_batch(client, admin, [item])
    assert result["status"] == "updated", result


@pytest.mark.parametrize("move", [by_transfer, by_import, by_merge, by_sync_batch])
async def test_a_member_leaving_a_scoped_clients_subtree_is_a_left_scope_item(
    client: httpx.AsyncClient,
    session: AsyncSession,
    tree: SyncTree,
    admin_headers: dict[str, str],
    move: Move,
) -> None:
    old_side = await token_headers(session, tree.district_a, Permission.sync_read)
    new_side = await token_headers(session, tree.district_b, Permission.sync_read)
    whole = await token_headers(session, tree.province, Permission.sync_read)
    body = {
        "full_name": "Nguyễn Thị Mai",
        "date_of_birth": "2004-05-01",
        "gender": "nữ",
        "joined_on": "2021-03-26",
        "member_code": "LS0000001",
        "branch_id": str(tree.branch_a.id),
        "external_ids": [{"source": "yum", "external_id": "Y-1"}],
    }
    created = await client.post(MEMBERS, json=body, headers=admin_headers)
    assert created.status_code == 201, created.text
    member = created.json()
    _, old_cursor = await read_feed(client, old_side)
    _, new_cursor = await read_feed(client, new_side)
    _, whole_cursor = await read_feed(client, whole)

    await move(client, admin_headers, tree, member)

    old_items, _ = await read_feed(client, old_side, old_cursor)
    left = [i for i in old_items if i["id"] == member["id"]][-1]
    assert left["op"] == "left_scope"
    assert left["data"] is None  # no personal data for a client that no longer holds them
    assert left["external_ids"] == [{"source": "yum", "external_id": "Y-1"}]
    moved = (await client.get(f"{MEMBERS}/{member['id']}", headers=admin_headers)).json()
    assert left["version"] == moved["revision"]

    for headers, cursor in ((new_side, new_cursor), (whole, whole_cursor)):
        items, _ = await read_feed(client, headers, cursor)
        last = [i for i in items if i["id"] == member["id"]][-1]
        assert last["op"] == "upsert"
        assert last["data"]["branch_id"] == str(tree.branch_b.id)
    # A client that never held the member still sees nothing of its life before the move.
    new_items, _ = await read_feed(client, new_side)
    assert [i["op"] for i in new_items if i["id"] == member["id"]] == ["upsert"]


async def test_a_move_within_the_scope_stays_an_upsert(
    client: httpx.AsyncClient,
    session: AsyncSession,
    tree: SyncTree,
    admin_headers: dict[str, str],
) -> None:
    province = await token_headers(session, tree.province, Permission.sync_read)
    writer = await token_headers(session, tree.province, Permission.sync_write)
    await post_batch(client, writer, [member_item("Y-2", tree.branch_a)])
    _, cursor = await read_feed(client, province)
    moved = member_item("Y-2", tree.branch_b, updated_at="2026-02-01T00:00:00Z")
    await post_batch(client, writer, [moved])
    items, _ = await read_feed(client, province, cursor)
    assert [(i["op"], i["data"]["branch_id"]) for i in items] == [("upsert", str(tree.branch_b.id))]
