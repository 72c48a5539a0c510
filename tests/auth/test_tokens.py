"""Access tokens and API tokens: expiry, revocation, tampering and scopes."""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any

import httpx
import jwt
import pytest
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from doan3cd import clock
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal, Role
from doan3cd.auth.tokens import issue_access_token
from doan3cd.config import Settings
from doan3cd.db.types import utcnow
from doan3cd.models.user import ApiToken
from tests.conftest import AuthHeaders
from tests.factories import UnitRef, add_unit, add_user


def probe_router() -> APIRouter:
    """Two test-only operations guarded by a read and a write permission."""
    router = APIRouter(prefix="/api/v1/_probe")

    @router.get("/read")
    async def read(
        principal: Annotated[Principal, Depends(require(Permission.units_read))],
    ) -> dict[str, list[str]]:
        return {"paths": principal.paths_for(Permission.units_read)}

    @router.post("/write")
    async def write(_: Annotated[Principal, Depends(require(Permission.units_write))]) -> None:
        return None

    return router


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    app.include_router(probe_router())
    return app


@pytest.fixture
async def district(session: AsyncSession) -> UnitRef:
    province = await add_unit(session, "TINH", kind="province")
    unit = await add_unit(session, "HUYEN", province, kind="district")
    await session.commit()
    return unit


def problem_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["code"])


