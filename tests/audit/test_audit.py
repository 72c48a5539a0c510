"""The audit trail: written with the change, gone with its rollback, never changed afterwards."""

import uuid
from datetime import timedelta
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from doan3cd import audit
from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.policy import operations
from doan3cd.auth.principal import Principal, Role
from doan3cd.db.session import SessionDep
from doan3cd.db.types import utcnow
from doan3cd.models.audit import AuditEvent, AuditEventImmutableError
from tests.conftest import AuthHeaders
from tests.factories import add_unit

ProbeWriter = Annotated[Principal, Depends(require(Permission.units_write))]


def probe_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/_probe")

    @router.post("/{probe_id}")
    async def write(probe_id: uuid.UUID, session: SessionDep, principal: ProbeWriter) -> None:
        audit.record(session, principal, "update", "probes", probe_id, fields=["name", "name"])

    @router.post("/{probe_id}/fail")
    async def write_then_fail(
        probe_id: uuid.UUID, session: SessionDep, principal: ProbeWriter
    ) -> None:
        audit.record(session, principal, "update", "probes", probe_id, fields=["name"])
        await session.flush()
        raise ProblemError(409, "probe_conflict", Text("xung đột", "conflict"))

    return router


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    app.include_router(probe_router())
    return app


async def probe_events(session: AsyncSession, probe_id: uuid.UUID) -> list[AuditEvent]:
    rows = await session.scalars(select(AuditEvent).where(AuditEvent.resource_id == str(probe_id)))
    return list(rows)


async def test_event_is_written_in_the_request_transaction(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    probe_id = uuid.uuid4()
    response = await client.post(
        f"/api/v1/_probe/{probe_id}", headers={**admin_headers, "X-Request-ID": "req-audit-1"}
    )
    assert response.status_code == 200, response.text
    me = (await client.get("/api/v1/auth/me", headers=admin_headers)).json()
    [event] = await probe_events(session, probe_id)
    assert event.actor_key == f"user:{me['id']}"
    assert event.actor_name == me["name"]
    assert (event.action, event.resource, event.fields) == ("update", "probes", ["name"])
    assert event.request_id == "req-audit-1"
    assert abs(event.occurred_at - utcnow()) < timedelta(minutes=1)


async def test_event_rolls_back_with_its_transaction(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    probe_id = uuid.uuid4()
    response = await client.post(f"/api/v1/_probe/{probe_id}/fail", headers=admin_headers)
    assert response.status_code == 409
    assert await probe_events(session, probe_id) == []

    savepoint = await session.begin_nested()
    audit.record(session, audit.CLI, "create", "probes", probe_id)
    await session.flush()
    assert len(await probe_events(session, probe_id)) == 1
    await savepoint.rollback()
    assert await probe_events(session, probe_id) == []


async def stored_event(session: AsyncSession) -> AuditEvent:
    event = audit.record(session, audit.CLI, "create", "probes", uuid.uuid4(), fields=["a"])
    await session.commit()
    return event


async def test_the_orm_refuses_to_change_or_remove_events(session: AsyncSession) -> None:
    event_id = (await stored_event(session)).id
    (await session.get_one(AuditEvent, event_id)).action = "tampered"
    with pytest.raises(AuditEventImmutableError):
        await session.flush()
    await session.rollback()

    await session.delete(await session.get_one(AuditEvent, event_id))
    with pytest.raises(AuditEventImmutableError):
        await session.flush()
    await session.rollback()

    for statement in (
        update(AuditEvent).where(AuditEvent.id == event_id).values(action="tampered"),
        delete(AuditEvent).where(AuditEvent.id == event_id),
    ):
        with pytest.raises(AuditEventImmutableError):
            await session.execute(statement)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET action = 'tampered' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
    ],
)
async def test_the_database_refuses_to_change_or_remove_events(
    session: AsyncSession, connection: AsyncConnection, sql: str
) -> None:
    event = await stored_event(session)
    params = {"id": event.id.hex if connection.dialect.name == "sqlite" else event.id}
    with pytest.raises(DBAPIError, match="append-only"):
        async with connection.begin_nested():
            await connection.execute(text(sql), params)
    kept = (await connection.execute(text("SELECT action FROM audit_event"))).scalars().all()
    assert kept == ["create"]


def test_there_is_no_endpoint_to_change_events() -> None:
    from doan3cd.main import create_app

    methods = {op.method for op in operations(create_app()) if "/audit-events" in op.path}
    assert methods == {"GET"}


async def test_list_filters_and_pages_newest_first(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_headers: dict[str, str],
    auth_headers: AuthHeaders,
) -> None:
    probe_ids = [uuid.uuid4() for _ in range(5)]
    for probe_id in probe_ids:
        assert (await client.post(f"/api/v1/_probe/{probe_id}", headers=admin_headers)).is_success
    me = (await client.get("/api/v1/auth/me", headers=admin_headers)).json()
    seen: list[str] = []
    url: str | None = (
        f"/api/v1/audit-events?resource=probes&actor=user:{me['id']}&limit=2&include_total=true"
    )
    while url:
        page = (await client.get(url, headers=admin_headers)).json()
        assert page["total"] == 5
        seen += [item["resource_id"] for item in page["items"]]
        url = (
            f"/api/v1/audit-events?resource=probes&limit=2&include_total=true&actor=user:{me['id']}"
            f"&cursor={page['next_cursor']}"
            if page["next_cursor"]
            else None
        )
    assert seen == [str(p) for p in reversed(probe_ids)]

    one = await client.get(
        f"/api/v1/audit-events?resource_id={probe_ids[2]}&action=update", headers=admin_headers
    )
    assert [e["resource_id"] for e in one.json()["items"]] == [str(probe_ids[2])]
    later = (utcnow() + timedelta(minutes=1)).isoformat()
    future = await client.get("/api/v1/audit-events", params={"from": later}, headers=admin_headers)
    assert future.json()["items"] == []
    past = await client.get("/api/v1/audit-events", params={"to": later}, headers=admin_headers)
    assert len(past.json()["items"]) >= 5
    naive = await client.get(
        "/api/v1/audit-events", params={"from": "2026-01-01T00:00:00"}, headers=admin_headers
    )
    assert naive.status_code == 422

    unit = await add_unit(session, "AUDIT-U")
    manager = await auth_headers(Role.manager, unit)
    forbidden = await client.get("/api/v1/audit-events", headers=manager)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
