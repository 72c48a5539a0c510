"""The batch loader, one fact family at a time: what counts for which unit and year."""

import io
import uuid
from datetime import date

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.assessments.facts_loader import load_facts
from doan3cd.assessments.recompute import recompute
from doan3cd.domain.facts import UnitYearFacts
from doan3cd.models.unit import LineageEvent, LineageEventUnit, UnitVersion
from tests.assessments import builders as b
from tests.assessments.conftest import Tree
from tests.factories import LONG_AGO, add_unit

Y = 2023


async def facts_of(session: AsyncSession, tree: Tree) -> dict[str, UnitYearFacts]:
    found = await load_facts(session, [tree.g1.id, tree.g2.id, tree.g3.id, tree.d1.id], Y)
    return {ref.code: found[ref.id] for ref in (tree.g1, tree.g2, tree.g3, tree.d1)}


async def test_members_active_on_the_last_day_roll_up_through_the_subtree(
    session: AsyncSession, tree: Tree
) -> None:
    await b.member(session, tree.b1.id)
    await b.member(session, tree.b2.id, code=False)
    await b.member(session, tree.b2.id, joined_on=None, code=False)
    await b.member(session, tree.b1.id, status_changes=(("matured", date(2023, 6, 1)),))
    # Matured only after the year: still active on 31/12/2023.
    await b.member(session, tree.b1.id, status_changes=(("matured", date(2024, 2, 1)),))
    # Left the branch during the year; joined after it.
    await b.member(session, tree.b1.id, period_to=date(2023, 9, 1))
    await b.member(session, tree.b1.id, period_from=date(2024, 1, 2), joined_on=date(2024, 1, 2))
    await b.member(session, tree.b3.id)
    facts = await facts_of(session, tree)
    g1 = facts["G1"].members
    assert (g1.active, g1.complete) == (4, 2)
    assert (g1.missing_member_code, g1.missing_joined_on) == (2, 1)
    assert facts["G2"].members.active == 1
    assert facts["D1"].members.active == 5
    assert facts["G3"].members.active == 0


async def test_activities_of_the_year_and_projects_completed_in_it(
    session: AsyncSession, tree: Tree
) -> None:
    in_year = await b.activity(session, tree.g1.id, "dialogue", date(2023, 5, 1))
    meeting = await b.activity(session, tree.b2.id, "branch_meeting", date(2023, 2, 1))
    await b.activity(session, tree.g1.id, "dialogue", date(2022, 12, 31))
    late_project = await b.activity(
        session, tree.g1.id, "youth_project", date(2022, 10, 1), completed_on=date(2023, 3, 1)
    )
    other_unit = await b.activity(session, tree.b3.id, "inspection", date(2023, 4, 1))
    facts = await facts_of(session, tree)
    g1 = {item.id: item for item in facts["G1"].activities}
    assert set(g1) == {in_year, meeting, late_project}
    assert g1[meeting].branch_id == tree.b2.id and g1[in_year].branch_id is None
    assert {i.id for i in facts["G2"].activities} == {other_unit}
    assert len(facts["D1"].activities) == 4


async def test_plans_branches_and_welfare(session: AsyncSession, tree: Tree) -> None:
    own = await b.plan(session, tree.g1.id, Y, "annual_programme", date(2023, 1, 10))
    await b.plan(session, tree.g1.id, 2022, "annual_programme", date(2022, 1, 10))
    await b.plan(session, tree.b1.id, Y, "thematic", None)  # a branch's plan is not G1's
    open_supported = await b.welfare_case(
        session, tree.b1.id, date(2022, 5, 1), supported_on=(date(2023, 2, 1),)
    )
    open_unsupported = await b.welfare_case(
        session, tree.g1.id, date(2023, 5, 1), supported_on=(date(2024, 2, 1),)
    )
    await b.welfare_case(session, tree.g1.id, date(2021, 5, 1), closed_on=date(2022, 6, 1))
    await b.welfare_case(session, tree.g1.id, date(2024, 1, 5))
    facts = await facts_of(session, tree)
    g1 = facts["G1"]
    assert [p.id for p in g1.plans] == [own]
    assert set(g1.active_branch_ids) == {tree.b1.id, tree.b2.id}
    cases = {c.id: c.supported_in_year for c in g1.welfare_cases}
    assert cases == {open_supported: True, open_unsupported: False}


