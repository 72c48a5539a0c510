"""Differential: loader + engine agree with a hand-written SQL oracle (bench/oracle.py) on every
grassroots unit's indicator values over a random dataset, and every verdict cites only evidence
held in the unit's own subtree."""

import random
import uuid
from datetime import date, timedelta

import pytest
from bench.oracle import oracle_values, verdict_values
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.assessments import frameworks
from doan3cd.assessments.verdicts import compute
from doan3cd.domain.facts import ACTIVITY_KINDS
from tests.assessments import builders as b
from tests.factories import UnitRef, add_unit

Y = 2023
VERIFICATIONS = ("submitted", "submitted", "verified", "rejected")


def day(rng: random.Random, year: int = Y) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def some_day(rng: random.Random) -> date:
    return day(rng, rng.choice((Y - 1, Y, Y, Y, Y + 1)))


async def generate(
    session: AsyncSession, rng: random.Random
) -> tuple[list[UnitRef], dict[uuid.UUID, list[UnitRef]], dict[uuid.UUID, uuid.UUID]]:
    """A province with districts, grassroots units and branches, and random evidence. Returns
    the grassroots units, their branches, and which unit holds each created id."""
    holder: dict[uuid.UUID, uuid.UUID] = {}
    province = await add_unit(session, "DP", kind="province")
    grassroots: list[UnitRef] = []
    branches: dict[uuid.UUID, list[UnitRef]] = {}
    for d in range(3):
        district = await add_unit(session, f"DD{d}", province, kind="district")
        for g in range(rng.randint(2, 4)):
            unit = await add_unit(session, f"DG{d}{g}", district)
            grassroots.append(unit)
            branches[unit.id] = [
                await add_unit(session, f"DB{d}{g}{k}", unit, kind="branch")
                for k in range(rng.randint(0, 3))
            ]
    everything = [u.id for u in grassroots] + [x.id for xs in branches.values() for x in xs]
    branch_ids = [x.id for xs in branches.values() for x in xs]
    members: list[uuid.UUID] = []
    for _ in range(60):
        if not branch_ids:
            break
        branch = rng.choice(branch_ids)
        joined = rng.choice((None, day(rng, 2015), some_day(rng)))
        left = rng.choice((None, None, some_day(rng)))
        changes = tuple(
            (rng.choice(("matured", "removed", "active")), some_day(rng))
            for _ in range(rng.choice((0, 0, 1, 2)))
        )
        member = await b.member(
            session,
            branch,
            joined_on=joined,
            code=rng.random() < 0.8,
            status=rng.choice(("active", "active", "matured")),
            period_from=min(joined or date(2015, 1, 1), date(2015, 1, 1)),
            period_to=left,
            status_changes=changes,
        )
        holder[member] = branch
        members.append(member)
    for _ in range(250):
        unit = rng.choice(everything)
        kind = rng.choice((*ACTIVITY_KINDS, "branch_meeting", "branch_meeting"))
        on = some_day(rng)
        completed = rng.choice((None, some_day(rng))) if kind == "youth_project" else None
        value = rng.choice((None, 0, 1_000_000)) if kind == "resource_mobilisation" else None
        activity = await b.activity(
            session,
            unit,
            kind,
            on,
            verification=rng.choice(VERIFICATIONS),
            completed_on=completed,
            value_vnd=value,
        )
        holder[activity] = unit
    for unit in grassroots:
        for kind in ("annual_programme", "action_programme", "thematic"):
            if rng.random() < 0.6:
                adopted = rng.choice((None, date(Y, 1, 20), date(Y, 2, 20), date(Y, 12, 1)))
                holder[await b.plan(session, unit.id, Y, kind, adopted)] = unit.id
        if rng.random() < 0.5:
            await b.registration(
                session, unit.id, Y, new_members=rng.choice((None, 1, 3)), referrals=1
            )
        if rng.random() < 0.5:
            score = await b.score(
                session, unit.id, Y, "C1.7", rng.choice((None, 3.0, 7.5)), rng.choice((None, 6.0))
            )
            holder[score] = unit.id
    for _ in range(30):
        unit = rng.choice(everything)
        identified = some_day(rng)
        closed = rng.choice((None, identified + timedelta(days=rng.randrange(400))))
        supported = tuple(some_day(rng) for _ in range(rng.choice((0, 1, 2))))
        case = await b.welfare_case(
            session, unit, identified, closed_on=closed, supported_on=supported
        )
        holder[case] = unit
    for _ in range(25):
        if len(branch_ids) < 2 or not members:
            break
        source, target = rng.sample(branch_ids, 2)
        requested = some_day(rng)
        state = rng.choice(("requested", "sent", "received", "rejected"))
        completed = requested + timedelta(days=rng.randrange(60))
        transfer = await b.transfer(
            session,
            rng.choice(members),
            source,
            target,
            requested,
            state=state,
            completed_on=completed,
        )
        holder[transfer] = source
    stages = ("nominated_by_branch", "resolved_by_grassroots", "handed_to_party", "party_candidate")
    for _ in range(25):
        if not members:
            break
        unit = rng.choice(everything)
        start = some_day(rng)
        path = tuple(
            (stage, start + timedelta(days=40 * k))
            for k, stage in enumerate(stages[: rng.randint(1, len(stages))])
        )
        holder[await b.referral(session, rng.choice(members), unit, Y, path)] = unit
    return grassroots, branches, holder


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_loader_and_engine_agree_with_the_sql_oracle(
    session: AsyncSession, seed: int
) -> None:
    rng = random.Random(seed)
    grassroots, branches, holder = await generate(session, rng)
    framework = frameworks.decode(await frameworks.for_year(session, Y))
    ordered = sorted(grassroots, key=lambda u: u.path)
    verdicts = await compute(session, framework, [u.id for u in ordered], Y, chunk=3)
    oracle = await oracle_values(session, Y)
    assert set(oracle) == {u.id for u in grassroots}
    for unit in grassroots:
        assert verdict_values(verdicts[unit.id]) == oracle[unit.id], unit.code
    # The explanation cites only evidence of the unit's own subtree.
    for unit in grassroots:
        subtree = {unit.id} | {x.id for x in branches[unit.id]}
        verdict = verdicts[unit.id]
        for criterion in verdict.criteria:
            for indicator in criterion.indicators:
                cited = [*indicator.counted, *(e.id for e in indicator.excluded)]
                assert all(holder.get(i) in subtree for i in cited), indicator.key
