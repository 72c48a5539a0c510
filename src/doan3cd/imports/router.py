"""HTTP layer of /imports and /jobs: upload, report, progress, errors.csv, dry-run rows."""

import hashlib
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse

from doan3cd.api.i18n import Text, request_language
from doan3cd.api.idempotency import IdempotencyDep
from doan3cd.api.problems import ProblemError, problem_responses
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.db.session import SessionDep
from doan3cd.imports import service
from doan3cd.imports.errors import ImportFileError, RowError, iter_errors_csv
from doan3cd.imports.schemas import ImportReport, JobRead, RowProblem, RowResult, RowResultPage
from doan3cd.models.job import ImportJob

router = APIRouter(prefix="/imports", tags=["imports"])
jobs_router = APIRouter(prefix="/jobs", tags=["jobs"])

Importer = Annotated[Principal, Depends(require(Permission.imports_write))]
JobId = Annotated[uuid.UUID, Path(description="The import job's id.")]
ROWS_IN_REPORT = 10_000


def _job_read(request: Request, job: ImportJob) -> dict[str, object]:
    lang = request_language(request)
    message = job.error_message_en if lang == "en" else job.error_message_vi
    return {
        **{name: getattr(job, name) for name in JobRead.model_fields if hasattr(job, name)},
        "error_message": message,
        "errors_csv": f"{request.scope.get('root_path', '')}/api/v1/jobs/{job.id}/errors.csv",
    }


def _problem(error: RowError, lang: str) -> RowProblem:
    message = error.message_en if lang == "en" else error.message_vi
    return RowProblem(row=error.row, column=error.column, code=error.code, message=message)


def _file_problem(error: ImportFileError) -> ProblemError:
    status = 415 if error.code.startswith("import_format_") else 422
    return ProblemError(status, error.code, Text(error.message_vi, error.message_en))


async def _form_digest(file: UploadFile, fields: tuple[object, ...]) -> bytes:
    digest = hashlib.sha256(repr(fields).encode())
    while data := await file.read(1 << 20):
        digest.update(data)
    await file.seek(0)
    return digest.digest()


async def _report(session: SessionDep, request: Request, job: ImportJob) -> ImportReport:
    lang = request_language(request)
    errors = await service.job_errors(session, job.id, ROWS_IN_REPORT)
    rows: list[RowResult] | None = None
    if job.dry_run:
        by_row: dict[int, list[RowProblem]] = {}
        for error in errors:
            by_row.setdefault(error.row, []).append(_problem(error, lang))
        rows = [
            RowResult(
                row=row,
                action=action,
                changed=(changed or "").split(),
                member_id=member_id,
                errors=by_row.get(row, []),
            )
            for row, action, changed, member_id in await service.job_rows(
                session, job.id, 0, ROWS_IN_REPORT
            )
        ]
    return ImportReport(
        **_job_read(request, job),
        problems=[_problem(error, lang) for error in errors],
        rows=rows,
    )


