"""Frameworks, criterion scores, verdicts, the assessment workflow, period locks, dashboards."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.problems import ProblemError
from doan3cd.assessments.locks import ensure_period_open
from doan3cd.auth.principal import Role
from doan3cd.domain.framework import DEFAULT_FRAMEWORK, framework_to_dict
from tests.assessments import builders as b
from tests.assessments.conftest import Tree
from tests.conftest import AuthHeaders
from tests.factories import UnitRef
from tests.helpers import assert_problem

API = "/api/v1"
Y = 2023
Headers = dict[str, str]


async def register(client: httpx.AsyncClient, headers: Headers, unit: UnitRef) -> dict[str, Any]:
    response = await client.post(
        f"{API}/assessments",
        json={
            "unit_id": str(unit.id),
            "year": Y,
            "registered_on": "2022-10-20",
            "targets": {"party_referrals": 1},
        },
        headers=headers,
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def decision(issuer: UnitRef, recognised: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "recognised": recognised,
        "decision_number": "123/QĐ-ĐTN",
        "decided_on": "2024-01-15",
        "issuing_unit_id": str(issuer.id),
        **extra,
    }


async def achieving(session: AsyncSession, tree: Tree) -> None:
    await b.achieving_year(session, tree.g1.id, [tree.b1.id, tree.b2.id], Y)
    await session.commit()


async def test_frameworks_are_data_validated_and_locked_once_used(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_headers: Headers,
    auth_headers: AuthHeaders,
    tree: Tree,
) -> None:
    viewer = await auth_headers(Role.viewer, tree.p)
    listed = await client.get(f"{API}/frameworks", headers=viewer)
    assert [(f["code"], f["version"]) for f in listed.json()["items"]] == [("3CD-2023", 1)]
    document = framework_to_dict(DEFAULT_FRAMEWORK)
    document.pop("version")
    criterion = document["criteria"][0]
    bad = {
        **document,
        "criteria": [
            {**criterion, "indicators": [{**criterion["indicators"][0], "metric": "nope"}]}
        ],
    }
    refused = await client.post(f"{API}/frameworks", json=bad, headers=admin_headers)
    body = assert_problem(refused, 422, "framework_invalid")
    assert body["errors"] and all(e["pointer"].startswith("/") for e in body["errors"])  # type: ignore[union-attr]
    assert_problem(
        await client.post(f"{API}/frameworks", json=document, headers=viewer), 403, "forbidden"
    )
    created = await client.post(f"{API}/frameworks", json=document, headers=admin_headers)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 2
    latest = await client.get(f"{API}/frameworks/3CD-2023", headers=viewer)
    assert [v["version"] for v in latest.json()["versions"]] == [1, 2]
    version_2 = f"{API}/frameworks/3CD-2023/versions/2"
    assert (await client.put(version_2, json=document, headers=admin_headers)).status_code == 200
    # A decision uses the newest version covering the year: version 2 is then immutable.
    await achieving(session, tree)
    district = await auth_headers(Role.reviewer, tree.d1)
    manager = await auth_headers(Role.manager, tree.g1)
    assessment = await register(client, manager, tree.g1)
    await client.post(f"{API}/assessments/{assessment['id']}/submit", headers=manager)
    decided = await client.post(
        f"{API}/assessments/{assessment['id']}/decide", json=decision(tree.d1), headers=district
    )
    assert decided.json()["decision"]["framework_version"] == 2
    assert_problem(
        await client.put(version_2, json=document, headers=admin_headers), 409, "framework_locked"
    )
    got = await client.get(version_2, headers=viewer)
    assert got.json()["locked_at"] is not None


@pytest.mark.parametrize("version", [2**31, 2**63])
async def test_a_version_number_beyond_the_column_is_invalid_not_a_server_error(
    client: httpx.AsyncClient, admin_headers: Headers, version: int
) -> None:
    """Found by schemathesis: PostgreSQL refused the number (integer out of range) with a 500."""
    url = f"{API}/frameworks/3CD-2023/versions/{version}"
    assert_problem(await client.get(url, headers=admin_headers), 422, "validation_failed")
    document = framework_to_dict(DEFAULT_FRAMEWORK)
    assert_problem(
        await client.put(url, json=document, headers=admin_headers), 422, "validation_failed"
    )


async def test_registration_submit_return_resubmit_decide(
    client: httpx.AsyncClient, session: AsyncSession, auth_headers: AuthHeaders, tree: Tree
) -> None:
    await achieving(session, tree)
    manager = await auth_headers(Role.manager, tree.g1)
    district = await auth_headers(Role.reviewer, tree.d1)
    first = await register(client, manager, tree.g1)
    again = await register(client, manager, tree.g1)
    assert again["id"] == first["id"] and first["state"] == "registered"
    url = f"{API}/assessments/{first['id']}"
    assert_problem(
        await client.post(f"{url}/decide", json=decision(tree.d1), headers=district),
        409,
        "assessment_state_invalid",
    )
    assert (await client.post(f"{url}/submit", headers=manager)).json()["state"] == "submitted"
    assert_problem(
        await client.post(f"{url}/submit", headers=manager), 409, "assessment_state_invalid"
    )
    returned = await client.post(
        f"{url}/return",
        json={"reasons": ["evidence_missing"], "comment": "Thiếu biên bản."},
        headers=district,
    )
    assert returned.json()["state"] == "returned"
    assert returned.json()["return_reasons"] == ["evidence_missing"]
    bad_reason = await client.post(f"{url}/return", json={"reasons": ["tired"]}, headers=district)
    assert bad_reason.status_code == 422
    assert (await client.post(f"{url}/submit", headers=manager)).json()["state"] == "submitted"
    live = await client.get(f"{API}/units/{tree.g1.id}/three-proactives/{Y}", headers=manager)
    assert live.json()["status"] == "achieved", live.json()
    decided = await client.post(f"{url}/decide", json=decision(tree.d1), headers=district)
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["state"] == "decided" and body["locked"] is True
    assert body["decision"]["recognised"] is True
    assert body["frozen_verdict"]["status"] == "achieved"
    assert body["decision"]["inputs_hash"] == live.json()["inputs_hash"]
    verdict = await client.get(f"{API}/units/{tree.g1.id}/three-proactives/{Y}", headers=manager)
    assert verdict.json()["decision"]["decision_number"] == "123/QĐ-ĐTN"


async def test_only_a_level_above_decides_and_differing_needs_a_reason(
    client: httpx.AsyncClient, session: AsyncSession, auth_headers: AuthHeaders, tree: Tree
) -> None:
    await achieving(session, tree)
    manager = await auth_headers(Role.manager, tree.g1)
    assessment = await register(client, manager, tree.g1)
    url = f"{API}/assessments/{assessment['id']}"
    await client.post(f"{url}/submit", headers=manager)
    other_district = await auth_headers(Role.reviewer, tree.d2)
    assert_problem(
        await client.post(f"{url}/decide", json=decision(tree.d2), headers=other_district),
        404,
        "assessment_not_found",
    )
    on_the_unit = await auth_headers(Role.reviewer, tree.g1)
    assert_problem(
        await client.post(f"{url}/decide", json=decision(tree.g1), headers=on_the_unit),
        403,
        "forbidden",
    )
    province = await auth_headers(Role.reviewer, tree.p)
    assert_problem(
        await client.post(f"{url}/decide", json=decision(tree.d2), headers=province),
        422,
        "issuing_unit_not_ancestor",
    )
    assert_problem(
        await client.post(f"{url}/decide", json=decision(tree.d1, False), headers=province),
        422,
        "decision_reason_required",
    )
    refused = await client.post(
        f"{url}/decide",
        json=decision(tree.d1, False, reason="Chưa tổ chức đối thoại thực chất."),
        headers=province,
    )
    assert refused.status_code == 200
    assert refused.json()["decision"]["recognised"] is False


async def test_a_decision_locks_the_period_until_an_admin_reopens(
    client: httpx.AsyncClient,
    session: AsyncSession,
    auth_headers: AuthHeaders,
    admin_headers: Headers,
    tree: Tree,
) -> None:
    await achieving(session, tree)
    manager = await auth_headers(Role.manager, tree.g1)
    district = await auth_headers(Role.reviewer, tree.d1)
    score = await client.post(
        f"{API}/criterion-scores",
        json={"unit_id": str(tree.g1.id), "year": Y, "indicator_key": "C1.7", "self_score": 6},
        headers=manager,
    )
    assert score.status_code == 201, score.text
    score_url = f"{API}/criterion-scores/{score.json()['id']}"
    assessment = await register(client, manager, tree.g1)
    url = f"{API}/assessments/{assessment['id']}"
    await client.post(f"{url}/submit", headers=manager)
    await client.post(f"{url}/decide", json=decision(tree.d1), headers=district)
    await ensure_period_open(session, tree.g2.id, Y)  # a sibling stays open
    await ensure_period_open(session, tree.g1.id, 2024)
    for unit in (tree.g1, tree.b1):
        with pytest.raises(ProblemError) as locked:
            await ensure_period_open(session, unit.id, Y)
        assert locked.value.code == "period_locked"
    patched = await client.patch(score_url, json={"self_score": 9}, headers=manager)
    assert_problem(patched, 409, "period_locked")
    assert_problem(
        await client.post(f"{url}/reopen", json={"reason": "Sai số liệu"}, headers=district),
        403,
        "forbidden",
    )
    reopened = await client.post(
        f"{url}/reopen", json={"reason": "Sai số liệu"}, headers=admin_headers
    )
    assert reopened.json()["state"] == "submitted" and reopened.json()["locked"] is False
    await ensure_period_open(session, tree.g1.id, Y)
    assert (
        await client.patch(score_url, json={"self_score": 9}, headers=manager)
    ).status_code == 200
    audit = await client.get(f"{API}/audit-events?resource=assessments", headers=admin_headers)
    assert "reopen" in {e["action"] for e in audit.json()["items"]}


async def test_criterion_scores_self_by_the_unit_review_from_above(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, tree: Tree
) -> None:
    manager = await auth_headers(Role.manager, tree.g1)
    district = await auth_headers(Role.reviewer, tree.d1)
    body = {"unit_id": str(tree.g1.id), "year": Y, "indicator_key": "C1.7", "self_score": 4}
    bad_key = await client.post(
        f"{API}/criterion-scores", json={**body, "indicator_key": "C1.1"}, headers=manager
    )
    assert_problem(bad_key, 422, "indicator_not_manual")
    too_high = await client.post(
        f"{API}/criterion-scores", json={**body, "self_score": 11}, headers=manager
    )
    assert_problem(too_high, 422, "score_out_of_range")
    review_by_unit = await client.post(
        f"{API}/criterion-scores", json={**body, "review_score": 5}, headers=manager
    )
    assert_problem(review_by_unit, 403, "forbidden")
    created = await client.post(f"{API}/criterion-scores", json=body, headers=manager)
    assert created.status_code == 201
    url = f"{API}/criterion-scores/{created.json()['id']}"
    assert_problem(
        await client.post(f"{API}/criterion-scores", json=body, headers=manager),
        409,
        "criterion_score_exists",
    )
    assert_problem(
        await client.patch(url, json={"self_score": 5}, headers=district), 404, "unit_not_found"
    )
    reviewed = await client.patch(url, json={"review_score": 8}, headers=district)
    assert reviewed.status_code == 200, reviewed.text
    verdict = await client.get(f"{API}/units/{tree.g1.id}/three-proactives/{Y}", headers=manager)
    c17 = next(i for c in verdict.json()["criteria"] for i in c["indicators"] if i["key"] == "C1.7")
    assert (c17["value"], c17["passed"]) == (8, True)
    listed = await client.get(
        f"{API}/criterion-scores?year={Y}&within={tree.d1.id}", headers=district
    )
    assert [s["id"] for s in listed.json()["items"]] == [created.json()["id"]]


async def test_verdict_list_and_dashboard_by_the_tree_of_the_date(
    client: httpx.AsyncClient,
    session: AsyncSession,
    auth_headers: AuthHeaders,
    admin_headers: Headers,
    tree: Tree,
) -> None:
    await achieving(session, tree)
    manager = await auth_headers(Role.manager, tree.g1)
    district = await auth_headers(Role.reviewer, tree.d1)
    assessment = await register(client, manager, tree.g1)
    url = f"{API}/assessments/{assessment['id']}"
    await client.post(f"{url}/submit", headers=manager)
    await client.post(f"{url}/decide", json=decision(tree.d1), headers=district)
    await register(client, admin_headers, tree.g3)
    listed = await client.get(
        f"{API}/three-proactives?year={Y}&include_total=true", headers=admin_headers
    )
    assert {v["unit_id"]: v["status"] for v in listed.json()["items"]} == {
        str(tree.g1.id): "achieved",
        str(tree.g2.id): "not_eligible",
        str(tree.g3.id): "not_achieved",
    }
    achieved = await client.get(
        f"{API}/three-proactives?year={Y}&status=achieved", headers=admin_headers
    )
    assert [v["unit_id"] for v in achieved.json()["items"]] == [str(tree.g1.id)]
    paged = await client.get(f"{API}/three-proactives?year={Y}&limit=2", headers=admin_headers)
    assert len(paged.json()["items"]) == 2 and paged.json()["next_cursor"]
    dashboard = await client.get(
        f"{API}/dashboards/three-proactives?year={Y}&root={tree.p.id}", headers=admin_headers
    )
    data = dashboard.json()
    assert data["as_of"] == "2023-12-31"
    assert data["totals"] | {"criteria": None} == {
        "units": 3,
        "eligible": 2,
        "registered": 2,
        "submitted": 1,
        "achieved": 1,
        "recognised": 1,
        "criteria": None,
    }
    groups = {g["code"]: g for g in data["groups"]}
    assert (groups["D1"]["units"], groups["D1"]["recognised"], groups["D2"]["units"]) == (2, 1, 1)
    assert groups["D1"]["criteria"]["C1"] == {"achieved": 1, "recognised": 1}
    # Scope: a D2 viewer sees only D2's unit counted (and cannot read P at all).
    d2_viewer = await auth_headers(Role.viewer, tree.d2)
    hidden = await client.get(
        f"{API}/dashboards/three-proactives?year={Y}&root={tree.p.id}", headers=d2_viewer
    )
    assert hidden.status_code == 404
    own = await client.get(
        f"{API}/dashboards/three-proactives?year={Y}&root={tree.d2.id}", headers=d2_viewer
    )
    assert own.json()["totals"]["units"] == 1


async def test_dashboard_groups_by_the_tree_as_of_the_date_asked(
    client: httpx.AsyncClient, admin_headers: Headers, tree: Tree
) -> None:
    """G2 moves from D1 to D2 on 1/7/2024: the 2023 rollup still puts it under D1 by default,
    and under D2 when asked as of a later date."""
    moved = await client.post(
        f"{API}/units/{tree.g2.id}/move",
        json={"parent_id": str(tree.d2.id), "effective_on": "2024-07-01"},
        headers=admin_headers,
    )
    assert moved.status_code == 200, moved.text
    base = f"{API}/dashboards/three-proactives?year={Y}&root={tree.p.id}"
    by_2023 = (await client.get(base, headers=admin_headers)).json()
    by_2025 = (await client.get(f"{base}&as_of=2025-01-01", headers=admin_headers)).json()
    units = {
        label: {g["code"]: g["units"] for g in data["groups"]}
        for label, data in (("2023", by_2023), ("2025", by_2025))
    }
    assert units == {"2023": {"D1": 2, "D2": 1}, "2025": {"D1": 1, "D2": 2}}
    assert by_2025["as_of"] == "2025-01-01" and by_2025["totals"]["units"] == 3


async def test_assessment_and_score_lists_page_through_every_item(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: Headers, tree: Tree
) -> None:
    for unit in (tree.g1, tree.g2, tree.g3):
        await b.registration(session, unit.id, Y)
        await b.registration(session, unit.id, 2024)
        await b.score(session, unit.id, Y, "C1.7", 6)
    await session.commit()
    for url, expected in ((f"{API}/assessments", 6), (f"{API}/criterion-scores", 3)):
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = (await client.get(url, params=params, headers=admin_headers)).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == expected
