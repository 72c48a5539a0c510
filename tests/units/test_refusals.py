"""Every refusal of the units feature answers a problem with its status and stable code."""

import uuid

import httpx
from fastapi import FastAPI

from doan3cd.auth.principal import Grant, Principal, Role
from tests.helpers import act_as, assert_problem, scoped_principal
from tests.units.conftest import UNITS, MakeUnit, Tree, post, unit_path


def move(tree: Tree, code: str, parent: str, on: str = "2023-01-01") -> tuple[str, dict[str, str]]:
    return f"/{tree[code]['id']}/move", {"parent_id": tree[parent]["id"], "effective_on": on}


async def test_cycles(client: httpx.AsyncClient, tree: Tree) -> None:
    path, body = move(tree, "D1", "G1")
    assert_problem(await post(client, path, **body), 409, "unit_cycle")
    path, body = move(tree, "P", "P")
    assert_problem(await post(client, path, **body), 409, "unit_cycle")
    merge = {
        "source_ids": [tree["D1"]["id"]],
        "target_id": tree["G1"]["id"],
        "effective_on": "2023-01-01",
    }
    assert_problem(await post(client, "/merge", **merge), 409, "unit_cycle")


async def test_forbidden_parent_kind(client: httpx.AsyncClient, tree: Tree) -> None:
    branch = {"code": "X", "name": "Chi đoàn X", "kind": "branch", "parent_id": tree["P"]["id"]}
    assert_problem(await client.post(UNITS, json=branch), 422, "unit_parent_kind_forbidden")
    path, body = move(tree, "G2", "B1")
    assert_problem(await post(client, path, **body), 422, "unit_parent_kind_forbidden")
    # The district level is abolished on 1/7/2025: no district, and nothing under one, after it.
    late = {
        "code": "D9",
        "name": "Huyện Đoàn Mới",
        "kind": "district",
        "parent_id": tree["P"]["id"],
        "effective_on": "2025-07-01",
    }
    assert_problem(await client.post(UNITS, json=late), 422, "unit_parent_kind_forbidden")
    path, body = move(tree, "G2", "D1", on="2025-07-01")
    assert_problem(await post(client, path, **body), 422, "unit_parent_kind_forbidden")


async def test_overlapping_versions(client: httpx.AsyncClient, tree: Tree) -> None:
    url = f"{UNITS}/{tree['G1']['id']}"
    assert (
        await client.patch(url, json={"name": "Mới", "effective_on": "2024-01-01"})
    ).status_code == 200
    earlier = await client.patch(url, json={"name": "Cũ hơn", "effective_on": "2023-01-01"})
    body = assert_problem(earlier, 409, "unit_version_overlap")
    assert "2024-01-01" in str(body["detail"])
    # A move of D1 dated before G1's later version would leave that version's path stale.
    path, move_body = move(tree, "D1", "TW", on="2023-06-01")
    assert_problem(await post(client, path, **move_body), 409, "unit_version_overlap")


async def test_change_before_the_unit_existed(client: httpx.AsyncClient, tree: Tree) -> None:
    early = await client.patch(
        f"{UNITS}/{tree['G1']['id']}", json={"name": "X", "effective_on": "2019-12-31"}
    )
    assert_problem(early, 409, "unit_change_before_start")
    child = {
        "code": "G7",
        "name": "Xã đoàn Bảy",
        "kind": "grassroots",
        "parent_id": tree["D1"]["id"],
        "effective_on": "2019-06-01",
    }
    assert_problem(await client.post(UNITS, json=child), 409, "unit_change_before_start")
    path, body = move(tree, "G1", "D2", on="2019-06-01")
    assert_problem(await post(client, path, **body), 409, "unit_change_before_start")


async def test_closed_units(client: httpx.AsyncClient, tree: Tree) -> None:
    closed = await post(client, f"/{tree['G2']['id']}/close", effective_on="2024-01-01")
    assert closed.status_code == 200, closed.text
    path, body = move(tree, "B1", "G2", on="2024-06-01")
    assert_problem(await post(client, path, **body), 409, "unit_closed")
    # Even dated before its closing: a child may not outlive its parent.
    path, body = move(tree, "B1", "G2", on="2023-06-01")
    assert_problem(await post(client, path, **body), 409, "unit_closed")
    branch = {
        "code": "B9",
        "name": "Chi đoàn B9",
        "kind": "branch",
        "parent_id": tree["G2"]["id"],
        "effective_on": "2024-02-01",
    }
    assert_problem(await client.post(UNITS, json=branch), 409, "unit_closed")
    edit = await client.patch(
        f"{UNITS}/{tree['G2']['id']}", json={"name": "Y", "effective_on": "2024-06-01"}
    )
    assert_problem(edit, 409, "unit_closed")
    merge = {
        "source_ids": [tree["G1"]["id"]],
        "target_id": tree["G2"]["id"],
        "effective_on": "2024-06-01",
    }
    assert_problem(await post(client, "/merge", **merge), 409, "unit_closed")


