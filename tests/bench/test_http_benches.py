"""The HTTP benchmarks' cores run on a tiny setting, so they cannot rot. No timing is asserted:
only that every request was made and answered as the benchmark expects."""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import pytest_asyncio
from bench.baseline_apps import b1_app, b3_app
from bench.dashboard import works
from bench.load import interleaved
from bench.member_get import measure
from bench.overload import overload
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import add_unit

BODY = '{"id": "b1"}'


def asgi_client(app: FastAPI, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    )


@pytest_asyncio.fixture
async def b1(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("BENCH_B1_BODY", BODY)
    transport = httpx.ASGITransport(app=b1_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://b1") as client:
        yield client


async def test_member_get_measures_every_target_every_run(
    app: FastAPI, session: AsyncSession, admin_headers: dict[str, str], b1: httpx.AsyncClient
) -> None:
    branch = await add_unit(session, "BENCH.B", await add_unit(session, "BENCH.G"), kind="branch")
    await session.commit()
    async with asgi_client(app, admin_headers) as http:
        created = await http.post(
            "/api/v1/members",
            json={"full_name": "Nguyễn Văn An", "date_of_birth": "2000-05-17",
                  "joined_on": "2017-03-26", "branch_id": str(branch.id)},
        )  # fmt: skip
        path = f"/api/v1/members/{created.json()['id']}"
        # One connection: the test app's sessions share one database connection.
        figures = await measure(
            {"app": http, "b1": b1}, [path], requests=3, concurrency=1, runs=2, warmup=1
        )
    assert figures["non_200"] == {"app": 0, "b1": 0}
    assert [len(r) for r in figures["req_per_s"].values()] == [2, 2]


@pytest.mark.skipif(not os.environ.get("DOAN3CD_TEST_DATABASE_URL"), reason="PostgreSQL only")
async def test_b3_queries_the_member_table(monkeypatch: pytest.MonkeyPatch) -> None:
    url = make_url(os.environ["DOAN3CD_TEST_DATABASE_URL"]).set(drivername="postgresql")
    monkeypatch.setenv("BENCH_DATABASE_URL", url.render_as_string(hide_password=False))
    b3 = b3_app()
    async with (
        b3.router.lifespan_context(b3),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=b3), base_url="http://b3") as http,
    ):
        assert (await http.get(f"/api/v1/members/{uuid.uuid4()}")).status_code == 404


async def test_dashboard_engine_and_oracle_agree_on_a_province(
    app: FastAPI, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    province = await add_unit(session, "BENCH.P", kind="province")
    other = await add_unit(session, "BENCH.G0")
    district = await add_unit(session, "BENCH.D", province, kind="district")
    grassroots = await add_unit(session, "BENCH.G1", district)
    await add_unit(session, "BENCH.B1", grassroots, kind="branch")
    await session.commit()

    @asynccontextmanager
    async def sessions() -> AsyncIterator[AsyncSession]:
        yield session

    async with asgi_client(app, admin_headers) as http:
        _, last = await interleaved(works(http, sessions, province.id, province.path), runs=1)
    assert set(last["oracle"]) == {grassroots.id} and other.id not in last["engine"]
    assert last["engine"] == last["oracle"]
    assert last["dashboard"]["totals"]["units"] == 1


async def test_overload_runs_every_phase(b1: httpx.AsyncClient) -> None:
    path = "/api/v1/members/any"
    figures = await overload([b1], [b1], path, concurrency=2, probe_requests=4, seconds=0.1)
    for phase in ("half", "half_b1", "double", "double_b1"):
        assert figures[phase]["requests"] == figures[phase]["served"] > 0
        assert figures[phase]["errors"] == figures[phase]["shed"] == 0