@router.post(
    "",
    name="create",
    response_model=ImportReport,
    status_code=200,
    responses={
        202: {"model": JobRead, "description": "A large file: queued as a job (see Location)."},
        **problem_responses(401, 403, 409, 413, 415, 422),
    },
)
async def create_import(
    request: Request,
    session: SessionDep,
    principal: Importer,
    idempotency: IdempotencyDep,
    file: Annotated[UploadFile, File(description="CSV (any Excel encoding), XLSX or JSON.")],
    resource: Annotated[Literal["members", "activities"], Form(description="What the file holds.")],
    strategy: Annotated[
        Literal["create", "update", "upsert"],
        Form(description="create: new only; update: existing only; upsert: both."),
    ] = "upsert",
    atomic: Annotated[
        bool, Form(description="true: any row error writes nothing; false: good rows land.")
    ] = True,
    dry_run: Annotated[bool, Form(description="Report per row what would happen.")] = False,
) -> Response:
    """Import a file. Up to `DOAN3CD_IMPORT_INLINE_ROWS` rows (5,000) it runs now and answers
    200 with the report; a larger file answers 202 with the job, polled at `Location`."""
    options = service.ImportOptions(
        resource, strategy, atomic, dry_run, file.filename, file.content_type
    )
    digest = await _form_digest(file, (resource, strategy, atomic, dry_run, file.filename))
    if (replay := await idempotency.replay(digest)) is not None:
        return replay
    handler = service.HANDLERS[resource]
    if not principal.allows(handler.write_permission):
        raise ProblemError(403, "forbidden", Text("Bạn không có quyền này.", "Not allowed."))
    limit = request.app.state.settings.import_inline_rows
    try:
        rows = service.count_rows(file.file, options, limit)
    except ImportFileError as error:
        raise _file_problem(error) from None
    file.file.seek(0)
    if rows > limit:
        job = await service.create_job(session, principal, options, state="queued")
        await service.store_file(session, job.id, file.file)
        response = Response(
            JobRead(**_job_read(request, job)).model_dump_json(),
            status_code=202,
            media_type="application/json",
            headers={"Location": f"/api/v1/jobs/{job.id}"},
        )
        return await idempotency.remember(response)
    job = await service.create_job(session, principal, options, state="running")
    await service.run_job(session, job, file.file, settings=request.app.state.settings)
    if job.error_code and job.error_code != "import_rows_invalid":
        raise _file_problem(ImportFileError(job.error_code, job.error_message_vi or "",
                                            job.error_message_en or ""))  # fmt: skip
    report = await _report(session, request, job)
    return await idempotency.remember(
        Response(report.model_dump_json(), media_type="application/json")
    )


async def _own_job(session: SessionDep, principal: Principal, job_id: uuid.UUID) -> ImportJob:
    job = await service.get_job(session, principal, job_id)
    if job is None:
        raise ProblemError(404, "job_not_found", Text("Không tìm thấy tác vụ.", "No such job."))
    return job


@jobs_router.get(
    "/{job_id}", name="get", response_model=JobRead, responses=problem_responses(401, 403, 404)
)
async def get_job(
    request: Request, session: SessionDep, principal: Importer, job_id: JobId
) -> JobRead:
    """State, progress and counts of an import job."""
    job = await _own_job(session, principal, job_id)
    return JobRead(**_job_read(request, job))


@jobs_router.get(
    "/{job_id}/errors.csv",
    name="errors",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "Row, column, code, message."},
        **problem_responses(401, 403, 404),
    },
)
async def job_errors_csv(
    request: Request, session: SessionDep, principal: Importer, job_id: JobId
) -> StreamingResponse:
    """The job's row errors as CSV (UTF-8 with BOM for Excel), in Vietnamese unless
    `Accept-Language: en`; columns are named as in the uploaded file."""
    job = await _own_job(session, principal, job_id)
    errors = await service.job_errors(session, job.id)
    body = iter_errors_csv(errors, lang=request_language(request), labels=job.labels)
    return StreamingResponse(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job.id}-errors.csv"'},
    )


@jobs_router.get(
    "/{job_id}/rows",
    name="rows",
    response_model=RowResultPage,
    responses=problem_responses(401, 403, 404),
)
async def job_rows(
    request: Request,
    session: SessionDep,
    principal: Importer,
    job_id: JobId,
    after: Annotated[int, Query(ge=0, description="Rows after this row number.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> RowResultPage:
    """A dry run's per-row results, in row order."""
    job = await _own_job(session, principal, job_id)
    lang = request_language(request)
    rows = await service.job_rows(session, job.id, after, limit)
    problems: dict[int, list[RowProblem]] = {}
    if rows:
        for error in await service.job_errors(session, job.id, rows=(rows[0][0], rows[-1][0])):
            problems.setdefault(error.row, []).append(_problem(error, lang))
    items = [
        RowResult(
            row=row,
            action=action,
            changed=(changed or "").split(),
            member_id=member_id,
            errors=problems.get(row, []),
        )
        for row, action, changed, member_id in rows
    ]
    return RowResultPage(items=items, next_after=rows[-1][0] if len(rows) == limit else None)
