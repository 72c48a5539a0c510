"""/activities: per-kind validation, scope, verification by the level above, edits, closing."""

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.models.audit import AuditEvent
from doan3cd.models.unit import UnitVersion
from tests.conftest import AuthHeaders
from tests.evidence.tree import Tree
from tests.helpers import assert_problem

URL = "/api/v1/activities"


def body(unit: Any, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "unit_id": str(unit.id),
        "occurred_on": "2023-03-26",
        "title": f"Hoạt động {kind}",
        **fields,
    }


VALID: dict[str, dict[str, Any]] = {
    "branch_meeting": {"attendance": 18, "topic": "Chủ điểm 26/3"},
    "situation_report": {"reporting_period": "Q1/2023"},
    "rights_protection": {"cases_handled": 2},
    "welfare_register_review": {"cases_reviewed": 7},
    "youth_project": {"completed_on": "2023-05-19", "value_vnd": 120_000_000, "partner": "UBND"},
    "inspection": {"subject": "Chi đoàn ấp Chợ"},
    "self_criticism": {},
    "exemplary_model": {"model_name": "Tuyến đường thanh niên tự quản"},
    "advisory_document": {"document_ref": "15-TTr/ĐTN"},
    "dialogue": {"leaders_present": ["Bí thư Đảng ủy xã"], "questions_raised": 12},
    "resource_mobilisation": {"partner": "Công ty Mekong", "value_vnd": 50_000_000},
    "other": {},
}

