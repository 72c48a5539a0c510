"""HTTP layer of frameworks, criterion scores, verdicts, assessments and dashboards."""

import uuid
from datetime import date
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from doan3cd.api.etag import check_if_match, created_response, etag_response
from doan3cd.api.idempotency import IdempotencyDep
from doan3cd.api.pagination import Page, PageDep, set_link_header
from doan3cd.api.problems import problem_responses
from doan3cd.assessments import dashboard, frameworks, service, verdicts
from doan3cd.assessments.schemas import (
    AssessmentCreate,
    AssessmentDecide,
    AssessmentRead,
    AssessmentReopen,
    AssessmentReturn,
    CriterionScoreCreate,
    CriterionScoreRead,
    CriterionScoreUpdate,
    DashboardRead,
    FrameworkCreate,
    FrameworkList,
    FrameworkRead,
    VerdictRead,
)
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.db.session import SessionDep

Reader = Annotated[Principal, Depends(require(Permission.assessments_read))]
Writer = Annotated[Principal, Depends(require(Permission.assessments_write))]
Decider = Annotated[Principal, Depends(require(Permission.assessments_decide))]
Admin = Annotated[Principal, Depends(require(Permission.users_admin))]
YearQuery = Annotated[int, Query(ge=2000, le=2100, description="The assessment year.")]
YearPath = Annotated[int, Path(ge=2000, le=2100, description="The assessment year.")]
# Bounded by the `framework.version` column (a 32-bit integer on PostgreSQL), so a huge number
# is a 422 rather than a database error.
VersionPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="The version number.")]
Within = Annotated[uuid.UUID | None, Query(description="Only units in this unit's subtree.")]
Status = Literal["achieved", "not_achieved", "not_eligible"]
State = Literal["registered", "submitted", "returned", "decided"]

READ_ERRORS = problem_responses(401, 403, 404)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)

frameworks_router = APIRouter(prefix="/frameworks", tags=["frameworks"])
scores_router = APIRouter(prefix="/criterion-scores", tags=["criterion-scores"])
verdicts_router = APIRouter(tags=["three-proactives"])
assessments_router = APIRouter(prefix="/assessments", tags=["assessments"])
dashboards_router = APIRouter(prefix="/dashboards", tags=["dashboards"])


# Frameworks ---------------------------------------------------------------------------------


@frameworks_router.get("", name="list", response_model=FrameworkList, responses=READ_ERRORS)
async def list_frameworks(session: SessionDep, _: Reader) -> FrameworkList:
    """Every framework version (bảng tiêu chí), by code then version."""
    items = await frameworks.list_frameworks(session)
    return FrameworkList(items=[FrameworkRead(**item) for item in items])


@frameworks_router.post(
    "", name="create", status_code=201, response_model=FrameworkRead, responses=WRITE_ERRORS
)
async def create_framework(
    request: Request, body: FrameworkCreate, session: SessionDep, _: Admin
) -> Response:
    """Add a version of a framework (admins). The document is validated (known metrics, sane
    thresholds, points); problems answer 422 with a JSON Pointer each."""
    row = await frameworks.create_version(session, body.model_dump())
    model = FrameworkRead(**frameworks.as_document(row))
    location = f"{request.url.path}/{row.code}/versions/{row.version}"
    return etag_response(request, model, status_code=201, headers={"Location": location})


@frameworks_router.get("/{code}", name="get", response_model=FrameworkRead, responses=READ_ERRORS)
async def get_framework(code: str, session: SessionDep, _: Reader) -> FrameworkRead:
    """The latest version of a framework, with the list of its versions."""
    return FrameworkRead(**await frameworks.get_framework(session, code))


@frameworks_router.get(
    "/{code}/versions/{version}",
    name="get_version",
    response_model=FrameworkRead,
    responses=READ_ERRORS,
)
async def get_framework_version(
    request: Request, code: str, version: VersionPath, session: SessionDep, _: Reader
) -> Response:
    row = await frameworks.get_version(session, code, version)
    return etag_response(request, FrameworkRead(**frameworks.as_document(row)))


