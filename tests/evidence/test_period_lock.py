"""A decided unit-year freezes its evidence: writes answer 409 period_locked until reopened."""

from datetime import date

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.models.assessment import Assessment
from tests.evidence.tree import Tree
from tests.helpers import assert_problem


async def lock(session: AsyncSession, tree: Tree, year: int) -> Assessment:
    assessment = Assessment(
        unit_id=tree["G1"].id,
        year=year,
        state="decided",
        registered_on=date(year - 1, 10, 1),
        return_reasons=[],
        recognised=True,
        locked=True,
        row_version=1,
    )
    session.add(assessment)
    await session.commit()
    return assessment


def meeting(tree: Tree, on: str) -> dict[str, object]:
    return {
        "kind": "branch_meeting",
        "unit_id": str(tree["B1"].id),
        "occurred_on": on,
        "title": "Sinh hoạt chi đoàn",
        "attendance": 15,
    }


async def test_decided_year_refuses_new_and_changed_evidence(
    client: httpx.AsyncClient, session: AsyncSession, tree: Tree, admin_headers: dict[str, str]
) -> None:
    url = "/api/v1/activities"
    before = await client.post(url, json=meeting(tree, "2023-04-02"), headers=admin_headers)
    assert before.status_code == 201, before.text
    assessment = await lock(session, tree, 2023)

    refused = await client.post(url, json=meeting(tree, "2023-05-02"), headers=admin_headers)
    assert_problem(refused, 409, "period_locked")
    edited = await client.patch(
        before.headers["location"], json={"title": "Sửa"}, headers=admin_headers
    )
    assert_problem(edited, 409, "period_locked")
    other_year = await client.post(url, json=meeting(tree, "2024-01-10"), headers=admin_headers)
    assert other_year.status_code == 201, other_year.text

    assessment.locked = False  # what an admin's reopen does
    await session.commit()
    reopened = await client.post(url, json=meeting(tree, "2023-05-02"), headers=admin_headers)
    assert reopened.status_code == 201, reopened.text
