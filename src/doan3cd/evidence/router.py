"""HTTP layer of /activities and /plans: parse, call one service function, shape the response."""

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from doan3cd.api.etag import check_if_match, created_response, etag_response
from doan3cd.api.idempotency import IdempotencyDep
from doan3cd.api.pagination import Page, PageDep, page_of
from doan3cd.api.problems import problem_responses
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.db.session import SessionDep
from doan3cd.evidence import plans, service
from doan3cd.evidence.schemas import (
    ACTIVITY_EXAMPLE,
    ActivityCreate,
    ActivityKind,
    ActivityRead,
    ActivityUpdate,
    PlanCreate,
    PlanKind,
    PlanRead,
    PlanUpdate,
    Rejection,
    Review,
    Verification,
)

activities = APIRouter(prefix="/activities", tags=["activities"])
plans_router = APIRouter(prefix="/plans", tags=["plans"])
routers = (plans_router, activities)

Reader = Annotated[Principal, Depends(require(Permission.evidence_read))]
Writer = Annotated[Principal, Depends(require(Permission.evidence_write))]
Verifier = Annotated[Principal, Depends(require(Permission.evidence_verify))]
ActivityId = Annotated[uuid.UUID, Path(description="The activity's id.")]
PlanId = Annotated[uuid.UUID, Path(description="The plan's id.")]
UnitFilter = Annotated[uuid.UUID | None, Query(description="Only records of this unit.")]
Within = Annotated[
    uuid.UUID | None, Query(description="Only records of this unit and the units beneath it.")
]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="Only this calendar year.")]
KindFilter = Annotated[ActivityKind | None, Query(description="Only this kind.")]

READ_ERRORS = problem_responses(401, 403, 404)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 412, 422)
ETAG_HEADER = {
    "ETag": {"description": "Version of the representation.", "schema": {"type": "string"}}
}
WITH_ETAG: dict[int | str, dict[str, Any]] = {200: {"headers": ETAG_HEADER}}
CREATED: dict[int | str, dict[str, Any]] = {201: {"headers": ETAG_HEADER}}


# Activities -------------------------------------------------------------------------------------


@activities.get("", name="list", response_model=Page[ActivityRead], responses=READ_ERRORS)
async def list_activities(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    unit: UnitFilter = None,
    within: Within = None,
    kind: KindFilter = None,
    year: Year = None,
    verification: Annotated[Verification | None, Query(description="Review state.")] = None,
) -> Page[ActivityRead]:
    """Activities in your scope, newest first."""
    items, cursor, total = await service.list_activities(
        session,
        principal,
        page,
        unit=unit,
        within=within,
        kind=kind,
        year=year,
        verification=verification,
    )
    return page_of(request, response, items, cursor, total)


@activities.post(
    "",
    name="create",
    status_code=201,
    response_model=ActivityRead,
    responses={**CREATED, **WRITE_ERRORS},
)
async def create_activity(
    request: Request,
    body: Annotated[
        ActivityCreate, Body(openapi_examples={"mobilisation": {"value": ACTIVITY_EXAMPLE}})
    ],
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
) -> Response:
    """Record an activity; the fields depend on `kind`. It starts `submitted` and counts once
    the upper level verifies it. Units accept no evidence dated after they closed (409)."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    activity = await service.create_activity(session, principal, body)
    return await idempotency.remember(created_response(request, activity, activity.id))


@activities.get(
    "/{activity_id}",
    name="get",
    response_model=ActivityRead,
    responses={**WITH_ETAG, **READ_ERRORS},
)
async def get_activity(
    request: Request, activity_id: ActivityId, session: SessionDep, principal: Reader
) -> Response:
    return etag_response(request, await service.get_activity(session, principal, activity_id))


@activities.patch(
    "/{activity_id}",
    name="update",
    response_model=ActivityRead,
    responses={**WITH_ETAG, **WRITE_ERRORS},
)
async def update_activity(
    request: Request,
    activity_id: ActivityId,
    body: ActivityUpdate,
    session: SessionDep,
    principal: Writer,
) -> Response:
    """Merge-patch (send `If-Match` to avoid lost updates). A verified or rejected activity that
    changes goes back to `submitted`."""
    activity = await service.update_activity(
        session, principal, activity_id, body, partial(check_if_match, request)
    )
    return etag_response(request, activity)


@activities.delete("/{activity_id}", name="delete", status_code=204, responses=WRITE_ERRORS)
async def delete_activity(
    request: Request, activity_id: ActivityId, session: SessionDep, principal: Writer
) -> Response:
    """Delete an activity not yet verified."""
    await service.delete_activity(session, principal, activity_id, partial(check_if_match, request))
    return Response(status_code=204)


@activities.post(
    "/{activity_id}/verify",
    name="verify",
    response_model=ActivityRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def verify_activity(
    request: Request,
    activity_id: ActivityId,
    session: SessionDep,
    principal: Verifier,
    body: Review | None = None,
) -> Response:
    """Confirm the evidence: only a reviewer holding evidence:verify on a unit strictly above
    the activity's unit (403 `verify_own_unit` otherwise); only once (409)."""
    activity = await service.review_activity(
        session, principal, activity_id, verdict="verified", reason=body.reason if body else None
    )
    return etag_response(request, activity)


