"""Members: create, read with ETag, merge-patch with If-Match, validation codes, status, erasure."""

import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.models.audit import AuditEvent
from doan3cd.models.change import Change
from doan3cd.models.member import MembershipPeriod, MemberStatusChange
from tests.conftest import AuthHeaders
from tests.helpers import assert_problem
from tests.members.conftest import MEMBERS, Tree, create_member, member_body


async def test_create_normalises_and_reads_back(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tree: Tree, session: AsyncSession
) -> None:
    body = member_body(
        tree.class_a,
        full_name="  Nguyễn Văn An ",
        email="An@Example.COM",
        member_code="tv0000001",
        external_ids=[{"source": "yum", "external_id": "Y-1"}],
    )
    response = await client.post(
        MEMBERS, json=body, headers=admin_headers | {"Idempotency-Key": "k-1"}
    )
    assert response.status_code == 201, response.text
    member = response.json()
    assert response.headers["Location"].endswith(member["id"])
    assert member["phone"] == "+84912345678"
    assert member["gender"] == "male"
    assert member["member_code"] == "TV0000001"
    assert member["email"] == "An@example.com"
    assert member["external_ids"] == [{"source": "yum", "external_id": "Y-1"}]
    again = await client.post(
        MEMBERS, json=body, headers=admin_headers | {"Idempotency-Key": "k-1"}
    )
    assert again.json()["id"] == member["id"]
    got = await client.get(f"{MEMBERS}/{member['id']}", headers=admin_headers)
    assert got.status_code == 200
    assert got.headers["ETag"] == response.headers["ETag"]
    cached = await client.get(
        f"{MEMBERS}/{member['id']}", headers=admin_headers | {"If-None-Match": got.headers["ETag"]}
    )
    assert cached.status_code == 304
    periods = (await session.scalars(select(MembershipPeriod))).all()
    assert [(p.reason, str(p.valid_from), p.valid_to) for p in periods] == [
        ("admission", "2017-03-26", None)
    ]
    changes = (await session.scalars(select(Change).where(Change.resource == "members"))).all()
    assert [(c.op, c.version, c.unit_path) for c in changes] == [("upsert", 1, tree.class_a.path)]


@pytest.mark.parametrize(
    ("changes", "code", "pointer"),
    [
        ({"full_name": "An 2"}, "name_invalid", "/full_name"),
        ({"phone": "12345"}, "phone_invalid", "/phone"),
        ({"email": "not-an-email"}, "email_invalid", "/email"),
        ({"gender": "x"}, "gender_invalid", "/gender"),
        ({"member_code": "mã đv"}, "member_code_invalid", "/member_code"),
        ({"sensitive": {"national_id": "12"}}, "national_id_invalid", "/sensitive/national_id"),
        ({"joined_on": "2010-01-01"}, "member_too_young_at_admission", "/joined_on"),
        ({"joined_on": "2035-01-01"}, "date_in_future", "/joined_on"),
        (
            {"date_of_birth": "1980-01-01", "joined_on": "2015-01-01"},
            "member_too_old_at_admission",
            "/joined_on",
        ),
    ],
)
async def test_validation_codes(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    tree: Tree,
    changes: dict[str, object],
    code: str,
    pointer: str,
) -> None:
    response = await client.post(
        MEMBERS, json=member_body(tree.class_a, **changes), headers=admin_headers
    )
    body = assert_problem(response, 422, "member_invalid")
    assert {(e["code"], e["pointer"]) for e in body["errors"]} >= {(code, pointer)}  # type: ignore[union-attr,index]


async def test_cadre_may_join_older(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tree: Tree
) -> None:
    await create_member(
        client,
        admin_headers,
        tree.class_a,
        date_of_birth="1985-01-01",
        joined_on="2018-01-01",
        is_cadre=True,
    )


async def test_branch_code_extra_field_conflicts(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tree: Tree
) -> None:
    wrong = await client.post(MEMBERS, json=member_body(tree.school), headers=admin_headers)
    assert_problem(wrong, 422, "member_branch_invalid")
    extra = await client.post(
        MEMBERS, json=member_body(tree.class_a, nickname="An"), headers=admin_headers
    )
    assert_problem(extra, 422, "validation_failed")
    await create_member(
        client,
        admin_headers,
        tree.class_a,
        member_code="TV1",
        external_ids=[{"source": "yum", "external_id": "1"}],
    )
    taken = await client.post(
        MEMBERS, json=member_body(tree.class_a, member_code="tv1"), headers=admin_headers
    )
    assert_problem(taken, 409, "member_code_taken")
    ext = await client.post(
        MEMBERS,
        json=member_body(tree.class_a, external_ids=[{"source": "yum", "external_id": "1"}]),
        headers=admin_headers,
    )
    assert_problem(ext, 409, "external_id_taken")


