"""The data the HTTP benchmarks read: `bench.verdicts`' generated year (once per database) and an
API token over the whole tree, as an integration would call the API."""

import argparse
import time
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bench.verdicts import generate
from doan3cd.auth.commands import create_token, in_transaction
from doan3cd.auth.permissions import Permission
from doan3cd.config import Settings
from doan3cd.db.migrations import upgrade

ROOT_CODE = "BR"  # the generated tree's root


def bench_parser(doc: str) -> argparse.ArgumentParser:
    """The options every HTTP benchmark takes: its database and the size of the generated year."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="a throwaway PostgreSQL database")
    parser.add_argument("--units", type=int, default=1000, help="grassroots units to generate")
    return parser


def without_jit(url: str) -> str:
    """`url` with PostgreSQL's JIT off for its sessions. JIT compiles big analytic statements
    such as the oracle for seconds (2.3 s of its 2.9 s on a province), which no floor should
    include; the app's own statements stay under the JIT cost threshold either way."""
    parsed = make_url(url)
    options = f"{parsed.query.get('options', '')} -c jit=off".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, statement_timeout_ms=0)


async def ensure_generated(url: str, units: int) -> None:
    """Migrate, then generate `units` grassroots units unless a generated tree is already there."""
    upgrade(url)

    async def work(session: AsyncSession) -> None:
        if await session.scalar(
            text("SELECT count(*) FROM unit WHERE code = :c"), {"c": ROOT_CODE}
        ):
            return
        print(f"generating {units} grassroots units …", flush=True)
        started = time.perf_counter()
        counts = await generate(session, units)
        print(f"generated in {time.perf_counter() - started:.0f} s: {counts}", flush=True)

    await in_transaction(settings_for(url), work)


async def api_token(url: str, *scopes: Permission) -> str:
    """A fresh API token over the whole generated tree; its secret."""

    async def work(session: AsyncSession) -> str:
        name = f"bench-{uuid.uuid4().hex[:8]}"
        return (await create_token(session, name, list(scopes), ROOT_CODE, None)).secret

    return await in_transaction(settings_for(url), work)


async def sample(url: str, query: str, n: int) -> list[str]:
    """`n` ids from `query` (a one-column select), in random but repeatable order."""

    async def work(session: AsyncSession) -> list[str]:
        await session.execute(text("SELECT setseed(0.7)"))
        rows = await session.scalars(text(f"{query} ORDER BY random() LIMIT :n"), {"n": n})
        return [str(v) for v in rows]

    return await in_transaction(settings_for(url), work)
