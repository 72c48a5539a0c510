"""HTTP layer of /exports: member lists as CSV (streamed) or XLSX, within the caller's scope."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.problems import problem_responses
from doan3cd.audit.service import record
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.clock import today
from doan3cd.db.session import SessionDep
from doan3cd.exports import members
from doan3cd.members import problems
from doan3cd.members.schemas import MemberStatus
from doan3cd.units.problems import unit_not_found
from doan3cd.units.queries import units_on
from doan3cd.units.store import V

router = APIRouter(prefix="/exports", tags=["exports"])

Exporter = Annotated[Principal, Depends(require(Permission.exports_read))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS = problem_responses(401, 403, 404)


class ExportParams:
    def __init__(
        self,
        within: Annotated[
            uuid.UUID | None, Query(description="Only members of branches in this subtree.")
        ] = None,
        status: Annotated[MemberStatus | None, Query()] = None,
        headers: Annotated[
            Literal["en", "vi"], Query(description="Column headers in English or Vietnamese.")
        ] = "en",
        include_sensitive: Annotated[
            bool,
            Query(description="Add ethnicity, religion, national ID (needs members:sensitive)."),
        ] = False,
    ) -> None:
        self.within = within
        self.status = status
        self.vietnamese = headers == "vi"
        self.include_sensitive = include_sensitive


Params = Annotated[ExportParams, Depends()]


async def _statement(session: AsyncSession, principal: Principal, params: ExportParams) -> object:
    on = today()
    if params.include_sensitive and not principal.allows(Permission.members_sensitive):
        raise problems.sensitive_forbidden()
    within_path = None
    if params.within is not None:
        within_path = await session.scalar(
            units_on(principal, on).with_only_columns(V.path).where(V.unit_id == params.within)
        )
        if within_path is None:
            raise unit_not_found(params.within)
    fields = list(members.columns(params.include_sensitive))
    record(session, principal, "export", "members", None, fields=fields)
    return members.export_statement(
        principal,
        on,
        within_path=within_path,
        status=params.status,
        include_sensitive=params.include_sensitive,
    )


@router.get(
    "/members.csv",
    name="members-csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **ERRORS},
)
async def members_csv(
    request: Request, session: SessionDep, principal: Exporter, params: Params
) -> StreamingResponse:
    """Members in your scope, name order, as CSV (UTF-8 with BOM), streamed. Audited."""
    stmt = await _statement(session, principal, params)
    return StreamingResponse(
        members.csv_stream(
            request.app.state.sessionmaker, stmt, params.include_sensitive, params.vietnamese
        ),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="members.csv"'},
    )


@router.get(
    "/members.xlsx",
    name="members-xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, **ERRORS},
)
async def members_xlsx(session: SessionDep, principal: Exporter, params: Params) -> Response:
    """Members in your scope, name order, as an Excel workbook. Audited."""
    stmt = await _statement(session, principal, params)
    body = await members.xlsx_bytes(session, stmt, params.include_sensitive, params.vietnamese)
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="members.xlsx"'},
    )
