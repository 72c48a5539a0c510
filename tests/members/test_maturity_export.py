"""Ageing out (dry run and apply) and the data-subject export."""

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.models.audit import AuditEvent
from doan3cd.models.member import MembershipPeriod
from tests.conftest import AuthHeaders
from tests.helpers import assert_problem
from tests.members.conftest import MEMBERS, Tree, create_member


async def test_maturity_dry_run_then_apply(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    auth_headers: AuthHeaders,
    tree: Tree,
    session: AsyncSession,
) -> None:
    old = await create_member(
        client, admin_headers, tree.class_a, date_of_birth="1990-01-01", joined_on="2010-01-01"
    )
    await create_member(
        client,
        admin_headers,
        tree.class_a,
        date_of_birth="1992-01-01",
        joined_on="2012-01-01",
        is_cadre=True,
    )
    cadre_old = await create_member(
        client,
        admin_headers,
        tree.hamlet,
        date_of_birth="1980-01-01",
        joined_on="2000-01-01",
        is_cadre=True,
    )
    await create_member(client, admin_headers, tree.class_b)
    school = await auth_headers(Role.manager, tree.school)
    body = {"as_of": "2026-01-01"}
    dry = await client.post(f"{MEMBERS}/maturity", json=body, headers=school)
    assert dry.status_code == 200, dry.text
    assert [(r["id"], r["age"]) for r in dry.json()["items"]] == [(old["id"], 36)]
    everyone = await client.post(f"{MEMBERS}/maturity", json=body, headers=admin_headers)
    assert {r["id"] for r in everyone.json()["items"]} == {old["id"], cadre_old["id"]}
    still = (await client.get(f"{MEMBERS}/{old['id']}", headers=school)).json()
    assert still["status"] == "active"
    applied = await client.post(
        f"{MEMBERS}/maturity", json=body | {"dry_run": False}, headers=school
    )
    assert applied.json()["count"] == 1
    matured = (await client.get(f"{MEMBERS}/{old['id']}", headers=school)).json()
    assert (matured["status"], matured["status_changed_on"]) == ("matured", "2026-01-01")
    period_end = await session.scalar(
        select(MembershipPeriod.valid_to).where(MembershipPeriod.member_id == uuid.UUID(old["id"]))
    )
    assert str(period_end) == "2026-01-01"
    future = await client.post(f"{MEMBERS}/maturity", json={"as_of": "2999-01-01"}, headers=school)
    assert_problem(future, 422, "member_invalid")


async def test_data_export(
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
        external_ids=[{"source": "yum", "external_id": "Y-7"}],
        sensitive={"ethnicity": "Khmer"},
    )
    await client.post(
        f"{MEMBERS}/{member['id']}/status",
        json={"status": "removed", "reason": "Chuyển vùng"},
        headers=admin_headers,
    )
    viewer = await auth_headers(Role.viewer, tree.school)
    export = await client.get(f"{MEMBERS}/{member['id']}/data-export", headers=viewer)
    assert export.status_code == 200, export.text
    data = export.json()
    assert data["member"]["full_name"] == "Nguyễn Văn An"
    assert "sensitive" not in data["member"]
    assert data["welfare_cases"] is None
    assert [e["external_id"] for e in data["external_ids"]] == ["Y-7"]
    assert [s["status"] for s in data["status_history"]] == ["removed"]
    assert len(data["membership_periods"]) == 1
    assert {a["action"] for a in data["audit_trail"]} >= {"create", "update"}
    welfare = await auth_headers(Role.welfare_officer, tree.school)
    full = (await client.get(f"{MEMBERS}/{member['id']}/data-export", headers=welfare)).json()
    assert full["member"]["sensitive"]["ethnicity"] == "Khmer"
    assert full["welfare_cases"] == []
    exports = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "export"))).all()
    assert len(exports) == 2
    outsider = await auth_headers(Role.viewer, tree.commune)
    hidden = await client.get(f"{MEMBERS}/{member['id']}/data-export", headers=outsider)
    assert_problem(hidden, 404, "member_not_found")
