"""Move, merge, close and split: dated, dry-runnable, history kept, followers told."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.units.followers import FollowerChange, register_follower, unregister_follower
from tests.helpers import assert_problem
from tests.units.conftest import UNITS, MakeUnit, Tree, get, post

CALLS: list[FollowerChange] = []


async def count_records(_: AsyncSession, change: FollowerChange) -> dict[str, int]:
    """A stand-in for a later feature (members…): two records per unit involved."""
    CALLS.append(change)
    return {"records": 2 * len(change.unit_ids)}


@pytest.fixture
def follower() -> Iterator[list[FollowerChange]]:
    CALLS.clear()
    register_follower("test-records", count_records)
    yield CALLS
    unregister_follower("test-records")


def changes(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["code"], c["change"]) for c in body["changes"]]


async def ancestors(client: httpx.AsyncClient, unit: dict[str, Any], on: str) -> list[str]:
    response = await client.get(f"{UNITS}/{unit['id']}/ancestors", params={"as_of": on})
    return [a["code"] for a in response.json()["items"]]


async def test_move_dry_run_then_real(
    client: httpx.AsyncClient, tree: Tree, follower: list[FollowerChange]
) -> None:
    request = {"parent_id": tree["D2"]["id"], "effective_on": "2023-06-01", "decision_ref": "QĐ 7"}
    dry = await post(client, f"/{tree['G1']['id']}/move", **request, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True and dry.json()["event_id"] is None
    assert changes(dry.json()) == [("G1", "moved"), ("B1", "carried")]
    assert dry.json()["followers"] == {"records": 4}
    assert follower[0].kind == "move" and follower[0].dry_run
    assert await ancestors(client, tree["B1"], "2024-01-01") == ["TW", "P", "D1", "G1"]

    real = await post(client, f"/{tree['G1']['id']}/move", **request)
    assert real.json()["dry_run"] is False and real.json()["event_id"]
    assert changes(real.json()) == changes(dry.json())
    assert await ancestors(client, tree["B1"], "2023-05-31") == ["TW", "P", "D1", "G1"]
    assert await ancestors(client, tree["B1"], "2023-06-01") == ["TW", "P", "D2", "G1"]
    children = await client.get(
        f"{UNITS}/{tree['D2']['id']}/children", params={"as_of": "2023-06-01"}
    )
    assert [c["code"] for c in children.json()["items"]] == ["G1", "G2"]

    history = (await client.get(f"{UNITS}/{tree['G1']['id']}/history")).json()
    move = history["events"][-1]
    assert (move["kind"], move["role"], move["decision_ref"]) == ("move", "subject", "QĐ 7")
    assert {(u["code"], u["role"]) for u in move["units"]} == {
        ("G1", "subject"),
        ("D2", "target"),
        ("D1", "former_parent"),
    }
    assert [v["parent_code"] for v in history["versions"]] == ["D1", "D2"]
    branch = (await client.get(f"{UNITS}/{tree['B1']['id']}/history")).json()
    assert [e["role"] for e in branch["events"]] == ["subject", "carried"]
    former = (await client.get(f"{UNITS}/{tree['D1']['id']}/history")).json()
    assert [e["role"] for e in former["events"]] == ["subject", "former_parent"]


async def test_move_is_idempotent(client: httpx.AsyncClient, tree: Tree) -> None:
    url = f"{UNITS}/{tree['G1']['id']}/move"
    body = {"parent_id": tree["D2"]["id"], "effective_on": "2023-06-01"}
    first = await client.post(url, json=body, headers={"Idempotency-Key": "move-1"})
    again = await client.post(url, json=body, headers={"Idempotency-Key": "move-1"})
    assert again.json() == first.json() and again.headers["idempotency-replayed"] == "true"


async def test_merge_moves_children_closes_sources_and_calls_followers(
    client: httpx.AsyncClient, tree: Tree, make_unit: MakeUnit, follower: list[FollowerChange]
) -> None:
    d3 = await make_unit("D3", "district", tree["P"], on="2023-01-01")
    request = {
        "source_ids": [tree["D1"]["id"], tree["D2"]["id"]],
        "target_id": d3["id"],
        "effective_on": "2024-01-01",
    }
    dry = await post(client, "/merge", **request, dry_run=True)
    assert changes(dry.json()) == [
        ("G1", "moved"),
        ("G2", "moved"),
        ("B1", "carried"),
        ("D1", "closed"),
        ("D2", "closed"),
    ]
    assert dry.json()["followers"] == {"records": 4}
    assert (await get(client, tree["D1"], as_of="2024-01-01")).status_code == 200

    real = await post(client, "/merge", **request)
    assert changes(real.json()) == changes(dry.json())
    real_call = follower[1]
    assert real_call.kind == "merge" and not real_call.dry_run
    assert real_call.target_id is not None and str(real_call.target_id) == d3["id"]
    assert {str(u) for u in real_call.unit_ids} == {tree["D1"]["id"], tree["D2"]["id"]}
    assert await ancestors(client, tree["B1"], "2024-01-01") == ["TW", "P", "D3", "G1"]
    assert await ancestors(client, tree["B1"], "2023-12-31") == ["TW", "P", "D1", "G1"]
    assert_problem(await get(client, tree["D1"], as_of="2024-01-01"), 404, "unit_not_found")
    closed = (await get(client, tree["D1"])).json()
    assert closed["valid_to"] == "2024-01-01"
    history = (await client.get(f"{UNITS}/{tree['D2']['id']}/history")).json()
    assert history["events"][-1]["role"] == "source"
    assert history["events"][-1]["details"] == {"units_changed": 5, "followers": {"records": 4}}


async def test_close(client: httpx.AsyncClient, tree: Tree, follower: list[FollowerChange]) -> None:
    refused = await post(client, f"/{tree['D2']['id']}/close", effective_on="2024-01-01")
    body = assert_problem(refused, 409, "unit_has_children")
    assert "D2" in str(body["detail"])
    await post(
        client, f"/{tree['G2']['id']}/move", parent_id=tree["D1"]["id"], effective_on="2024-01-01"
    )
    closed = await post(client, f"/{tree['D2']['id']}/close", effective_on="2024-01-01")
    assert changes(closed.json()) == [("D2", "closed")]
    assert follower[-1].kind == "close" and follower[-1].target_id is None
    assert (await get(client, tree["D2"])).json()["valid_to"] == "2024-01-01"
    assert (await get(client, tree["D2"], as_of="2023-12-31")).status_code == 200
    again = await post(client, f"/{tree['D2']['id']}/close", effective_on="2025-01-01")
    assert_problem(again, 409, "unit_closed")


async def test_split(client: httpx.AsyncClient, tree: Tree, make_unit: MakeUnit) -> None:
    g3 = await make_unit("G3", "grassroots", tree["D1"])
    split = await post(
        client,
        f"/{tree['D1']['id']}/split",
        successors=[
            {"code": "D1A", "name": "Huyện Đoàn Một A", "kind": "district"},
            {"code": "D1B", "name": "Huyện Đoàn Một B", "kind": "district"},
        ],
        assignments={tree["G1"]["id"]: "D1A", g3["id"]: "D1B"},
        effective_on="2024-01-01",
        decision_ref="QĐ 9",
    )
    assert split.status_code == 200, split.text
    assert changes(split.json()) == [
        ("D1A", "established"),
        ("D1B", "established"),
        ("G1", "moved"),
        ("G3", "moved"),
        ("B1", "carried"),
        ("D1", "closed"),
    ]
    assert await ancestors(client, tree["B1"], "2024-01-01") == ["TW", "P", "D1A", "G1"]
    history = (await client.get(f"{UNITS}/{tree['D1']['id']}/history")).json()
    split_event = history["events"][-1]
    assert (split_event["kind"], split_event["role"]) == ("split", "source")
    assert {(u["code"], u["role"]) for u in split_event["units"]} == {
        ("D1", "source"),
        ("D1A", "successor"),
        ("D1B", "successor"),
    }
