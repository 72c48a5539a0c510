"""HTTP layer of /welfare-cases and /welfare-stats.

Reading one case declares only `authenticated()`: whoever lacks welfare:read over the case's unit
gets 404, exactly as for a case that does not exist, so nothing reveals that a person has a case.
"""

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from doan3cd.api.etag import check_if_match, created_response, etag_response
from doan3cd.api.idempotency import IdempotencyDep
from doan3cd.api.pagination import Page, PageDep, page_of
from doan3cd.api.problems import problem_responses
from doan3cd.auth.dependencies import authenticated, require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.db.session import SessionDep
from doan3cd.evidence.router import CREATED, READ_ERRORS, WITH_ETAG, WRITE_ERRORS
from doan3cd.welfare import service
from doan3cd.welfare.schemas import (
    ConsentWithdrawal,
    State,
    SupportActionCreate,
    SupportActionRead,
    WelfareCaseCreate,
    WelfareCaseRead,
    WelfareCaseUpdate,
    WelfareStats,
)

router = APIRouter(prefix="/welfare-cases", tags=["welfare-cases"])
stats_router = APIRouter(prefix="/welfare-stats", tags=["welfare-cases"])
routers = (router, stats_router)

Anyone = Annotated[Principal, Depends(authenticated())]
Reader = Annotated[Principal, Depends(require(Permission.welfare_read))]
Writer = Annotated[Principal, Depends(require(Permission.welfare_write))]
Stats = Annotated[Principal, Depends(require(Permission.welfare_stats))]
CaseId = Annotated[uuid.UUID, Path(description="The case's id.")]
Within = Annotated[uuid.UUID | None, Query(description="Only this unit and the units beneath it.")]


@router.get("", name="list", response_model=Page[WelfareCaseRead], responses=READ_ERRORS)
async def list_cases(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    unit: Annotated[uuid.UUID | None, Query(description="Only this unit's cases.")] = None,
    within: Within = None,
    state: Annotated[State | None, Query(description="Only cases in this state.")] = None,
    category: Annotated[str | None, Query(description="Only cases with this category.")] = None,
) -> Page[WelfareCaseRead]:
    """Cases in your welfare scope, newest first. Each case listed is audited as a read."""
    items, cursor, total = await service.list_cases(
        session, principal, page, unit=unit, within=within, state=state, category=category
    )
    return page_of(request, response, items, cursor, total)


@router.post(
    "",
    name="create",
    status_code=201,
    response_model=WelfareCaseRead,
    responses={**CREATED, **WRITE_ERRORS},
)
async def create_case(
    request: Request,
    body: WelfareCaseCreate,
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
) -> Response:
    """Open a case with the person's (or guardian's) consent; 422
    `welfare_guardian_consent_required` when the person may be under 18 and only consented
    alone. Unknown categories: 422."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    case = await service.create_case(session, principal, body)
    return await idempotency.remember(created_response(request, case, case.id))


@router.get(
    "/{case_id}", name="get", response_model=WelfareCaseRead, responses={**WITH_ETAG, **READ_ERRORS}
)
async def get_case(
    request: Request, case_id: CaseId, session: SessionDep, principal: Anyone
) -> Response:
    """The case (audited). 404 unless you hold welfare:read over its unit."""
    return etag_response(request, await service.get_case(session, principal, case_id))


@router.patch(
    "/{case_id}",
    name="update",
    response_model=WelfareCaseRead,
    responses={**WITH_ETAG, **WRITE_ERRORS},
)
async def update_case(
    request: Request,
    case_id: CaseId,
    body: WelfareCaseUpdate,
    session: SessionDep,
    principal: Writer,
) -> Response:
    """Merge-patch (send `If-Match`). 409 `consent_withdrawn` once consent is withdrawn."""
    case = await service.update_case(
        session, principal, case_id, body, partial(check_if_match, request)
    )
    return etag_response(request, case)


@router.post(
    "/{case_id}/consent/withdraw",
    name="withdraw_consent",
    response_model=WelfareCaseRead,
    responses=WRITE_ERRORS,
)
async def withdraw_consent(
    request: Request,
    case_id: CaseId,
    body: ConsentWithdrawal,
    session: SessionDep,
    principal: Writer,
) -> Response:
    """Record that the person (or guardian) withdrew consent: the case stops being processed."""
    case = await service.withdraw_consent(session, principal, case_id, body)
    return etag_response(request, case)


@router.get(
    "/{case_id}/support-actions",
    name="list_support_actions",
    response_model=list[SupportActionRead],
    responses=READ_ERRORS,
)
async def list_support_actions(
    case_id: CaseId, session: SessionDep, principal: Anyone
) -> list[SupportActionRead]:
    """Support given, oldest first (audited). 404 unless you hold welfare:read over the case."""
    return await service.list_support_actions(session, principal, case_id)


@router.post(
    "/{case_id}/support-actions",
    name="create_support_action",
    status_code=201,
    response_model=SupportActionRead,
    responses=WRITE_ERRORS,
)
async def add_support_action(
    case_id: CaseId,
    body: SupportActionCreate,
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
) -> Response:
    """Record support given; an open case becomes `supported`."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    action = await service.add_support_action(session, principal, case_id, body)
    return await idempotency.remember(
        Response(action.model_dump_json(), status_code=201, media_type="application/json")
    )


@stats_router.get(
    "", name="stats", response_model=WelfareStats, responses=problem_responses(401, 403, 422)
)
async def welfare_stats(
    session: SessionDep,
    principal: Stats,
    year: Annotated[int, Query(ge=2000, le=2100, description="Cases open at some time in it.")],
    within: Within = None,
) -> WelfareStats:
    """Aggregate counts without individuals (counts under 3 withheld); viewers may read them."""
    return await service.stats(session, principal, year=year, within=within)
