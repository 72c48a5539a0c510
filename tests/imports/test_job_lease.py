"""A job whose worker died mid-run is taken over once its lease runs out and re-run afresh."""

import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.config import Settings
from doan3cd.db.engine import make_async_engine
from doan3cd.db.types import utcnow
from doan3cd.imports import member_merge
from doan3cd.imports.worker import RUN_LOCK_NAMESPACE, Lease, claim, run_lock_key, run_one
from doan3cd.models.job import ImportJob, ImportJobError
from doan3cd.models.member import Member
from tests.helpers import act_as, admin_principal
from tests.imports.conftest import Tree, csv_of, member_row, poster

LEASE = Lease(seconds=60, max_attempts=3)


class WorkerDied(BaseException):
    """What a killed process looks like from inside: nothing after it runs, not even `except`."""


@pytest.fixture
def small_inline(app: FastAPI) -> None:
    app.state.settings = app.state.settings.model_copy(update={"import_inline_rows": 2})


async def queue_job(client: httpx.AsyncClient, app: FastAPI) -> str:
    """A best-effort job of five good rows and one bad one."""
    act_as(app, admin_principal())
    content = csv_of(*(member_row(n) for n in range(1, 6)), member_row(6, phone="1"))
    response = await poster(client)(content, atomic=False)
    assert response.status_code == 202, response.text
    return str(response.headers["Location"])


async def expire_lease(session: AsyncSession, location: str) -> None:
    job_id = uuid.UUID(location.rsplit("/", 1)[-1])
    stale = utcnow() - timedelta(seconds=LEASE.seconds + 1)
    await session.execute(
        update(ImportJob).where(ImportJob.id == job_id).values(heartbeat_at=stale)
    )
    await session.commit()


async def members_by_code(session: AsyncSession) -> dict[str | None, tuple[object, ...]]:
    rows = await session.execute(select(Member.member_code, Member.full_name, Member.phone))
    return {row.member_code: tuple(row) for row in rows}


async def test_a_half_done_run_is_re_run_from_scratch_to_the_same_end(
    client: httpx.AsyncClient,
    app: FastAPI,
    tree: Tree,
    session: AsyncSession,
    small_inline: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    location = await queue_job(client, app)

    # The worker dies after staging every row and recording the bad one, just before the merge.
    async def die(*_: object) -> None:
        raise WorkerDied

    with monkeypatch.context() as patched:
        patched.setattr(member_merge, "merge", die)
        with pytest.raises(WorkerDied):
            await run_one(app.state.sessionmaker, LEASE)
    stuck = (await client.get(location)).json()
    assert (stuck["state"], stuck["attempts"]) == ("running", 1)
    assert await session.scalar(select(func.count()).select_from(Member)) == 0
    assert await session.scalar(select(func.count()).select_from(ImportJobError)) == 0

    # Within the lease nobody takes it; once it has run out, the next worker re-runs it.
    assert await run_one(app.state.sessionmaker, LEASE) is None
    await expire_lease(session, location)
    assert str(await run_one(app.state.sessionmaker, LEASE)) == stuck["id"]
    done = (await client.get(location)).json()
    assert (done["state"], done["attempts"]) == ("succeeded", 2)
    assert (done["rows_total"], done["created"], done["errors"]) == (6, 5, 1)
    errors = (await client.get(done["errors_csv"], headers={"Accept-Language": "en"})).text
    assert errors.count("phone_invalid") == 1
    taken_over = await members_by_code(session)

    # The same file run once, undisturbed, ends in the same members.
    await session.execute(Member.__table__.delete())
    await session.commit()
    fresh = await queue_job(client, app)
    await run_one(app.state.sessionmaker, LEASE)
    assert (await client.get(fresh)).json()["created"] == 5
    assert await members_by_code(session) == taken_over


async def test_a_job_that_keeps_stopping_is_abandoned(
    client: httpx.AsyncClient, app: FastAPI, tree: Tree, session: AsyncSession, small_inline: None
) -> None:
    location = await queue_job(client, app)
    for attempt in range(1, LEASE.max_attempts + 1):
        claimed = await claim(app.state.sessionmaker, LEASE)
        assert claimed is not None and claimed.attempt == attempt
        await expire_lease(session, location)
    assert await run_one(app.state.sessionmaker, LEASE) is None
    failed = (await client.get(location, headers={"Accept-Language": "en"})).json()
    assert (failed["state"], failed["error_code"]) == ("failed", "import_abandoned")
    assert failed["attempts"] == LEASE.max_attempts
    assert await session.scalar(select(func.count()).select_from(Member)) == 0


async def test_a_silent_but_live_run_is_not_taken_over(
    client: httpx.AsyncClient,
    app: FastAPI,
    tree: Tree,
    session: AsyncSession,
    settings: Settings,
    small_inline: None,
) -> None:
    if settings.is_sqlite:
        pytest.skip("SQLite: the live run holds the write lock a claim needs")
    location = await queue_job(client, app)
    claimed = await claim(app.state.sessionmaker, LEASE)
    assert claimed is not None
    await expire_lease(session, location)
    # The run's lock, held from another connection as a live worker's transaction holds it.
    other = make_async_engine(settings)
    try:
        async with other.connect() as worker:
            key = (RUN_LOCK_NAMESPACE, run_lock_key(claimed.job_id))
            await worker.execute(select(func.pg_advisory_lock(*key)))
            assert await run_one(app.state.sessionmaker, LEASE) is None
            await worker.execute(select(func.pg_advisory_unlock(*key)))
        assert await run_one(app.state.sessionmaker, LEASE) == claimed.job_id
    finally:
        await other.dispose()
    assert (await client.get(location)).json()["attempts"] == 2
