"""A small unit tree for the evidence, welfare and referral tests, built straight in the database.

P (province) → D (district) → G1 (grassroots) → B1, B2 (branches); D → G2 → B3.
"""

from datetime import date

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import UnitRef, add_unit

Tree = dict[str, UnitRef]


async def build_tree(session: AsyncSession) -> Tree:
    p = await add_unit(session, "P", kind="province")
    d = await add_unit(session, "D", p, kind="district")
    g1 = await add_unit(session, "G1", d, name="Xã đoàn Hiếu Trung")
    g2 = await add_unit(session, "G2", d, name="Xã đoàn Long Đức")
    b1 = await add_unit(session, "B1", g1, kind="branch", name="Chi đoàn ấp Chợ")
    b2 = await add_unit(session, "B2", g1, kind="branch")
    b3 = await add_unit(session, "B3", g2, kind="branch")
    await session.commit()
    return {"P": p, "D": d, "G1": g1, "G2": g2, "B1": b1, "B2": b2, "B3": b3}


@pytest_asyncio.fixture
async def tree(session: AsyncSession) -> Tree:
    return await build_tree(session)


YEAR_DAY = date(2023, 3, 26)
