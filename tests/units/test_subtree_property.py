"""Property: after random moves, merges and closes on random trees, the subtree of any unit on
any date read through the materialised path range equals a recursive CTE over parent_id.

Operations go through the services (refusals are expected and rolled back, as a request would
be). Each example runs in a savepoint rolled back at its end.
"""

import uuid
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from doan3cd.api.problems import ProblemError
from doan3cd.auth.scope import subtree_of
from doan3cd.domain.hierarchy import child_path
from doan3cd.domain.timeline import Period, timeline_issues
from doan3cd.models.unit import UnitKindRule, UnitVersion
from doan3cd.units.lineage import close_unit, merge_units, move_unit
from doan3cd.units.schemas import UnitClose, UnitMerge, UnitMove
from doan3cd.units.service import NewUnit, establish_units
from doan3cd.units.store import V, valid_on
from tests.helpers import admin_principal

START = date(2020, 1, 1)
DATES = [date(2020 + y, m, 1) for y in range(1, 5) for m in (1, 7)]
ADMIN = admin_principal()

Op = tuple[Any, ...]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[int], list[Op], list[date]]:
    size = draw(st.integers(min_value=3, max_value=9))
    parents = [draw(st.integers(min_value=0, max_value=i - 1)) for i in range(1, size)]
    unit = st.integers(min_value=0, max_value=size - 1)
    on = st.sampled_from(DATES)
    ops = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("move"), unit, unit, on),
                st.tuples(st.just("move"), unit, unit, on),
                st.tuples(st.just("merge"), st.lists(unit, min_size=1, max_size=3), unit, on),
                st.tuples(st.just("close"), unit, on),
            ),
            min_size=4,
            max_size=14,
        )
    )
    if draw(st.integers(min_value=0, max_value=3)):  # mostly in date order, as real use is
        ops.sort(key=lambda op: op[-1])
    checks = draw(st.lists(st.sampled_from([START, *DATES]), min_size=2, max_size=4, unique=True))
    return parents, ops, checks


async def apply(session: AsyncSession, ids: list[uuid.UUID], op: Op) -> bool:
    """Run one operation in a savepoint; a refusal rolls it back. True when it was applied."""
    kind, *args, on = op
    try:
        async with session.begin_nested():
            if kind == "move":
                body = UnitMove(parent_id=ids[args[1]], effective_on=on)
                await move_unit(session, ADMIN, ids[args[0]], body)
            elif kind == "merge":
                sources = [ids[i] for i in args[0] if i != args[1]] or [ids[args[1]]]
                merge = UnitMerge(source_ids=sources, target_id=ids[args[1]], effective_on=on)
                await merge_units(session, ADMIN, merge)
            else:
                await close_unit(session, ADMIN, ids[args[0]], UnitClose(effective_on=on))
    except ProblemError:
        return False
    return True


async def by_path(session: AsyncSession, unit_id: uuid.UUID, on: date) -> set[uuid.UUID] | None:
    path = await session.scalar(select(V.path).where(V.unit_id == unit_id, valid_on(on)))
    if path is None:
        return None
    rows = await session.scalars(
        select(V.unit_id).where(valid_on(on), subtree_of([path], V.path.expression))
    )
    return set(rows)


async def by_parent_cte(session: AsyncSession, unit_id: uuid.UUID, on: date) -> set[uuid.UUID]:
    child = aliased(UnitVersion)
    seed = select(V.unit_id).where(V.unit_id == unit_id, valid_on(on))
    tree = seed.cte("tree", recursive=True)
    step = (
        select(child.unit_id)
        .join(tree, child.parent_id == tree.c.unit_id)
        .where(child.valid_from <= on, (child.valid_to.is_(None)) | (child.valid_to > on))
    )
    tree = tree.union(step)  # UNION, not ALL: terminates even if a cycle slipped in
    return set(await session.scalars(select(tree.c.unit_id)))


async def check_invariants(session: AsyncSession, ids: list[uuid.UUID], on: date) -> None:
    rows = {
        r.unit_id: r
        for r in await session.execute(
            select(V.unit_id, V.parent_id, V.path).where(V.unit_id.in_(ids), valid_on(on))
        )
    }
    for row in rows.values():
        parent = rows.get(row.parent_id) if row.parent_id else None
        assert row.parent_id is None or parent is not None, "a parent closed before its child"
        assert row.path == child_path(parent.path if parent else None, row.unit_id)


@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
async def test_path_subtrees_match_parent_walk(
    session: AsyncSession, scenario: tuple[list[int], list[Op], list[date]]
) -> None:
    parents, ops, checks = scenario
    example = await session.begin_nested()
    try:
        await session.execute(
            insert(UnitKindRule),
            [
                {"parent_kind": p, "child_kind": "grassroots", "valid_from": START}
                for p in ("central", "grassroots")
            ],
        )
        units = [NewUnit("U0", "Gốc", "central", START)]
        for i, parent in enumerate(parents, start=1):
            units.append(NewUnit(f"U{i}", f"Đơn vị {i}", "grassroots", START, units[parent].id))
        await establish_units(session, ADMIN, units)
        ids = [u.id for u in units]
        applied = [await apply(session, ids, op) for op in ops]

        done = [op[-1] for op, ok in zip(ops, applied, strict=True) if ok]
        for on in sorted({*checks, *done[-2:]}):
            await check_invariants(session, ids, on)
            for unit_id in ids:
                subtree = await by_path(session, unit_id, on)
                if subtree is not None:
                    assert subtree == await by_parent_cte(session, unit_id, on), (on, applied)
        versions = await session.execute(
            select(V.unit_id, V.valid_from, V.valid_to).where(V.unit_id.in_(ids))
        )
        periods: dict[uuid.UUID, list[Period]] = {}
        for row in versions:
            periods.setdefault(row.unit_id, []).append(Period(row.valid_from, row.valid_to))
        assert all(not timeline_issues(p) for p in periods.values())
    finally:
        await example.rollback()
