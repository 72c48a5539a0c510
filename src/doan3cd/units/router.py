"""HTTP layer of /units: parse, call one service function, shape the response."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel

from doan3cd.api.etag import check_if_match, created_response, etag_response
from doan3cd.api.idempotency import Idempotency, IdempotencyDep
from doan3cd.api.pagination import Page, PageDep, page_of
from doan3cd.api.problems import problem_responses
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.db.session import SessionDep
from doan3cd.domain.units import UnitKind
from doan3cd.units import lineage, service
from doan3cd.units.schemas import (
    Ancestors,
    ReorganisationRead,
    UnitClose,
    UnitCreate,
    UnitHistory,
    UnitMerge,
    UnitMove,
    UnitRead,
    UnitSplit,
    UnitUpdate,
)

router = APIRouter(prefix="/units", tags=["units"])

Reader = Annotated[Principal, Depends(require(Permission.units_read))]
Writer = Annotated[Principal, Depends(require(Permission.units_write))]
UnitId = Annotated[uuid.UUID, Path(description="The unit's stable id.")]
AsOf = Annotated[
    date | None,
    Query(description="Read the tree as it stood on this date (default: today, Asia/Ho_Chi_Minh)."),
]

READ_ERRORS = problem_responses(401, 403, 404)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
ETAG_HEADER = {
    "ETag": {"description": "Version of the representation.", "schema": {"type": "string"}}
}
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: it still matches `If-None-Match`."}
}


async def _once(idempotency: Idempotency, run: Callable[[], Awaitable[BaseModel]]) -> Response:
    """Answer a retried `Idempotency-Key` with the first response, else run and remember."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    result = await run()
    return await idempotency.remember(
        Response(result.model_dump_json(), media_type="application/json")
    )


@router.get("", name="list", response_model=Page[UnitRead], responses=READ_ERRORS)
async def list_units(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    within: Annotated[
        uuid.UUID | None, Query(description="Only this unit and the units beneath it.")
    ] = None,
    kind: Annotated[UnitKind | None, Query(description="Only units of this kind.")] = None,
    as_of: AsOf = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description='Text in the name, accents and case ignored ("hieu trung" finds '
            '"Xã đoàn Hiếu Trung"), or in the code.',
        ),
    ] = None,
) -> Page[UnitRead]:
    """Units in force on a date, top-down then by name. 404 when `within` is not visible."""
    items, cursor, total = await service.list_units(
        session, principal, page, as_of=as_of, within=within, kind=kind, q=q
    )
    return page_of(request, response, items, cursor, total)


@router.post(
    "",
    name="create",
    status_code=201,
    response_model=UnitRead,
    responses={201: {"headers": ETAG_HEADER}, **WRITE_ERRORS},
)
async def create_unit(
    request: Request,
    body: UnitCreate,
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
) -> Response:
    """Establish a unit (an `establish` lineage event) under a parent open on `effective_on`."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    unit = await service.create_unit(session, principal, body)
    response = created_response(request, unit, unit.id)
    return await idempotency.remember(response)


@router.post(
    "/merge",
    name="merge",
    response_model=ReorganisationRead,
    responses=WRITE_ERRORS,
)
async def merge_units(
    body: UnitMerge, session: SessionDep, principal: Writer, idempotency: IdempotencyDep
) -> Response:
    """Merge units into a target: sources close, their children move under the target, and the
    records that follow units (members, open cases…) move to it. Use `dry_run` to preview."""
    return await _once(idempotency, lambda: lineage.merge_units(session, principal, body))


@router.get(
    "/{unit_id}",
    name="get",
    response_model=UnitRead,
    responses={200: {"headers": ETAG_HEADER}, **NOT_MODIFIED, **READ_ERRORS},
)
async def get_unit(
    request: Request, unit_id: UnitId, session: SessionDep, principal: Reader, as_of: AsOf = None
) -> Response:
    """The unit on `as_of`. Without it: as it stands today, or its last version if it has closed
    (its first if it starts in the future). Units outside your scope are 404."""
    return etag_response(request, await service.get_unit(session, principal, unit_id, as_of))


@router.patch(
    "/{unit_id}",
    name="update",
    response_model=UnitRead,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(401, 403, 404, 409, 412, 422)},
)
async def update_unit(
    request: Request, unit_id: UnitId, body: UnitUpdate, session: SessionDep, principal: Writer
) -> Response:
    """Merge-patch. Name, short name and kind change as a new version from `effective_on`;
    send `If-Match` with the ETag of `GET /units/{id}` (no `as_of`) to get 412 on a lost update."""
    unit = await service.update_unit(
        session, principal, unit_id, body, precondition=partial(check_if_match, request)
    )
    return etag_response(request, unit)


@router.get(
    "/{unit_id}/children", name="children", response_model=Page[UnitRead], responses=READ_ERRORS
)
async def list_children(
    request: Request,
    response: Response,
    unit_id: UnitId,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    as_of: AsOf = None,
) -> Page[UnitRead]:
    """The unit's children on a date."""
    items, cursor, total = await service.list_children(session, principal, unit_id, page, as_of)
    return page_of(request, response, items, cursor, total)


@router.get(
    "/{unit_id}/ancestors", name="ancestors", response_model=Ancestors, responses=READ_ERRORS
)
async def list_ancestors(
    unit_id: UnitId, session: SessionDep, principal: Reader, as_of: AsOf = None
) -> Ancestors:
    """The unit's ancestors on a date within your scope, top-level first."""
    return await service.list_ancestors(session, principal, unit_id, as_of)


@router.get("/{unit_id}/history", name="history", response_model=UnitHistory, responses=READ_ERRORS)
async def unit_history(unit_id: UnitId, session: SessionDep, principal: Reader) -> UnitHistory:
    """Every version of the unit and the lineage events (establish, rename, move, merge, split,
    close) that shaped it, oldest first."""
    return await service.unit_history(session, principal, unit_id)


@router.post(
    "/{unit_id}/move",
    name="move",
    response_model=ReorganisationRead,
    responses=WRITE_ERRORS,
)
async def move_unit(
    unit_id: UnitId,
    body: UnitMove,
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
) -> Response:
    """Move the unit and its whole subtree under a new parent from `effective_on`."""
    return await _once(idempotency, lambda: lineage.move_unit(session, principal, unit_id, body))


@router.post(
    "/{unit_id}/close",
    name="close",
    response_model=ReorganisationRead,
    responses=WRITE_ERRORS,
)
async def close_unit(
    unit_id: UnitId,
    body: UnitClose,
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
) -> Response:
    """Close (dissolve) a unit with no child units left; its history stays readable."""
    return await _once(idempotency, lambda: lineage.close_unit(session, principal, unit_id, body))


@router.post(
    "/{unit_id}/split",
    name="split",
    response_model=ReorganisationRead,
    responses=WRITE_ERRORS,
)
async def split_unit(
    unit_id: UnitId,
    body: UnitSplit,
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
) -> Response:
    """Split the unit into new successor units; each child moves to its assigned successor and
    the unit closes."""
    return await _once(idempotency, lambda: lineage.split_unit(session, principal, unit_id, body))