async def test_duplicate_codes(client: httpx.AsyncClient, tree: Tree) -> None:
    again = {"code": "G1", "name": "Trùng mã", "kind": "grassroots", "parent_id": tree["P"]["id"]}
    assert_problem(await client.post(UNITS, json=again), 409, "unit_code_taken")
    split = {
        "successors": [
            {"code": "S1", "name": "A", "kind": "district"},
            {"code": "S1", "name": "B", "kind": "district"},
        ],
        "assignments": {tree["G2"]["id"]: "S1"},
        "effective_on": "2024-01-01",
    }
    assert_problem(
        await post(client, f"/{tree['D2']['id']}/split", **split), 409, "unit_code_taken"
    )


async def test_unknown_units(client: httpx.AsyncClient, tree: Tree) -> None:
    ghost = str(uuid.uuid4())
    assert_problem(await client.get(f"{UNITS}/{ghost}/history"), 404, "unit_not_found")
    assert_problem(await client.get(f"{UNITS}/{ghost}/children"), 404, "unit_not_found")
    assert_problem(
        await client.patch(f"{UNITS}/{ghost}", json={"name": "X"}), 404, "unit_not_found"
    )
    path, body = move(tree, "G1", "D2")
    assert_problem(await post(client, path, **(body | {"parent_id": ghost})), 404, "unit_not_found")
    orphan = {"code": "Z", "name": "Z", "kind": "grassroots", "parent_id": ghost}
    assert_problem(await client.post(UNITS, json=orphan), 404, "unit_not_found")
    merge = {"source_ids": [ghost], "target_id": tree["D2"]["id"], "effective_on": "2023-01-01"}
    assert_problem(await post(client, "/merge", **merge), 404, "unit_not_found")


async def test_other_refusals(client: httpx.AsyncClient, tree: Tree, make_unit: MakeUnit) -> None:
    path, body = move(tree, "G1", "D1")
    assert_problem(await post(client, path, **body), 422, "unit_move_noop")
    same = {
        "source_ids": [tree["D1"]["id"]],
        "target_id": tree["D1"]["id"],
        "effective_on": "2023-01-01",
    }
    assert_problem(await post(client, "/merge", **same), 422, "unit_merge_invalid")
    split = {
        "successors": [
            {"code": "S1", "name": "A", "kind": "district"},
            {"code": "S2", "name": "B", "kind": "district"},
        ],
        "assignments": {},
        "effective_on": "2024-01-01",
    }
    assert_problem(
        await post(client, f"/{tree['D2']['id']}/split", **split), 422, "unit_split_invalid"
    )
    fresh = await make_unit("G8", "grassroots", tree["P"], on="2024-03-01")
    first_day = await post(client, f"/{fresh['id']}/close", effective_on="2024-03-01")
    assert_problem(first_day, 409, "unit_close_on_start")


async def test_scope_on_writes(client: httpx.AsyncClient, tree: Tree, app: FastAPI) -> None:
    d1_path = await unit_path(client, tree["D1"]["id"])
    p_path = await unit_path(client, tree["P"]["id"])
    act_as(app, scoped_principal(Role.manager, uuid.UUID(tree["D1"]["id"]), d1_path))
    # D2 is outside the manager's subtree: missing, whether read or used as a target.
    path, body = move(tree, "G1", "D2")
    assert_problem(await post(client, path, **body), 404, "unit_not_found")
    child = {
        "code": "G5",
        "name": "Xã đoàn Năm",
        "kind": "grassroots",
        "parent_id": tree["D2"]["id"],
        "effective_on": "2023-01-01",
    }
    assert_problem(await client.post(UNITS, json=child), 404, "unit_not_found")
    assert (
        await client.post(UNITS, json=child | {"parent_id": tree["D1"]["id"]})
    ).status_code == 201
    top = {"code": "ROOT2", "name": "Gốc", "kind": "central"}
    assert_problem(await client.post(UNITS, json=top), 403, "forbidden")
    # Reading the whole province but writing only D1: D2 is visible, not writable.
    act_as(
        app,
        Principal(
            id=uuid.uuid4(),
            kind="user",
            name="mixed",
            grants=(
                Grant(Role.manager, uuid.UUID(tree["D1"]["id"]), d1_path),
                Grant(Role.viewer, uuid.UUID(tree["P"]["id"]), p_path),
            ),
        ),
    )
    assert_problem(await post(client, path, **body), 403, "forbidden")
    # A viewer holds units:write nowhere.
    act_as(app, scoped_principal(Role.viewer, uuid.UUID(tree["P"]["id"]), p_path))
    patch = await client.patch(f"{UNITS}/{tree['G1']['id']}", json={"name": "X"})
    assert_problem(patch, 403, "forbidden")
    assert (await client.get(f"{UNITS}/{tree['G1']['id']}")).status_code == 200
