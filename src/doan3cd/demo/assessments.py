"""Demo steps for 2023's assessments: every Trà Vinh grassroots unit registers (before the
10/11/2022 deadline) with targets its recorded evidence meets and scores C1.7; later, once the
evidence is in, each unit submits and its upper level (its district union) recognises those the
engine proposes as achieved, by dated decisions early in 2024."""

import uuid
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.assessments import frameworks
from doan3cd.assessments.facts_loader import load_facts
from doan3cd.assessments.recompute import units_of_year
from doan3cd.assessments.schemas import AssessmentDecide
from doan3cd.assessments.service import record_decision
from doan3cd.assessments.units import valid_on
from doan3cd.assessments.verdicts import compute
from doan3cd.auth.principal import Principal
from doan3cd.db.types import utcnow
from doan3cd.demo.units import TRA_VINH_CODE
from doan3cd.domain.assessment_flow import next_state
from doan3cd.models.assessment import Assessment, CriterionScore
from doan3cd.models.unit import Unit, UnitVersion

YEAR = 2023
REGISTRATION_OPENS = date(2022, 10, 3)
DECISIONS_FROM = date(2024, 1, 8)


async def _tra_vinh_units(session: AsyncSession) -> list[uuid.UUID]:
    root = await session.scalar(select(Unit.id).where(Unit.code == TRA_VINH_CODE))
    framework = frameworks.decode(await frameworks.for_year(session, YEAR))
    return await units_of_year(session, YEAR, framework.eligible_kinds, root)


async def register_2023(session: AsyncSession, principal: Principal) -> str:
    """Registrations dated 3–31/10/2022 with targets min(1, what the evidence shows), and a self
    score for C1.7 (members' thoughts and needs) of 6–9."""
    unit_ids = await _tra_vinh_units(session)
    facts = await load_facts(session, unit_ids, YEAR)
    for n, unit_id in enumerate(unit_ids):
        fact = facts[unit_id]
        session.add(
            Assessment(
                unit_id=unit_id,
                year=YEAR,
                state="registered",
                registered_on=REGISTRATION_OPENS + timedelta(days=n % 29),
                new_members_target=min(1, len(fact.admitted_member_ids)),
                referrals_target=min(1, len(fact.party_referral_ids)),
                return_reasons=[],
                locked=False,
                row_version=1,
            )
        )
        session.add(
            CriterionScore(
                unit_id=unit_id,
                year=YEAR,
                indicator_key="C1.7",
                self_score=6 + n % 4,
                comment="Khảo sát tư tưởng đoàn viên hằng quý, theo dõi nhóm Zalo, Facebook.",
                evidence_ids=[],
                row_version=1,
            )
        )
    await session.flush()
    return f"2023 assessments: {len(unit_ids)} Trà Vinh grassroots units registered"


async def decide_2023(session: AsyncSession, principal: Principal) -> str:
    """Submit every 2023 registration, then record the upper level's decision for each unit the
    engine proposes as achieved (decision numbers per issuing union, dated early 2024). Units not
    achieved stay submitted: a decision against the proposal would need a written reason."""
    unit_ids = await _tra_vinh_units(session)
    framework_row = await frameworks.for_year(session, YEAR)
    verdicts = await compute(session, frameworks.decode(framework_row), unit_ids, YEAR)
    rows = {
        row.unit_id: row
        for row in await session.scalars(
            select(Assessment).where(Assessment.unit_id.in_(unit_ids), Assessment.year == YEAR)
        )
    }
    parents = dict(
        (
            await session.execute(
                select(UnitVersion.unit_id, UnitVersion.parent_id).where(
                    UnitVersion.unit_id.in_(unit_ids), valid_on(DECISIONS_FROM)
                )
            )
        ).all()
    )
    issuers = sorted({p for p in parents.values() if p is not None}, key=str)
    numbers: dict[uuid.UUID, int] = defaultdict(int)
    decided = 0
    for unit_id in unit_ids:
        row, issuer = rows.get(unit_id), parents.get(unit_id)
        if row is None or issuer is None:
            continue
        row.state = next_state(row.state, "submit")  # type: ignore[arg-type]
        row.submitted_at = utcnow()
        if verdicts[unit_id].status != "achieved":
            continue
        numbers[issuer] += 1
        body = AssessmentDecide(
            recognised=True,
            decision_number=f"{100 + numbers[issuer]}/QĐ-ĐTN",
            decided_on=DECISIONS_FROM + timedelta(days=issuers.index(issuer) % 20),
            issuing_unit_id=issuer,
        )
        await record_decision(session, principal, row, body, verdicts[unit_id], framework_row)
        decided += 1
    await session.flush()
    return (
        f"2023 assessments: {len(rows)} submitted, {decided} recognised by "
        f"{len(numbers)} upper-level unions"
    )
