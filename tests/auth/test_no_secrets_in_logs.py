"""No password, access token or API token secret reaches a log line or the database in clear."""

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from doan3cd.auth.principal import Role
from tests.factories import PASSWORD, add_unit, add_user


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of every logger, at every level (the app's own logger does not propagate)."""
    caplog.set_level(logging.DEBUG)
    app_logger = logging.getLogger("doan3cd")
    app_logger.addHandler(caplog.handler)
    level = app_logger.level
    app_logger.setLevel(logging.DEBUG)
    yield caplog
    app_logger.removeHandler(caplog.handler)
    app_logger.setLevel(level)


@pytest.fixture
def sql_parameters(connection: AsyncConnection) -> Iterator[list[str]]:
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append(f"{statement} {params!r}")

    event.listen(connection.sync_connection, "before_cursor_execute", capture)
    yield seen
    event.remove(connection.sync_connection, "before_cursor_execute", capture)


async def test_secrets_stay_out_of_logs_and_sql(
    client: httpx.AsyncClient,
    session: AsyncSession,
    all_logs: pytest.LogCaptureFixture,
    sql_parameters: list[str],
) -> None:
    unit = await add_unit(session, "LOGS")
    await add_user(session, "keeper", Role.admin)
    await session.commit()
    wrong_password = "almost-the-password-123"
    new_password = "brand new password 456"

    failed = await client.post(
        "/api/v1/auth/token", data={"username": "keeper", "password": wrong_password}
    )
    assert failed.status_code == 401
    login = await client.post(
        "/api/v1/auth/token", data={"username": "keeper", "password": PASSWORD}
    )
    access = login.json()["access_token"]
    admin = {"Authorization": f"Bearer {access}"}
    assert (await client.get("/api/v1/auth/me", headers=admin)).status_code == 200
    user = await client.post(
        "/api/v1/users",
        json={"username": "newbie", "display_name": "Newbie", "password": new_password},
        headers=admin,
    )
    assert user.status_code == 201
    short = await client.post(
        "/api/v1/users",
        json={"username": "shorty", "display_name": "Shorty", "password": "tiny-pw"},
        headers=admin,
    )
    assert short.status_code == 422 and "tiny-pw" not in short.text
    created = await client.post(
        "/api/v1/api-tokens",
        json={"name": "logs", "scopes": ["units:read"], "unit_id": str(unit.id)},
        headers=admin,
    )
    secret = created.json()["secret"]
    assert (
        await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    ).status_code == 200
    assert (
        await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}x"})
    ).status_code == 401

    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {getattr(r, 'exc_text', '')}"
        for r in all_logs.records
    )
    assert all_logs.records, "the capture saw nothing: the check would be vacuous"
    sql = "\n".join(sql_parameters)
    for value in (PASSWORD, wrong_password, new_password, "tiny-pw", access, secret):
        assert value not in logged
        assert value not in sql
    assert access.split(".")[2] not in logged  # not even the signature alone
