"""The demo's 2023 assessment steps: with evidence in place, all 169 Trà Vinh grassroots units
are registered, submitted and recognised by their upper level, and the 2023 dashboard still
shows it under the old tree after the 2025 reorganisation."""

import uuid
from collections import defaultdict
from datetime import date

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.demo import SEED_PRINCIPAL
from doan3cd.demo.assessments import decide_2023, register_2023
from doan3cd.demo.units import TRA_VINH_CODE, reorganise_2025, seed_tree_2023
from doan3cd.models.unit import Unit, UnitVersion
from tests.assessments import builders as b

END = date(2023, 12, 31)


async def grassroots_with_branches(session: AsyncSession) -> dict[uuid.UUID, list[uuid.UUID]]:
    rows = (
        await session.execute(
            select(UnitVersion.unit_id, UnitVersion.kind, UnitVersion.parent_id).where(
                UnitVersion.valid_from <= END, UnitVersion.valid_to.is_(None)
            )
        )
    ).all()
    units: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for unit_id, kind, _ in rows:
        if kind == "grassroots":
            units[unit_id]
    for unit_id, kind, parent in rows:
        if kind == "branch" and parent in units:
            units[parent].append(unit_id)
    return units


async def test_trà_vinh_2023_is_recognised_and_stays_so_under_the_old_tree(
    session: AsyncSession, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await seed_tree_2023(session, SEED_PRINCIPAL)
    await b.achieving_bulk(session, 2023, await grassroots_with_branches(session))
    assert "169 Trà Vinh grassroots units registered" in await register_2023(
        session, SEED_PRINCIPAL
    )
    summary = await decide_2023(session, SEED_PRINCIPAL)
    assert "169 submitted, 169 recognised" in summary
    await reorganise_2025(session, SEED_PRINCIPAL)
    await session.commit()
    root = await session.scalar(select(Unit.id).where(Unit.code == TRA_VINH_CODE))
    url = f"/api/v1/dashboards/three-proactives?year=2023&root={root}"
    for query in ("", "&as_of=2023-12-31"):
        response = await client.get(url + query, headers=admin_headers)
        assert response.status_code == 200, response.text
        data = response.json()
        assert data["as_of"] == "2023-12-31"
        totals = data["totals"]
        assert (totals["units"], totals["achieved"], totals["recognised"]) == (169, 169, 169)
        districts = [g for g in data["groups"] if g["kind"] == "district"]
        assert len(districts) == 9 and all(g["recognised"] == g["units"] > 0 for g in districts)
        assert sum(g["recognised"] for g in data["groups"]) == 169
