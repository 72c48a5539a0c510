"""GET /sync/changes and /sync/snapshot: commit order, tombstones, scope, sensitivity, 410."""

import json
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.permissions import Permission
from doan3cd.db.types import utcnow
from doan3cd.models.audit import AuditEvent
from doan3cd.models.change import Change
from doan3cd.models.member import Member
from doan3cd.sync.changes import record_change
from doan3cd.sync.feed import compact, decode_seq
from tests.helpers import assert_problem
from tests.sync.conftest import (
    CHANGES,
    SENSITIVE,
    SNAPSHOT,
    SyncTree,
    member_item,
    post_batch,
    read_feed,
    token_headers,
)


async def _end(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    """The cursor at the current end of the feed."""
    _, cursor = await read_feed(client, headers)
    return cursor


async def test_changes_come_in_commit_order_with_current_data(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree
) -> None:
    writer = await token_headers(session, tree.province, Permission.sync_write)
    reader = await token_headers(session, tree.province, Permission.sync_read)
    start = await _end(client, reader)
    a = await post_batch(client, writer, [member_item("F1", tree.branch_a)])
    b = await post_batch(client, writer, [member_item("F2", tree.branch_b)])
    await post_batch(
        client,
        writer,
        [member_item("F1", None, updated_at="2026-05-01T00:00:00Z", full_name="Phạm Văn Bình")],
    )
    items, _ = await read_feed(client, reader, start, limit=1)
    assert [(i["id"], i["version"]) for i in items] == [
        (a[0]["id"], 1),
        (b[0]["id"], 1),
        (a[0]["id"], 2),
    ]
    seqs = [i["seq"] for i in items]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    first = items[0]
    assert first["resource"] == "members" and first["op"] == "upsert"
    assert first["external_ids"] == [{"source": "yum", "external_id": "F1"}]
    # data is the CURRENT representation, so both F1 items already carry version 2
    assert first["data"]["full_name"] == "Phạm Văn Bình" and first["data"]["version"] == 2
    assert first["data"]["branch_id"] == str(tree.branch_a.id)


async def test_resources_filter_and_unit_changes(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree, admin_headers: dict[str, str]
) -> None:
    reader = await token_headers(session, tree.province, Permission.sync_read)
    start = await _end(client, reader)
    body = {
        "code": f"NEW-{uuid.uuid4().hex[:6]}",
        "name": "Chi đoàn Ấp Mới",
        "kind": "grassroots",
        "parent_id": str(tree.district_a.id),
        "effective_on": "2024-01-01",
    }
    created = await client.post("/api/v1/units", json=body, headers=admin_headers)
    assert created.status_code == 201, created.text
    unit = created.json()
    patched = await client.patch(
        f"/api/v1/units/{unit['id']}",
        json={"name": "Chi đoàn Ấp Mới Hai"},
        headers=admin_headers | {"If-Match": created.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    await post_batch(
        client,
        await token_headers(session, tree.province, Permission.sync_write),
        [member_item("F3", tree.branch_a)],
    )
    units, _ = await read_feed(client, reader, start, resources="units")
    assert [(i["id"], i["version"]) for i in units] == [(unit["id"], 1), (unit["id"], 2)]
    assert units[-1]["data"] == {
        "id": unit["id"],
        "version": 2,
        "code": body["code"],
        "name": "Chi đoàn Ấp Mới Hai",
        "short_name": None,
        "kind": "grassroots",
        "parent_id": str(tree.district_a.id),
        "valid_to": None,
    }
    both, _ = await read_feed(client, reader, start)
    assert {i["resource"] for i in both} == {"members", "units"}
    response = await client.get(CHANGES, params={"resources": "members,people"}, headers=reader)
    assert_problem(response, 422, "sync_resource_unknown")


async def test_deletions_are_tombstones_without_personal_data(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree
) -> None:
    reader = await token_headers(session, tree.province, Permission.sync_read)
    [created] = await post_batch(
        client,
        await token_headers(session, tree.province, Permission.sync_write),
        [member_item("T1", tree.branch_a)],
    )
    start = await _end(client, reader)
    member = await session.get(Member, uuid.UUID(created["id"]))
    assert member is not None
    await session.delete(member)
    record_change(
        session,
        "members",
        member.id,
        "delete",
        2,
        unit_path=tree.branch_a.path,
        external_ids=[{"source": "yum", "external_id": "T1"}],
    )
    await session.commit()
    items, _ = await read_feed(client, reader, start)
    assert [(i["op"], i["id"], i["version"], i["data"]) for i in items] == [
        ("delete", created["id"], 2, None)
    ]
    earlier, _ = await read_feed(client, reader, None)
    upsert = next(i for i in earlier if i["id"] == created["id"] and i["op"] == "upsert")
    assert upsert["data"] is None  # the record is gone: no personal data left in the feed


async def test_feed_and_snapshot_are_scoped_and_never_sensitive(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree
) -> None:
    writer = await token_headers(session, tree.province, Permission.sync_write)
    district_reader = await token_headers(session, tree.district_a, Permission.sync_read)
    start = await _end(client, district_reader)
    results = await post_batch(
        client, writer, [member_item("S1", tree.branch_a), member_item("S2", tree.branch_b)]
    )
    await session.execute(
        update(Member)
        .where(Member.id.in_([uuid.UUID(r["id"]) for r in results]))
        .values(ethnicity="Khmer", religion="Phật giáo", national_id="084204001234")
    )
    await session.commit()
    items, end = await read_feed(client, district_reader, start)
    assert [i["id"] for i in items] == [results[0]["id"]]
    # the cursor moves past changes the caller may not see, so its next poll skips them
    last = await session.scalar(select(func.max(Change.seq)))
    assert decode_seq(end) == last
    snapshot = await client.get(SNAPSHOT, params={"resource": "members"}, headers=district_reader)
    assert snapshot.status_code == 200
    ids = {m["id"] for m in snapshot.json()["items"]}
    assert results[0]["id"] in ids and results[1]["id"] not in ids
    for payload in (json.dumps(items), snapshot.text):
        for key in SENSITIVE:
            assert f'"{key}"' not in payload
        assert "Khmer" not in payload and "084204001234" not in payload


async def test_snapshot_pages_and_resume_cursor(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree
) -> None:
    writer = await token_headers(session, tree.province, Permission.sync_write)
    reader = await token_headers(session, tree.district_b, Permission.sync_read)
    await post_batch(client, writer, [member_item(f"P{i}", tree.branch_b) for i in range(5)])
    pages = []
    cursor = None
    while True:
        params = {"resource": "members", "limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await client.get(SNAPSHOT, params=params, headers=reader)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            break
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    resume = pages[0]["resume_cursor"]
    assert resume and all(p["resume_cursor"] is None for p in pages[1:])
    [late] = await post_batch(client, writer, [member_item("P9", tree.branch_b)])
    items, _ = await read_feed(client, reader, resume)
    assert [i["id"] for i in items] == [late["id"]]
    units = await client.get(SNAPSHOT, params={"resource": "units"}, headers=reader)
    assert {u["code"] for u in units.json()["items"]} == {tree.district_b.code, tree.branch_b.code}


async def test_compaction_keeps_latest_per_record_and_old_cursors_get_410(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree
) -> None:
    writer = await token_headers(session, tree.province, Permission.sync_write)
    reader = await token_headers(session, tree.province, Permission.sync_read)
    start = await _end(client, reader)
    [a] = await post_batch(client, writer, [member_item("C1", tree.branch_a)])
    for month in (2, 3):
        await post_batch(
            client,
            writer,
            [
                member_item(
                    "C1",
                    None,
                    updated_at=f"2026-0{month}-01T00:00:00Z",
                    full_name=f"Lý Thị {'Hai' if month == 2 else 'Ba'}",
                )
            ],
        )
    [b] = await post_batch(client, writer, [member_item("C2", tree.branch_a)])
    mid = await _end(client, reader)
    await session.execute(update(Change).values(changed_at=utcnow() - timedelta(days=40)))
    await session.commit()
    deleted, mark = await compact(session, retention_days=30)
    await session.commit()
    assert deleted >= 2
    kept = list(
        await session.scalars(
            select(Change.version)
            .where(Change.resource_id == uuid.UUID(a["id"]))
            .order_by(Change.seq)
        )
    )
    assert kept == [3]
    assert (
        await session.scalar(
            select(func.count()).select_from(Change).where(Change.resource_id == uuid.UUID(b["id"]))
        )
        == 1
    )
    response = await client.get(CHANGES, params={"cursor": start}, headers=reader)
    body = assert_problem(response, 410, "cursor_expired")
    assert "snapshot" in str(body["detail"]).lower() or "ảnh chụp" in str(body["detail"])
    assert (await client.get(CHANGES, params={"cursor": mid}, headers=reader)).status_code == 200
    assert mark >= 1
    again, _ = await compact(session, retention_days=30)
    assert again == 0


async def test_feed_needs_sync_read_and_a_valid_cursor(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree
) -> None:
    writer_only = await token_headers(session, tree.province, Permission.sync_write)
    assert_problem(await client.get(CHANGES, headers=writer_only), 403, "forbidden")
    reader = await token_headers(session, tree.province, Permission.sync_read)
    response = await client.get(CHANGES, params={"cursor": "not-a-cursor"}, headers=reader)
    assert_problem(response, 422, "invalid_cursor")
    assert_problem(await client.get(CHANGES), 401, "not_authenticated")


async def test_restructuring_logs_one_change_per_unit_whose_versions_changed(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree, admin_headers: dict[str, str]
) -> None:
    reader = await token_headers(session, tree.district_b, Permission.sync_read)
    units = []
    for code, kind, parent in (("G", "grassroots", tree.district_a.id), ("GB", "branch", None)):
        body = {
            "code": f"{code}-{uuid.uuid4().hex[:6]}",
            "name": f"Đoàn {code}",
            "kind": kind,
            "parent_id": str(parent or units[0]["id"]),
            "effective_on": "2024-01-01",
        }
        response = await client.post("/api/v1/units", json=body, headers=admin_headers)
        assert response.status_code == 201, response.text
        units.append(response.json())
    start = await _end(client, reader)
    move = {"parent_id": str(tree.district_b.id), "effective_on": "2025-01-01"}
    url = f"/api/v1/units/{units[0]['id']}/move"
    dry = await client.post(url, json=move | {"dry_run": True}, headers=admin_headers)
    assert dry.status_code == 200, dry.text
    assert (await read_feed(client, reader, start))[0] == []
    moved = await client.post(url, json=move, headers=admin_headers)
    assert moved.status_code == 200, moved.text
    items, _ = await read_feed(client, reader, start)
    assert sorted((i["id"], i["version"]) for i in items) == sorted(
        [(units[0]["id"], 2), (units[1]["id"], 2)]
    )
    assert items[0]["data"]["parent_id"] in {str(tree.district_b.id), units[0]["id"]}
    audit = await session.scalars(
        select(AuditEvent.action).where(AuditEvent.resource_id == units[1]["id"])
    )
    assert sorted(audit) == ["create", "move"]
