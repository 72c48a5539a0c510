"""/plans: items linked to the activities that carried them, merge-patch of items, filters."""

from typing import Any

import httpx

from doan3cd.auth.principal import Role
from tests.conftest import AuthHeaders
from tests.evidence.tree import Tree
from tests.helpers import assert_problem

URL = "/api/v1/plans"
ACTIVITIES = "/api/v1/activities"


def plan_body(unit: Any, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "unit_id": str(unit.id),
        "year": 2023,
        "kind": "annual_programme",
        "title": "Chương trình công tác Đoàn năm 2023",
        "adopted_on": "2023-01-15",
        "document_ref": "01-CTr/ĐTN",
        "items": [
            {"title": "Công trình thanh niên", "activity_kind": "youth_project",
             "planned_on": "2023-03-26"},
            {"title": "Đối thoại", "activity_kind": "dialogue", "planned_on": "2023-08-01"},
        ],
    }  # fmt: skip
    body.update(changes)
    return body


async def test_items_link_activities_and_patch_replaces_them(
    client: httpx.AsyncClient, tree: Tree, admin_headers: dict[str, str]
) -> None:
    created = await client.post(URL, json=plan_body(tree["G1"]), headers=admin_headers)
    assert created.status_code == 201, created.text
    plan = created.json()
    project_item, dialogue_item = plan["items"]
    activity = await client.post(
        ACTIVITIES,
        json={
            "kind": "youth_project",
            "unit_id": str(tree["B1"].id),
            "occurred_on": "2023-03-26",
            "title": "Tuyến đường xanh",
            "plan_item_id": project_item["id"],
        },
        headers=admin_headers,
    )
    assert activity.status_code == 201, activity.text
    elsewhere = await client.post(
        ACTIVITIES,
        json={
            "kind": "other",
            "unit_id": str(tree["G2"].id),
            "occurred_on": "2023-03-26",
            "title": "Ở đơn vị khác",
            "plan_item_id": project_item["id"],
        },
        headers=admin_headers,
    )
    assert_problem(elsewhere, 422, "plan_item_not_found")
    url = f"{URL}/{plan['id']}"
    fetched = await client.get(url, headers=admin_headers)
    assert fetched.json()["items"][0]["activity_ids"] == [activity.json()["id"]]

    kept_item = {"id": project_item["id"], "title": "Công trình 26/3", "planned_on": "2023-03-26"}
    patched = await client.patch(
        url,
        json={"adopted_on": None, "items": [kept_item, {"title": "Kiểm điểm cuối năm"}]},
        headers={**admin_headers, "If-Match": fetched.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["adopted_on"] is None  # back to a draft
    assert [i["title"] for i in body["items"]] == ["Công trình 26/3", "Kiểm điểm cuối năm"]
    assert body["items"][0]["activity_ids"] == [activity.json()["id"]]
    assert dialogue_item["id"] not in {i["id"] for i in body["items"]}
    assert body["revision"] == 2

    deleted = await client.delete(url, headers=admin_headers)
    assert deleted.status_code == 204
    kept = await client.get(f"{ACTIVITIES}/{activity.json()['id']}", headers=admin_headers)
    assert kept.json()["plan_item_id"] is None


async def test_filters_scope_and_validation(
    client: httpx.AsyncClient, tree: Tree, auth_headers: AuthHeaders, admin_headers: dict[str, str]
) -> None:
    ours = (await client.post(URL, json=plan_body(tree["G1"]), headers=admin_headers)).json()
    theirs = (
        await client.post(
            URL, json=plan_body(tree["G2"], kind="thematic", year=2024), headers=admin_headers
        )
    ).json()
    bad = await client.post(URL, json=plan_body(tree["G1"], kind="yearly"), headers=admin_headers)
    assert bad.status_code == 422
    manager = await auth_headers(Role.manager, tree["G1"])
    assert_problem(
        await client.get(f"{URL}/{theirs['id']}", headers=manager), 404, "plan_not_found"
    )
    listed = await client.get(URL, headers=manager)
    assert [p["id"] for p in listed.json()["items"]] == [ours["id"]]

    async def ids(**params: str) -> list[str]:
        response = await client.get(URL, params=params, headers=admin_headers)
        return [p["id"] for p in response.json()["items"]]

    assert await ids(year="2024") == [theirs["id"]]
    assert await ids(kind="annual_programme") == [ours["id"]]
    assert await ids(within=str(tree["G2"].id)) == [theirs["id"]]
    assert await ids(unit=str(tree["G1"].id)) == [ours["id"]]
    assert set(await ids(within=str(tree["D"].id))) == {ours["id"], theirs["id"]}
