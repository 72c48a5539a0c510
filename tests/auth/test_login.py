"""Logging in: tokens, wrong passwords, constant answers and the rate limit."""

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.config import Settings
from doan3cd.db.types import utcnow
from doan3cd.main import create_app
from doan3cd.models.audit import AuditEvent
from tests.conftest import joined_sessionmaker
from tests.factories import PASSWORD, add_user

TOKEN_URL = "/api/v1/auth/token"


async def log_in(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(TOKEN_URL, data={"username": username, "password": password})


@pytest_asyncio.fixture
async def alice(session: AsyncSession) -> str:
    await add_user(session, "alice", Role.admin)
    await session.commit()
    return "alice"


async def test_login_issues_a_working_bearer_token(client: httpx.AsyncClient, alice: str) -> None:
    # As Swagger UI's "Authorize" sends it: grant type, empty scope, a client id.
    form = {"grant_type": "password", "username": "  Alice ", "password": PASSWORD, "scope": ""}
    response = await client.post(TOKEN_URL, data={**form, "client_id": "swagger"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 30 * 60
    assert response.headers["cache-control"] == "no-store"
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "alice"


@pytest.mark.parametrize("case", ["wrong password", "unknown user", "inactive user"])
async def test_bad_credentials_all_get_the_same_401(
    client: httpx.AsyncClient, session: AsyncSession, alice: str, case: str
) -> None:
    await add_user(session, "retired", is_active=False)
    await session.commit()
    username, password = {
        "wrong password": ("alice", "not the password"),
        "unknown user": ("nobody-here", PASSWORD),
        "inactive user": ("retired", PASSWORD),
    }[case]
    response = await log_in(client, username, password)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert response.headers["www-authenticate"] == "Bearer"
    assert "access_token" not in response.text


async def test_login_and_failures_are_audited(
    client: httpx.AsyncClient, session: AsyncSession, alice: str
) -> None:
    assert (await log_in(client, "alice", "wrong password!")).status_code == 401
    ok = await log_in(client, "alice")
    assert ok.status_code == 200
    events = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["login", "login_failed"]))
        )
    ).all()
    by_action = {e.action: e for e in events}
    assert by_action["login_failed"].actor_key == "anonymous"
    assert by_action["login"].actor_name == "alice"
    assert by_action["login"].request_id == ok.headers["x-request-id"]


@pytest_asyncio.fixture
async def strict_app(
    settings: Settings, connection: AsyncConnection, monkeypatch: pytest.MonkeyPatch
) -> FastAPI:
    """The same database, a limit of 3 failed logins a minute, and the login clock held at
    the middle of a minute so that no attempt in a test falls into the next window."""
    held = utcnow().replace(second=30)
    monkeypatch.setattr("doan3cd.auth.service.utcnow", lambda: held)
    app = create_app(settings.model_copy(update={"login_attempts_per_minute": 3}))
    app.state.sessionmaker = joined_sessionmaker(connection)
    return app


def client_for(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest_asyncio.fixture
async def strict(strict_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(strict_app, "10.0.0.1") as client:
        yield client


async def test_failed_logins_per_username_are_limited(
    strict: httpx.AsyncClient, strict_app: FastAPI, alice: str
) -> None:
    for _ in range(3):
        assert (await log_in(strict, "alice", "wrong password!")).status_code == 401
    limited = await log_in(strict, "alice")  # even the right password waits now
    assert limited.status_code == 429
    assert limited.json()["code"] == "login_rate_limited"
    assert limited.headers["retry-after"] == "30"
    # The counter is in the database: another process (app instance), another address, same name.
    async with client_for(create_strict_twin(strict_app), "10.0.0.2") as other:
        assert (await log_in(other, "alice")).status_code == 429


def create_strict_twin(app: FastAPI) -> FastAPI:
    twin = create_app(app.state.settings)
    twin.state.sessionmaker = app.state.sessionmaker
    return twin


async def test_failed_logins_per_address_are_limited(strict: httpx.AsyncClient, alice: str) -> None:
    for name in ("guess-1", "guess-2", "guess-3"):
        assert (await log_in(strict, name, "whatever-password")).status_code == 401
    response = await log_in(strict, "alice")
    assert response.status_code == 429
    assert "retry-after" in response.headers


async def test_successful_logins_do_not_use_up_the_allowance(
    strict: httpx.AsyncClient, alice: str
) -> None:
    for _ in range(5):
        assert (await log_in(strict, "alice")).status_code == 200
    assert (await log_in(strict, "alice", "wrong password!")).status_code == 401


async def test_token_endpoint_needs_the_form_fields(client: httpx.AsyncClient) -> None:
    response = await client.post(TOKEN_URL, data={"username": "alice"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
