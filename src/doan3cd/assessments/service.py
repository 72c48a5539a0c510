"""Assessment use cases: register, submit, return, decide (freezing the verdict), reopen; and
criterion scores (self score by the unit, review score by a level above)."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.pagination import PageParams, keyset_page
from doan3cd.api.problems import FieldError, ProblemError
from doan3cd.assessments import frameworks, problems
from doan3cd.assessments.locks import ensure_period_open
from doan3cd.assessments.schemas import (
    AssessmentCreate,
    AssessmentDecide,
    AssessmentRead,
    AssessmentReturn,
    CriterionScoreCreate,
    CriterionScoreRead,
    CriterionScoreUpdate,
    DecisionRead,
    TargetsRead,
)
from doan3cd.assessments.units import (
    ancestors_on,
    holds_above,
    path_in_scope,
    scope_on_today,
)
from doan3cd.assessments.verdicts import compute, decision_of
from doan3cd.audit.service import record
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import subtree_of
from doan3cd.db.types import utcnow
from doan3cd.domain.assessment_flow import Action, TransitionRefused, next_state
from doan3cd.domain.evaluation import Verdict, verdict_to_dict
from doan3cd.models.assessment import Assessment, CriterionScore, FrameworkVersion
from doan3cd.models.unit import UnitVersion

V = UnitVersion
A = Assessment


def read(row: Assessment) -> AssessmentRead:
    decision = decision_of(row)
    return AssessmentRead(
        id=row.id,
        unit_id=row.unit_id,
        year=row.year,
        state=row.state,
        registered_on=row.registered_on,
        targets=TargetsRead(
            new_members=row.new_members_target, party_referrals=row.referrals_target
        ),
        submitted_at=row.submitted_at,
        returned_at=row.returned_at,
        return_reasons=list(row.return_reasons or []),
        return_comment=row.return_comment,
        decision=DecisionRead(**decision) if decision else None,
        frozen_verdict=row.verdict,
        locked=row.locked,
        revision=row.row_version,
        updated_at=row.updated_at,
    )


def _step(row: Assessment, action: Action) -> None:
    try:
        row.state = next_state(row.state, action)  # type: ignore[arg-type]
    except TransitionRefused as refused:
        raise problems.conflict(
            "assessment_state_invalid",
            f"Không thể thực hiện '{action}' khi hồ sơ đang ở trạng thái '{refused.state}'.",
            f"Cannot {action} an assessment that is {refused.state}.",
        ) from None
    row.row_version += 1


async def register(
    session: AsyncSession, principal: Principal, body: AssessmentCreate
) -> tuple[Assessment, bool]:
    """Registration (đăng ký) for a unit-year; registering again returns the existing one."""
    await path_in_scope(session, principal, Permission.assessments_write, body.unit_id)
    existing = await session.scalar(select(A).where(A.unit_id == body.unit_id, A.year == body.year))
    if existing is not None:
        return existing, False
    row = A(
        unit_id=body.unit_id,
        year=body.year,
        state="registered",
        registered_on=body.registered_on,
        new_members_target=body.targets.new_members,
        referrals_target=body.targets.party_referrals,
        return_reasons=[],
        locked=False,
        row_version=1,
    )
    session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        found = await session.scalar(
            select(A).where(A.unit_id == body.unit_id, A.year == body.year)
        )
        if found is None:
            raise
        return found, False
    record(session, principal, "create", "assessments", row.id, fields=["registered_on", "targets"])
    return row, True


async def _visible(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID, permission: Permission
) -> tuple[Assessment, str]:
    row = await session.get(A, assessment_id)
    if row is None:
        raise problems.not_found("assessment", "hồ sơ đánh giá")
    try:
        path = await path_in_scope(session, principal, permission, row.unit_id)
    except ProblemError:
        raise problems.not_found("assessment", "hồ sơ đánh giá") from None
    return row, path


async def get(session: AsyncSession, principal: Principal, assessment_id: uuid.UUID) -> Assessment:
    row, _ = await _visible(session, principal, assessment_id, Permission.assessments_read)
    return row


async def list_assessments(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    year: int | None,
    within: uuid.UUID | None,
    state: str | None,
) -> tuple[list[Assessment], str | None, int | None]:
    stmt: Any = (
        select(A, A.year, A.id)
        .join(V, V.unit_id == A.unit_id)
        .where(scope_on_today(principal, Permission.assessments_read))
    )
    if within is not None:
        within_path = await path_in_scope(session, principal, Permission.assessments_read, within)
        stmt = stmt.where(subtree_of([within_path], V.path.expression))
    if year is not None:
        stmt = stmt.where(A.year == year)
    if state is not None:
        stmt = stmt.where(A.state == state)
    keys = (A.year.expression, A.id.expression)
    rows, cursor, total = await keyset_page(
        session, stmt, keys, page, descending=(True, False), cursor_types=(int, uuid.UUID)
    )
    return [row[0] for row in rows], cursor, total


async def submit(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID
) -> Assessment:
    row, _ = await _visible(session, principal, assessment_id, Permission.assessments_write)
    _step(row, "submit")
    row.submitted_at = utcnow()
    record(session, principal, "submit", "assessments", row.id, fields=["state"])
    await session.flush()
    return row


async def _reviewable(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID
) -> tuple[Assessment, str]:
    """An assessment the caller reviews: assessments:decide on a strict ancestor of its unit."""
    row, path = await _visible(session, principal, assessment_id, Permission.assessments_decide)
    if not holds_above(principal, Permission.assessments_decide, path):
        raise problems.forbidden(
            "Chỉ cấp trên của đơn vị mới được thẩm định, trả lại hoặc công nhận.",
            "Only a level above the unit may review, return or decide it.",
        )
    return row, path


async def return_assessment(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID, body: AssessmentReturn
) -> Assessment:
    row, _ = await _reviewable(session, principal, assessment_id)
    _step(row, "return")
    row.returned_at = utcnow()
    row.return_reasons = list(dict.fromkeys(body.reasons))
    row.return_comment = body.comment
    record(session, principal, "return", "assessments", row.id, fields=["state", "return_reasons"])
    await session.flush()
    return row


async def decide(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID, body: AssessmentDecide
) -> Assessment:
    """Record the decision: the issuing unit must be a strict ancestor of the unit (tree as of
    the decision date) over which the caller holds assessments:decide. The verdict is computed
    now and frozen with its framework version (which becomes immutable) and inputs hash."""
    row, _ = await _reviewable(session, principal, assessment_id)
    if body.issuing_unit_id not in await ancestors_on(session, row.unit_id, body.decided_on):
        raise problems.invalid(
            "issuing_unit_not_ancestor",
            "Đơn vị ra quyết định phải là cấp trên của đơn vị được đánh giá.",
            "The issuing unit must be above the assessed unit.",
        )
    # The caller must hold assessments:decide over the issuing unit itself.
    await path_in_scope(session, principal, Permission.assessments_decide, body.issuing_unit_id)
    framework_row = await frameworks.for_year(session, row.year)
    verdict = (await compute(session, frameworks.decode(framework_row), [row.unit_id], row.year))[
        row.unit_id
    ]
    proposed = verdict.status == "achieved"
    if body.recognised != proposed and not (body.reason and body.reason.strip()):
        raise problems.invalid(
            "decision_reason_required",
            "Quyết định khác với kết quả đề xuất cần ghi rõ lý do.",
            "A decision that differs from the computed proposal needs a reason.",
        )
    await record_decision(session, principal, row, body, verdict, framework_row)
    await session.flush()
    return row


async def record_decision(
    session: AsyncSession,
    principal: Principal,
    row: Assessment,
    body: AssessmentDecide,
    verdict: Verdict,
    framework_row: FrameworkVersion,
) -> None:
    """Store a checked decision with the verdict it freezes; lock the evidence and the framework
    version the verdict used."""
    _step(row, "decide")
    row.recognised = body.recognised
    row.decision_number = body.decision_number.strip()
    row.decided_on = body.decided_on
    row.issuing_unit_id = body.issuing_unit_id
    row.decision_reason = body.reason
    row.decided_at = utcnow()
    row.decided_by = principal.name
    row.verdict = verdict_to_dict(verdict)
    row.framework_code = verdict.framework_code
    row.framework_version = verdict.framework_version
    row.inputs_hash = verdict.inputs_hash
    row.locked = True
    await frameworks.lock(session, framework_row)
    record(
        session,
        principal,
        "decide",
        "assessments",
        row.id,
        fields=["state", "recognised", "decision_number", "decided_on", "issuing_unit_id"],
    )


async def reopen(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID, reason: str
) -> Assessment:
    """An admin reopens a decided assessment: the evidence unlocks and it awaits a new decision."""
    row, _ = await _visible(session, principal, assessment_id, Permission.users_admin)
    _step(row, "reopen")
    row.locked = False
    row.decision_reason = reason
    record(session, principal, "reopen", "assessments", row.id, fields=["state", "locked"])
    await session.flush()
    return row


# Criterion scores ---------------------------------------------------------------------------


async def _manual_indicator(session: AsyncSession, year: int, key: str) -> float:
    framework = frameworks.decode(await frameworks.for_year(session, year))
    for criterion in framework.criteria:
        for indicator in criterion.indicators:
            if indicator.key == key and indicator.source == "manual":
                return float(indicator.max_score or 0)
    raise problems.invalid(
        "indicator_not_manual",
        f"Chỉ tiêu {key} không phải chỉ tiêu chấm điểm thủ công của bảng tiêu chí năm {year}.",
        f"{key} is not a manual indicator of the {year} framework.",
    )


def _check_range(scores: dict[str, float | None], top: float) -> None:
    for name, value in scores.items():
        if value is not None and value > top:
            raise problems.invalid(
                "score_out_of_range",
                f"Điểm phải từ 0 đến {top:g}.",
                f"Scores run from 0 to {top:g}.",
                [FieldError(loc=["body", name], code="out_of_range", message=f"0..{top:g}")],
            )


async def _score_rights(
    session: AsyncSession, principal: Principal, unit_id: uuid.UUID, fields: set[str]
) -> None:
    """The self score is the unit's (assessments:write over it); the review score belongs to a
    level above (assessments:decide on a strict ancestor)."""
    readable = await path_in_scope(session, principal, Permission.assessments_read, unit_id)
    if fields & {"self_score", "comment", "evidence_ids"}:
        await path_in_scope(session, principal, Permission.assessments_write, unit_id)
    if "review_score" in fields and not holds_above(
        principal, Permission.assessments_decide, readable
    ):
        raise problems.forbidden(
            "Điểm thẩm định do cấp trên của đơn vị chấm.",
            "The review score is given by a level above the unit.",
        )


async def create_score(
    session: AsyncSession, principal: Principal, body: CriterionScoreCreate
) -> CriterionScore:
    sent = body.model_fields_set - {"unit_id", "year", "indicator_key"}
    await _score_rights(session, principal, body.unit_id, sent)
    top = await _manual_indicator(session, body.year, body.indicator_key)
    _check_range({"self_score": body.self_score, "review_score": body.review_score}, top)
    await ensure_period_open(session, body.unit_id, body.year)
    row = CriterionScore(
        unit_id=body.unit_id,
        year=body.year,
        indicator_key=body.indicator_key,
        self_score=body.self_score,
        review_score=body.review_score,
        comment=body.comment,
        evidence_ids=[str(i) for i in body.evidence_ids],
        row_version=1,
    )
    session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise problems.conflict(
            "criterion_score_exists",
            "Đã có điểm cho chỉ tiêu này của đơn vị trong năm; hãy sửa điểm đó.",
            "A score for this indicator, unit and year exists; update it instead.",
        ) from None
    record(session, principal, "create", "criterion-scores", row.id, fields=sorted(sent))
    return row


async def get_score(
    session: AsyncSession, principal: Principal, score_id: uuid.UUID
) -> CriterionScore:
    row = await session.get(CriterionScore, score_id)
    if row is None:
        raise problems.not_found("criterion_score", "điểm chỉ tiêu")
    try:
        await path_in_scope(session, principal, Permission.assessments_read, row.unit_id)
    except ProblemError:
        raise problems.not_found("criterion_score", "điểm chỉ tiêu") from None
    return row


async def update_score(
    session: AsyncSession,
    principal: Principal,
    score_id: uuid.UUID,
    body: CriterionScoreUpdate,
    precondition: Any,
) -> CriterionScore:
    row = await get_score(session, principal, score_id)
    precondition(CriterionScoreRead.model_validate(row))
    sent = set(body.model_fields_set)
    await _score_rights(session, principal, row.unit_id, sent)
    top = await _manual_indicator(session, row.year, row.indicator_key)
    changes = body.model_dump(include=sent)
    _check_range({k: changes.get(k) for k in ("self_score", "review_score")}, top)
    await ensure_period_open(session, row.unit_id, row.year)
    for name, value in changes.items():
        if name == "evidence_ids":
            value = [str(i) for i in value or []]
        setattr(row, name, value)
    row.row_version += 1
    record(session, principal, "update", "criterion-scores", row.id, fields=sorted(sent))
    await session.flush()
    return row


async def list_scores(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    year: int | None,
    unit_id: uuid.UUID | None,
    within: uuid.UUID | None,
) -> tuple[list[CriterionScore], str | None, int | None]:
    stmt: Any = (
        select(CriterionScore, CriterionScore.year, CriterionScore.id)
        .join(V, V.unit_id == CriterionScore.unit_id)
        .where(scope_on_today(principal, Permission.assessments_read))
    )
    if within is not None:
        within_path = await path_in_scope(session, principal, Permission.assessments_read, within)
        stmt = stmt.where(subtree_of([within_path], V.path.expression))
    if unit_id is not None:
        stmt = stmt.where(CriterionScore.unit_id == unit_id)
    if year is not None:
        stmt = stmt.where(CriterionScore.year == year)
    keys = (CriterionScore.year.expression, CriterionScore.id.expression)
    rows, cursor, total = await keyset_page(
        session, stmt, keys, page, cursor_types=(int, uuid.UUID)
    )
    return [row[0] for row in rows], cursor, total
