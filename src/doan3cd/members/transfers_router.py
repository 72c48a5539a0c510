"""HTTP layer of transfers: /members/{id}/transfers and /transfers."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from doan3cd.api.pagination import Page, PageDep, page_of
from doan3cd.api.problems import problem_responses
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.db.session import SessionDep
from doan3cd.members import transfers
from doan3cd.members.schemas import (
    TransferCreate,
    TransferRead,
    TransferReject,
    TransferState,
    TransferStep,
)

router = APIRouter(tags=["transfers"])

Reader = Annotated[Principal, Depends(require(Permission.members_read))]
Writer = Annotated[Principal, Depends(require(Permission.members_write))]
TransferId = Annotated[uuid.UUID, Path(description="The transfer's id.")]
OptionalStep = Annotated[TransferStep | None, Body()]
READ_ERRORS = problem_responses(401, 403, 404)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post(
    "/members/{member_id}/transfers",
    name="request",
    status_code=201,
    response_model=TransferRead,
    responses=WRITE_ERRORS,
)
async def request_transfer(
    member_id: uuid.UUID, body: TransferCreate, session: SessionDep, principal: Writer
) -> TransferRead:
    """The sending branch asks to move an active member to another branch; the member is
    `transferring` until the transfer is received or rejected."""
    return await transfers.request_transfer(session, principal, member_id, body)


@router.get(
    "/members/{member_id}/transfers",
    name="member-list",
    response_model=Page[TransferRead],
    responses=READ_ERRORS,
)
async def member_transfers(
    request: Request,
    response: Response,
    member_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
) -> Page[TransferRead]:
    """The member's transfers, newest first."""
    items, cursor, total = await transfers.list_transfers(
        session, principal, page, member_id=member_id
    )
    return page_of(request, response, items, cursor, total)


@router.get("/transfers", name="list", response_model=Page[TransferRead], responses=READ_ERRORS)
async def list_transfers(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    within: Annotated[
        uuid.UUID | None, Query(description="Either branch lies in this unit's subtree.")
    ] = None,
    state: Annotated[TransferState | None, Query()] = None,
) -> Page[TransferRead]:
    """Transfers whose sending or receiving branch lies in your scope, newest first."""
    items, cursor, total = await transfers.list_transfers(
        session, principal, page, within=within, state=state
    )
    return page_of(request, response, items, cursor, total)


@router.get(
    "/transfers/{transfer_id}", name="get", response_model=TransferRead, responses=READ_ERRORS
)
async def get_transfer(
    transfer_id: TransferId, session: SessionDep, principal: Reader
) -> TransferRead:
    return await transfers.get_transfer(session, principal, transfer_id)


@router.post(
    "/transfers/{transfer_id}/send",
    name="send",
    response_model=TransferRead,
    responses=WRITE_ERRORS,
)
async def send_transfer(
    transfer_id: TransferId, session: SessionDep, principal: Writer, body: OptionalStep = None
) -> TransferRead:
    """The sending branch (members:write over it) sends the requested transfer."""
    return await transfers.advance(session, principal, transfer_id, "send", body or TransferStep())


@router.post(
    "/transfers/{transfer_id}/receive",
    name="receive",
    response_model=TransferRead,
    responses=WRITE_ERRORS,
)
async def receive_transfer(
    transfer_id: TransferId, session: SessionDep, principal: Writer, body: OptionalStep = None
) -> TransferRead:
    """The receiving branch (members:write over it) receives: the member moves to it."""
    return await transfers.advance(
        session, principal, transfer_id, "receive", body or TransferStep()
    )


@router.post(
    "/transfers/{transfer_id}/reject",
    name="reject",
    response_model=TransferRead,
    responses=WRITE_ERRORS,
)
async def reject_transfer(
    transfer_id: TransferId, session: SessionDep, principal: Writer, body: TransferReject
) -> TransferRead:
    """Either side rejects an open transfer with a reason; the member stays where they were."""
    return await transfers.advance(session, principal, transfer_id, "reject", body)
