"""Welfare case use cases. A case is sensitive as a whole (health, disability, addiction,
criminal and financial status): only callers holding welfare:read over its unit see it, every
read is audited (`read_sensitive`), and it never enters the change feed.

Consent: a case is only processed while consent stands; after withdrawal nothing more may be
recorded (409 `consent_withdrawn`). Someone who may be under 18 needs a guardian's consent.
"""

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import String, and_, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.i18n import Text
from doan3cd.api.pagination import PageParams, keyset_page
from doan3cd.api.problems import ProblemError
from doan3cd.assessments.locks import ensure_period_open
from doan3cd.audit.service import record
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.clock import today
from doan3cd.domain.referral_rules import age_on
from doan3cd.domain.text import nfc
from doan3cd.evidence.scope import (
    covers,
    forbidden,
    scope_path,
    unit_for_write,
    visible,
    within_clause,
)
from doan3cd.models.evidence import SupportAction, WelfareCase
from doan3cd.models.member import Member
from doan3cd.units.followers import FollowerChange, register_follower
from doan3cd.welfare.codes import MIN_REPORTED_COUNT
from doan3cd.welfare.schemas import (
    ConsentRead,
    ConsentWithdrawal,
    Count,
    PersonRead,
    SupportActionCreate,
    SupportActionRead,
    WelfareCaseCreate,
    WelfareCaseRead,
    WelfareCaseUpdate,
    WelfareStats,
)

RESOURCE = "welfare-cases"
READ = Permission.welfare_read
WRITE = Permission.welfare_write
STATS = Permission.welfare_stats
ADULT_AGE = 18
READ_FIELDS = ("person", "categories", "support_plan", "state", "consent")
NEXT_STATES = {"open": {"supported", "closed"}, "supported": {"closed"}, "closed": set()}

CasePage = tuple[list[WelfareCaseRead], str | None, int | None]


def case_not_found(case_id: uuid.UUID) -> ProblemError:
    return ProblemError(
        404,
        "welfare_case_not_found",
        Text(f"Không tìm thấy hồ sơ {case_id}.", f"Welfare case {case_id} not found."),
    )


def consent_withdrawn(on: date) -> ProblemError:
    return ProblemError(
        409,
        "consent_withdrawn",
        Text(
            "Người được hỗ trợ đã rút lại sự đồng ý từ ngày {on}; không được xử lý thêm.",
            "Consent was withdrawn on {on}; the case may not be processed further.",
        ).format(on=on.isoformat()),
    )


def _refused(code: str, vi: str, en: str, status: int = 422) -> ProblemError:
    return ProblemError(status, code, Text(vi, en))


