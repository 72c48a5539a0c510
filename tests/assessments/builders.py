"""Evidence rows written straight to the tables, for loader, API and differential tests."""

import uuid
from datetime import date

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.domain.text import fold
from doan3cd.models.assessment import Assessment, CriterionScore
from doan3cd.models.evidence import (
    Activity,
    PartyReferral,
    Plan,
    ReferralTransition,
    SupportAction,
    WelfareCase,
)
from doan3cd.models.member import Member, MembershipPeriod, MemberStatusChange, Transfer


async def member(
    session: AsyncSession,
    branch: uuid.UUID,
    *,
    joined_on: date | None = date(2015, 3, 26),
    code: bool = True,
    status: str = "active",
    period_from: date = date(2015, 3, 26),
    period_to: date | None = None,
    status_changes: tuple[tuple[str, date], ...] = (),
) -> uuid.UUID:
    member_id = uuid.uuid4()
    session.add(
        Member(
            id=member_id,
            full_name="Nguyễn Văn An",
            name_folded=fold("Nguyễn Văn An"),
            name_sort_key="an nguyen van",
            date_of_birth=date(2000, 1, 1),
            member_code=f"DV{member_id.hex[:12]}" if code else None,
            joined_on=joined_on,
            branch_id=branch,
            status=status,
        )
    )
    await session.flush()
    session.add(
        MembershipPeriod(
            member_id=member_id,
            branch_id=branch,
            valid_from=period_from,
            valid_to=period_to,
            reason="admission",
        )
    )
    for changed_to, on in status_changes:
        session.add(MemberStatusChange(member_id=member_id, status=changed_to, effective_on=on))
    await session.flush()
    return member_id


async def activity(
    session: AsyncSession,
    unit: uuid.UUID,
    kind: str,
    on: date,
    *,
    verification: str = "submitted",
    completed_on: date | None = None,
    value_vnd: int | None = None,
) -> uuid.UUID:
    row = Activity(
        unit_id=unit,
        kind=kind,
        occurred_on=on,
        title=kind,
        verification=verification,
        completed_on=completed_on,
        value_vnd=value_vnd,
        details={},
        attachments=[],
    )
    session.add(row)
    await session.flush()
    return row.id


async def plan(
    session: AsyncSession, unit: uuid.UUID, year: int, kind: str, adopted_on: date | None
) -> uuid.UUID:
    row = Plan(unit_id=unit, year=year, kind=kind, title=kind, adopted_on=adopted_on)
    session.add(row)
    await session.flush()
    return row.id


async def welfare_case(
    session: AsyncSession,
    unit: uuid.UUID,
    identified_on: date,
    *,
    closed_on: date | None = None,
    supported_on: tuple[date, ...] = (),
) -> uuid.UUID:
    row = WelfareCase(
        unit_id=unit,
        person_name="Trần Thị Bình",
        categories=["poor_household"],
        identified_on=identified_on,
        closed_on=closed_on,
        state="closed" if closed_on else "open",
    )
    session.add(row)
    await session.flush()
    for on in supported_on:
        session.add(SupportAction(case_id=row.id, acted_on=on, kind="gift", value_vnd=500_000))
    await session.flush()
    return row.id


async def transfer(
    session: AsyncSession,
    member_id: uuid.UUID,
    from_branch: uuid.UUID,
    to_branch: uuid.UUID,
    requested_on: date,
    *,
    state: str = "requested",
    completed_on: date | None = None,
) -> uuid.UUID:
    row = Transfer(
        member_id=member_id,
        from_branch_id=from_branch,
        to_branch_id=to_branch,
        requested_on=requested_on,
        state=state,
        completed_on=completed_on,
    )
    session.add(row)
    await session.flush()
    return row.id


async def referral(
    session: AsyncSession,
    member_id: uuid.UUID,
    unit: uuid.UUID,
    year: int,
    stages: tuple[tuple[str, date], ...],
) -> uuid.UUID:
    row = PartyReferral(
        member_id=member_id,
        unit_id=unit,
        year=year,
        stage=stages[-1][0],
        stage_changed_on=stages[-1][1],
    )
    session.add(row)
    await session.flush()
    previous = None
    for stage, on in stages:
        session.add(
            ReferralTransition(
                referral_id=row.id, from_stage=previous, to_stage=stage, effective_on=on
            )
        )
        previous = stage
    await session.flush()
    return row.id


async def registration(
    session: AsyncSession,
    unit: uuid.UUID,
    year: int,
    *,
    registered_on: date | None = None,
    new_members: int | None = None,
    referrals: int | None = 1,
) -> uuid.UUID:
    row = Assessment(
        unit_id=unit,
        year=year,
        state="registered",
        registered_on=registered_on or date(year - 1, 10, 1),
        new_members_target=new_members,
        referrals_target=referrals,
        return_reasons=[],
        locked=False,
        row_version=1,
    )
    session.add(row)
    await session.flush()
    return row.id


