"""A small 2023 tree: province P → districts D1, D2 → grassroots G1, G2 (D1), G3 (D2) →
branches B1, B2 (G1), B3 (G2), B4 (G3)."""

from dataclasses import dataclass

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import UnitRef, add_unit


@dataclass(frozen=True)
class Tree:
    p: UnitRef
    d1: UnitRef
    d2: UnitRef
    g1: UnitRef
    g2: UnitRef
    g3: UnitRef
    b1: UnitRef
    b2: UnitRef
    b3: UnitRef
    b4: UnitRef


@pytest_asyncio.fixture
async def tree(session: AsyncSession) -> Tree:
    p = await add_unit(session, "P", kind="province")
    d1 = await add_unit(session, "D1", p, kind="district")
    d2 = await add_unit(session, "D2", p, kind="district")
    g1 = await add_unit(session, "G1", d1)
    g2 = await add_unit(session, "G2", d1)
    g3 = await add_unit(session, "G3", d2)
    b1 = await add_unit(session, "B1", g1, kind="branch")
    b2 = await add_unit(session, "B2", g1, kind="branch")
    b3 = await add_unit(session, "B3", g2, kind="branch")
    b4 = await add_unit(session, "B4", g3, kind="branch")
    return Tree(p, d1, d2, g1, g2, g3, b1, b2, b3, b4)
