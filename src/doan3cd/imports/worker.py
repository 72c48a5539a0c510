"""Running queued import jobs outside the request.

`run_one` claims the oldest queued job — `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several
worker processes never take the same job; on SQLite a claim inside one write transaction — then
runs it in its own transaction, streaming the stored file from a spool (memory stays flat).
Progress is committed in separate short transactions so pollers see it while the job runs.

Workers die (a deploy, the OOM killer): the claim is a lease. The worker stamps `heartbeat_at`
with every progress commit; a `running` job whose stamp is older than the lease is claimed again
and re-run from scratch. That is safe because a run writes everything (members, row errors,
counts) in its one transaction: a dead worker's transaction rolls back whole, so the re-run
starts from exactly the state before the first run. On PostgreSQL the run also holds an advisory
lock on the job, released only with its transaction or connection, so a slow but live run
(a long final merge, no progress to stamp) is never taken over; on SQLite the live run holds the
database's write lock, which a claim needs too. Each start counts in `attempts`, and the final
commit checks it is still the latest start (a run taken over never overwrites its successor).
"""

import asyncio
import logging
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from doan3cd.config import Settings
from doan3cd.db.session import begin_write
from doan3cd.db.types import utcnow
from doan3cd.imports import service
from doan3cd.imports.source import SPOOL_SIZE
from doan3cd.models.job import ImportJob, ImportJobError, ImportJobRow

log = logging.getLogger(__name__)
PROGRESS_SECONDS = 1.0
IDLE_SECONDS = 2.0
# Advisory locks of import runs: (namespace "impo", first 32 bits of the job id).
RUN_LOCK_NAMESPACE = 0x696D_706F
CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class Lease:
    seconds: float = 900.0
    max_attempts: int = 3


def job_lease(settings: Settings) -> Lease:
    return Lease(settings.import_job_lease_s, settings.import_job_max_attempts)


@dataclass(frozen=True, slots=True)
class Claim:
    job_id: uuid.UUID
    attempt: int


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def run_lock_key(job_id: uuid.UUID) -> int:
    return int.from_bytes(job_id.bytes[:4], "big", signed=True)


async def _run_lock(session: AsyncSession, job_id: uuid.UUID, *, wait: bool) -> bool:
    """Take the job's run lock for this transaction (PostgreSQL); False when a live run has it."""
    if not _postgres(session):
        return True
    name = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    taken = await session.scalar(
        select(getattr(func, name)(RUN_LOCK_NAMESPACE, run_lock_key(job_id)))
    )
    return wait or bool(taken)


def _abandon(job: ImportJob) -> None:
    service.fail(
        job,
        "import_abandoned",
        f"Tiến trình nhập đã dừng giữa chừng {job.attempts} lần; không ghi dòng nào. Hãy chia nhỏ "
        "tệp rồi thử lại.",
        f"The import stopped midway {job.attempts} times; nothing was written. Split the file "
        "and try again.",
    )
    job.finished_at = utcnow()


async def _start(session: AsyncSession, job: ImportJob) -> Claim:
    """Mark the job running for a new attempt, clearing whatever an earlier attempt left."""
    for table in (ImportJobError, ImportJobRow):
        await session.execute(delete(table).where(table.job_id == job.id))
    now = utcnow()
    job.state, job.started_at, job.heartbeat_at = "running", now, now
    job.attempts += 1
    job.rows_done, job.rows_total = 0, None
    job.created = job.updated = job.unchanged = job.errors = 0
    return Claim(job.id, job.attempts)


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession], lease: Lease = Lease()
) -> Claim | None:
    """The oldest queued job, or a running one whose worker's lease ran out, now ours."""
    async with sessionmaker() as session, session.begin():
        await begin_write(session)
        expired = utcnow() - timedelta(seconds=lease.seconds)
        stmt = (
            select(ImportJob)
            .where(
                or_(
                    ImportJob.state == "queued",
                    (ImportJob.state == "running")
                    & or_(ImportJob.heartbeat_at.is_(None), ImportJob.heartbeat_at < expired),
                )
            )
            .order_by(ImportJob.created_at, ImportJob.id)
            .limit(CANDIDATES)
        )
        if _postgres(session):
            stmt = stmt.with_for_update(skip_locked=True)
        for job in await session.scalars(stmt):
            if job.state == "running":
                if not await _run_lock(session, job.id, wait=False):
                    continue  # its worker is alive, only silent (a long merge)
                log.warning("import job %s: worker lease expired, taking it over", job.id)
                if job.attempts >= lease.max_attempts:
                    _abandon(job)
                    continue
            return await _start(session, job)
        return None


def _progress(
    sessionmaker: async_sessionmaker[AsyncSession], job_id: uuid.UUID
) -> service.Progress:
    """Commit `rows_done` and the lease stamp at most once a second (PostgreSQL; SQLite's
    single writer is busy)."""
    last = time.monotonic()

    async def report(rows: int) -> None:
        nonlocal last
        if time.monotonic() - last < PROGRESS_SECONDS:
            return
        last = time.monotonic()
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(ImportJob)
                .where(ImportJob.id == job_id)
                .values(rows_done=rows, heartbeat_at=utcnow())
            )

    return report


class LeaseLost(Exception):
    """Another worker took the job over while this one ran: this run's work is dropped."""


async def _check_still_ours(session: AsyncSession, claimed: Claim) -> None:
    attempts = await session.scalar(
        select(ImportJob.attempts).where(ImportJob.id == claimed.job_id)
    )
    if attempts != claimed.attempt:
        raise LeaseLost(claimed.job_id)


async def run_one(
    sessionmaker: async_sessionmaker[AsyncSession],
    lease: Lease = Lease(),
    settings: Settings | None = None,
) -> uuid.UUID | None:
    """Claim and run one job; its id, or None when there is nothing to run."""
    claimed = await claim(sessionmaker, lease)
    if claimed is None:
        return None
    job_id = claimed.job_id
    try:
        async with sessionmaker() as session, session.begin():
            await begin_write(session)
            await _run_lock(session, job_id, wait=True)
            progress = (
                _progress(sessionmaker, job_id) if _postgres(session) else service.no_progress
            )
            job = await session.get_one(ImportJob, job_id)
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_SIZE) as spool:
                async for part in service.stored_parts(session, job_id):
                    spool.write(part)
                spool.seek(0)
                await service.run_job(session, job, spool, progress, settings)  # type: ignore[arg-type]
            await _check_still_ours(session, claimed)
    except LeaseLost:
        log.warning("import job %s: taken over by another worker; this run is dropped", job_id)
    except Exception:
        log.exception("import job %s failed", job_id)
        async with sessionmaker() as session, session.begin():
            job = await session.get_one(ImportJob, job_id)
            if job.attempts == claimed.attempt:
                service.fail(
                    job,
                    "import_failed",
                    "Không nhập được tệp do lỗi hệ thống; không ghi dòng nào. Hãy thử lại.",
                    "The import failed on a system error; nothing was written. Try again.",
                )
                job.finished_at = utcnow()
    return job_id


async def run_forever(
    sessionmaker: async_sessionmaker[AsyncSession],
    lease: Lease = Lease(),
    settings: Settings | None = None,
) -> None:
    """Work through the queue, then poll for new jobs (and for runs whose worker died)."""
    while True:
        try:
            if await run_one(sessionmaker, lease, settings) is None:
                await asyncio.sleep(IDLE_SECONDS)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("import worker: claim failed")
            await asyncio.sleep(IDLE_SECONDS)
