"""P6: latency at half the maximum throughput, and load shedding at twice it.

    python -m bench.overload --database-url postgresql+psycopg://postgres@127.0.0.1:5432/<db> \\
        [--units 1000] [--seconds 20] [--concurrency 16] [--probe-requests 1000] \\
        [--max-in-flight N]

Use a throwaway PostgreSQL database: it is migrated and filled once with `bench.verdicts`' year.
The app runs under uvicorn (one worker, default settings: the load-shedding middleware answers
503 once `DOAN3CD_MAX_CONCURRENT_REQUESTS` (200; `--max-in-flight`) requests are in flight). The
endpoint is a representative read: `GET /members?limit=50` with an API token. First the maximum
throughput, closed-loop (`--concurrency` connections, `--probe-requests` requests, median of 3).
Then open-loop — request i starts at i / rate seconds whatever happened to the others, latency
counted from that scheduled start — for `--seconds` at 0.5× the maximum (p50, p99, p99/p50 with
target ≤ 5, errors with target 0; B1 on the same schedule shows the tail the machine and the
generator add by themselves) and at 2× (served vs shed 429/503, and the latency of the served
requests, which the in-flight cap should bound at about cap / maximum rate). Writes
bench/out/overload-<time>.json.
"""

import argparse
import asyncio
import statistics
from collections.abc import Sequence
from typing import Any

import httpx

from bench.dataset import api_token, bench_parser, ensure_generated
from bench.load import (
    APP_ENV,
    Result,
    closed_loop,
    fleet,
    ms,
    open_loop,
    percentile,
    serve,
    write_report,
)
from doan3cd.auth.permissions import Permission
from doan3cd.config import Settings

PATH = "/api/v1/members?limit=50"
SHED = (429, 503)
TARGET_TAIL = 5
# Twice the default in-flight cap: enough for the server to see more requests than it admits.
OPEN_LOOP_CONNECTIONS = 400


def summary(result: Result) -> dict[str, Any]:
    served = result.of(200)
    p50, p99 = percentile(served, 50), percentile(served, 99)
    shed = sum(result.statuses[s] for s in SHED)
    return {
        "requests": result.count,
        "statuses": dict(result.statuses),
        "served": len(served),
        "shed": shed,
        "errors": result.count - len(served) - shed,
        "served_p50_ms": ms(p50),
        "served_p99_ms": ms(p99),
        "served_max_ms": ms(served[-1]) if served else None,
        "p99_over_p50": round(p99 / p50, 2) if served else None,
        "shed_p99_ms": ms(percentile(result.of(*SHED), 99)) if shed else None,
        "generator_max_start_lag_ms": ms(result.max_start_lag),
    }


async def overload(
    http: Sequence[httpx.AsyncClient],
    floor: Sequence[httpx.AsyncClient],
    path: str,
    *,
    concurrency: int,
    probe_requests: int,
    seconds: float,
) -> dict[str, Any]:
    """Probe the maximum closed-loop, then hold 0.5× and 2× of it open-loop. Each schedule also
    drives `floor` (B1: the same body, no work): the latency this machine and the generator add
    by themselves, which the app cannot beat."""
    await closed_loop(http[0], [path] * (probe_requests // 5 + 1), concurrency)
    probes = [await closed_loop(http[0], [path] * probe_requests, concurrency) for _ in range(3)]
    maximum = statistics.median(p.rate for p in probes)
    print(f"  maximum {maximum:.0f} req/s", flush=True)
    phases = {}
    for phase, factor in (("half", 0.5), ("double", 2)):
        for name, target in ((phase, http), (f"{phase}_b1", floor)):
            result = await open_loop(target, lambda _: path, maximum * factor, seconds)
            phases[name] = {"rate": round(maximum * factor, 1), **summary(result)}
            print(f"  {name}: {phases[name]}", flush=True)
    return {"max_req_per_s": round(maximum, 1), **phases}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    url = args.database_url
    await ensure_generated(url, args.units)
    token = await api_token(url, Permission.members_read)
    auth = {"Authorization": f"Bearer {token}"}
    env = {**APP_ENV, "DOAN3CD_DATABASE_URL": url}
    if args.max_in_flight:
        env["DOAN3CD_MAX_CONCURRENT_REQUESTS"] = str(args.max_in_flight)
    with serve("doan3cd.main:create_app", env) as base:
        async with fleet(base, OPEN_LOOP_CONNECTIONS, args.concurrency, auth) as http:
            body = (await http[0].get(PATH)).text
            with serve("bench.baseline_apps:b1_app", {"BENCH_B1_BODY": body}) as b1_url:
                async with fleet(b1_url, OPEN_LOOP_CONNECTIONS, args.concurrency) as floor:
                    figures = await overload(
                        http,
                        floor,
                        PATH,
                        concurrency=args.concurrency,
                        probe_requests=args.probe_requests,
                        seconds=args.seconds,
                    )
    cap = args.max_in_flight or Settings().max_concurrent_requests
    return {
        "benchmark": "P6 fixed arrival rate at 0.5× and 2× the maximum throughput",
        "endpoint": PATH,
        "seconds_per_phase": args.seconds,
        "max_in_flight": cap,
        "served_latency_bound_ms": ms(cap / figures["max_req_per_s"]),
        **figures,
        "target_p99_over_p50": TARGET_TAIL,
    }


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--probe-requests", type=int, default=1000)
    parser.add_argument(
        "--max-in-flight", type=int, help="the server's DOAN3CD_MAX_CONCURRENT_REQUESTS"
    )
    report = asyncio.run(run(parser.parse_args()))
    path = write_report("overload", report)
    half, floor, double = report["half"], report["half_b1"], report["double"]
    double_floor = report["double_b1"]
    print(
        f"maximum {report['max_req_per_s']} req/s; at 0.5×: p50 {half['served_p50_ms']} ms, "
        f"p99 {half['served_p99_ms']} ms, p99/p50 {half['p99_over_p50']} (target ≤ "
        f"{TARGET_TAIL}; B1 on the same schedule: p50 {floor['served_p50_ms']} ms, p99 "
        f"{floor['served_p99_ms']} ms), errors {half['errors'] + half['shed']} (target 0); "
        f"at 2×: served "
        f"{double['served']}, shed {double['shed']}, errors {double['errors']}, served p99 "
        f"{double['served_p99_ms']} ms, max {double['served_max_ms']} ms (bound ≈ "
        f"{report['served_latency_bound_ms']} ms; B1 on the same schedule: p99 "
        f"{double_floor['served_p99_ms']} ms) → {path}"
    )


if __name__ == "__main__":
    main()
