"""Party referral use cases: nominate (with eligibility checks), move through dated stages, read.

A referral belongs to the nominee's branch; its scope is that unit's path in today's tree.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.i18n import Text
from doan3cd.api.pagination import PageParams, keyset_page
from doan3cd.api.problems import FieldError, ProblemError
from doan3cd.assessments.locks import ensure_period_open
from doan3cd.audit.service import record
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.domain.referral_rules import (
    STAGES,
    TERMINAL,
    Nominee,
    ReferralRules,
    eligibility_problems,
    transition_problem,
)
from doan3cd.domain.text import nfc
from doan3cd.evidence.scope import (
    covers,
    forbidden,
    scope_path,
    unit_for_write,
    visible,
    within_clause,
)
from doan3cd.models.evidence import PartyReferral, ReferralTransition
from doan3cd.models.member import Member
from doan3cd.referrals.schemas import ReferralCreate, ReferralRead, TransitionCreate, TransitionRead
from doan3cd.sync.changes import record_change

RESOURCE = "party-referrals"
READ = Permission.referrals_read
WRITE = Permission.referrals_write

ReferralPage = tuple[list[ReferralRead], str | None, int | None]

ELIGIBILITY_TEXT: dict[str, Text] = {
    "referral_member_inactive": Text(
        "Đoàn viên không còn sinh hoạt.", "The member is not an active member."
    ),
    "referral_already_party_member": Text(
        "Đoàn viên đã là đảng viên.", "The member is already a Party member."
    ),
    "referral_member_too_young": Text(
        "Đoàn viên chưa đủ 18 tuổi vào ngày giới thiệu.",
        "The member is under the minimum age on the nomination date.",
    ),
    "referral_member_too_old": Text(
        "Đoàn viên đã quá tuổi đoàn vào ngày giới thiệu.",
        "The member is over the maximum age on the nomination date.",
    ),
    "referral_tenure_too_short": Text(
        "Đoàn viên chưa sinh hoạt Đoàn đủ thời gian tối thiểu.",
        "The member has not been a Youth Union member long enough.",
    ),
}


def member_not_found(member_id: uuid.UUID) -> ProblemError:
    return ProblemError(
        404,
        "member_not_found",
        Text(f"Không tìm thấy đoàn viên {member_id}.", f"Member {member_id} not found."),
    )


def referral_not_found(referral_id: uuid.UUID) -> ProblemError:
    return ProblemError(
        404,
        "referral_not_found",
        Text(
            f"Không tìm thấy hồ sơ giới thiệu {referral_id}.",
            f"Party referral {referral_id} not found.",
        ),
    )


async def _reads(session: AsyncSession, referrals: Sequence[PartyReferral]) -> list[ReferralRead]:
    ids = [r.id for r in referrals]
    steps: dict[uuid.UUID, list[TransitionRead]] = defaultdict(list)
    if ids:
        rows = await session.scalars(
            select(ReferralTransition)
            .where(ReferralTransition.referral_id.in_(ids))
            .order_by(ReferralTransition.effective_on, ReferralTransition.recorded_at)
        )
        for t in rows:
            steps[t.referral_id].append(TransitionRead.model_validate(t, from_attributes=True))
    return [
        ReferralRead(
            id=r.id,
            member_id=r.member_id,
            unit_id=r.unit_id,
            year=r.year,
            stage=r.stage,
            stage_changed_on=r.stage_changed_on,
            transitions=steps[r.id],
            revision=r.row_version,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        for r in referrals
    ]


async def create_referral(
    session: AsyncSession, principal: Principal, body: ReferralCreate, rules: ReferralRules
) -> ReferralRead:
    member = await session.get(Member, body.member_id)
    if member is None:
        raise member_not_found(body.member_id)
    try:
        unit = await unit_for_write(
            session, principal, member.branch_id, body.nominated_on, read=READ, write=WRITE
        )
    except ProblemError as error:
        # A member outside the caller's scope is as missing as one that does not exist.
        if error.status == 404:
            raise member_not_found(body.member_id) from None
        raise
    nominee = Nominee(
        member.status, member.date_of_birth, member.joined_on, member.party_admitted_on
    )
    if codes := eligibility_problems(nominee, body.nominated_on, rules):
        raise ProblemError(
            422,
            codes[0],
            ELIGIBILITY_TEXT[codes[0]],
            errors=[
                FieldError(loc=["body", "member_id"], code=code, message=ELIGIBILITY_TEXT[code].en)
                for code in codes
            ],
        )
    open_one = await session.scalar(
        select(PartyReferral.id).where(
            PartyReferral.member_id == member.id,
            PartyReferral.stage.not_in([*TERMINAL, STAGES[-1]]),
        )
    )
    if open_one is not None:
        raise ProblemError(
            409,
            "referral_already_open",
            Text(
                "Đoàn viên đang có hồ sơ giới thiệu chưa kết thúc.",
                "The member already has a referral in progress.",
            ),
        )
    referral = PartyReferral(
        id=uuid.uuid4(),
        member_id=member.id,
        unit_id=member.branch_id,
        year=body.nominated_on.year,
        stage=STAGES[0],
        stage_changed_on=body.nominated_on,
    )
    session.add(referral)
    await session.flush()
    session.add(
        ReferralTransition(
            referral_id=referral.id,
            from_stage=None,
            to_stage=STAGES[0],
            effective_on=body.nominated_on,
            document_ref=body.document_ref,
            note=nfc(body.note) if body.note else None,
        )
    )
    await session.flush()
    await session.refresh(referral)
    record(session, principal, "create", RESOURCE, referral.id, fields=body.model_fields_set)
    record_change(
        session, RESOURCE, referral.id, "upsert", referral.row_version, unit_path=unit.path
    )
    return (await _reads(session, [referral]))[0]


async def _load(
    session: AsyncSession, principal: Principal, referral_id: uuid.UUID, *, lock: bool = False
) -> tuple[PartyReferral, str]:
    stmt = select(PartyReferral, scope_path(PartyReferral.unit_id).label("path")).where(
        PartyReferral.id == referral_id
    )
    if lock:
        stmt = stmt.with_for_update(of=PartyReferral)
    row = (await session.execute(stmt)).first()
    if row is None or not covers(principal, READ, row.path):
        raise referral_not_found(referral_id)
    return row.PartyReferral, row.path


async def get_referral(
    session: AsyncSession, principal: Principal, referral_id: uuid.UUID
) -> ReferralRead:
    referral, _ = await _load(session, principal, referral_id)
    return (await _reads(session, [referral]))[0]


TRANSITION_TEXT = {
    "referral_closed": Text(
        "Hồ sơ giới thiệu đã kết thúc.", "The referral has reached a final stage."
    ),
    "referral_stage_backwards": Text(
        "Chỉ được chuyển sang giai đoạn sau.", "A referral only moves forward."
    ),
    "referral_stage_unknown": Text("Giai đoạn không hợp lệ.", "Unknown stage."),
}


async def add_transition(
    session: AsyncSession, principal: Principal, referral_id: uuid.UUID, body: TransitionCreate
) -> ReferralRead:
    referral, path = await _load(session, principal, referral_id, lock=True)
    if not covers(principal, WRITE, path):
        raise forbidden(WRITE)
    if code := transition_problem(referral.stage, body.to_stage):
        raise ProblemError(409, code, TRANSITION_TEXT[code])
    await ensure_period_open(session, referral.unit_id, body.effective_on.year)
    if body.effective_on < referral.stage_changed_on:
        raise ProblemError(
            422,
            "referral_transition_before_previous",
            Text(
                "Ngày chuyển giai đoạn không được trước ngày {on} của giai đoạn hiện tại.",
                "The transition cannot be dated before the current stage's {on}.",
            ).format(on=referral.stage_changed_on.isoformat()),
        )
    session.add(
        ReferralTransition(
            referral_id=referral.id,
            from_stage=referral.stage,
            to_stage=body.to_stage,
            effective_on=body.effective_on,
            document_ref=body.document_ref,
            note=nfc(body.note) if body.note else None,
        )
    )
    referral.stage = body.to_stage
    referral.stage_changed_on = body.effective_on
    referral.row_version += 1
    await session.flush()
    await session.refresh(referral)
    record(session, principal, "transition", RESOURCE, referral.id, fields=["stage"])
    record_change(session, RESOURCE, referral.id, "upsert", referral.row_version, unit_path=path)
    return (await _reads(session, [referral]))[0]


async def list_referrals(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    unit: uuid.UUID | None = None,
    within: uuid.UUID | None = None,
    year: int | None = None,
    stage: str | None = None,
) -> ReferralPage:
    """Newest year first."""
    stmt: Any = select(PartyReferral, PartyReferral.year, PartyReferral.id).where(
        visible(principal, READ, PartyReferral.unit_id)
    )
    if unit is not None:
        stmt = stmt.where(PartyReferral.unit_id == unit)
    if within is not None:
        stmt = stmt.where(await within_clause(session, within, scope_path(PartyReferral.unit_id)))
    if year is not None:
        stmt = stmt.where(PartyReferral.year == year)
    if stage is not None:
        stmt = stmt.where(PartyReferral.stage == stage)
    keys = (PartyReferral.year.expression, PartyReferral.id.expression)
    rows, cursor, total = await keyset_page(
        session, stmt, keys, page, descending=(True, False), cursor_types=(int, uuid.UUID)
    )
    return await _reads(session, [row.PartyReferral for row in rows]), cursor, total