async def test_transfers_admissions_and_referrals(session: AsyncSession, tree: Tree) -> None:
    someone = await b.member(session, tree.b1.id)
    received = await b.transfer(
        session,
        someone,
        tree.b1.id,
        tree.b4.id,
        date(2023, 3, 1),
        state="received",
        completed_on=date(2023, 3, 20),
    )
    pending = await b.transfer(
        session, someone, tree.b2.id, tree.b4.id, date(2023, 12, 1), completed_on=date(2023, 12, 2)
    )
    await b.transfer(session, someone, tree.b1.id, tree.b4.id, date(2022, 3, 1))
    admitted = await b.member(
        session, tree.b2.id, joined_on=date(2023, 4, 1), period_from=date(2023, 4, 1)
    )
    await b.member(session, tree.b2.id, joined_on=date(2022, 4, 1))
    handed = await b.referral(
        session,
        someone,
        tree.g1.id,
        Y,
        (("nominated_by_branch", date(2023, 1, 5)), ("handed_to_party", date(2023, 2, 1))),
    )
    await b.referral(  # handed over in 2022: counted then, not again for a later stage
        session,
        someone,
        tree.g1.id,
        2022,
        (("handed_to_party", date(2022, 11, 1)), ("awareness_class", date(2023, 2, 1))),
    )
    await b.referral(session, someone, tree.g1.id, Y, (("nominated_by_branch", date(2023, 6, 1)),))
    facts = await facts_of(session, tree)
    g1 = facts["G1"]
    transfers = {t.id: t.completed_on for t in g1.transfers}
    assert transfers == {received: date(2023, 3, 20), pending: None}
    assert admitted in g1.admitted_member_ids
    assert len(g1.admitted_member_ids) == 1
    assert g1.party_referral_ids == (handed,)
    assert facts["G3"].transfers == ()


async def test_registration_and_manual_scores_are_the_units_own(
    session: AsyncSession, tree: Tree
) -> None:
    await b.registration(session, tree.g1.id, Y, new_members=3, referrals=2)
    score = await b.score(session, tree.g1.id, Y, "C1.7", 4, 7)
    await b.score(session, tree.g1.id, 2022, "C1.7", 9)
    facts = await facts_of(session, tree)
    g1 = facts["G1"]
    assert g1.registration.new_members_target == 3
    assert [(s.id, s.review_score) for s in g1.manual_scores] == [(score, 7)]
    assert facts["G2"].registration is None


async def test_a_merge_during_the_year_brings_the_predecessors_evidence(
    session: AsyncSession, tree: Tree
) -> None:
    """G2 merges into a new unit N on 1/7/2023: N inherits G2's evidence and start."""
    merged_on = date(2023, 7, 1)
    n = await add_unit(session, "N", tree.d1, valid_from=merged_on)
    await session.execute(
        UnitVersion.__table__.update()
        .where(UnitVersion.unit_id.in_([tree.g2.id, tree.b3.id]))
        .values(valid_to=merged_on)
    )
    moved_path = n.path + tree.b3.id.hex + "/"
    await session.execute(
        insert(UnitVersion).values(
            unit_id=tree.b3.id,
            name="B3",
            name_folded="b3",
            kind="branch",
            parent_id=n.id,
            valid_from=merged_on,
            path=moved_path,
            depth=4,
        )
    )
    event_id = uuid.uuid4()
    session.add(LineageEvent(id=event_id, kind="merge", effective_on=merged_on, details={}))
    await session.flush()
    session.add_all(
        [
            LineageEventUnit(event_id=event_id, unit_id=tree.g2.id, role="source"),
            LineageEventUnit(event_id=event_id, unit_id=n.id, role="target"),
        ]
    )
    before = await b.activity(session, tree.g2.id, "dialogue", date(2023, 3, 1))
    branch_meeting = await b.activity(session, tree.b3.id, "branch_meeting", date(2023, 9, 1))
    after = await b.activity(session, n.id, "advisory_document", date(2023, 9, 1))
    await b.plan(session, tree.g2.id, Y, "annual_programme", date(2023, 1, 20))
    facts = await load_facts(session, [n.id, tree.g2.id], Y)
    merged = facts[n.id]
    assert merged.predecessor_ids == (tree.g2.id,)
    assert merged.existed_from == LONG_AGO
    assert {a.id for a in merged.activities} == {before, branch_meeting, after}
    assert len(merged.plans) == 1 and merged.active_branch_ids == (tree.b3.id,)
    assert facts[tree.g2.id].existed_until == date(2023, 6, 30)


async def test_query_count_does_not_depend_on_the_number_of_units(
    session: AsyncSession, tree: Tree
) -> None:
    counts = []
    for units in ([tree.g1.id], [tree.g1.id, tree.g2.id, tree.g3.id, tree.d1.id, tree.p.id]):
        statements: list[str] = []
        sync_engine = session.get_bind()

        def count(*args: object) -> None:
            statements.append("x")

        event.listen(sync_engine, "before_cursor_execute", count)
        try:
            await load_facts(session, units, Y)
        finally:
            event.remove(sync_engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1]


async def test_recompute_counts_every_unit_in_chunks_with_progress(
    session: AsyncSession, tree: Tree
) -> None:
    await b.registration(session, tree.g1.id, Y)
    seen: list[tuple[int, int]] = []
    output = io.StringIO()
    statuses = await recompute(
        session, Y, chunk=2, progress=lambda done, total: seen.append((done, total)), output=output
    )
    assert statuses == {"not_achieved": 1, "not_eligible": 2}
    assert seen == [(2, 3), (3, 3)]
    assert len(output.getvalue().splitlines()) == 3
    within = await recompute(session, Y, within_code="D2")
    assert within == {"not_eligible": 1}