@frameworks_router.put(
    "/{code}/versions/{version}",
    name="replace_version",
    response_model=FrameworkRead,
    responses=WRITE_ERRORS,
)
async def replace_framework_version(
    request: Request,
    code: str,
    version: VersionPath,
    session: SessionDep,
    _: Admin,
    body: Annotated[dict[str, Any], Body(examples=[{"first_year": 2023, "criteria": []}])],
) -> Response:
    """Correct a version no decision has used yet (admins); a used version answers 409
    `framework_locked` — create a new version instead."""
    row = await frameworks.replace_version(session, code, version, body)
    return etag_response(request, FrameworkRead(**frameworks.as_document(row)))


# Criterion scores ---------------------------------------------------------------------------


@scores_router.get("", name="list", response_model=Page[CriterionScoreRead], responses=READ_ERRORS)
async def list_scores(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    unit_id: Annotated[uuid.UUID | None, Query(description="Only this unit's scores.")] = None,
    within: Within = None,
) -> Page[CriterionScoreRead]:
    rows, cursor, total = await service.list_scores(
        session, principal, page, year=year, unit_id=unit_id, within=within
    )
    set_link_header(request, response, cursor)
    items = [CriterionScoreRead.model_validate(row) for row in rows]
    return Page(items=items, next_cursor=cursor, total=total)


@scores_router.post(
    "", name="create", status_code=201, response_model=CriterionScoreRead, responses=WRITE_ERRORS
)
async def create_score(
    request: Request,
    body: CriterionScoreCreate,
    session: SessionDep,
    principal: Reader,
    idempotency: IdempotencyDep,
) -> Response:
    """Score a manual indicator: `self_score` needs assessments:write over the unit,
    `review_score` assessments:decide on a unit above it. The review score wins in the verdict."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    row = await service.create_score(session, principal, body)
    model = CriterionScoreRead.model_validate(row)
    response = created_response(request, model, row.id)
    return await idempotency.remember(response)


@scores_router.get(
    "/{score_id}", name="get", response_model=CriterionScoreRead, responses=READ_ERRORS
)
async def get_score(
    request: Request, score_id: uuid.UUID, session: SessionDep, principal: Reader
) -> Response:
    row = await service.get_score(session, principal, score_id)
    return etag_response(request, CriterionScoreRead.model_validate(row))


@scores_router.patch(
    "/{score_id}",
    name="update",
    response_model=CriterionScoreRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_score(
    request: Request,
    score_id: uuid.UUID,
    body: CriterionScoreUpdate,
    session: SessionDep,
    principal: Reader,
) -> Response:
    """Merge-patch; 409 `period_locked` once the unit's year is decided."""
    row = await service.update_score(
        session, principal, score_id, body, partial(check_if_match, request)
    )
    return etag_response(request, CriterionScoreRead.model_validate(row))


# Verdicts -----------------------------------------------------------------------------------


@verdicts_router.get(
    "/units/{unit_id}/three-proactives/{year}",
    name="get",
    response_model=VerdictRead,
    responses=READ_ERRORS,
)
async def unit_verdict(
    unit_id: uuid.UUID, year: YearPath, session: SessionDep, principal: Reader
) -> dict[str, Any]:
    """The live, explained verdict of one unit for a year, and the decision if there is one."""
    return await verdicts.unit_verdict(session, principal, unit_id, year)


@verdicts_router.get(
    "/three-proactives", name="list", response_model=Page[VerdictRead], responses=READ_ERRORS
)
async def list_verdicts(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    year: YearQuery,
    within: Within = None,
    status: Annotated[Status | None, Query(description="Only this proposed status.")] = None,
) -> Page[VerdictRead]:
    """Verdicts of the units the framework evaluates, in the tree as of the year's end."""
    items, cursor, total = await verdicts.list_verdicts(
        session, principal, page, year=year, within=within, status=status
    )
    set_link_header(request, response, cursor)
    return Page(items=[VerdictRead(**item) for item in items], next_cursor=cursor, total=total)


# Assessments --------------------------------------------------------------------------------


