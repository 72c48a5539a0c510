"""Transfers: requested → sent → received | rejected, each side acting in its own scope."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.models.member import MembershipPeriod
from tests.conftest import AuthHeaders
from tests.helpers import assert_problem
from tests.members.conftest import MEMBERS, Tree, create_member

TRANSFERS = "/api/v1/transfers"


async def test_transfer_received_moves_the_member(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    auth_headers: AuthHeaders,
    tree: Tree,
    session: AsyncSession,
) -> None:
    member = await create_member(client, admin_headers, tree.class_a)
    school = await auth_headers(Role.manager, tree.school)
    commune = await auth_headers(Role.manager, tree.commune)
    asked = await client.post(
        f"{MEMBERS}/{member['id']}/transfers",
        json={"to_branch_id": str(tree.hamlet.id), "requested_on": "2025-03-01"},
        headers=school,
    )
    assert asked.status_code == 201, asked.text
    transfer = asked.json()
    assert transfer["state"] == "requested"
    url = f"{TRANSFERS}/{transfer['id']}"
    got = await client.get(f"{MEMBERS}/{member['id']}", headers=school)
    assert got.json()["status"] == "transferring"
    # The receiving side sees the request but cannot send it; the sender cannot receive it.
    assert (await client.get(url, headers=commune)).status_code == 200
    assert_problem(await client.post(f"{url}/send", headers=commune), 403, "forbidden")
    assert_problem(
        await client.post(f"{url}/receive", headers=commune), 409, "transfer_state_invalid"
    )
    sent = await client.post(f"{url}/send", json={"on": "2025-03-02"}, headers=school)
    assert sent.json()["state"] == "sent"
    assert_problem(await client.post(f"{url}/receive", headers=school), 403, "forbidden")
    received = await client.post(f"{url}/receive", json={"on": "2025-03-05"}, headers=commune)
    assert received.status_code == 200, received.text
    assert received.json()["state"] == "received"
    assert_problem(await client.post(f"{url}/send", headers=school), 409, "transfer_state_invalid")
    moved = (await client.get(f"{MEMBERS}/{member['id']}", headers=commune)).json()
    assert moved["branch_id"] == str(tree.hamlet.id)
    assert moved["status"] == "active"
    assert (await client.get(f"{MEMBERS}/{member['id']}", headers=school)).status_code == 404
    periods = (
        await session.execute(
            select(
                MembershipPeriod.branch_id, MembershipPeriod.valid_from, MembershipPeriod.valid_to
            ).order_by(MembershipPeriod.valid_from)
        )
    ).all()
    assert [(p.branch_id, str(p.valid_to)) for p in periods] == [
        (tree.class_a.id, "2025-03-05"),
        (tree.hamlet.id, "None"),
    ]
    history = await client.get(f"{MEMBERS}/{member['id']}/transfers", headers=commune)
    assert [t["id"] for t in history.json()["items"]] == [transfer["id"]]
    listed = await client.get(TRANSFERS, params={"state": "received"}, headers=school)
    assert [t["id"] for t in listed.json()["items"]] == [transfer["id"]]


async def test_rejected_transfer_keeps_the_member(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    auth_headers: AuthHeaders,
    tree: Tree,
) -> None:
    member = await create_member(client, admin_headers, tree.class_a)
    outsider = await auth_headers(Role.manager, tree.commune)
    hidden = await client.post(
        f"{MEMBERS}/{member['id']}/transfers",
        json={"to_branch_id": str(tree.hamlet.id)},
        headers=outsider,
    )
    assert_problem(hidden, 404, "member_not_found")
    asked = await client.post(
        f"{MEMBERS}/{member['id']}/transfers",
        json={"to_branch_id": str(tree.class_b.id)},
        headers=admin_headers,
    )
    url = f"{TRANSFERS}/{asked.json()['id']}"
    assert (await client.get(url, headers=outsider)).status_code == 404
    twice = await client.post(
        f"{MEMBERS}/{member['id']}/transfers",
        json={"to_branch_id": str(tree.class_b.id)},
        headers=admin_headers,
    )
    assert_problem(twice, 409, "member_status_invalid")
    rejected = await client.post(
        f"{url}/reject", json={"reason": "Sai chi đoàn"}, headers=admin_headers
    )
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["rejected_reason"] == "Sai chi đoàn"
    member_now = (await client.get(f"{MEMBERS}/{member['id']}", headers=admin_headers)).json()
    assert (member_now["status"], member_now["branch_id"]) == ("active", str(tree.class_a.id))
    assert_problem(
        await client.post(f"{url}/send", headers=admin_headers), 409, "transfer_state_invalid"
    )
