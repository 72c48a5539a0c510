"""POST /sync/members:batch: upsert by (source, external_id), stale writes ignored, ownership."""

import uuid

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.permissions import Permission
from doan3cd.models.audit import AuditEvent
from doan3cd.models.member import Member, MemberExternalId, MembershipPeriod
from tests.helpers import assert_problem
from tests.sync.conftest import BATCH, SyncTree, member_item, post_batch, token_headers


async def test_create_update_unchanged_stale(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree
) -> None:
    headers = await token_headers(session, tree.province, Permission.sync_write)
    [created] = await post_batch(client, headers, [member_item("Y1", tree.branch_a)])
    assert created["status"] == "created" and created["version"] == 1, created["problem"]
    member = await session.get(Member, uuid.UUID(created["id"]))
    assert member is not None
    assert member.full_name == "Nguyễn Thị Mai" and member.gender == "female"
    assert member.name_folded == "nguyen thi mai" and member.name_sort_key
    assert member.branch_id == tree.branch_a.id
    period = await session.scalar(
        select(MembershipPeriod).where(MembershipPeriod.member_id == member.id)
    )
    assert period is not None and period.branch_id == tree.branch_a.id

    newer = member_item("Y1", None, updated_at="2026-02-01T00:00:00Z", full_name="Trần Thị Mai")
    replay = member_item("Y1", None, updated_at="2026-02-01T00:00:00Z", full_name="Trần Thị Mai")
    older = member_item("Y1", None, updated_at="2026-01-15T00:00:00Z", full_name="Lê Thị Mai")
    results = await post_batch(client, headers, [newer])
    assert [(r["status"], r["version"]) for r in results] == [("updated", 2)]
    results = await post_batch(client, headers, [replay])
    assert [(r["status"], r["version"]) for r in results] == [("unchanged", 2)]
    results = await post_batch(client, headers, [older])
    assert [(r["status"], r["version"]) for r in results] == [("stale", 2)]
    await session.refresh(member)
    assert member.full_name == "Trần Thị Mai" and member.row_version == 2
    link = await session.scalar(
        select(MemberExternalId).where(MemberExternalId.member_id == member.id)
    )
    assert link is not None and link.source_updated_at is not None
    assert link.source_updated_at.isoformat().startswith("2026-02-01")
    actions = await session.scalars(
        select(AuditEvent.action).where(AuditEvent.resource_id == str(member.id))
    )
    assert sorted(actions) == ["create", "update"]


async def test_out_of_order_batch_never_overwrites_newer_data(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree
) -> None:
    headers = await token_headers(session, tree.province, Permission.sync_write)
    march = member_item(
        "Y2", tree.branch_a, updated_at="2026-03-01T00:00:00Z", full_name="Võ Văn An"
    )
    january = member_item(
        "Y2", tree.branch_a, updated_at="2026-01-01T00:00:00Z", full_name="Võ Văn Cũ"
    )
    first = await post_batch(client, headers, [march])
    second = await post_batch(client, headers, [january])
    assert first[0]["status"] == "created" and second[0]["status"] == "stale"
    member = await session.get(Member, uuid.UUID(first[0]["id"]))
    assert member is not None and member.full_name == "Võ Văn An"


async def test_local_fields_are_not_overwritten(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree
) -> None:
    headers = await token_headers(session, tree.province, Permission.sync_write)
    [created] = await post_batch(
        client, headers, [member_item("Y3", tree.branch_a, phone="0912345678")]
    )
    member = await session.get(Member, uuid.UUID(created["id"]))
    assert member is not None and member.phone == "+84912345678"
    member.phone = "+84987654321"  # set by the branch, our side owns it
    await session.commit()
    later = member_item(
        "Y3",
        tree.branch_b,
        updated_at="2026-06-01T00:00:00Z",
        phone="0911111111",
        full_name="Nguyễn Thị Mai Anh",
    )
    [updated] = await post_batch(client, headers, [later])
    assert updated["status"] == "updated"
    await session.refresh(member)
    assert member.full_name == "Nguyễn Thị Mai Anh"  # national owns the name
    assert member.phone == "+84987654321"  # local fields kept
    assert member.branch_id == tree.branch_a.id


async def test_each_item_has_its_result_and_bad_items_spoil_only_themselves(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree
) -> None:
    headers = await token_headers(session, tree.district_a, Permission.sync_write)
    items = [
        member_item("E1", tree.branch_a, member_code="DV-0001"),
        member_item("E2", tree.branch_a, gender="robot"),
        member_item("E3", tree.branch_b),  # outside the token's district
        member_item("E4", None),  # no branch for a new member
        member_item("E5", tree.branch_a, member_code="DV-0001"),  # code already taken
        member_item("E1", tree.branch_a),  # twice in one batch
        member_item("E6", tree.branch_a, date_of_birth="2019-01-01"),  # too young at admission
        member_item("E7", tree.branch_a),
    ]
    results = await post_batch(client, headers, items, **{"Accept-Language": "en"})
    assert [r["index"] for r in results] == list(range(len(items)))
    statuses = [(r["status"], (r["problem"] or {}).get("code")) for r in results]
    assert statuses == [
        ("created", None),
        ("error", "member_invalid"),
        ("error", "branch_not_found"),
        ("error", "member_invalid"),
        ("error", "member_conflict"),
        ("error", "external_id_duplicate"),
        ("error", "member_invalid"),
        ("created", None),
    ]
    assert results[1]["problem"]["errors"][0]["code"] == "gender_invalid"
    assert results[1]["problem"]["errors"][0]["pointer"] == "/items/1/gender"
    assert {e["code"] for e in results[3]["problem"]["errors"]} == {"field_required"}
    assert results[6]["problem"]["errors"][0]["code"] == "member_too_young_at_admission"
    stored = await session.scalar(
        select(func.count())
        .select_from(MemberExternalId)
        .where(MemberExternalId.external_id.in_([i["external_id"] for i in items]))
    )
    assert stored == 2


async def test_idempotent_replay_returns_the_same_207(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree
) -> None:
    headers = await token_headers(session, tree.province, Permission.sync_write)
    body = {"source": "yum", "items": [member_item("I1", tree.branch_a)]}
    key = {"Idempotency-Key": "batch-1"}
    first = await client.post(BATCH, json=body, headers=headers | key)
    again = await client.post(BATCH, json=body, headers=headers | key)
    assert first.status_code == again.status_code == 207
    assert again.json() == first.json()
    assert again.headers["Idempotency-Replayed"] == "true"
    count = await session.scalar(
        select(func.count())
        .select_from(MemberExternalId)
        .where(MemberExternalId.external_id == "I1")
    )
    assert count == 1


async def test_batch_size_is_capped_and_write_scope_required(
    client: httpx.AsyncClient, session: AsyncSession, tree: SyncTree
) -> None:
    headers = await token_headers(session, tree.province, Permission.sync_write)
    limit = client._transport.app.state.settings.sync_batch_max  # type: ignore[attr-defined]
    items = [member_item(f"B{i}", tree.branch_a) for i in range(limit + 1)]
    response = await client.post(BATCH, json={"source": "yum", "items": items}, headers=headers)
    assert_problem(response, 413, "batch_too_large")
    reader = await token_headers(session, tree.province, Permission.sync_read)
    response = await client.post(BATCH, json={"source": "yum", "items": []}, headers=reader)
    assert_problem(response, 403, "forbidden")
