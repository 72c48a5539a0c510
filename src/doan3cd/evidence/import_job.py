"""Activities as a resource of `POST /imports`: the import job runs `import_activities`."""

from collections.abc import Awaitable, Callable

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.config import Settings
from doan3cd.evidence.imports import Strategy, import_activities
from doan3cd.imports import ACTIVITIES, RowReader
from doan3cd.models.job import ImportJob, ImportJobError, ImportJobRow

Progress = Callable[[int], Awaitable[None]]

# Activities are only ever added: "create" writes every row, the others skip exact duplicates.
STRATEGIES: dict[str, Strategy] = {
    "create": "create_all",
    "update": "skip_duplicates",
    "upsert": "skip_duplicates",
}


class ActivityImport:
    resource = ACTIVITIES
    write_permission = Permission.evidence_write

    async def run(
        self,
        session: AsyncSession,
        job: ImportJob,
        reader: RowReader,
        principal: Principal,
        progress: Progress,
        settings: Settings,
    ) -> None:
        report = await import_activities(
            session,
            principal,
            reader,
            strategy=STRATEGIES[job.strategy],
            atomic=job.atomic,
            dry_run=job.dry_run,
        )
        issues = [issue for row in report.rows for issue in row.errors]
        if issues:
            await session.execute(
                insert(ImportJobError),
                [
                    {
                        "job_id": job.id,
                        "row": i.row,
                        "column": i.column,
                        "code": i.code,
                        "message_vi": i.message_vi,
                        "message_en": i.message_en,
                    }
                    for i in issues
                ],
            )
        if job.dry_run and report.rows:
            await session.execute(
                insert(ImportJobRow),
                [{"job_id": job.id, "row": r.row, "action": r.action} for r in report.rows],
            )
        job.rows_total = job.rows_done = len(report.rows)
        job.errors = report.count("error")
        job.created, job.unchanged = report.count("create"), report.count("unchanged")
        await progress(job.rows_done)
        if job.atomic and job.errors:
            job.state = "failed"
            job.error_code = "import_rows_invalid"
            job.error_message_vi = f"{job.errors} dòng có lỗi; không ghi dòng nào."
            job.error_message_en = f"{job.errors} row(s) have errors; nothing was written."
            job.created = 0
        else:
            job.state = "succeeded"
