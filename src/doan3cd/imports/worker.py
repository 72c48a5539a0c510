"""Running queued import jobs outside the request.

`run_one` claims the oldest queued job — `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several
worker processes never take the same job; on SQLite a claim inside one write transaction — then
runs it in its own transaction, streaming the stored file from a spool (memory stays flat).
Progress is committed in separate short transactions so pollers see it while the job runs.
"""

import asyncio
import logging
import tempfile
import time
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from doan3cd.db.session import begin_write
from doan3cd.db.types import utcnow
from doan3cd.imports import service
from doan3cd.imports.source import SPOOL_SIZE
from doan3cd.models.job import ImportJob

log = logging.getLogger(__name__)
PROGRESS_SECONDS = 1.0
IDLE_SECONDS = 2.0


async def claim(sessionmaker: async_sessionmaker[AsyncSession]) -> uuid.UUID | None:
    async with sessionmaker() as session, session.begin():
        await begin_write(session)
        stmt = (
            select(ImportJob)
            .where(ImportJob.state == "queued")
            .order_by(ImportJob.created_at, ImportJob.id)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        job = await session.scalar(stmt)
        if job is None:
            return None
        job.state, job.started_at = "running", utcnow()
        return job.id


def _progress(
    sessionmaker: async_sessionmaker[AsyncSession], job_id: uuid.UUID
) -> service.Progress:
    """Commit `rows_done` at most once a second (PostgreSQL; SQLite's single writer is busy)."""
    last = time.monotonic()

    async def report(rows: int) -> None:
        nonlocal last
        if time.monotonic() - last < PROGRESS_SECONDS:
            return
        last = time.monotonic()
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(ImportJob).where(ImportJob.id == job_id).values(rows_done=rows)
            )

    return report


async def run_one(sessionmaker: async_sessionmaker[AsyncSession]) -> uuid.UUID | None:
    """Claim and run one queued job; its id, or None when the queue is empty."""
    job_id = await claim(sessionmaker)
    if job_id is None:
        return None
    try:
        async with sessionmaker() as session, session.begin():
            await begin_write(session)
            postgres = session.get_bind().dialect.name == "postgresql"
            progress = _progress(sessionmaker, job_id) if postgres else service.no_progress
            job = await session.get_one(ImportJob, job_id)
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_SIZE) as spool:
                async for part in service.stored_parts(session, job_id):
                    spool.write(part)
                spool.seek(0)
                await service.run_job(session, job, spool, progress)  # type: ignore[arg-type]
    except Exception:
        log.exception("import job %s failed", job_id)
        async with sessionmaker() as session, session.begin():
            job = await session.get_one(ImportJob, job_id)
            service.fail(
                job,
                "import_failed",
                "Không nhập được tệp do lỗi hệ thống; không ghi dòng nào. Hãy thử lại.",
                "The import failed on a system error; nothing was written. Try again.",
            )
            job.finished_at = utcnow()
    return job_id


async def run_forever(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Work through the queue, then poll for new jobs."""
    while True:
        try:
            if await run_one(sessionmaker) is None:
                await asyncio.sleep(IDLE_SECONDS)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("import worker: claim failed")
            await asyncio.sleep(IDLE_SECONDS)