@assessments_router.post(
    "",
    name="create",
    status_code=201,
    response_model=AssessmentRead,
    responses={200: {"model": AssessmentRead}, **WRITE_ERRORS},
)
async def register(
    request: Request,
    response: Response,
    body: AssessmentCreate,
    session: SessionDep,
    principal: Writer,
) -> AssessmentRead:
    """Register a unit for a year with its targets. Registering again answers 200 with the
    existing registration (idempotent)."""
    row, created = await service.register(session, principal, body)
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"{request.url.path.rstrip('/')}/{row.id}"
    return service.read(row)


@assessments_router.get("", name="list", response_model=Page[AssessmentRead], responses=READ_ERRORS)
async def list_assessments(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    within: Within = None,
    state: State | None = None,
) -> Page[AssessmentRead]:
    rows, cursor, total = await service.list_assessments(
        session, principal, page, year=year, within=within, state=state
    )
    set_link_header(request, response, cursor)
    return Page(items=[service.read(row) for row in rows], next_cursor=cursor, total=total)


AssessmentId = Annotated[uuid.UUID, Path(description="The assessment's id.")]


@assessments_router.get(
    "/{assessment_id}", name="get", response_model=AssessmentRead, responses=READ_ERRORS
)
async def get_assessment(
    request: Request, assessment_id: AssessmentId, session: SessionDep, principal: Reader
) -> Response:
    row = await service.get(session, principal, assessment_id)
    return etag_response(request, service.read(row))


@assessments_router.post(
    "/{assessment_id}/submit", name="submit", response_model=AssessmentRead, responses=WRITE_ERRORS
)
async def submit(
    assessment_id: AssessmentId, session: SessionDep, principal: Writer
) -> AssessmentRead:
    """Submit (or resubmit after a return) for appraisal; 409 from any other state."""
    return service.read(await service.submit(session, principal, assessment_id))


@assessments_router.post(
    "/{assessment_id}/return", name="return", response_model=AssessmentRead, responses=WRITE_ERRORS
)
async def return_assessment(
    assessment_id: AssessmentId, body: AssessmentReturn, session: SessionDep, principal: Decider
) -> AssessmentRead:
    """Return a submitted assessment with coded reasons (a reviewer above the unit)."""
    return service.read(await service.return_assessment(session, principal, assessment_id, body))


@assessments_router.post(
    "/{assessment_id}/decide", name="decide", response_model=AssessmentRead, responses=WRITE_ERRORS
)
async def decide(
    assessment_id: AssessmentId, body: AssessmentDecide, session: SessionDep, principal: Decider
) -> AssessmentRead:
    """Record the decision (quyết định công nhận). It freezes the verdict, locks the framework
    version and the unit-year's evidence. Differing from the proposal needs a `reason`."""
    return service.read(await service.decide(session, principal, assessment_id, body))


@assessments_router.post(
    "/{assessment_id}/reopen", name="reopen", response_model=AssessmentRead, responses=WRITE_ERRORS
)
async def reopen(
    assessment_id: AssessmentId, body: AssessmentReopen, session: SessionDep, principal: Admin
) -> AssessmentRead:
    """Reopen a decided assessment (admins, audited): evidence unlocks, a new decision follows."""
    return service.read(await service.reopen(session, principal, assessment_id, body.reason))


# Dashboards ---------------------------------------------------------------------------------


@dashboards_router.get(
    "/three-proactives",
    name="three_proactives",
    response_model=DashboardRead,
    responses=READ_ERRORS,
)
async def three_proactives(
    session: SessionDep,
    principal: Reader,
    year: YearQuery,
    root: Annotated[uuid.UUID, Query(description="The unit whose children are the rows.")],
    as_of: Annotated[
        date | None, Query(description="Group by the tree on this date (default: 31/12 of year).")
    ] = None,
) -> DashboardRead:
    """Per child of `root` and per criterion: eligible, registered, submitted, achieved
    (computed) and recognised (decided) units, counting only units in your scope."""
    return await dashboard.three_proactives(session, principal, year=year, root=root, as_of=as_of)


routers = (
    frameworks_router,
    scores_router,
    verdicts_router,
    assessments_router,
    dashboards_router,
)
