"""Shared pieces of the HTTP benchmarks: serve an app with uvicorn in a subprocess, drive it
closed-loop (fixed concurrency) or open-loop (fixed arrival rate), percentiles, JSON reports."""

import asyncio
import json
import math
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

OUT = Path(__file__).parent / "out"
# Environment for the app under test: no in-process import worker polling the database, and no
# access log, so the server spends its time on requests alone (the baselines log nothing either).
APP_ENV = {
    "DOAN3CD_MODE": "dev",
    "DOAN3CD_IMPORT_WORKER_IN_APP": "false",
    "DOAN3CD_LOG_LEVEL": "warning",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(factory: str, env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[str]:
    """Run `uvicorn <factory> --factory` with one worker; yield its base URL once it accepts."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--no-access-log",
               "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{factory} exited with {process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def client(
    base_url: str, connections: int, headers: dict[str, str] | None = None
) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=60)


@asynccontextmanager
async def fleet(
    base_url: str, connections: int, per_client: int, headers: dict[str, str] | None = None
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """`connections` spread over clients of `per_client` each, for the open loop to use in turn.
    One httpx client matches its waiting requests against all its connections at every event:
    with hundreds of them the generator spent its CPU on that and fell seconds behind."""
    async with AsyncExitStack() as stack:
        count = -(-connections // per_client)
        yield [
            await stack.enter_async_context(client(base_url, per_client, headers))
            for _ in range(count)
        ]


@dataclass
class Result:
    """What one load run saw: its duration, the status of every request and their latencies."""

    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: dict[int, list[float]] = field(default_factory=dict)
    # Open loop only: how far behind its schedule the generator itself fell (its own limit).
    max_start_lag: float = 0.0

    def record(self, status: int, latency: float) -> None:
        self.statuses[status] += 1
        self.latencies.setdefault(status, []).append(latency)

    @property
    def count(self) -> int:
        return sum(self.statuses.values())

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def of(self, *statuses: int) -> list[float]:
        return sorted(t for s in statuses for t in self.latencies.get(s, []))


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of sorted `values` (0 < p ≤ 100)."""
    if not values:
        return math.nan
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


async def _timed(http: httpx.AsyncClient, path: str, result: Result, since: float) -> None:
    try:
        status = (await http.get(path)).status_code
    except httpx.HTTPError:
        status = 0  # a transport error or timeout: counted, never hidden
    result.record(status, time.perf_counter() - since)


async def closed_loop(http: httpx.AsyncClient, paths: Sequence[str], concurrency: int) -> Result:
    """Request every path once, `concurrency` at a time: each worker sends its next request when
    its previous one is answered."""
    result = Result()
    queue = iter(paths)

    async def worker() -> None:
        for path in queue:
            await _timed(http, path, result, time.perf_counter())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


async def open_loop(
    http: Sequence[httpx.AsyncClient], path_for: Callable[[int], str], rate: float, seconds: float
) -> Result:
    """Start request i at i / rate seconds, on the clients in turn, whatever happened to the
    earlier ones. Latency counts from the scheduled start, so a late start (the generator
    lagging) is not hidden."""
    result = Result()
    tasks = []
    started = time.perf_counter()
    for i in range(int(rate * seconds)):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        result.max_start_lag = max(result.max_start_lag, time.perf_counter() - due)
        tasks.append(asyncio.create_task(_timed(http[i % len(http)], path_for(i), result, due)))
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - started
    return result


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def write_report(name: str, report: dict[str, Any]) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    return path


Work = Callable[[], Awaitable[Any]]


async def interleaved(
    works: dict[str, Work], runs: int
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Seconds of each work per run, in rotating order (after one untimed warm-up of each), and
    what each work returned last."""
    last = {name: await work() for name, work in works.items()}
    times: dict[str, list[float]] = {name: [] for name in works}
    names = list(works)
    for run in range(runs):
        for name in names[run % len(names) :] + names[: run % len(names)]:
            started = time.perf_counter()
            last[name] = await works[name]()
            times[name].append(time.perf_counter() - started)
    return times, last
