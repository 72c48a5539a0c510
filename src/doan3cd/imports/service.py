"""Import use cases: create a job, run it (inline or in a worker), report on it.

Every import is an `import_job`: a small file runs inside the request and answers with the
report; a large one is stored and run by a worker. Both go through `run_job`, so both behave the
same. A handler per resource (`HANDLERS`) does the work; adding activities is adding a handler.
"""

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO, Protocol

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd import clock
from doan3cd.audit import service as audit
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Grant, Principal, Role
from doan3cd.config import Settings, admission_policy, get_settings
from doan3cd.db.types import utcnow
from doan3cd.evidence.import_job import ActivityImport
from doan3cd.imports import member_merge
from doan3cd.imports.errors import ImportFileError, RowError
from doan3cd.imports.member_pipeline import CheckSpec, checked_batches
from doan3cd.imports.reader import RowReader, open_rows
from doan3cd.imports.resources import MEMBERS, Resource
from doan3cd.imports.source import SourceLike
from doan3cd.models.job import ImportJob, ImportJobError, ImportJobFile, ImportJobRow

FILE_PART_BYTES = 1 << 20
CHUNK_ROWS = 5_000
ERRORS_HELD = 10_000
STRATEGIES = ("create", "update", "upsert")

Progress = Callable[[int], Awaitable[None]]