async def test_no_or_garbage_credentials(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/auth/me")
    assert problem_code(missing, 401) == "not_authenticated"
    assert missing.headers["www-authenticate"] == "Bearer"
    for token in ("garbage", "d3cd_not-a-real-token", "Bearer x.y.z"):
        response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert problem_code(response, 401) == "not_authenticated"


async def test_expired_access_token(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user_id = await add_user(session, "late", Role.admin)
    await session.commit()
    old = issue_access_token(user_id, settings, now=utcnow() - timedelta(hours=2)).token
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {old}"})
    assert problem_code(response, 401) == "token_expired"


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_forged_access_tokens(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user_id = await add_user(session, "target", Role.admin)
    await session.commit()
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "jti": "x",
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    forged = [
        jwt.encode(claims, "another-key-of-at-least-32-bytes!!", algorithm="HS256"),
        jwt.encode(claims, settings.secret_key, algorithm="HS256"),  # the raw secret is not the key
        jwt.encode(claims, None, algorithm="none"),
    ]
    for token in forged:
        response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert problem_code(response, 401) == "not_authenticated"


async def test_deactivated_user_is_locked_out_at_once(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, admin_headers: dict[str, str]
) -> None:
    headers = await auth_headers(Role.admin)
    me = (await client.get("/api/v1/auth/me", headers=headers)).json()
    response = await client.patch(
        f"/api/v1/users/{me['id']}", json={"is_active": False}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    after = await client.get("/api/v1/auth/me", headers=headers)
    assert problem_code(after, 401) == "not_authenticated"


async def test_expired_grant_no_longer_applies(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, district: UnitRef
) -> None:
    headers = await auth_headers(Role.viewer, district, expires_on=clock.today())
    assert problem_code(await client.get("/api/v1/_probe/read", headers=headers), 403) == (
        "forbidden"
    )
    assert (await client.get("/api/v1/auth/me", headers=headers)).json()["grants"] == []
    current = await auth_headers(Role.viewer, district, expires_on=clock.today() + timedelta(1))
    response = await client.get("/api/v1/_probe/read", headers=current)
    assert response.json() == {"paths": [district.path]}


async def create_token(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    unit: UnitRef,
    scopes: list[str],
    **extra: str,
) -> httpx.Response:
    body = {"name": "sync", "scopes": scopes, "unit_id": str(unit.id), **extra}
    return await client.post("/api/v1/api-tokens", json=body, headers=headers)


async def test_api_token_secret_is_shown_once_and_scopes_narrow_it(
    client: httpx.AsyncClient, admin_headers: dict[str, str], district: UnitRef
) -> None:
    created = await create_token(client, admin_headers, district, ["units:read", "sync:read"])
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("d3cd_") and len(secret) > 40
    assert body["prefix"] == secret[:12]
    assert body["status"] == "active" and body["unit_code"] == "HUYEN"
    assert created.headers["location"].endswith(f"/api-tokens/{body['id']}")
    listed = await client.get("/api/v1/api-tokens", headers=admin_headers)
    fetched = await client.get(created.headers["location"], headers=admin_headers)
    for response in (listed, fetched):
        assert response.status_code == 200
        assert secret not in response.text and "secret" not in response.text

    token = {"Authorization": f"Bearer {secret}"}
    me = (await client.get("/api/v1/auth/me", headers=token)).json()
    assert me["kind"] == "token" and me["name"] == "sync"
    assert me["scopes"] == ["sync:read", "units:read"]
    assert me["permissions"] == ["units:read", "sync:read"]
    assert [(g["role"], g["unit_code"]) for g in me["grants"]] == [("integration", "HUYEN")]
    read = await client.get("/api/v1/_probe/read", headers=token)
    assert read.json() == {"paths": [district.path]}
    assert problem_code(await client.post("/api/v1/_probe/write", headers=token), 403) == (
        "forbidden"
    )
    assert problem_code(await client.get("/api/v1/users", headers=token), 403) == "forbidden"


@pytest.mark.parametrize("how", ["revoke", "delete"])
async def test_revoked_api_token(
    client: httpx.AsyncClient, admin_headers: dict[str, str], district: UnitRef, how: str
) -> None:
    body = (await create_token(client, admin_headers, district, ["units:read"])).json()
    token = {"Authorization": f"Bearer {body['secret']}"}
    assert (await client.get("/api/v1/_probe/read", headers=token)).status_code == 200
    url = f"/api/v1/api-tokens/{body['id']}"
    if how == "revoke":
        revoked = await client.post(f"{url}/revoke", headers=admin_headers)
        assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
        again = await client.post(f"{url}/revoke", headers=admin_headers)
        assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    else:
        assert (await client.delete(url, headers=admin_headers)).status_code == 204
        assert (await client.get(url, headers=admin_headers)).json()["status"] == "revoked"
    response = await client.get("/api/v1/_probe/read", headers=token)
    assert problem_code(response, 401) == "token_revoked"


async def test_expired_api_token(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_headers: dict[str, str],
    district: UnitRef,
) -> None:
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    body = (
        await create_token(client, admin_headers, district, ["units:read"], expires_on=tomorrow)
    ).json()
    await session.execute(
        update(ApiToken)
        .where(ApiToken.id == uuid.UUID(body["id"]))
        .values(expires_on=clock.today())
    )
    await session.commit()
    response = await client.get(
        "/api/v1/_probe/read", headers={"Authorization": f"Bearer {body['secret']}"}
    )
    assert problem_code(response, 401) == "token_expired"
    fetched = await client.get(f"/api/v1/api-tokens/{body['id']}", headers=admin_headers)
    assert fetched.json()["status"] == "expired"


async def test_api_token_input_is_checked(
    client: httpx.AsyncClient, admin_headers: dict[str, str], district: UnitRef
) -> None:
    too_much = await create_token(client, admin_headers, district, ["units:read", "users:admin"])
    assert problem_code(too_much, 422) == "token_scope_not_allowed"
    assert too_much.json()["errors"][0]["pointer"] == "/scopes"
    unknown = await create_token(client, admin_headers, district, ["units:everything"])
    assert problem_code(unknown, 422) == "validation_failed"
    past = await create_token(
        client, admin_headers, district, ["units:read"], expires_on=clock.today().isoformat()
    )
    assert problem_code(past, 422) == "expires_on_past"
    ghost = UnitRef(uuid.uuid4(), "GHOST", "/", "ghost")
    assert problem_code(await create_token(client, admin_headers, ghost, ["units:read"]), 422) == (
        "unit_not_found"
    )


@pytest.fixture
def statements(connection: AsyncConnection) -> Iterator[list[str]]:
    """SQL statements sent on the test connection (savepoint bookkeeping left out)."""
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
            seen.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", capture)
    yield seen
    event.remove(connection.sync_connection, "before_cursor_execute", capture)


async def test_resolving_the_caller_takes_one_query(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    admin_headers: dict[str, str],
    district: UnitRef,
    statements: list[str],
) -> None:
    user = await auth_headers(Role.manager, district)
    secret = (await create_token(client, admin_headers, district, ["units:read"])).json()["secret"]
    for headers in (user, {"Authorization": f"Bearer {secret}"}):
        statements.clear()
        assert (await client.get("/api/v1/_probe/read", headers=headers)).status_code == 200
        assert len(statements) == 1, statements