def read_model(c: WelfareCase) -> WelfareCaseRead:
    return WelfareCaseRead(
        id=c.id,
        unit_id=c.unit_id,
        person=PersonRead(
            member_id=c.member_id,
            name=c.person_name,
            birth_year=c.person_birth_year,
            gender=c.person_gender,
        ),
        categories=list(c.categories or []),
        identified_on=c.identified_on,
        support_plan=c.support_plan,
        state=c.state,
        state_reason=c.state_reason,
        closed_on=c.closed_on,
        consent=ConsentRead(
            given_on=c.consent_given_on,
            by=c.consent_by,
            guardian_name=c.guardian_name,
            withdrawn_on=c.consent_withdrawn_on,
        ),
        revision=c.row_version,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


def _audit_reads(session: AsyncSession, principal: Principal, cases: Sequence[WelfareCase]) -> None:
    for case in cases:
        record(session, principal, "read_sensitive", RESOURCE, case.id, fields=READ_FIELDS)


async def _may_be_minor(session: AsyncSession, body: WelfareCaseCreate) -> bool:
    on = body.consent.given_on
    if body.person is not None:
        # Only the birth year is known: anyone who could still be 17 counts as a minor.
        return on.year - body.person.birth_year <= ADULT_AGE
    born = await session.scalar(select(Member.date_of_birth).where(Member.id == body.member_id))
    return born is not None and age_on(born, on) < ADULT_AGE


async def create_case(
    session: AsyncSession, principal: Principal, body: WelfareCaseCreate
) -> WelfareCaseRead:
    await unit_for_write(
        session, principal, body.unit_id, body.identified_on, read=READ, write=WRITE
    )
    if body.member_id is not None:
        branch = await session.scalar(select(Member.branch_id).where(Member.id == body.member_id))
        path = await session.scalar(select(scope_path(branch))) if branch else None
        if path is None or not covers(principal, READ, path):
            raise _refused(
                "member_not_found", "Không tìm thấy đoàn viên.", "Member not found.", 404
            )
    if await _may_be_minor(session, body) and body.consent.by == "subject":
        raise _refused(
            "welfare_guardian_consent_required",
            "Người dưới 18 tuổi cần có sự đồng ý của cha mẹ hoặc người giám hộ.",
            "A person under 18 needs a parent's or guardian's consent.",
        )
    person = body.person
    case = WelfareCase(
        id=uuid.uuid4(),
        unit_id=body.unit_id,
        member_id=body.member_id,
        person_name=nfc(person.name) if person else None,
        person_birth_year=person.birth_year if person else None,
        person_gender=person.gender if person else None,
        categories=sorted(set(body.categories)),
        identified_on=body.identified_on,
        support_plan=nfc(body.support_plan) if body.support_plan else None,
        consent_given_on=body.consent.given_on,
        consent_by=body.consent.by,
        guardian_name=nfc(body.consent.guardian_name) if body.consent.guardian_name else None,
    )
    session.add(case)
    await session.flush()
    await session.refresh(case)
    record(session, principal, "create", RESOURCE, case.id, fields=body.model_fields_set)
    return read_model(case)


async def _load(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    *,
    write: bool = False,
) -> WelfareCase:
    stmt = select(WelfareCase, scope_path(WelfareCase.unit_id).label("path")).where(
        WelfareCase.id == case_id
    )
    if write:
        stmt = stmt.with_for_update(of=WelfareCase)
    row = (await session.execute(stmt)).first()
    if row is None or not covers(principal, READ, row.path):
        raise case_not_found(case_id)
    if write and not covers(principal, WRITE, row.path):
        raise forbidden(WRITE)
    case: WelfareCase = row.WelfareCase
    if write and case.consent_withdrawn_on is not None:
        raise consent_withdrawn(case.consent_withdrawn_on)
    return case


async def get_case(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> WelfareCaseRead:
    case = await _load(session, principal, case_id)
    _audit_reads(session, principal, [case])
    return read_model(case)


async def update_case(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    patch: WelfareCaseUpdate,
    precondition: Callable[[BaseModel], None],
) -> WelfareCaseRead:
    case = await _load(session, principal, case_id, write=True)
    precondition(read_model(case))
    sent = patch.model_dump(exclude_unset=True)
    if sent.get("categories") is not None:
        sent["categories"] = sorted(set(sent["categories"]))
    for key in ("support_plan", "state_reason"):
        if sent.get(key):
            sent[key] = nfc(sent[key])
    state = sent.pop("state", None)
    if state is not None and state != case.state:
        if state not in NEXT_STATES[case.state]:
            raise _refused(
                "welfare_state_invalid",
                f"Không thể chuyển trạng thái từ {case.state} sang {state}.",
                f"A case cannot go from {case.state} to {state}.",
                409,
            )
        if state == "closed":
            if not (sent.get("state_reason") or case.state_reason):
                raise _refused(
                    "welfare_close_reason_required",
                    "Cần nêu lý do kết thúc hồ sơ.",
                    "Closing a case needs a state_reason.",
                )
            sent.setdefault("closed_on", today())
        sent["state"] = state
    if sent.get("closed_on") is not None and sent["closed_on"] < case.identified_on:
        raise _refused(
            "welfare_closed_before_identified",
            "Ngày kết thúc không được trước ngày phát hiện.",
            "closed_on cannot be before identified_on.",
        )
    sent = {k: v for k, v in sent.items() if v is not None or k in ("support_plan", "closed_on")}
    changed = sorted(k for k, v in sent.items() if getattr(case, k) != v)
    if changed:
        for key in changed:
            setattr(case, key, sent[key])
        case.row_version += 1
        await session.flush()
        await session.refresh(case)
        record(session, principal, "update", RESOURCE, case.id, fields=changed)
    return read_model(case)


async def withdraw_consent(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, body: ConsentWithdrawal
) -> WelfareCaseRead:
    case = await _load(session, principal, case_id, write=True)
    if case.consent_given_on is not None and body.withdrawn_on < case.consent_given_on:
        raise _refused(
            "consent_withdrawn_before_given",
            "Ngày rút lại sự đồng ý không được trước ngày đồng ý.",
            "Consent cannot be withdrawn before it was given.",
        )
    case.consent_withdrawn_on = body.withdrawn_on
    case.row_version += 1
    await session.flush()
    await session.refresh(case)
    record(session, principal, "consent_withdraw", RESOURCE, case.id, fields=["consent"])
    return read_model(case)


async def add_support_action(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, body: SupportActionCreate
) -> SupportActionRead:
    """Record support given; the first one moves an open case to `supported`."""
    case = await _load(session, principal, case_id, write=True)
    if case.state == "closed":
        raise _refused(
            "welfare_case_closed",
            "Hồ sơ đã kết thúc.",
            "The case is closed.",
            409,
        )
    if body.acted_on < case.identified_on:
        raise _refused(
            "support_before_identified",
            "Ngày hỗ trợ không được trước ngày phát hiện.",
            "Support cannot be dated before the case was identified.",
        )
    await ensure_period_open(session, case.unit_id, body.acted_on.year)
    action = SupportAction(
        id=uuid.uuid4(),
        case_id=case.id,
        acted_on=body.acted_on,
        kind=body.kind,
        value_vnd=body.value_vnd,
        partner=nfc(body.partner) if body.partner else None,
        description=nfc(body.description) if body.description else None,
    )
    session.add(action)
    if case.state == "open":
        case.state = "supported"
    case.row_version += 1
    await session.flush()
    await session.refresh(action)
    record(session, principal, "create", "support-actions", action.id, fields=body.model_fields_set)
    return SupportActionRead.model_validate(action, from_attributes=True)


async def list_support_actions(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> list[SupportActionRead]:
    case = await _load(session, principal, case_id)
    _audit_reads(session, principal, [case])
    rows = await session.scalars(
        select(SupportAction)
        .where(SupportAction.case_id == case.id)
        .order_by(SupportAction.acted_on, SupportAction.id)
    )
    return [SupportActionRead.model_validate(a, from_attributes=True) for a in rows]


async def list_cases(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    unit: uuid.UUID | None = None,
    within: uuid.UUID | None = None,
    state: str | None = None,
    category: str | None = None,
) -> CasePage:
    """Newest identified first; every case returned is audited as a sensitive read."""
    stmt: Any = select(WelfareCase, WelfareCase.identified_on, WelfareCase.id).where(
        visible(principal, READ, WelfareCase.unit_id)
    )
    if unit is not None:
        stmt = stmt.where(WelfareCase.unit_id == unit)
    if within is not None:
        stmt = stmt.where(await within_clause(session, within, scope_path(WelfareCase.unit_id)))
    if state is not None:
        stmt = stmt.where(WelfareCase.state == state)
    if category is not None:
        # Categories are a JSON list of codes; its text holds each code in quotes.
        stmt = stmt.where(cast(WelfareCase.categories, String).contains(f'"{category}"'))
    keys = (WelfareCase.identified_on.expression, WelfareCase.id.expression)
    rows, cursor, total = await keyset_page(
        session, stmt, keys, page, descending=(True, True), cursor_types=(date, uuid.UUID)
    )
    cases = [row.WelfareCase for row in rows]
    _audit_reads(session, principal, cases)
    return [read_model(c) for c in cases], cursor, total


def _withheld(counts: Counter[str]) -> list[Count]:
    return [
        Count(key=key, count=n if n >= MIN_REPORTED_COUNT else None)
        for key, n in sorted(counts.items())
    ]


async def stats(
    session: AsyncSession, principal: Principal, *, year: int, within: uuid.UUID | None = None
) -> WelfareStats:
    """Counts of cases open at some time in `year`, by category and by unit, never individuals."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    stmt = select(WelfareCase.unit_id, WelfareCase.categories).where(
        visible(principal, STATS, WelfareCase.unit_id),
        WelfareCase.identified_on <= end,
        or_(WelfareCase.closed_on.is_(None), and_(WelfareCase.closed_on >= start)),
    )
    if within is not None:
        stmt = stmt.where(await within_clause(session, within, scope_path(WelfareCase.unit_id)))
    rows = (await session.execute(stmt)).all()
    by_category: Counter[str] = Counter()
    by_unit: Counter[str] = Counter()
    for unit_id, categories in rows:
        by_unit[str(unit_id)] += 1
        by_category.update(set(categories or []))
    total = len(rows)
    return WelfareStats(
        year=year,
        total=total if total >= MIN_REPORTED_COUNT or total == 0 else None,
        by_category=_withheld(by_category),
        by_unit=_withheld(by_unit),
    )


async def cases_follow(session: AsyncSession, change: FollowerChange) -> dict[str, int]:
    """Open cases go with their unit when it merges (the people still need support); on a close
    or split they are counted so the reorganisation shows what needs a decision."""
    still_open = and_(WelfareCase.unit_id.in_(change.unit_ids), WelfareCase.state != "closed")
    count = int(
        await session.scalar(select(func.count()).select_from(WelfareCase).where(still_open)) or 0
    )
    if change.kind == "merge" and change.target_id is not None and not change.dry_run and count:
        await session.execute(
            update(WelfareCase).where(still_open).values(unit_id=change.target_id)
        )
    return {"welfare_cases": count} if count and change.kind != "move" else {}


register_follower("welfare_cases", cases_follow)
