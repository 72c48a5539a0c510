"""One transaction per request: the session dependency commits before the response is sent."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from doan3cd.db.engine import SQLITE_BEGIN_OPTION


def make_sessionmaker(bind: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Reads of sensitive records write audit events, so these reads begin as writers too: on SQLite a
# reader that later writes fails if another writer committed in between.
AUDITED_READ_PREFIXES = ("/api/v1/members", "/api/v1/exports", "/api/v1/welfare-")


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session, session.begin():
        if request.method not in READ_METHODS or request.url.path.startswith(AUDITED_READ_PREFIXES):
            await begin_write(session)
        yield session


async def begin_write(session: AsyncSession) -> None:
    """Open the transaction as a writer (SQLite: BEGIN IMMEDIATE; others: no difference)."""
    await session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
