"""A small tree with two grassroots units and branches, and a member factory over the API."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import UnitRef, add_unit

MEMBERS = "/api/v1/members"


@dataclass(frozen=True)
class Tree:
    province: UnitRef
    school: UnitRef
    commune: UnitRef
    class_a: UnitRef  # branch under school
    class_b: UnitRef  # branch under school
    hamlet: UnitRef  # grassroots branch under commune


@pytest_asyncio.fixture
async def tree(session: AsyncSession) -> Tree:
    province = await add_unit(session, "TV", kind="province", name="Tỉnh đoàn Trà Vinh")
    school = await add_unit(session, "TV.THPT", province, name="Đoàn trường THPT Cầu Kè")
    commune = await add_unit(session, "TV.HT", province, name="Xã đoàn Hiếu Trung")
    class_a = await add_unit(session, "TV.THPT.A", school, kind="branch", name="Chi đoàn 12A")
    class_b = await add_unit(session, "TV.THPT.B", school, kind="branch", name="Chi đoàn 12B")
    hamlet = await add_unit(
        session, "TV.HT.1", commune, kind="grassroots_branch", name="Chi đoàn ấp 1"
    )
    await session.commit()
    return Tree(province, school, commune, class_a, class_b, hamlet)


def member_body(branch: UnitRef, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "full_name": "Nguyễn Văn An",
        "date_of_birth": "2000-05-17",
        "gender": "nam",
        "phone": "0912 345 678",
        "joined_on": "2017-03-26",
        "branch_id": str(branch.id),
    }
    return body | changes


async def create_member(
    client: httpx.AsyncClient, headers: dict[str, str], branch: UnitRef, **changes: Any
) -> dict[str, Any]:
    response = await client.post(MEMBERS, json=member_body(branch, **changes), headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
