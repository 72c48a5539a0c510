"""Positions with dates: Bí thư, Phó Bí thư… in the member's branch or a unit above it."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.clock import today
from doan3cd.models.audit import AuditEvent
from doan3cd.models.change import Change
from tests.conftest import AuthHeaders
from tests.helpers import assert_problem
from tests.members.conftest import MEMBERS, Tree, create_member


def positions_url(member: dict[str, Any]) -> str:
    return f"{MEMBERS}/{member['id']}/positions"


def position(unit_id: object, code: str = "secretary", **dates: str) -> dict[str, Any]:
    return {"position": code, "unit_id": str(unit_id), "started_on": "2024-09-15", **dates}


async def test_a_position_is_recorded_read_and_ended(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    admin_headers: dict[str, str],
    tree: Tree,
    session: AsyncSession,
) -> None:
    member = await create_member(client, admin_headers, tree.class_a)
    school = await auth_headers(Role.manager, tree.school)
    url = positions_url(member)
    key = {"Idempotency-Key": "pos-1"}
    created = await client.post(url, json=position(tree.class_a.id), headers=school | key)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["position"], body["label"], body["label_en"]) == (
        "secretary",
        "Bí thư",
        "Secretary",
    )
    assert (body["started_on"], body["ended_on"]) == ("2024-09-15", None)
    assert created.headers["Location"].endswith(f"/positions/{body['id']}")
    replayed = await client.post(url, json=position(tree.class_a.id), headers=school | key)
    assert replayed.json()["id"] == body["id"]

    got = await client.get(f"{url}/{body['id']}", headers=school)
    assert got.headers["ETag"] == created.headers["ETag"]
    cached = await client.get(
        f"{url}/{body['id']}", headers=school | {"If-None-Match": got.headers["ETag"]}
    )
    assert cached.status_code == 304
    listed = await client.get(url, params={"current": "true"}, headers=school)
    assert [p["id"] for p in listed.json()["items"]] == [body["id"]]

    stale = await client.post(
        f"{url}/{body['id']}/end",
        json={"ended_on": "2025-03-01"},
        headers=school | {"If-Match": '"x"'},
    )
    assert_problem(stale, 412, "precondition_failed")
    ended = await client.post(
        f"{url}/{body['id']}/end",
        json={"ended_on": "2025-03-01"},
        headers=school | {"If-Match": got.headers["ETag"]},
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["ended_on"] == "2025-03-01"
    assert_problem(
        await client.post(f"{url}/{body['id']}/end", headers=school), 409, "position_already_ended"
    )
    assert (await client.get(url, params={"current": "true"}, headers=school)).json()["items"] == []

    # Each write is a change to the member: new revision, audited, on the change log.
    revision = (await client.get(f"{MEMBERS}/{member['id']}", headers=school)).json()["revision"]
    assert revision == member["revision"] + 2
    changes = await session.scalars(
        select(Change.version)
        .where(Change.resource_id == uuid.UUID(member["id"]))
        .order_by(Change.seq)
    )
    assert list(changes) == [1, 2, 3]
    audited = await session.scalars(
        select(AuditEvent.action).where(AuditEvent.resource == "member_positions")
    )
    assert sorted(audited) == ["create", "update"]
    export = await client.get(f"{MEMBERS}/{member['id']}/data-export", headers=school)
    assert [p["title"] for p in export.json()["positions"]] == ["secretary"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"started_on": "2999-01-01"}, "date_in_future"),
        ({"ended_on": "2999-01-01"}, "date_in_future"),
        ({"ended_on": "2024-09-14"}, "position_end_before_start"),
    ],
)
async def test_position_dates_are_checked(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    tree: Tree,
    changes: dict[str, str],
    code: str,
) -> None:
    member = await create_member(client, admin_headers, tree.class_a)
    response = await client.post(
        positions_url(member), json=position(tree.class_a.id) | changes, headers=admin_headers
    )
    problem = assert_problem(response, 422, "position_invalid")
    assert [e["code"] for e in problem["errors"]] == [code]  # type: ignore[attr-defined]


async def test_unknown_position_code_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tree: Tree
) -> None:
    member = await create_member(client, admin_headers, tree.class_a)
    response = await client.post(
        positions_url(member), json=position(tree.class_a.id, "president"), headers=admin_headers
    )
    assert response.status_code == 422


async def test_the_unit_is_the_branch_or_above_and_in_the_callers_scope(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    admin_headers: dict[str, str],
    tree: Tree,
) -> None:
    member = await create_member(client, admin_headers, tree.class_a)
    school = await auth_headers(Role.manager, tree.school)
    url = positions_url(member)
    for unit in (tree.class_b, tree.hamlet, tree.commune):
        refused = await client.post(url, json=position(unit.id), headers=school)
        assert_problem(refused, 422, "position_unit_invalid")
    # The province is above the branch, but outside this manager's subtree.
    assert_problem(
        await client.post(url, json=position(tree.province.id), headers=school), 403, "forbidden"
    )
    deputy = position(tree.school.id, "deputy_secretary")
    assert (await client.post(url, json=deputy, headers=school)).status_code == 201
    assert (
        await client.post(url, json=position(tree.province.id), headers=admin_headers)
    ).status_code == 201


async def test_scope_hides_and_protects_positions(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    admin_headers: dict[str, str],
    tree: Tree,
) -> None:
    member = await create_member(client, admin_headers, tree.class_a)
    url = positions_url(member)
    created = (await client.post(url, json=position(tree.class_a.id), headers=admin_headers)).json()
    outsider = await auth_headers(Role.manager, tree.commune)
    viewer = await auth_headers(Role.viewer, tree.school)
    assert_problem(await client.get(url, headers=outsider), 404, "member_not_found")
    assert_problem(
        await client.get(f"{url}/{created['id']}", headers=outsider), 404, "member_not_found"
    )
    assert_problem(
        await client.post(
            url, json=position(tree.class_a.id, "deputy_secretary"), headers=outsider
        ),
        404,
        "member_not_found",
    )
    assert (await client.get(url, headers=viewer)).status_code == 200
    assert_problem(
        await client.post(f"{url}/{created['id']}/end", headers=viewer), 403, "forbidden"
    )
    other = await create_member(client, admin_headers, tree.class_b, full_name="Trần Thị Bình")
    # A position of another member is not found under this one.
    assert_problem(
        await client.get(f"{positions_url(other)}/{created['id']}", headers=admin_headers),
        404,
        "position_not_found",
    )


async def test_the_same_position_may_not_overlap(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tree: Tree
) -> None:
    an = await create_member(client, admin_headers, tree.class_a)
    binh = await create_member(client, admin_headers, tree.class_a, full_name="Trần Thị Bình")
    committee = position(tree.class_a.id, "executive_committee", ended_on="2025-03-01")
    assert (
        await client.post(positions_url(an), json=committee, headers=admin_headers)
    ).status_code == 201
    again = position(tree.class_a.id, "executive_committee", started_on="2025-02-01")
    assert_problem(
        await client.post(positions_url(an), json=again, headers=admin_headers),
        409,
        "position_overlap",
    )
    # Several people sit on the committee at once, and the member may sit on it again later.
    assert (
        await client.post(positions_url(binh), json=again, headers=admin_headers)
    ).status_code == 201
    later = position(tree.class_a.id, "executive_committee", started_on="2025-03-01")
    assert (
        await client.post(positions_url(an), json=later, headers=admin_headers)
    ).status_code == 201

    # A branch has one Bí thư at a time; a handover on one day does not overlap.
    first = position(tree.class_a.id, ended_on="2025-03-01")
    assert (
        await client.post(positions_url(an), json=first, headers=admin_headers)
    ).status_code == 201
    overlapping = position(tree.class_a.id, started_on="2025-02-28")
    assert_problem(
        await client.post(positions_url(binh), json=overlapping, headers=admin_headers),
        409,
        "position_overlap",
    )
    handover = position(tree.class_a.id, started_on="2025-03-01")
    assert (
        await client.post(positions_url(binh), json=handover, headers=admin_headers)
    ).status_code == 201


async def test_ending_defaults_to_today_and_not_before_the_start(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tree: Tree
) -> None:
    member = await create_member(client, admin_headers, tree.class_a)
    url = positions_url(member)
    created = (await client.post(url, json=position(tree.class_a.id), headers=admin_headers)).json()
    early = await client.post(
        f"{url}/{created['id']}/end", json={"ended_on": "2024-01-01"}, headers=admin_headers
    )
    assert_problem(early, 422, "position_invalid")
    ended = await client.post(f"{url}/{created['id']}/end", headers=admin_headers)
    assert ended.json()["ended_on"] == today().isoformat()
