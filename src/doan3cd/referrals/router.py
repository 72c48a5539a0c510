"""HTTP layer of /party-referrals."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from doan3cd.api.etag import created_response, etag_response
from doan3cd.api.idempotency import IdempotencyDep
from doan3cd.api.pagination import Page, PageDep, page_of
from doan3cd.auth.dependencies import require
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.config import Settings
from doan3cd.db.session import SessionDep
from doan3cd.domain.referral_rules import ReferralRules
from doan3cd.evidence.router import CREATED, READ_ERRORS, WITH_ETAG, WRITE_ERRORS
from doan3cd.referrals import service
from doan3cd.referrals.schemas import ReferralCreate, ReferralRead, Stage, TransitionCreate

router = APIRouter(prefix="/party-referrals", tags=["party-referrals"])

Reader = Annotated[Principal, Depends(require(Permission.referrals_read))]
Writer = Annotated[Principal, Depends(require(Permission.referrals_write))]
ReferralId = Annotated[uuid.UUID, Path(description="The referral's id.")]


def rules(settings: Settings) -> ReferralRules:
    return ReferralRules(
        min_age=settings.referral_min_age,
        max_age=settings.referral_max_age,
        min_tenure_months=settings.referral_min_tenure_months,
    )


@router.get("", name="list", response_model=Page[ReferralRead], responses=READ_ERRORS)
async def list_referrals(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    unit: Annotated[uuid.UUID | None, Query(description="Only this unit's referrals.")] = None,
    within: Annotated[
        uuid.UUID | None, Query(description="Only this unit and the units beneath it.")
    ] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Nomination year.")] = None,
    stage: Annotated[Stage | None, Query(description="Only referrals now at this stage.")] = None,
) -> Page[ReferralRead]:
    """Referrals in your scope, newest year first."""
    items, cursor, total = await service.list_referrals(
        session, principal, page, unit=unit, within=within, year=year, stage=stage
    )
    return page_of(request, response, items, cursor, total)


@router.post(
    "",
    name="create",
    status_code=201,
    response_model=ReferralRead,
    responses={**CREATED, **WRITE_ERRORS},
)
async def create_referral(
    request: Request,
    body: ReferralCreate,
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
) -> Response:
    """Nominate a member. Refused (422) with `referral_member_inactive`,
    `referral_already_party_member`, `referral_member_too_young`, `referral_member_too_old` or
    `referral_tenure_too_short` (every failed rule in `errors`); 409 `referral_already_open`."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    referral = await service.create_referral(
        session, principal, body, rules(request.app.state.settings)
    )
    return await idempotency.remember(created_response(request, referral, referral.id))


@router.get(
    "/{referral_id}",
    name="get",
    response_model=ReferralRead,
    responses={**WITH_ETAG, **READ_ERRORS},
)
async def get_referral(
    request: Request, referral_id: ReferralId, session: SessionDep, principal: Reader
) -> Response:
    """The referral with its dated stage history."""
    return etag_response(request, await service.get_referral(session, principal, referral_id))


@router.post(
    "/{referral_id}/transitions",
    name="transition",
    response_model=ReferralRead,
    responses={**WITH_ETAG, **WRITE_ERRORS},
)
async def add_transition(
    request: Request,
    referral_id: ReferralId,
    body: TransitionCreate,
    session: SessionDep,
    principal: Writer,
    idempotency: IdempotencyDep,
) -> Response:
    """Move to a later stage (skipping stages the Union did not witness is allowed) or end it
    (`declined`, `withdrawn`), dated no earlier than the current stage. Backwards or from a
    final stage: 409 (`referral_stage_backwards`, `referral_closed`)."""
    if (replay := await idempotency.replay()) is not None:
        return replay
    referral = await service.add_transition(session, principal, referral_id, body)
    return await idempotency.remember(etag_response(request, referral))
