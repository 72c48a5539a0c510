"""Fixtures for unit tests: an admin caller and a small way to build trees through the API."""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from doan3cd.auth.principal import Principal
from tests.helpers import act_as, admin_principal

UNITS = "/api/v1/units"

MakeUnit = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def admin(app: FastAPI) -> Principal:
    return act_as(app, admin_principal())


@pytest.fixture
def make_unit(client: httpx.AsyncClient, admin: Principal) -> MakeUnit:
    """POST /units and return the created unit (asserting 201)."""

    async def make(
        code: str,
        kind: str,
        parent: dict[str, Any] | None = None,
        on: str = "2020-01-01",
        name: str | None = None,
    ) -> dict[str, Any]:
        body = {
            "code": code,
            "name": name or f"Đoàn {code}",
            "kind": kind,
            "parent_id": parent["id"] if parent else None,
            "effective_on": on,
        }
        response = await client.post(UNITS, json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return make


async def unit_path(client: httpx.AsyncClient, unit_id: str, as_of: str | None = None) -> str:
    """The materialised path of a unit (what a Grant holds), from its ancestors on a date."""
    params = {"as_of": as_of} if as_of else {}
    response = await client.get(f"{UNITS}/{unit_id}/ancestors", params=params)
    assert response.status_code == 200, response.text
    chain = [a["id"] for a in response.json()["items"]] + [unit_id]
    return "/" + "".join(uuid.UUID(i).hex + "/" for i in chain)


Tree = dict[str, dict[str, Any]]


@pytest_asyncio.fixture
async def tree(make_unit: MakeUnit) -> Tree:
    """TW → P → D1 → G1 → B1, and P → D2 → G2 (all from 2020-01-01)."""
    tw = await make_unit("TW", "central", on="1931-03-26")
    p = await make_unit("P", "province", tw)
    d1 = await make_unit("D1", "district", p)
    d2 = await make_unit("D2", "district", p)
    g1 = await make_unit("G1", "grassroots", d1, name="Xã đoàn Hiếu Trung")
    g2 = await make_unit("G2", "grassroots", d2, name="Xã đoàn Long Đức")
    b1 = await make_unit("B1", "branch", g1, name="Chi đoàn ấp Chợ")
    return {"TW": tw, "P": p, "D1": d1, "D2": d2, "G1": g1, "G2": g2, "B1": b1}


async def get(client: httpx.AsyncClient, unit: Mapping[str, Any], **params: str) -> httpx.Response:
    return await client.get(f"{UNITS}/{unit['id']}", params=params)


async def post(client: httpx.AsyncClient, path: str, **body: Any) -> httpx.Response:
    return await client.post(f"{UNITS}{path}", json=body)
