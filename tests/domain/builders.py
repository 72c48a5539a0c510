"""Test data for the "3 chủ động" engine: facts that achieve every criterion of 3CD-2023.

Ids are derived from the unit id (uuid5), so the same unit and year always give the same facts;
the demo seed can follow the same shape.
"""

import dataclasses
import datetime
import uuid
from typing import Any

from doan3cd.domain.facts import (
    EvidenceItem,
    ManualScore,
    MemberRecords,
    PlanFact,
    Registration,
    TransferFact,
    UnitYearFacts,
    WelfareCaseFact,
)

UNIT_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
YEAR = 2023


def make_id(unit_id: uuid.UUID, *parts: object) -> uuid.UUID:
    return uuid.uuid5(unit_id, "/".join(str(part) for part in parts))


def activity(
    unit_id: uuid.UUID, kind: str, on: datetime.date, n: int = 0, **fields: Any
) -> EvidenceItem:
    fields.setdefault("verification", "verified")
    return EvidenceItem(id=make_id(unit_id, kind, on, n), kind=kind, occurred_on=on, **fields)


def achieving_facts(unit_id: uuid.UUID = UNIT_ID, year: int = YEAR) -> UnitYearFacts:
    """A registered grassroots unit with three branches that meets every indicator."""

    def day(month: int, day: int) -> datetime.date:
        return datetime.date(year, month, day)

    branches = tuple(make_id(unit_id, "branch", n) for n in range(3))
    meetings = tuple(
        activity(unit_id, "branch_meeting", day(month, 5), n, branch_id=branch)
        for n, branch in enumerate(branches)
        for month in range(1, 13)
    )
    singles = (
        *(activity(unit_id, "situation_report", day(q * 3, 28)) for q in range(1, 5)),
        activity(unit_id, "welfare_register_review", day(3, 15)),
        activity(unit_id, "rights_protection", day(6, 1)),
        activity(unit_id, "youth_project", day(3, 26), completed_on=day(5, 19)),
        activity(unit_id, "inspection", day(9, 10)),
        activity(unit_id, "self_criticism", day(12, 15)),
        activity(unit_id, "exemplary_model", day(10, 20)),
        activity(unit_id, "advisory_document", day(2, 3)),
        activity(unit_id, "dialogue", day(8, 12)),
        activity(unit_id, "resource_mobilisation", day(11, 20), value_vnd=50_000_000),
    )
    return UnitYearFacts(
        unit_id=unit_id,
        year=year,
        kind="grassroots",
        existed_from=datetime.date(2000, 1, 1),
        registration=Registration(
            registered_on=datetime.date(year - 1, 11, 1), new_members_target=5, referrals_target=2
        ),
        members=MemberRecords(active=60, complete=60),
        activities=meetings + singles,
        plans=(
            PlanFact(make_id(unit_id, "plan", "annual"), "annual_programme", day(1, 15)),
            PlanFact(make_id(unit_id, "plan", "action"), "action_programme", day(2, 20)),
        ),
        active_branch_ids=branches,
        welfare_cases=tuple(
            WelfareCaseFact(make_id(unit_id, "case", n), supported_in_year=True) for n in range(2)
        ),
        transfers=tuple(
            TransferFact(make_id(unit_id, "transfer", n), day(4, 1 + n), day(4, 10 + n))
            for n in range(2)
        ),
        admitted_member_ids=tuple(make_id(unit_id, "admitted", n) for n in range(5)),
        party_referral_ids=tuple(make_id(unit_id, "referral", n) for n in range(2)),
        manual_scores=(
            ManualScore(make_id(unit_id, "score", "C1.7"), "C1.7", self_score=8, review_score=9),
        ),
    )


def without(facts: UnitYearFacts, kind: str) -> UnitYearFacts:
    """The same facts minus every activity of one kind."""
    kept = tuple(item for item in facts.activities if item.kind != kind)
    return dataclasses.replace(facts, activities=kept)


def with_activities(facts: UnitYearFacts, *items: EvidenceItem) -> UnitYearFacts:
    return dataclasses.replace(facts, activities=facts.activities + items)
