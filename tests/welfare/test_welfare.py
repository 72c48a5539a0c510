"""/welfare-cases: who sees them (and that every read is audited), consent, support, statistics."""

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.models.audit import AuditEvent
from doan3cd.models.change import Change
from tests.conftest import AuthHeaders
from tests.evidence.tree import Tree
from tests.factories import UnitRef
from tests.helpers import assert_problem

URL = "/api/v1/welfare-cases"


def case_body(unit: UnitRef, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "unit_id": str(unit.id),
        "person": {"name": "Thạch Thị Sa", "birth_year": 1999, "gender": "female"},
        "categories": ["poor_household"],
        "identified_on": "2023-02-14",
        "support_plan": "Hỗ trợ sinh kế",
        "consent": {"given_on": "2023-02-14", "by": "subject"},
    }
    body.update(changes)
    return body


async def open_case(
    client: httpx.AsyncClient, headers: dict[str, str], unit: UnitRef, **changes: Any
) -> dict[str, Any]:
    response = await client.post(URL, json=case_body(unit, **changes), headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def sensitive_reads(session: AsyncSession) -> list[str | None]:
    rows = await session.scalars(
        select(AuditEvent.resource_id).where(
            AuditEvent.action == "read_sensitive", AuditEvent.resource == "welfare-cases"
        )
    )
    return list(rows)


async def test_visibility_per_role_and_audited_reads(
    client: httpx.AsyncClient, tree: Tree, auth_headers: AuthHeaders, session: AsyncSession
) -> None:
    officer = await auth_headers(Role.welfare_officer, tree["G1"])
    case = await open_case(client, officer, tree["B1"])
    url = f"{URL}/{case['id']}"
    got = await client.get(url, headers=officer)
    assert got.status_code == 200
    assert got.json()["person"]["name"] == "Thạch Thị Sa"
    listed = await client.get(URL, headers=officer)
    assert [c["id"] for c in listed.json()["items"]] == [case["id"]]
    assert await sensitive_reads(session) == [case["id"], case["id"]]

    admin = await auth_headers(Role.admin)
    assert (await client.get(url, headers=admin)).status_code == 200
    for role in (Role.manager, Role.viewer, Role.reviewer):
        headers = await auth_headers(role, tree["P"])
        assert_problem(await client.get(url, headers=headers), 404, "welfare_case_not_found")
        assert_problem(await client.get(URL, headers=headers), 403, "forbidden")
        assert_problem(
            await client.get(f"{url}/support-actions", headers=headers),
            404,
            "welfare_case_not_found",
        )
    elsewhere = await auth_headers(Role.welfare_officer, tree["G2"])
    assert_problem(await client.get(url, headers=elsewhere), 404, "welfare_case_not_found")
    assert (await client.get(URL, headers=elsewhere)).json()["items"] == []
    await session.commit()
    assert (
        await session.scalars(select(Change).where(Change.resource == "welfare-cases"))
    ).all() == []


async def test_categories_and_identity_are_validated(
    client: httpx.AsyncClient, tree: Tree, admin_headers: dict[str, str]
) -> None:
    for bad in (
        case_body(tree["G1"], categories=["alien"]),
        case_body(tree["G1"], categories=[]),
        case_body(tree["G1"], person=None),
        case_body(tree["G1"], member_id="5d0c8a8e-3f7b-4b8e-9a51-7c1f2b3a4d5e"),
        case_body(tree["G1"], consent={"given_on": "2023-02-14", "by": "guardian"}),
    ):
        response = await client.post(URL, json=bad, headers=admin_headers)
        assert response.status_code == 422, bad


async def test_minors_need_a_guardian(
    client: httpx.AsyncClient, tree: Tree, admin_headers: dict[str, str]
) -> None:
    minor = {"name": "Kim Sóc", "birth_year": 2008}
    refused = await client.post(
        URL, json=case_body(tree["G1"], person=minor), headers=admin_headers
    )
    assert_problem(refused, 422, "welfare_guardian_consent_required")
    consent = {"given_on": "2023-02-14", "by": "both", "guardian_name": "Kim Văn Út"}
    await open_case(client, admin_headers, tree["G1"], person=minor, consent=consent)


async def test_support_states_and_consent_withdrawal(
    client: httpx.AsyncClient, tree: Tree, auth_headers: AuthHeaders, session: AsyncSession
) -> None:
    officer = await auth_headers(Role.welfare_officer, tree["G1"])
    case = await open_case(client, officer, tree["G1"])
    url = f"{URL}/{case['id']}"
    action = {"acted_on": "2023-09-05", "kind": "scholarship", "value_vnd": 2_000_000}
    early = await client.post(
        f"{url}/support-actions", json={**action, "acted_on": "2023-01-01"}, headers=officer
    )
    assert_problem(early, 422, "support_before_identified")
    bad_kind = await client.post(
        f"{url}/support-actions", json={**action, "kind": "cash"}, headers=officer
    )
    assert bad_kind.status_code == 422
    added = await client.post(f"{url}/support-actions", json=action, headers=officer)
    assert added.status_code == 201, added.text
    now = await client.get(url, headers=officer)
    assert now.json()["state"] == "supported"
    actions = await client.get(f"{url}/support-actions", headers=officer)
    assert [a["kind"] for a in actions.json()] == ["scholarship"]
    no_reason = await client.patch(url, json={"state": "closed"}, headers=officer)
    assert_problem(no_reason, 422, "welfare_close_reason_required")
    reopened = await client.patch(url, json={"state": "open"}, headers=officer)
    assert_problem(reopened, 409, "welfare_state_invalid")
    edited = await client.patch(
        url, json={"support_plan": "Học nghề"}, headers={**officer, "If-Match": now.headers["ETag"]}
    )
    assert edited.status_code == 200, edited.text

    withdrawn = await client.post(
        f"{url}/consent/withdraw", json={"withdrawn_on": "2023-10-01"}, headers=officer
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["consent"]["withdrawn_on"] == "2023-10-01"
    assert_problem(
        await client.post(f"{url}/support-actions", json=action, headers=officer),
        409,
        "consent_withdrawn",
    )
    assert_problem(
        await client.patch(url, json={"support_plan": "x"}, headers=officer),
        409,
        "consent_withdrawn",
    )
    assert_problem(
        await client.post(
            f"{url}/consent/withdraw", json={"withdrawn_on": "2023-10-02"}, headers=officer
        ),
        409,
        "consent_withdrawn",
    )
    actions_logged = (
        await session.scalars(select(AuditEvent.action).where(AuditEvent.resource_id == case["id"]))
    ).all()
    assert "consent_withdraw" in actions_logged

    manager = await auth_headers(Role.manager, tree["G1"])
    assert_problem(
        await client.post(f"{url}/support-actions", json=action, headers=manager), 403, "forbidden"
    )


async def test_stats_withhold_small_counts(
    client: httpx.AsyncClient, tree: Tree, auth_headers: AuthHeaders, admin_headers: dict[str, str]
) -> None:
    for _ in range(3):
        await open_case(client, admin_headers, tree["B1"], categories=["poor_household", "orphan"])
    await open_case(client, admin_headers, tree["B3"], categories=["disability"])
    await open_case(
        client,
        admin_headers,
        tree["B1"],
        identified_on="2024-03-01",
        consent={"given_on": "2024-03-01", "by": "subject"},
    )
    viewer = await auth_headers(Role.viewer, tree["P"])
    response = await client.get("/api/v1/welfare-stats", params={"year": 2023}, headers=viewer)
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["total"] == 4
    categories = {c["key"]: c["count"] for c in stats["by_category"]}
    assert categories == {"disability": None, "orphan": 3, "poor_household": 3}
    units = {c["key"]: c["count"] for c in stats["by_unit"]}
    assert units == {str(tree["B1"].id): 3, str(tree["B3"].id): None}
    narrow = await auth_headers(Role.viewer, tree["G2"])
    mine = (await client.get("/api/v1/welfare-stats", params={"year": 2023}, headers=narrow)).json()
    assert mine["total"] is None
    assert "Thạch" not in response.text


async def test_open_cases_follow_a_merge(
    client: httpx.AsyncClient, tree: Tree, admin_headers: dict[str, str]
) -> None:
    case = await open_case(client, admin_headers, tree["G2"])
    b3 = str(tree["B3"].id)
    await client.post(
        f"/api/v1/units/{b3}/move",
        json={"parent_id": str(tree["G1"].id), "effective_on": "2024-01-01"},
        headers=admin_headers,
    )
    merge = {
        "source_ids": [str(tree["G2"].id)],
        "target_id": str(tree["G1"].id),
        "effective_on": "2024-01-01",
        "decision_ref": "01-QĐ/TĐTN",
    }
    merged = await client.post("/api/v1/units/merge", json=merge, headers=admin_headers)
    assert merged.status_code == 200, merged.text
    assert merged.json()["followers"]["welfare_cases"] == 1
    moved = await client.get(f"{URL}/{case['id']}", headers=admin_headers)
    assert moved.json()["unit_id"] == str(tree["G1"].id)
