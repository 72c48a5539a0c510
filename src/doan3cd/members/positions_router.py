"""HTTP layer of /members/{id}/positions: committee positions held over dates."""

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from doan3cd.api.etag import check_if_match, created_response, etag_response
from doan3cd.api.idempotency import IdempotencyDep
from doan3cd.api.pagination import Page, PageDep, page_of
from doan3cd.api.problems import problem_responses
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.db.session import SessionDep
from doan3cd.members import positions
from doan3cd.members.router import ETAG_HEADER, NOT_MODIFIED
from doan3cd.members.schemas import PositionCreate, PositionEnd, PositionRead

router = APIRouter(prefix="/members/{member_id}/positions", tags=["member-positions"])

Reader = Annotated[Principal, Depends(require(Permission.members_read))]
Writer = Annotated[Principal, Depends(require(Permission.members_write))]
MemberId = Annotated[uuid.UUID, Path(description="The member's id.")]
PositionId = Annotated[uuid.UUID, Path(description="The position's id.")]
READ_ERRORS = problem_responses(401, 403, 404)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.get("", name="list", response_model=Page[PositionRead], responses=READ_ERRORS)
async def list_positions(
    request: Request,
    response: Response,
    member_id: MemberId,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    current: Annotated[
        bool | None,
        Query(description="`true`: only positions still held; `false`: only ended ones."),
    ] = None,
) -> Page[PositionRead]:
    """The member's positions (Bí thư, Phó Bí thư, Ủy viên BCH…), latest start first."""
    items, cursor, total = await positions.list_positions(
        session, principal, member_id, page, current=current
    )
    return page_of(request, response, items, cursor, total)


@router.post(
    "",
    name="create",
    status_code=201,
    response_model=PositionRead,
    responses={201: {"headers": ETAG_HEADER}, **WRITE_ERRORS},
)
async def add_position(
    request: Request,
    member_id: MemberId,
    body: PositionCreate,
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
) -> Response:
    """Record a position held in the member's branch or a unit above it (members:write over
    both). Dates may not be in the future, `ended_on` not before `started_on`; the same position
    may not overlap in time for the member in the unit, nor for anyone when it has one holder
    (`secretary`, `inspection_chair`): 409 `position_overlap`."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    position = await positions.add_position(session, principal, member_id, body)
    response = created_response(request, position, position.id)
    return await idempotency.remember(response)


@router.get(
    "/{position_id}",
    name="get",
    response_model=PositionRead,
    responses={200: {"headers": ETAG_HEADER}, **NOT_MODIFIED, **READ_ERRORS},
)
async def get_position(
    request: Request,
    member_id: MemberId,
    position_id: PositionId,
    session: SessionDep,
    principal: Reader,
) -> Response:
    return etag_response(
        request, await positions.get_position(session, principal, member_id, position_id)
    )


@router.post(
    "/{position_id}/end",
    name="end",
    response_model=PositionRead,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(401, 403, 404, 409, 412, 422)},
)
async def end_position(
    request: Request,
    member_id: MemberId,
    position_id: PositionId,
    session: SessionDep,
    principal: Writer,
    body: Annotated[PositionEnd | None, Body()] = None,
) -> Response:
    """The member stops holding the position on `ended_on` (default today; the first day no
    longer held). Send `If-Match` with the position's ETag to get 412 on a lost update; 409
    `position_already_ended` when it has already ended."""
    ended = await positions.end_position(
        session,
        principal,
        member_id,
        position_id,
        body or PositionEnd(),
        precondition=partial(check_if_match, request),
    )
    return etag_response(request, ended)
