"""Running the webhook worker: from the command line, or inside the app when enabled."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from doan3cd.config import Settings
from doan3cd.db.engine import make_async_engine
from doan3cd.db.session import make_sessionmaker
from doan3cd.sync.webhooks import run_once, work


async def run_cli(settings: Settings, *, once: bool) -> int:
    engine = make_async_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    try:
        if once:
            async with httpx.AsyncClient() as client:
                counts = await run_once(sessionmaker, settings, client)
            print(", ".join(f"{k} {v}" for k, v in counts.items()))
        else:
            with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
                await work(sessionmaker, settings)
    finally:
        await engine.dispose()
    return 0


@contextlib.asynccontextmanager
async def in_process_worker(app: FastAPI) -> AsyncIterator[None]:
    """Deliver webhooks beside the API while it runs (DOAN3CD_WEBHOOKS_WORKER_ENABLED=true)."""
    settings: Settings = app.state.settings
    if not settings.webhooks_worker_enabled:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(work(app.state.sessionmaker, settings, stop=stop))
    try:
        yield
    finally:
        stop.set()
        await task
