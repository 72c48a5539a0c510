"""P5: the province dashboard vs the SQL it needs, and one unit's verdict p95.

    python -m bench.dashboard --database-url postgresql+psycopg://postgres@127.0.0.1:5432/<db> \\
        [--units 1000] [--runs 7] [--unit-requests 100]

Use a throwaway PostgreSQL database: it is migrated and filled once with `bench.verdicts`' year
(`--units` grassroots units, 200 per province). Every session, the app's too, runs with JIT off
unless `--keep-jit` (see `bench.dataset.without_jit`). The app runs under uvicorn (one worker).
Then, interleaved, `--runs` times each: `GET /dashboards/three-proactives?year=&root=<province>`
with an API token (wall time at the client), B5 restricted to that province (`bench.oracle`, one
SQL statement, rows fetched and shaped), and — to show where the dashboard's time goes — the
engine alone in this process (the province's units, batch loader + evaluate). Checks the engine
and the oracle agree, prints the medians and the ratio dashboard/oracle (target ≤ 1.2). Then
`--unit-requests` sequential `GET /units/{id}/three-proactives/{year}` of random grassroots units
of the province: p50 and p95 (target ≤ 50 ms). Writes bench/out/dashboard-<time>.json.
"""

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.dataset import api_token, bench_parser, ensure_generated, settings_for, without_jit
from bench.load import APP_ENV, Work, client, interleaved, ms, percentile, serve, write_report
from bench.oracle import oracle_values, verdict_values
from bench.verdicts import YEAR
from doan3cd.assessments import frameworks
from doan3cd.assessments.recompute import units_of_year
from doan3cd.assessments.verdicts import compute
from doan3cd.auth.permissions import Permission
from doan3cd.db.engine import make_async_engine
from doan3cd.db.session import make_sessionmaker

TARGET = 1.2
UNIT_P95_TARGET_MS = 50


class Sessions(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[AsyncSession]: ...


def works(
    http: httpx.AsyncClient, sessions: Sessions, root: uuid.UUID, root_path: str
) -> dict[str, Work]:
    """The three timed jobs over one root: each returns what it computed."""

    async def dashboard() -> dict[str, Any]:
        response = await http.get(
            "/api/v1/dashboards/three-proactives", params={"year": YEAR, "root": str(root)}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def oracle() -> dict[uuid.UUID, Any]:
        async with sessions() as session:
            return await oracle_values(session, YEAR, root_path)

    async def engine() -> dict[uuid.UUID, Any]:
        async with sessions() as session:
            framework = frameworks.decode(await frameworks.for_year(session, YEAR))
            unit_ids = await units_of_year(session, YEAR, framework.eligible_kinds, root)
            verdicts = await compute(session, framework, unit_ids, YEAR)
        return {unit_id: verdict_values(v) for unit_id, v in verdicts.items()}

    return {"dashboard": dashboard, "oracle": oracle, "engine": engine}


async def unit_latencies(http: httpx.AsyncClient, unit_ids: Sequence[uuid.UUID]) -> list[float]:
    """Seconds of one unit's live verdict, requested one after another."""
    latencies = []
    for unit_id in unit_ids:
        started = time.perf_counter()
        response = await http.get(f"/api/v1/units/{unit_id}/three-proactives/{YEAR}")
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return sorted(latencies)


async def province(session: AsyncSession) -> tuple[uuid.UUID, str, list[uuid.UUID]]:
    """The first generated province: its id, path and grassroots units."""
    root_id, root_path = (
        await session.execute(
            text("SELECT unit_id, path FROM unit_version WHERE kind = 'province' ORDER BY path")
        )
    ).first()  # type: ignore[misc]
    units = await session.scalars(
        text(
            "SELECT unit_id FROM unit_version WHERE kind = 'grassroots' AND path LIKE :p "
            "ORDER BY md5(unit_id::text)"
        ),
        {"p": root_path + "%"},
    )
    return root_id, root_path, list(units)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    url = args.database_url if args.keep_jit else without_jit(args.database_url)
    await ensure_generated(url, args.units)
    token = await api_token(url, Permission.assessments_read)
    engine = make_async_engine(settings_for(url))
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            root, root_path, units = await province(session)
        with serve("doan3cd.main:create_app", {**APP_ENV, "DOAN3CD_DATABASE_URL": url}) as base:
            async with client(base, 1, {"Authorization": f"Bearer {token}"}) as http:
                times, last = await interleaved(works(http, sessions, root, root_path), args.runs)
                one_unit = await unit_latencies(http, units[: args.unit_requests])
    finally:
        await engine.dispose()
    medians = {name: statistics.median(t) for name, t in times.items()}
    return {
        "benchmark": "P5 province dashboard vs B5 oracle restricted to the province",
        "year": YEAR,
        "root": str(root),
        "units": len(last["oracle"]),
        "dashboard_units": last["dashboard"]["totals"]["units"],
        "engine_agrees_with_oracle": last["engine"] == last["oracle"],
        "ms": {name: [ms(t) for t in ts] for name, ts in times.items()},
        "median_ms": {name: ms(t) for name, t in medians.items()},
        "ratio": round(medians["dashboard"] / medians["oracle"], 2),
        "engine_ratio": round(medians["engine"] / medians["oracle"], 2),
        "target_ratio": TARGET,
        "unit_verdict_requests": len(one_unit),
        "unit_verdict_p50_ms": ms(percentile(one_unit, 50)),
        "unit_verdict_p95_ms": ms(percentile(one_unit, 95)),
        "unit_verdict_target_p95_ms": UNIT_P95_TARGET_MS,
    }


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--unit-requests", type=int, default=100)
    parser.add_argument(
        "--keep-jit", action="store_true", help="leave PostgreSQL's JIT as the server sets it"
    )
    report = asyncio.run(run(parser.parse_args()))
    path = write_report("dashboard", report)
    m = report["median_ms"]
    print(
        f"{report['units']} units: dashboard {m['dashboard']} ms, oracle {m['oracle']} ms → "
        f"ratio {report['ratio']} (target ≤ {TARGET}); engine alone {m['engine']} ms "
        f"(ratio {report['engine_ratio']}), agrees with oracle: "
        f"{report['engine_agrees_with_oracle']}; one unit's verdict p50 "
        f"{report['unit_verdict_p50_ms']} ms, p95 {report['unit_verdict_p95_ms']} ms "
        f"(target ≤ {UNIT_P95_TARGET_MS}) → {path}"
    )


if __name__ == "__main__":
    main()
