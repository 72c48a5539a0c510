"""HTTP layer of /members: parse, call one service function, shape the response."""

import uuid
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from doan3cd.api.etag import check_if_match, created_response, etag_response
from doan3cd.api.idempotency import IdempotencyDep
from doan3cd.api.pagination import Page, PageDep, set_link_header
from doan3cd.api.problems import problem_responses
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.config import admission_policy
from doan3cd.db.session import SessionDep
from doan3cd.members import maturity, service
from doan3cd.members.data_export import DataExport, export_member
from doan3cd.members.schemas import (
    MaturityReport,
    MaturityRequest,
    MemberCreate,
    MemberOut,
    MemberRead,
    MemberStatus,
    MemberUpdate,
    StatusChange,
)

router = APIRouter(prefix="/members", tags=["members"])

Reader = Annotated[Principal, Depends(require(Permission.members_read))]
Writer = Annotated[Principal, Depends(require(Permission.members_write))]
Admin = Annotated[Principal, Depends(require(Permission.users_admin))]
MemberId = Annotated[uuid.UUID, Path(description="The member's id.")]

READ_ERRORS = problem_responses(401, 403, 404)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
ETAG_HEADER = {
    "ETag": {"description": "Version of the representation.", "schema": {"type": "string"}}
}
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: it still matches `If-None-Match`."}
}


@router.get("", name="list", response_model=Page[MemberOut], responses=READ_ERRORS)
async def list_members(
    request: Request,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    within: Annotated[
        uuid.UUID | None, Query(description="Only members of branches in this unit's subtree.")
    ] = None,
    branch: Annotated[uuid.UUID | None, Query(description="Only this branch's members.")] = None,
    status: Annotated[MemberStatus | None, Query()] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description='Text in the name, accents and case ignored ("nguyen van an" finds '
            '"Nguyễn Văn An"), or an exact member code.',
        ),
    ] = None,
    sort: Annotated[
        Literal["name", "-joined_on"],
        Query(description="`name`: Vietnamese order (given name first); `-joined_on`: newest."),
    ] = "name",
) -> Response:
    """Members whose branch lies in your scope (today's tree)."""
    items, cursor, total = await service.list_members(
        session, principal, page, within=within, branch_id=branch, status=status, q=q, sort=sort
    )
    page_ = Page[MemberRead](items=items, next_cursor=cursor, total=total)
    response = Response(page_.model_dump_json(serialize_as_any=True), media_type="application/json")
    set_link_header(request, response, cursor)
    return response


@router.post(
    "",
    name="create",
    status_code=201,
    response_model=MemberOut,
    responses={201: {"headers": ETAG_HEADER}, **WRITE_ERRORS},
)
async def create_member(
    request: Request,
    body: MemberCreate,
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
) -> Response:
    """Admit a member to a branch: validates every field at once (422 `member_invalid` lists
    them with stable codes) and opens the first membership period."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    policy = admission_policy(request.app.state.settings)
    member = await service.create_member(session, principal, body, policy)
    response = created_response(request, member, member.id)
    return await idempotency.remember(response)


@router.get(
    "/{member_id}",
    name="get",
    response_model=MemberOut,
    responses={200: {"headers": ETAG_HEADER}, **NOT_MODIFIED, **READ_ERRORS},
)
async def get_member(
    request: Request, member_id: MemberId, session: SessionDep, principal: Reader
) -> Response:
    """One member. `sensitive` is present only with members:sensitive (and the read audited)."""
    return etag_response(request, await service.get_member(session, principal, member_id))


@router.patch(
    "/{member_id}",
    name="update",
    response_model=MemberOut,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(401, 403, 404, 409, 412, 422)},
)
async def update_member(
    request: Request,
    member_id: MemberId,
    body: MemberUpdate,
    session: SessionDep,
    principal: Writer,
) -> Response:
    """Merge-patch; send `If-Match` with the ETag of `GET /members/{id}` to get 412 on a lost
    update."""
    member = await service.update_member(
        session,
        principal,
        member_id,
        body,
        admission_policy(request.app.state.settings),
        precondition=partial(check_if_match, request),
    )
    return etag_response(request, member)


@router.post("/{member_id}/status", name="status", response_model=MemberOut, responses=WRITE_ERRORS)
async def change_status(
    member_id: MemberId, body: StatusChange, session: SessionDep, principal: Writer
) -> MemberOut:
    """A dated status change (removed, expelled, deceased, or back to active), kept in the
    member's status history; leaving statuses close the open membership period."""
    return await service.change_status(session, principal, member_id, body)


@router.delete("/{member_id}", name="erase", status_code=204, responses=WRITE_ERRORS)
async def erase_member(member_id: MemberId, session: SessionDep, principal: Admin) -> Response:
    """Erasure (right to be forgotten), administrators only: the person's data is removed
    everywhere; the change log keeps a tombstone and the audit trail an `erase` event."""
    await service.erase_member(session, principal, member_id)
    return Response(status_code=204)


@router.post("/maturity", name="mature", response_model=MaturityReport, responses=WRITE_ERRORS)
async def mature_members(
    request: Request, body: MaturityRequest, session: SessionDep, principal: Writer
) -> MaturityReport:
    """Members in your scope past the age limit on `as_of` (over 30; cadres over 35); with
    `dry_run=false` they become `matured` and their membership period closes."""
    policy = admission_policy(request.app.state.settings)
    return await maturity.mature_members(
        session, principal, policy, as_of=body.as_of, dry_run=body.dry_run
    )


@router.get(
    "/{member_id}/data-export", name="data-export", response_model=DataExport, responses=READ_ERRORS
)
async def data_export(member_id: MemberId, session: SessionDep, principal: Reader) -> DataExport:
    """Everything held about the person (data-subject access request); the export is audited.
    Sensitive fields follow the same rule as `GET /members/{id}`."""
    return await export_member(session, principal, member_id)