async def no_progress(_: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class ImportOptions:
    resource: str
    strategy: str = "upsert"
    atomic: bool = True
    dry_run: bool = False
    filename: str | None = None
    content_type: str | None = None


class ImportHandler(Protocol):
    resource: Resource
    write_permission: Permission

    async def run(
        self,
        session: AsyncSession,
        job: ImportJob,
        reader: RowReader,
        principal: Principal,
        progress: Progress,
        settings: Settings,
    ) -> None: ...


# --- principal snapshot ------------------------------------------------------------------


def snapshot(principal: Principal) -> dict[str, Any]:
    """What the worker needs to act with the uploader's scope, frozen at upload."""
    return {
        "id": str(principal.id),
        "kind": principal.kind,
        "name": principal.name,
        "grants": [
            {
                "role": g.role.value,
                "unit_id": str(g.unit_id),
                "path": g.path,
                "expires_on": g.expires_on.isoformat() if g.expires_on else None,
            }
            for g in principal.grants
        ],
        "token_scopes": None if principal.token_scopes is None else sorted(principal.token_scopes),
    }


def principal_of(data: dict[str, Any]) -> Principal:
    scopes = data.get("token_scopes")
    return Principal(
        id=uuid.UUID(data["id"]),
        kind=data["kind"],
        name=data["name"],
        grants=tuple(
            Grant(
                role=Role(g["role"]),
                unit_id=uuid.UUID(g["unit_id"]),
                path=g["path"],
                expires_on=date.fromisoformat(g["expires_on"]) if g["expires_on"] else None,
            )
            for g in data["grants"]
        ),
        token_scopes=None if scopes is None else frozenset(scopes),
    )


# --- jobs ----------------------------------------------------------------------------------


async def create_job(
    session: AsyncSession, principal: Principal, options: ImportOptions, *, state: str
) -> ImportJob:
    job = ImportJob(
        id=uuid.uuid4(),
        resource=options.resource,
        strategy=options.strategy,
        atomic=options.atomic,
        dry_run=options.dry_run,
        state=state,
        filename=options.filename,
        content_type=options.content_type,
        principal_key=principal.key,
        principal=snapshot(principal),
        started_at=utcnow() if state == "running" else None,
    )
    session.add(job)
    await session.flush()
    return job


async def store_file(session: AsyncSession, job_id: uuid.UUID, stream: BinaryIO) -> None:
    """The upload in 1 MiB parts (a part at a time in memory)."""
    part = 0
    while data := stream.read(FILE_PART_BYTES):
        await session.execute(insert(ImportJobFile).values(job_id=job_id, part=part, data=data))
        part += 1


async def stored_parts(session: AsyncSession, job_id: uuid.UUID) -> AsyncIterator[bytes]:
    result = await session.stream_scalars(
        select(ImportJobFile.data)
        .where(ImportJobFile.job_id == job_id)
        .order_by(ImportJobFile.part)
    )
    async for data in result:
        yield data


def count_rows(source: SourceLike, options: ImportOptions, limit: int) -> int:
    """Data rows up to `limit + 1` (enough to tell small from large); raises ImportFileError."""
    handler = HANDLERS[options.resource]
    with open_rows(
        source, handler.resource, filename=options.filename, content_type=options.content_type
    ) as reader:
        count = 0
        for chunk in reader.chunks(min(limit + 1, CHUNK_ROWS)):
            count += len(chunk)
            if count > limit:
                break
        return count


async def run_job(
    session: AsyncSession,
    job: ImportJob,
    source: SourceLike,
    progress: Progress = no_progress,
    settings: Settings | None = None,
) -> ImportJob:
    """Run `job` on `source` in `session`'s transaction and record its outcome on the job
    (`settings`: the application's, by default those of the environment).

    A file that cannot be read fails the job (nothing written); row problems are job errors.
    """
    handler = HANDLERS[job.resource]
    principal = principal_of(job.principal)
    job.state, job.started_at = "running", job.started_at or utcnow()
    try:
        with open_rows(
            source, handler.resource, filename=job.filename, content_type=job.content_type
        ) as reader:
            job.labels = dict(reader.labels)
            await handler.run(session, job, reader, principal, progress, settings or get_settings())
    except ImportFileError as error:
        fail(job, error.code, error.message_vi, error.message_en)
    job.finished_at = utcnow()
    await session.flush()
    return job


def fail(job: ImportJob, code: str, message_vi: str, message_en: str) -> None:
    job.state = "failed"
    job.error_code, job.error_message_vi, job.error_message_en = code, message_vi, message_en
    job.created = job.updated = 0


async def get_job(
    session: AsyncSession, principal: Principal, job_id: uuid.UUID
) -> ImportJob | None:
    """A job is visible to the one who started it (its data is theirs)."""
    job = await session.get(ImportJob, job_id)
    if job is None or job.principal_key != principal.key:
        return None
    return job


async def job_errors(
    session: AsyncSession,
    job_id: uuid.UUID,
    limit: int | None = None,
    rows: tuple[int, int] | None = None,
) -> list[RowError]:
    """Row errors in row order; `rows`: only those of rows first..last."""
    stmt = (
        select(
            ImportJobError.row,
            ImportJobError.column,
            ImportJobError.code,
            ImportJobError.message_vi,
            ImportJobError.message_en,
        )
        .where(ImportJobError.job_id == job_id)
        .order_by(ImportJobError.row, ImportJobError.column)
        .limit(limit)
    )
    if rows is not None:
        stmt = stmt.where(ImportJobError.row.between(*rows))
    return [RowError(*row) for row in (await session.execute(stmt)).all()]


async def job_rows(
    session: AsyncSession, job_id: uuid.UUID, after: int, limit: int
) -> list[tuple[int, str, str | None, uuid.UUID | None]]:
    stmt = (
        select(ImportJobRow.row, ImportJobRow.action, ImportJobRow.changed, ImportJobRow.member_id)
        .where(ImportJobRow.job_id == job_id, ImportJobRow.row > after)
        .order_by(ImportJobRow.row)
        .limit(limit)
    )
    return [tuple(row) for row in (await session.execute(stmt)).all()]  # type: ignore[misc]


async def count_job_rows(session: AsyncSession, job_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(ImportJobRow).where(ImportJobRow.job_id == job_id)
    return int(await session.scalar(stmt) or 0)


# --- members -------------------------------------------------------------------------------


class MemberImport:
    resource = MEMBERS
    write_permission = Permission.members_write

    async def run(
        self,
        session: AsyncSession,
        job: ImportJob,
        reader: RowReader,
        principal: Principal,
        progress: Progress,
        settings: Settings,
    ) -> None:
        today = clock.today()
        present = frozenset(reader.labels)
        await member_merge.create_stage(session)
        rows, error_rows = await _stage(session, job, reader, progress, settings, today)
        plan = member_merge.MergePlan(
            job.id, job.strategy, present, principal.paths_for(self.write_permission), today
        )
        counts = await member_merge.resolve(session, plan)
        await member_merge.record_sql_errors(session, job.id)
        if job.dry_run:
            await member_merge.record_row_results(session, job.id)
        job.rows_total = job.rows_done = rows
        job.errors = error_rows + counts.get("error", 0)
        job.created, job.updated = counts.get("create", 0), counts.get("update", 0)
        job.unchanged = counts.get("unchanged", 0)
        if job.atomic and job.errors:
            fail(
                job,
                "import_rows_invalid",
                f"{job.errors} dòng có lỗi; không ghi dòng nào (nhập toàn bộ hoặc không gì).",
                f"{job.errors} row(s) have errors; nothing was written (atomic import).",
            )
            if job.dry_run:
                job.created, job.updated = counts.get("create", 0), counts.get("update", 0)
        else:
            job.state = "succeeded"
            if not job.dry_run and (job.created or job.updated):
                await member_merge.merge(session, plan)
                audit.record(
                    session, principal, "import", "members", job.id,
                    fields=sorted(present - {"source", "external_id"} | {"external_ids"}),
                )  # fmt: skip
        await member_merge.drop_stage(session)


async def _stage(
    session: AsyncSession,
    job: ImportJob,
    reader: RowReader,
    progress: Progress,
    settings: Settings,
    today: date,
) -> tuple[int, int]:
    """Check the file's rows into the stage and their problems into the job; how many rows
    there were, and how many of them had problems. Problems are held back (up to
    `ERRORS_HELD` of them) while the stage's COPY is open, and recorded when it pauses."""
    rows = error_rows = 0
    bad_rows: list[int] = []
    errors: list[RowError] = []
    async with member_merge.Stager(session) as stager:
        spec = CheckSpec(frozenset(reader.labels), today, admission_policy(settings),
                         stager.postgres)  # fmt: skip
        batches = checked_batches(reader.batches(CHUNK_ROWS), spec, settings.import_check_workers)
        try:
            async with contextlib.aclosing(batches) as chunks:
                async for staged in chunks:
                    await stager.write(staged.payload)
                    bad_rows += staged.bad_rows
                    errors += staged.errors
                    if len(errors) >= ERRORS_HELD:
                        await stager.pause()
                        await _record_errors(session, job, errors, bad_rows)
                    rows += staged.size
                    error_rows += len(staged.bad_rows)
                    await progress(rows)
        except ImportFileError:
            # The file, not the database, failed (unreadable half-way): end the COPY cleanly, so
            # that the transaction can still record the job's failure.
            await stager.pause()
            raise
    await _record_errors(session, job, errors, bad_rows)
    return rows, error_rows


async def _record_errors(
    session: AsyncSession, job: ImportJob, errors: list[RowError], bad_rows: list[int]
) -> None:
    """Record `errors` (and in a dry run the rows in error), then empty both lists."""
    if errors:
        await session.execute(
            insert(ImportJobError),
            [
                {
                    "id": uuid.uuid4(),
                    "job_id": job.id,
                    "row": e.row,
                    "column": e.column,
                    "code": e.code,
                    "message_vi": e.message_vi,
                    "message_en": e.message_en,
                }
                for e in errors
            ],
        )
    if job.dry_run and bad_rows:
        await session.execute(
            insert(ImportJobRow),
            [{"job_id": job.id, "row": row, "action": "error"} for row in bad_rows],
        )
    errors.clear()
    bad_rows.clear()


HANDLERS: dict[str, ImportHandler] = {"members": MemberImport(), "activities": ActivityImport()}
