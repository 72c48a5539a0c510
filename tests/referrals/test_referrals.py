"""/party-referrals: eligibility on nomination, forward-only dated transitions, scope, audit."""

import uuid
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.domain.text import fold
from doan3cd.models.audit import AuditEvent
from doan3cd.models.change import Change
from doan3cd.models.member import Member
from tests.conftest import AuthHeaders
from tests.evidence.tree import Tree
from tests.factories import UnitRef
from tests.helpers import assert_problem

URL = "/api/v1/party-referrals"


async def add_member(
    session: AsyncSession,
    branch: UnitRef,
    *,
    born: date = date(2000, 5, 1),
    joined: date | None = date(2016, 3, 26),
    status: str = "active",
) -> uuid.UUID:
    member = Member(
        id=uuid.uuid4(),
        full_name="Nguyễn Văn An",
        name_folded=fold("Nguyễn Văn An"),
        name_sort_key="an nguyen van",
        date_of_birth=born,
        joined_on=joined,
        branch_id=branch.id,
        status=status,
    )
    session.add(member)
    await session.commit()
    return member.id


async def nominate(
    client: httpx.AsyncClient, headers: dict[str, str], member_id: uuid.UUID, on: str = "2023-04-10"
) -> httpx.Response:
    return await client.post(
        URL,
        json={"member_id": str(member_id), "nominated_on": on, "document_ref": "02-NQ/CĐ"},
        headers=headers,
    )


async def move(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    referral: dict[str, Any],
    stage: str,
    on: str,
) -> httpx.Response:
    return await client.post(
        f"{URL}/{referral['id']}/transitions",
        json={"to_stage": stage, "effective_on": on, "document_ref": "Mẫu 4-KNĐ"},
        headers=headers,
    )


async def test_pipeline(
    client: httpx.AsyncClient, tree: Tree, auth_headers: AuthHeaders, session: AsyncSession
) -> None:
    member = await add_member(session, tree["B1"])
    manager = await auth_headers(Role.manager, tree["G1"])
    created = await nominate(client, manager, member)
    assert created.status_code == 201, created.text
    referral = created.json()
    assert referral["stage"] == "nominated_by_branch"
    assert referral["unit_id"] == str(tree["B1"].id)
    assert referral["year"] == 2023
    assert len(referral["transitions"]) == 1
    again = await nominate(client, manager, member)
    assert_problem(again, 409, "referral_already_open")

    resolved = await move(client, manager, referral, "resolved_by_grassroots", "2023-05-02")
    assert resolved.status_code == 200, resolved.text
    early = await move(client, manager, referral, "handed_to_party", "2023-05-01")
    assert_problem(early, 422, "referral_transition_before_previous")
    skipped = await move(client, manager, referral, "awareness_class", "2023-06-01")
    assert skipped.json()["stage"] == "awareness_class"
    back = await move(client, manager, referral, "handed_to_party", "2023-07-01")
    assert_problem(back, 409, "referral_stage_backwards")
    declined = await move(client, manager, referral, "declined", "2023-08-01")
    assert declined.json()["stage"] == "declined"
    assert [t["to_stage"] for t in declined.json()["transitions"]] == [
        "nominated_by_branch",
        "resolved_by_grassroots",
        "awareness_class",
        "declined",
    ]
    after = await move(client, manager, referral, "withdrawn", "2023-09-01")
    assert_problem(after, 409, "referral_closed")
    actions = (
        await session.scalars(
            select(AuditEvent.action).where(AuditEvent.resource == URL.rsplit("/", 1)[1])
        )
    ).all()
    assert sorted(actions) == ["create", "transition", "transition", "transition"]
    await session.commit()
    changes = (
        await session.scalars(select(Change).where(Change.resource == "party-referrals"))
    ).all()
    assert changes


async def test_eligibility_codes(
    client: httpx.AsyncClient, tree: Tree, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    young = await add_member(session, tree["B1"], born=date(2006, 1, 1))
    new = await add_member(session, tree["B1"], joined=date(2023, 1, 1))
    gone = await add_member(session, tree["B1"], status="removed")
    assert_problem(await nominate(client, admin_headers, young), 422, "referral_member_too_young")
    assert_problem(await nominate(client, admin_headers, new), 422, "referral_tenure_too_short")
    body = assert_problem(
        await nominate(client, admin_headers, gone), 422, "referral_member_inactive"
    )
    assert body["errors"]


async def test_scope(
    client: httpx.AsyncClient, tree: Tree, auth_headers: AuthHeaders, session: AsyncSession
) -> None:
    ours = await add_member(session, tree["B1"])
    theirs = await add_member(session, tree["B3"])
    admin = await auth_headers(Role.admin)
    other = (await nominate(client, admin, theirs)).json()
    manager = await auth_headers(Role.manager, tree["G1"])
    assert_problem(await nominate(client, manager, theirs), 404, "member_not_found")
    assert_problem(await nominate(client, manager, uuid.uuid4()), 404, "member_not_found")
    mine = (await nominate(client, manager, ours)).json()
    assert_problem(
        await client.get(f"{URL}/{other['id']}", headers=manager), 404, "referral_not_found"
    )
    moved = await move(client, manager, other, "declined", "2023-05-01")
    assert_problem(moved, 404, "referral_not_found")
    listed = (await client.get(URL, headers=manager)).json()["items"]
    assert [r["id"] for r in listed] == [mine["id"]]
    viewer = await auth_headers(Role.viewer, tree["G1"])
    assert (await client.get(f"{URL}/{mine['id']}", headers=viewer)).status_code == 200
    assert_problem(await move(client, viewer, mine, "declined", "2023-05-01"), 403, "forbidden")
    by_stage = await client.get(URL, params={"stage": "declined"}, headers=admin)
    assert by_stage.json()["items"] == []