INVALID: list[tuple[str, dict[str, Any]]] = [
    ("branch_meeting", {}),  # attendance required
    ("branch_meeting", {"attendance": -1}),
    ("youth_project", {"completed_on": "2023-01-01"}),  # before occurred_on
    ("youth_project", {"value_vnd": -5}),
    ("dialogue", {"leaders_present": []}),
    ("dialogue", {"leaders_present": ["A"], "questions_raised": -1}),
    ("resource_mobilisation", {"partner": "X"}),  # value required
    ("resource_mobilisation", {"partner": "X", "value_vnd": 0}),
    ("resource_mobilisation", {"value_vnd": 10}),  # partner required
    ("advisory_document", {}),
    ("other", {"attendance": 3}),  # a field of another kind
    ("nonsense", {}),
]


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], payload: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(URL, json=payload, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_every_kind_round_trips(
    client: httpx.AsyncClient, tree: Tree, auth_headers: AuthHeaders
) -> None:
    manager = await auth_headers(Role.manager, tree["G1"])
    for kind, fields in VALID.items():
        unit = tree["B1"] if kind == "branch_meeting" else tree["G1"]
        created = await create(client, manager, body(unit, kind, **fields))
        assert created["kind"] == kind
        assert created["verification"] == "submitted"
        for key, value in fields.items():
            assert created[key] == value, (kind, key)
        fetched = await client.get(f"{URL}/{created['id']}", headers=manager)
        assert fetched.json() == created
        assert fetched.headers["ETag"]


@pytest.mark.parametrize(("kind", "fields"), INVALID)
async def test_kind_specific_validation(
    client: httpx.AsyncClient,
    tree: Tree,
    admin_headers: dict[str, str],
    kind: str,
    fields: dict[str, Any],
) -> None:
    response = await client.post(URL, json=body(tree["B1"], kind, **fields), headers=admin_headers)
    assert response.status_code == 422, response.text


async def test_branch_meeting_needs_a_branch(
    client: httpx.AsyncClient, tree: Tree, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        URL, json=body(tree["G1"], "branch_meeting", attendance=3), headers=admin_headers
    )
    assert_problem(response, 422, "activity_unit_not_branch")


async def test_contract_shows_the_discriminator(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operation = spec["paths"]["/api/v1/activities"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    mapping = schema["discriminator"]["mapping"]
    assert schema["discriminator"]["propertyName"] == "kind"
    assert set(mapping) == set(VALID)
    read = spec["paths"]["/api/v1/activities/{activity_id}"]["get"]["responses"]["200"]
    read_schema = read["content"]["application/json"]["schema"]
    assert set(read_schema["discriminator"]["mapping"]) == set(VALID)


async def test_scope_hides_other_units(
    client: httpx.AsyncClient, tree: Tree, auth_headers: AuthHeaders, admin_headers: dict[str, str]
) -> None:
    theirs = await create(
        client, admin_headers, body(tree["G2"], "dialogue", leaders_present=["A"])
    )
    ours = await create(client, admin_headers, body(tree["B1"], "branch_meeting", attendance=9))
    manager = await auth_headers(Role.manager, tree["G1"])
    assert_problem(
        await client.get(f"{URL}/{theirs['id']}", headers=manager), 404, "activity_not_found"
    )
    listed = (await client.get(URL, headers=manager)).json()["items"]
    assert [a["id"] for a in listed] == [ours["id"]]
    within = await client.get(URL, params={"within": str(tree["G2"].id)}, headers=manager)
    assert within.json()["items"] == []
    refused = await client.post(URL, json=body(tree["G2"], "other"), headers=manager)
    assert_problem(refused, 404, "unit_not_found")
    patch = await client.patch(f"{URL}/{theirs['id']}", json={"title": "x"}, headers=manager)
    assert_problem(patch, 404, "activity_not_found")
    viewer = await auth_headers(Role.viewer, tree["G1"])
    assert (await client.get(f"{URL}/{ours['id']}", headers=viewer)).status_code == 200
    assert_problem(
        await client.patch(f"{URL}/{ours['id']}", json={"title": "x"}, headers=viewer),
        403,
        "forbidden",
    )


async def test_filters(
    client: httpx.AsyncClient, tree: Tree, admin_headers: dict[str, str]
) -> None:
    a = await create(client, admin_headers, body(tree["B1"], "branch_meeting", attendance=9))
    b = await create(
        client, admin_headers, {**body(tree["G1"], "other"), "occurred_on": "2024-02-01"}
    )
    c = await create(client, admin_headers, body(tree["G2"], "other"))

    async def ids(**params: str) -> list[str]:
        response = await client.get(URL, params=params, headers=admin_headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids(within=str(tree["G1"].id)) == [b["id"], a["id"]]
    assert await ids(unit=str(tree["G1"].id)) == [b["id"]]
    assert set(await ids(year="2023")) == {a["id"], c["id"]}
    assert set(await ids(kind="other")) == {b["id"], c["id"]}
    assert await ids(verification="verified") == []


async def test_verification_only_from_above(
    client: httpx.AsyncClient, tree: Tree, auth_headers: AuthHeaders, admin_headers: dict[str, str]
) -> None:
    activity = await create(
        client, admin_headers, body(tree["G1"], "dialogue", leaders_present=["A"])
    )
    url = f"{URL}/{activity['id']}"
    own = await auth_headers(Role.reviewer, tree["G1"])
    assert_problem(await client.post(f"{url}/verify", headers=own), 403, "verify_own_unit")
    manager = await auth_headers(Role.manager, tree["P"])
    assert_problem(await client.post(f"{url}/verify", headers=manager), 403, "forbidden")
    elsewhere = await auth_headers(Role.reviewer, tree["G2"])
    assert_problem(await client.post(f"{url}/verify", headers=elsewhere), 404, "activity_not_found")
    above = await auth_headers(Role.reviewer, tree["D"])
    verified = await client.post(f"{url}/verify", headers=above)
    assert verified.status_code == 200, verified.text
    assert verified.json()["verification"] == "verified"
    assert verified.json()["verified_by"]
    again = await client.post(f"{url}/reject", json={"reason": "Thiếu biên bản"}, headers=above)
    assert_problem(again, 409, "activity_already_reviewed")
    # An edit sends it back for review.
    edited = await client.patch(url, json={"questions_raised": 4}, headers=admin_headers)
    assert edited.json()["verification"] == "submitted"
    assert edited.json()["verified_by"] is None
    no_reason = await client.post(f"{url}/reject", json={}, headers=above)
    assert no_reason.status_code == 422
    rejected = await client.post(f"{url}/reject", json={"reason": "Thiếu biên bản"}, headers=above)
    assert rejected.json()["verification"] == "rejected"
    assert rejected.json()["rejected_reason"] == "Thiếu biên bản"
    assert_problem(
        await client.post(f"{url}/verify", headers=above), 409, "activity_already_reviewed"
    )


async def test_merge_patch_if_match_and_audit(
    client: httpx.AsyncClient, tree: Tree, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    created = await client.post(
        URL,
        json=body(tree["G1"], "resource_mobilisation", partner="A", value_vnd=5),
        headers=admin_headers,
    )
    url = f"{URL}/{created.json()['id']}"
    etag = created.headers["ETag"]
    bad = await client.patch(url, json={"value_vnd": 0}, headers=admin_headers)
    assert bad.status_code == 422
    kind = await client.patch(url, json={"kind": "other"}, headers=admin_headers)
    assert kind.status_code == 422
    ok = await client.patch(
        url,
        json={"value_vnd": 9, "description": "Nhà nhân ái"},
        headers={**admin_headers, "If-Match": etag},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["value_vnd"] == 9 and ok.json()["partner"] == "A"
    assert ok.json()["revision"] == 2
    stale = await client.patch(
        url, json={"value_vnd": 10}, headers={**admin_headers, "If-Match": etag}
    )
    assert_problem(stale, 412, "precondition_failed")
    events = (
        await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.resource == "activities")
            .order_by(AuditEvent.occurred_at)
        )
    ).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].fields == ["description", "value_vnd"]
    deleted = await client.delete(url, headers=admin_headers)
    assert deleted.status_code == 204
    assert (await client.get(url, headers=admin_headers)).status_code == 404


async def test_idempotent_create(
    client: httpx.AsyncClient, tree: Tree, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "act-1"}
    payload = body(tree["G1"], "other")
    first = await client.post(URL, json=payload, headers=headers)
    second = await client.post(URL, json=payload, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    listed = await client.get(URL, headers=admin_headers)
    assert len(listed.json()["items"]) == 1


async def test_closed_unit_accepts_no_new_evidence(
    client: httpx.AsyncClient, tree: Tree, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    version = await session.scalar(select(UnitVersion).where(UnitVersion.unit_id == tree["G2"].id))
    assert version is not None
    version.valid_to = date(2023, 7, 1)
    await session.commit()
    before = await client.post(URL, json=body(tree["G2"], "other"), headers=admin_headers)
    assert before.status_code == 201
    after = await client.post(
        URL, json={**body(tree["G2"], "other"), "occurred_on": "2023-07-01"}, headers=admin_headers
    )
    assert_problem(after, 409, "unit_closed")
