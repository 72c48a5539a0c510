"""/units on small trees: reads on dates, create, edit, reorganise, and every refusal."""

import uuid

import httpx

from tests.helpers import assert_problem
from tests.units.conftest import UNITS, Tree, get

# --- reads and writes ------------------------------------------------------------------------


async def test_create_returns_location_and_etag_and_get_honours_it(
    client: httpx.AsyncClient, tree: Tree
) -> None:
    body = {
        "code": "G3",
        "name": "Đoàn  trường THPT Hàm Giang ",
        "kind": "grassroots",
        "parent_id": tree["D1"]["id"],
        "effective_on": "2021-02-03",
        "decision_ref": "QĐ 1",
    }
    created = await client.post(UNITS, json=body)
    assert created.status_code == 201
    assert created.json()["name"] == "Đoàn trường THPT Hàm Giang"
    assert created.json()["valid_from"] == "2021-02-03"
    fetched = await client.get(created.headers["location"])
    assert fetched.json() == created.json()
    assert fetched.headers["etag"] == created.headers["etag"]
    cached = await client.get(
        created.headers["location"], headers={"If-None-Match": fetched.headers["etag"]}
    )
    assert cached.status_code == 304


async def test_create_is_idempotent(client: httpx.AsyncClient, tree: Tree) -> None:
    body = {
        "code": "G9",
        "name": "Xã đoàn Tân An",
        "kind": "grassroots",
        "parent_id": tree["P"]["id"],
    }
    first = await client.post(UNITS, json=body, headers={"Idempotency-Key": "create-g9"})
    again = await client.post(UNITS, json=body, headers={"Idempotency-Key": "create-g9"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    assert again.headers["idempotency-replayed"] == "true"


async def test_get_on_dates(client: httpx.AsyncClient, tree: Tree) -> None:
    assert (await get(client, tree["G1"], as_of="2020-01-01")).status_code == 200
    assert_problem(await get(client, tree["G1"], as_of="2019-12-31"), 404, "unit_not_found")
    assert_problem(await client.get(f"{UNITS}/{uuid.uuid4()}"), 404, "unit_not_found")


async def test_patch_renames_from_a_date_and_keeps_the_old_name(
    client: httpx.AsyncClient, tree: Tree
) -> None:
    current = await get(client, tree["G1"])
    renamed = await client.patch(
        f"{UNITS}/{tree['G1']['id']}",
        json={"name": "Đoàn xã Hiếu Trung", "effective_on": "2024-01-01", "decision_ref": "QĐ 45"},
        headers={
            "If-Match": current.headers["etag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Đoàn xã Hiếu Trung"
    assert renamed.json()["revision"] == current.json()["revision"] + 1
    assert renamed.headers["etag"] != current.headers["etag"]
    before = await get(client, tree["G1"], as_of="2023-12-31")
    assert before.json()["name"] == "Xã đoàn Hiếu Trung"
    history = (await client.get(f"{UNITS}/{tree['G1']['id']}/history")).json()
    assert [e["kind"] for e in history["events"]] == ["establish", "rename"]
    assert history["events"][1]["decision_ref"] == "QĐ 45"
    assert [v["valid_to"] for v in history["versions"]] == ["2024-01-01", None]
    # The accent-insensitive search follows the new name, and the old one on old dates.
    found = await client.get(UNITS, params={"q": "doan xa hieu"})
    assert [u["code"] for u in found.json()["items"]] == ["G1"]
    old = await client.get(UNITS, params={"q": "xa doan hieu", "as_of": "2023-06-01"})
    assert [u["code"] for u in old.json()["items"]] == ["G1"]


async def test_patch_on_the_versions_first_day_replaces_it(
    client: httpx.AsyncClient, tree: Tree
) -> None:
    response = await client.patch(
        f"{UNITS}/{tree['G2']['id']}", json={"short_name": "XĐ LĐ", "effective_on": "2020-01-01"}
    )
    assert response.json()["short_name"] == "XĐ LĐ"
    history = (await client.get(f"{UNITS}/{tree['G2']['id']}/history")).json()
    assert len(history["versions"]) == 1


async def test_stale_if_match_is_412(client: httpx.AsyncClient, tree: Tree) -> None:
    etag = (await get(client, tree["G2"])).headers["etag"]
    url = f"{UNITS}/{tree['G2']['id']}"
    assert (
        await client.patch(
            url, json={"name": "A", "effective_on": "2024-01-01"}, headers={"If-Match": etag}
        )
    ).status_code == 200
    stale = await client.patch(
        url, json={"name": "B", "effective_on": "2024-06-01"}, headers={"If-Match": etag}
    )
    assert_problem(stale, 412, "precondition_failed")
    assert (await get(client, tree["G2"])).json()["name"] == "A"


async def test_patch_code_and_nulls(client: httpx.AsyncClient, tree: Tree) -> None:
    url = f"{UNITS}/{tree['G2']['id']}"
    changed = await client.patch(url, json={"code": "G2-NEW"})
    assert changed.json()["code"] == "G2-NEW"
    assert_problem(await client.patch(url, json={"code": "G1"}), 409, "unit_code_taken")
    assert_problem(await client.patch(url, json={"name": None}), 422, "validation_failed")
    assert_problem(await client.patch(url, json={"path": "/x/"}), 422, "validation_failed")


async def test_lists_children_and_filters(client: httpx.AsyncClient, tree: Tree) -> None:
    children = await client.get(f"{UNITS}/{tree['P']['id']}/children")
    assert [c["code"] for c in children.json()["items"]] == ["D1", "D2"]
    within = await client.get(UNITS, params={"within": tree["D1"]["id"]})
    assert [u["code"] for u in within.json()["items"]] == ["D1", "G1", "B1"]
    grassroots = await client.get(UNITS, params={"within": tree["P"]["id"], "kind": "grassroots"})
    # same depth: by folded name ("xa doan hieu trung" < "xa doan long duc")
    assert [u["code"] for u in grassroots.json()["items"]] == ["G1", "G2"]
    assert_problem(
        await client.get(UNITS, params={"within": str(uuid.uuid4())}), 404, "unit_not_found"
    )
    assert_problem(await client.get(UNITS, params={"kind": "village"}), 422, "validation_failed")
    by_code = await client.get(UNITS, params={"q": "g1"})
    assert [u["code"] for u in by_code.json()["items"]] == ["G1"]