async def test_patch_with_if_match(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tree: Tree
) -> None:
    member = await create_member(client, admin_headers, tree.class_a)
    url = f"{MEMBERS}/{member['id']}"
    etag = (await client.get(url, headers=admin_headers)).headers["ETag"]
    patched = await client.patch(
        url, json={"phone": "0987654321"}, headers=admin_headers | {"If-Match": etag}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["phone"] == "+84987654321"
    assert patched.json()["revision"] == 2
    stale = await client.patch(
        url, json={"occupation": "Giáo viên"}, headers=admin_headers | {"If-Match": etag}
    )
    assert_problem(stale, 412, "precondition_failed")
    bad = await client.patch(url, json={"joined_on": "2099-01-01"}, headers=admin_headers)
    assert_problem(bad, 422, "member_invalid")


async def test_sensitive_fields_per_role(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    auth_headers: AuthHeaders,
    tree: Tree,
    session: AsyncSession,
) -> None:
    member = await create_member(
        client,
        admin_headers,
        tree.class_a,
        sensitive={"ethnicity": "Khmer", "religion": "Phật giáo", "national_id": "084200001234"},
    )
    url = f"{MEMBERS}/{member['id']}"
    manager = await auth_headers(Role.manager, tree.school)
    welfare = await auth_headers(Role.welfare_officer, tree.school)
    plain = (await client.get(url, headers=manager)).json()
    assert "sensitive" not in plain
    listed = (await client.get(MEMBERS, headers=manager)).json()["items"]
    assert "sensitive" not in listed[0]
    before = len((await session.scalars(select(AuditEvent.id))).all())
    full = (await client.get(url, headers=welfare)).json()
    assert full["sensitive"] == {
        "ethnicity": "Khmer",
        "religion": "Phật giáo",
        "national_id": "084200001234",
    }
    reads = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "read_sensitive"))
    ).all()
    assert len((await session.scalars(select(AuditEvent.id))).all()) == before + 1
    assert reads[-1].fields == ["ethnicity", "national_id", "religion"]
    refused = await client.patch(url, json={"sensitive": {"religion": "Không"}}, headers=manager)
    assert_problem(refused, 403, "sensitive_forbidden")
    created = await client.post(
        MEMBERS,
        json=member_body(tree.class_b, sensitive={"ethnicity": "Kinh"}),
        headers=manager,
    )
    assert_problem(created, 403, "sensitive_forbidden")


async def test_status_change_keeps_history(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tree: Tree, session: AsyncSession
) -> None:
    member = await create_member(client, admin_headers, tree.class_a)
    url = f"{MEMBERS}/{member['id']}/status"
    removed = await client.post(
        url,
        json={"status": "removed", "effective_on": "2024-01-02", "reason": "Tự xin ra"},
        headers=admin_headers,
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["status"] == "removed"
    again = await client.post(url, json={"status": "removed"}, headers=admin_headers)
    assert_problem(again, 409, "member_status_invalid")
    back = await client.post(url, json={"status": "active"}, headers=admin_headers)
    assert back.json()["status"] == "active"
    history = (await session.scalars(select(MemberStatusChange.status))).all()
    assert sorted(history) == ["active", "removed"]
    periods = (
        await session.execute(
            select(MembershipPeriod.valid_from, MembershipPeriod.valid_to).order_by(
                MembershipPeriod.valid_from
            )
        )
    ).all()
    assert str(periods[0].valid_to) == "2024-01-02"
    assert periods[1].valid_to is None


async def test_erasure(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    auth_headers: AuthHeaders,
    tree: Tree,
    session: AsyncSession,
) -> None:
    member = await create_member(
        client, admin_headers, tree.class_a, external_ids=[{"source": "yum", "external_id": "9"}]
    )
    url = f"{MEMBERS}/{member['id']}"
    manager = await auth_headers(Role.manager, tree.province)
    assert (await client.delete(url, headers=manager)).status_code == 403
    erased = await client.delete(url, headers=admin_headers)
    assert erased.status_code == 204, erased.text
    assert_problem(await client.get(url, headers=admin_headers), 404, "member_not_found")
    assert (await client.get(MEMBERS, headers=admin_headers)).json()["items"] == []
    tombstone = (await session.scalars(select(Change).where(Change.op == "delete"))).one()
    assert tombstone.resource_id == uuid.UUID(member["id"])
    assert tombstone.external_ids == [{"source": "yum", "external_id": "9"}]
    erase_events = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "erase"))
    ).all()
    assert len(erase_events) == 1
