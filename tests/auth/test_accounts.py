"""Admins manage users and role grants; every change leaves an audit event."""

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd import clock
from doan3cd.auth.principal import Role
from doan3cd.models.audit import AuditEvent
from doan3cd.models.user import User
from tests.conftest import AuthHeaders
from tests.factories import add_unit

NEW_USER = {
    "username": "NguyenVanAn",
    "display_name": "Nguye\u0302\u0303n Va\u0306n  An ",  # decomposed, doubled space
    "password": "a long enough password",
}


async def events_for(session: AsyncSession, resource_id: object) -> list[AuditEvent]:
    rows = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.resource_id == str(resource_id))
        .order_by(AuditEvent.occurred_at)
    )
    return list(rows)


async def test_create_get_list_and_patch_users(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    created = await client.post("/api/v1/users", json=NEW_USER, headers=admin_headers)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["username"] == "nguyenvanan"
    assert user["display_name"] == "Nguyễn Văn An"
    assert "password" not in created.text and NEW_USER["password"] not in created.text
    stored = await session.get_one(User, uuid.UUID(user["id"]))
    assert stored.password_hash.startswith("$argon2id$")

    taken = await client.post(
        "/api/v1/users", json={**NEW_USER, "username": "NGUYENVANAN"}, headers=admin_headers
    )
    assert taken.status_code == 409 and taken.json()["code"] == "username_taken"

    location = created.headers["location"]
    etag = (await client.get(location, headers=admin_headers)).headers["etag"]
    patched = await client.patch(
        location,
        json={"display_name": "Nguyễn Văn Bình", "password": "another long password"},
        headers={**admin_headers, "If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    stale = await client.patch(
        location, json={"is_active": False}, headers={**admin_headers, "If-Match": etag}
    )
    assert stale.status_code == 412

    listed = await client.get(
        "/api/v1/users?include_total=true&is_active=true", headers=admin_headers
    )
    assert user["id"] in [u["id"] for u in listed.json()["items"]]

    trail = await events_for(session, user["id"])
    assert [(e.action, e.fields) for e in trail] == [
        ("create", ["display_name", "is_active", "password", "username"]),
        ("update", ["display_name", "password"]),
    ]
    assert all(NEW_USER["password"] not in str(e.fields) for e in trail)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"password": "short"}, "too_short"),
        ({"username": "có dấu"}, "string_pattern_mismatch"),
        ({"display_name": "   "}, "value_error"),
        ({"role": "admin"}, "extra_forbidden"),
    ],
)
async def test_user_input_is_validated(
    client: httpx.AsyncClient, admin_headers: dict[str, str], change: dict[str, str], code: str
) -> None:
    response = await client.post(
        "/api/v1/users", json={**NEW_USER, **change}, headers=admin_headers
    )
    assert response.status_code == 422
    assert code in [e["code"] for e in response.json()["errors"]]


async def test_role_assignments_and_me(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_headers: dict[str, str],
    auth_headers: AuthHeaders,
) -> None:
    province = await add_unit(session, "HN", kind="province", name="Thành đoàn Hà Nội")
    commune = await add_unit(session, "HN-01", province, name="Đoàn xã Đông Anh")
    await session.commit()
    headers = await auth_headers(None)
    me = (await client.get("/api/v1/auth/me", headers=headers)).json()
    assert me["grants"] == [] and me["permissions"] == []

    grant = {"user_id": me["id"], "role": "manager", "unit_id": str(commune.id)}
    created = await client.post("/api/v1/role-assignments", json=grant, headers=admin_headers)
    assert created.status_code == 201, created.text
    assert created.json()["unit_code"] == "HN-01"
    duplicate = await client.post("/api/v1/role-assignments", json=grant, headers=admin_headers)
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "role_assignment_exists"
    expiring = {
        **grant,
        "role": "welfare_officer",
        "expires_on": (clock.today() + timedelta(days=30)).isoformat(),
    }
    assert (
        await client.post("/api/v1/role-assignments", json=expiring, headers=admin_headers)
    ).status_code == 201

    me = (await client.get("/api/v1/auth/me", headers=headers)).json()
    assert [(g["role"], g["unit_code"], g["unit_name"]) for g in me["grants"]] == [
        ("manager", "HN-01", "Đoàn xã Đông Anh"),
        ("welfare_officer", "HN-01", "Đoàn xã Đông Anh"),
    ]
    assert me["grants"][1]["expires_on"] == expiring["expires_on"]
    assert "members:sensitive" in me["permissions"] and "users:admin" not in me["permissions"]

    listed = await client.get(
        f"/api/v1/role-assignments?user_id={me['id']}&role=manager", headers=admin_headers
    )
    assert [a["id"] for a in listed.json()["items"]] == [created.json()["id"]]
    deleted = await client.delete(created.headers["location"], headers=admin_headers)
    assert deleted.status_code == 204
    assert (await client.get(created.headers["location"], headers=admin_headers)).status_code == 404
    me = (await client.get("/api/v1/auth/me", headers=headers)).json()
    assert [g["role"] for g in me["grants"]] == ["welfare_officer"]
    actions = [e.action for e in await events_for(session, created.json()["id"])]
    assert actions == ["create", "delete"]


async def test_grant_input_is_checked(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    me = (await client.get("/api/v1/auth/me", headers=admin_headers)).json()
    unit = await add_unit(session, "U1")
    await session.commit()
    cases = [
        ({"user_id": me["id"], "role": "viewer"}, "unit_required"),
        ({"user_id": str(uuid.uuid4()), "role": "admin"}, "user_not_found"),
        ({"user_id": me["id"], "role": "viewer", "unit_id": str(uuid.uuid4())}, "unit_not_found"),
        (
            {
                "user_id": me["id"],
                "role": "viewer",
                "unit_id": str(unit.id),
                "expires_on": clock.today().isoformat(),
            },
            "expires_on_past",
        ),
    ]
    for body, code in cases:
        response = await client.post("/api/v1/role-assignments", json=body, headers=admin_headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == code


async def test_the_last_admin_cannot_be_removed(
    client: httpx.AsyncClient, admin_headers: dict[str, str], auth_headers: AuthHeaders
) -> None:
    me = (await client.get("/api/v1/auth/me", headers=admin_headers)).json()
    own = (
        await client.get(f"/api/v1/role-assignments?user_id={me['id']}", headers=admin_headers)
    ).json()["items"][0]
    deactivate = await client.patch(
        f"/api/v1/users/{me['id']}", json={"is_active": False}, headers=admin_headers
    )
    assert deactivate.status_code == 409 and deactivate.json()["code"] == "last_admin"
    withdraw = await client.delete(f"/api/v1/role-assignments/{own['id']}", headers=admin_headers)
    assert withdraw.status_code == 409 and withdraw.json()["code"] == "last_admin"

    await auth_headers(Role.admin)  # a second admin makes it possible
    withdraw = await client.delete(f"/api/v1/role-assignments/{own['id']}", headers=admin_headers)
    assert withdraw.status_code == 204


async def test_unknown_ids_are_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    missing = uuid.uuid4()
    for url, code in [
        (f"/api/v1/users/{missing}", "user_not_found"),
        (f"/api/v1/role-assignments/{missing}", "role_assignment_not_found"),
        (f"/api/v1/api-tokens/{missing}", "api_token_not_found"),
    ]:
        response = await client.get(url, headers=admin_headers)
        assert response.status_code == 404 and response.json()["code"] == code
