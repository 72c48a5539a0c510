"""The floors P1 is measured against, as uvicorn factories (`bench.baseline_apps:b3_app`).

B1: a bare Starlette endpoint returning the app's JSON for the same request (`BENCH_B1_BODY`) on
every path, no database.
B3: a bare Starlette endpoint doing the single primary-key query on a psycopg async pool
(`BENCH_DATABASE_URL`, a libpq URL) and returning the same JSON fields as `GET /members/{id}`.
"""

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MEMBER_PATH = "/api/v1/members/{member_id}"
POOL_SIZE = 10  # the app's default pool size
MEMBER_QUERY = """
SELECT id, full_name, date_of_birth, gender, phone, email, address, occupation, education,
       member_code, card_number, joined_on, branch_id, status, status_changed_on,
       party_admitted_on, is_cadre, row_version AS revision
FROM member WHERE id = %s
"""


def _json(value: Any) -> str:
    return str(value)  # dates and uuids, as the app writes them


def b1_app() -> Starlette:
    body = os.environ["BENCH_B1_BODY"].encode()

    async def answer(_: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", answer)])


def b3_app() -> Starlette:
    pool = AsyncConnectionPool(
        os.environ["BENCH_DATABASE_URL"],
        min_size=POOL_SIZE,
        max_size=POOL_SIZE,
        kwargs={"autocommit": True, "row_factory": dict_row},
        open=False,
    )

    async def member(request: Request) -> Response:
        async with pool.connection() as conn:
            cursor = await conn.execute(MEMBER_QUERY, (request.path_params["member_id"],))
            row = await cursor.fetchone()
        if row is None:
            return Response(status_code=404)
        body = json.dumps({**row, "external_ids": []}, default=_json, ensure_ascii=False)
        return Response(body.encode(), media_type="application/json")

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await pool.open(wait=True)
        yield
        await pool.close()

    return Starlette(routes=[Route(MEMBER_PATH, member)], lifespan=lifespan)