async def score(
    session: AsyncSession,
    unit: uuid.UUID,
    year: int,
    key: str,
    self_score: float | None,
    review_score: float | None = None,
) -> uuid.UUID:
    row = CriterionScore(
        unit_id=unit,
        year=year,
        indicator_key=key,
        self_score=self_score,
        review_score=review_score,
        evidence_ids=[],
        row_version=1,
    )
    session.add(row)
    await session.flush()
    return row.id


async def achieving_year(
    session: AsyncSession, grassroots: uuid.UUID, branches: list[uuid.UUID], year: int
) -> None:
    """Evidence with which a registered grassroots unit achieves every criterion of 3CD-2023."""
    on = date(year, 6, 1)
    for branch in branches:
        await member(session, branch)
        for month in range(1, 11):
            await activity(session, branch, "branch_meeting", date(year, month, 5))
    for _ in range(4):
        await activity(session, grassroots, "situation_report", on)
    for kind in ("welfare_register_review", "exemplary_model", "advisory_document", "dialogue"):
        await activity(session, grassroots, kind, on)
    await activity(session, grassroots, "youth_project", on, completed_on=on)
    await plan(session, grassroots, year, "annual_programme", date(year, 1, 15))
    await plan(session, grassroots, year, "action_programme", date(year, 3, 1))
    nominee = await member(session, branches[0])
    await referral(
        session,
        nominee,
        grassroots,
        year,
        (("nominated_by_branch", date(year, 3, 1)), ("handed_to_party", date(year, 5, 1))),
    )


async def achieving_bulk(
    session: AsyncSession, year: int, units: dict[uuid.UUID, list[uuid.UUID]]
) -> None:
    """`achieving_year` for many grassroots units (keyed to their branches), in bulk inserts."""
    on = date(year, 6, 1)
    members: list[dict[str, object]] = []
    periods: list[dict[str, object]] = []
    activities: list[dict[str, object]] = []
    plans: list[dict[str, object]] = []
    referrals: list[dict[str, object]] = []
    transitions: list[dict[str, object]] = []

    def add_activity(unit: uuid.UUID, kind: str, when: date, **extra: object) -> None:
        activities.append(
            {
                "id": uuid.uuid4(),
                "unit_id": unit,
                "kind": kind,
                "occurred_on": when,
                "title": kind,
                "details": {},
                "attachments": [],
                "verification": "verified",
                "row_version": 1,
                **extra,
            }
        )

    for grassroots, branches in units.items():
        for branch in branches or [grassroots]:
            member_id = uuid.uuid4()
            members.append(
                {
                    "id": member_id,
                    "full_name": "Lê Văn Cường",
                    "name_folded": "le van cuong",
                    "name_sort_key": "cuong le van",
                    "date_of_birth": date(2001, 2, 3),
                    "member_code": f"DV{member_id.hex[:12]}",
                    "joined_on": date(year, 3, 26),
                    "branch_id": branch,
                    "status": "active",
                    "row_version": 1,
                    "is_cadre": False,
                }
            )
            periods.append(
                {
                    "id": uuid.uuid4(),
                    "member_id": member_id,
                    "branch_id": branch,
                    "valid_from": date(year, 3, 26),
                    "reason": "admission",
                }
            )
            for month in range(1, 11):
                add_activity(branch, "branch_meeting", date(year, month, 5))
        for kind in ("situation_report",) * 4 + (
            "welfare_register_review",
            "exemplary_model",
            "advisory_document",
            "dialogue",
        ):
            add_activity(grassroots, kind, on)
        add_activity(grassroots, "youth_project", on, completed_on=on)
        for kind, adopted in (("annual_programme", date(year, 1, 15)), ("action_programme", on)):
            plans.append(
                {
                    "id": uuid.uuid4(),
                    "unit_id": grassroots,
                    "year": year,
                    "kind": kind,
                    "title": kind,
                    "adopted_on": adopted,
                    "row_version": 1,
                }
            )
        referral_id = uuid.uuid4()
        referrals.append(
            {
                "id": referral_id,
                "member_id": members[-1]["id"],
                "unit_id": grassroots,
                "year": year,
                "stage": "handed_to_party",
                "stage_changed_on": on,
                "row_version": 1,
            }
        )
        transitions.append(
            {
                "id": uuid.uuid4(),
                "referral_id": referral_id,
                "to_stage": "handed_to_party",
                "effective_on": on,
            }
        )
    for model, rows in (
        (Member, members),
        (MembershipPeriod, periods),
        (Activity, activities),
        (Plan, plans),
        (PartyReferral, referrals),
        (ReferralTransition, transitions),
    ):
        await session.execute(insert(model), rows)
