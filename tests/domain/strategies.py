"""Hypothesis strategies for unit-year facts near the thresholds of 3CD-2023."""

import dataclasses
import datetime
import itertools
import uuid
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from doan3cd.domain.facts import (
    ACTIVITY_KINDS,
    PLAN_KINDS,
    EvidenceItem,
    ManualScore,
    MemberRecords,
    PlanFact,
    Registration,
    TransferFact,
    UnitYearFacts,
    WelfareCaseFact,
)
from tests.domain.builders import achieving_facts

Draw = Callable[[st.SearchStrategy[Any]], Any]
VERIFICATIONS = ("submitted", "verified", "rejected")


def near(year: int, before: int = 40, after: int = 40) -> st.SearchStrategy[datetime.date]:
    """A date in the year or up to a few weeks either side."""
    start = datetime.date(year, 1, 1) - datetime.timedelta(days=before)
    end = datetime.date(year, 12, 31) + datetime.timedelta(days=after)
    return st.dates(min_value=start, max_value=end)


def in_year(year: int) -> st.SearchStrategy[datetime.date]:
    return st.dates(min_value=datetime.date(year, 1, 1), max_value=datetime.date(year, 12, 31))


def evidence_item(
    draw: Draw,
    new_id: Callable[[], uuid.UUID],
    year: int,
    branches: list[uuid.UUID],
    *,
    kind: str | None = None,
    dated: st.SearchStrategy[datetime.date] | None = None,
    verifications: tuple[str, ...] = VERIFICATIONS,
) -> EvidenceItem:
    return EvidenceItem(
        id=new_id(),
        kind=kind or draw(st.sampled_from(ACTIVITY_KINDS)),
        occurred_on=draw(near(year) if dated is None else dated),
        verification=draw(st.sampled_from(verifications)),
        completed_on=draw(st.none() | near(year)),
        value_vnd=draw(st.sampled_from([None, 0, 2_000_000])),
        branch_id=draw(st.sampled_from([None, uuid.UUID(int=999), *branches])),
    )


def plan(draw: Draw, new_id: Callable[[], uuid.UUID], year: int) -> PlanFact:
    return PlanFact(
        new_id(), draw(st.sampled_from(PLAN_KINDS)), draw(st.none() | near(year, 60, 10))
    )


def id_source() -> Callable[[], uuid.UUID]:
    counter = itertools.count(1)
    return lambda: uuid.UUID(int=next(counter))


def unit_year_facts() -> st.SearchStrategy[UnitYearFacts]:
    """Random facts, or achieving facts with a few things taken away or spoilt."""
    return st.one_of(random_facts(), nearly_achieving_facts())


@st.composite
def nearly_achieving_facts(draw: Draw) -> UnitYearFacts:
    facts = achieving_facts(uuid.UUID(int=10**12), draw(st.integers(2023, 2027)))
    rarely = st.integers(0, 19).map(lambda n: n == 0)
    activities = tuple(
        dataclasses.replace(item, verification=draw(st.sampled_from(VERIFICATIONS)))
        if draw(rarely)
        else item
        for item in facts.activities
        if not draw(rarely)
    )
    changes: dict[str, Any] = {"activities": activities}
    for name in (
        "plans",
        "welfare_cases",
        "transfers",
        "admitted_member_ids",
        "party_referral_ids",
    ):
        collection = getattr(facts, name)
        changes[name] = tuple(thing for thing in collection if not draw(rarely))
    if draw(rarely):
        changes["registration"] = None
    if draw(rarely):
        changes["manual_scores"] = ()
    if draw(rarely):
        changes["members"] = MemberRecords(active=60, complete=draw(st.integers(0, 60)))
    return dataclasses.replace(facts, **changes)


@st.composite
def random_facts(draw: Draw) -> UnitYearFacts:
    new_id = id_source()
    year = draw(st.integers(2023, 2027))
    branches = [new_id() for _ in range(draw(st.integers(0, 4)))]
    meetings = [
        evidence_item(draw, new_id, year, [branch], kind="branch_meeting", dated=in_year(year))
        for branch in branches
        for _ in range(draw(st.integers(0, 12)))
    ]
    others = [evidence_item(draw, new_id, year, branches) for _ in range(draw(st.integers(0, 30)))]
    active = draw(st.integers(0, 40))
    registration = draw(
        st.none()
        | st.builds(
            Registration,
            registered_on=near(year - 1, 20, 60),
            new_members_target=st.none() | st.integers(0, 6),
            referrals_target=st.none() | st.integers(0, 3),
        )
    )
    transfers = [
        TransferFact(new_id(), draw(near(year)), draw(st.none() | near(year, 0, 90)))
        for _ in range(draw(st.integers(0, 4)))
    ]
    scores = st.none() | st.sampled_from([0, 4, 4.5, 5, 10, 11])
    manual = [
        ManualScore(new_id(), "C1.7", draw(scores), draw(scores))
        for _ in range(draw(st.integers(0, 1)))
    ]
    return UnitYearFacts(
        unit_id=uuid.UUID(int=10**12),
        year=year,
        kind=draw(st.sampled_from(["grassroots", "grassroots", "grassroots", "branch"])),
        existed_from=draw(st.sampled_from([datetime.date(2000, 1, 1), datetime.date(year, 3, 1)])),
        registration=registration,
        members=MemberRecords(active=active, complete=draw(st.integers(0, active))),
        activities=tuple(meetings + others),
        plans=tuple(plan(draw, new_id, year) for _ in range(draw(st.integers(0, 3)))),
        active_branch_ids=tuple(branches),
        welfare_cases=tuple(
            WelfareCaseFact(new_id(), draw(st.booleans())) for _ in range(draw(st.integers(0, 5)))
        ),
        transfers=tuple(transfers),
        admitted_member_ids=tuple(new_id() for _ in range(draw(st.integers(0, 8)))),
        party_referral_ids=tuple(new_id() for _ in range(draw(st.integers(0, 4)))),
        manual_scores=tuple(manual),
    )


@st.composite
def shuffled(draw: Draw, facts: UnitYearFacts) -> UnitYearFacts:
    """The same facts with every collection in another order."""
    changes: dict[str, Any] = {
        field.name: tuple(draw(st.permutations(getattr(facts, field.name))))
        for field in dataclasses.fields(facts)
        if isinstance(getattr(facts, field.name), tuple)
    }
    return dataclasses.replace(facts, **changes)
