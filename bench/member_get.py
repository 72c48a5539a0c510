"""P1: throughput of `GET /members/{id}` (API token, scope, ETag) vs B3 and B1.

    python -m bench.member_get --database-url postgresql+psycopg://postgres@127.0.0.1:5432/<db> \\
        [--units 1000] [--requests 3000] [--concurrency 16] [--runs 5]

Use a throwaway PostgreSQL database: it is migrated and filled once with `bench.verdicts`' year
(`--units` grassroots units, 120 members each). Three servers run under uvicorn, one worker each:
the app, B3 (bare Starlette + a psycopg async pool doing the same primary-key query and returning
the same JSON) and B1 (bare Starlette returning that JSON, no database). One async httpx client
with `--concurrency` connections sends `--requests` GETs of random members to each, after a
warm-up, interleaved in rotating order, `--runs` times. Prints the median req/s of each, the
ratio app/B3 (target ≥ 0.5; also the median of each run's own ratio) and app/B1; writes
bench/out/member_get-<time>.json.
"""

import argparse
import asyncio
import json
import statistics
from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from bench.dataset import api_token, bench_parser, ensure_generated, sample
from bench.load import APP_ENV, client, closed_loop, serve, write_report
from doan3cd.auth.permissions import Permission

MEMBERS = "/api/v1/members"
TARGET = 0.5


async def measure(
    targets: dict[str, httpx.AsyncClient],
    paths: Sequence[str],
    *,
    requests: int,
    concurrency: int,
    runs: int,
    warmup: int,
) -> dict[str, Any]:
    """req/s of every target per run: the same request mix, interleaved in rotating order."""
    for http in targets.values():
        await closed_loop(http, paths[:warmup], concurrency)
    rates: dict[str, list[float]] = {name: [] for name in targets}
    failures: dict[str, int] = dict.fromkeys(targets, 0)
    names = list(targets)
    for run in range(runs):
        mix = [paths[(run * requests + i) % len(paths)] for i in range(requests)]
        for name in names[run % len(names) :] + names[: run % len(names)]:
            result = await closed_loop(targets[name], mix, concurrency)
            rates[name].append(round(result.rate, 1))
            failures[name] += result.count - result.statuses[200]
            print(f"  run {run + 1} {name}: {result.rate:.0f} req/s", flush=True)
    medians = {name: statistics.median(r) for name, r in rates.items()}
    return {"req_per_s": rates, "median_req_per_s": medians, "non_200": failures}


async def same_json(app: httpx.AsyncClient, b3: httpx.AsyncClient, path: str) -> bytes:
    """The app's body for `path`, after checking B3 answers the same JSON (same work floor)."""
    mine, floor = await app.get(path), await b3.get(path)
    assert mine.status_code == 200 and "etag" in mine.headers, mine.text
    assert json.loads(mine.content) == json.loads(floor.content), (mine.text, floor.text)
    return mine.content


async def run(args: argparse.Namespace) -> dict[str, Any]:
    url = args.database_url
    await ensure_generated(url, args.units)
    token = await api_token(url, Permission.members_read)
    paths = [f"{MEMBERS}/{i}" for i in await sample(url, "SELECT id FROM member", 5000)]
    libpq_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    auth = {"Authorization": f"Bearer {token}"}
    n = args.concurrency
    with (
        serve("doan3cd.main:create_app", {**APP_ENV, "DOAN3CD_DATABASE_URL": url}) as app_url,
        serve("bench.baseline_apps:b3_app", {"BENCH_DATABASE_URL": libpq_url}) as b3_url,
    ):
        async with client(app_url, n, auth) as app, client(b3_url, n) as b3:
            body = await same_json(app, b3, paths[0])
            with serve("bench.baseline_apps:b1_app", {"BENCH_B1_BODY": body.decode()}) as b1_url:
                async with client(b1_url, n) as b1:
                    figures = await measure({"app": app, "b3": b3, "b1": b1}, paths,
                                            requests=args.requests, concurrency=n,
                                            runs=args.runs, warmup=args.warmup)  # fmt: skip
    medians, rates = figures["median_req_per_s"], figures["req_per_s"]
    # Load from other processes drifts during a run; the runs' own ratios pair like with like.
    paired = [a / b for a, b in zip(rates["app"], rates["b3"], strict=True)]
    return {
        "benchmark": "P1 GET /members/{id} with API token, scope and ETag vs B3 and B1",
        "requests_per_run": args.requests,
        "concurrency": n,
        "runs": args.runs,
        **figures,
        "ratio_b3": round(medians["app"] / medians["b3"], 3),
        "ratio_b3_per_run": [round(r, 3) for r in paired],
        "median_ratio_b3_per_run": round(statistics.median(paired), 3),
        "ratio_b1": round(medians["app"] / medians["b1"], 3),
        "target_ratio_b3": TARGET,
    }


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=500)
    report = asyncio.run(run(parser.parse_args()))
    path = write_report("member_get", report)
    m = report["median_req_per_s"]
    print(
        f"app {m['app']:.0f} req/s, B3 {m['b3']:.0f} req/s → ratio {report['ratio_b3']} "
        f"(median of the runs' ratios {report['median_ratio_b3_per_run']}; target ≥ {TARGET}); "
        f"B1 {m['b1']:.0f} req/s → ratio {report['ratio_b1']}; "
        f"non-200: {report['non_200']} → {path}"
    )


if __name__ == "__main__":
    main()