@activities.post(
    "/{activity_id}/reject",
    name="reject",
    response_model=ActivityRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def reject_activity(
    request: Request,
    activity_id: ActivityId,
    body: Rejection,
    session: SessionDep,
    principal: Verifier,
) -> Response:
    """Reject the evidence with a reason; same rules as verify. Editing it resubmits it."""
    activity = await service.review_activity(
        session, principal, activity_id, verdict="rejected", reason=body.reason
    )
    return etag_response(request, activity)


# Plans ------------------------------------------------------------------------------------------


@plans_router.get("", name="list", response_model=Page[PlanRead], responses=READ_ERRORS)
async def list_plans(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    unit: UnitFilter = None,
    within: Within = None,
    year: Year = None,
    kind: Annotated[PlanKind | None, Query(description="Only this kind.")] = None,
) -> Page[PlanRead]:
    """Plans in your scope, newest year first."""
    items, cursor, total = await plans.list_plans(
        session, principal, page, unit=unit, within=within, year=year, kind=kind
    )
    return page_of(request, response, items, cursor, total)


@plans_router.post(
    "",
    name="create",
    status_code=201,
    response_model=PlanRead,
    responses={**CREATED, **WRITE_ERRORS},
)
async def create_plan(
    request: Request,
    body: PlanCreate,
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
) -> Response:
    """A work plan or programme with its planned items; `adopted_on` null = draft."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    plan = await plans.create_plan(session, principal, body)
    return await idempotency.remember(created_response(request, plan, plan.id))


@plans_router.get(
    "/{plan_id}", name="get", response_model=PlanRead, responses={**WITH_ETAG, **READ_ERRORS}
)
async def get_plan(
    request: Request, plan_id: PlanId, session: SessionDep, principal: Reader
) -> Response:
    return etag_response(request, await plans.get_plan(session, principal, plan_id))


@plans_router.patch(
    "/{plan_id}", name="update", response_model=PlanRead, responses={**WITH_ETAG, **WRITE_ERRORS}
)
async def update_plan(
    request: Request, plan_id: PlanId, body: PlanUpdate, session: SessionDep, principal: Writer
) -> Response:
    """Merge-patch (send `If-Match`)."""
    plan = await plans.update_plan(
        session, principal, plan_id, body, partial(check_if_match, request)
    )
    return etag_response(request, plan)


@plans_router.delete("/{plan_id}", name="delete", status_code=204, responses=WRITE_ERRORS)
async def delete_plan(
    request: Request, plan_id: PlanId, session: SessionDep, principal: Writer
) -> Response:
    """Delete a plan; activities that carried its items keep existing, unlinked."""
    await plans.delete_plan(session, principal, plan_id, partial(check_if_match, request))
    return Response(status_code=204)
