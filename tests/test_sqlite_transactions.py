"""SQLite: write requests take the write lock up front, so concurrent writers queue, not fail."""

from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import event, text
from starlette.requests import Request

from doan3cd.config import Settings
from doan3cd.db.engine import make_async_engine
from doan3cd.db.session import begin_write, get_session, make_sessionmaker


async def test_writers_begin_immediate_readers_deferred(tmp_path: Path) -> None:
    engine = make_async_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db"))
    statements: list[str] = []
    event.listen(
        engine.sync_engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *args: statements.append(statement),
    )
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await begin_write(session)
        await session.execute(text("SELECT 1"))
    async with sessions() as session, session.begin():
        await session.execute(text("SELECT 1"))
    await engine.dispose()
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE", "BEGIN DEFERRED"]


async def test_audited_reads_begin_as_writers(tmp_path: Path) -> None:
    engine = make_async_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db"))
    statements: list[str] = []
    event.listen(
        engine.sync_engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *args: statements.append(statement),
    )
    app = SimpleNamespace(state=SimpleNamespace(sessionmaker=make_sessionmaker(engine)))
    for path in ("/api/v1/members", "/api/v1/units"):
        scope = {"type": "http", "method": "GET", "path": path, "headers": [], "app": app}
        async for session in get_session(Request(scope)):
            await session.execute(text("SELECT 1"))
    await engine.dispose()
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE", "BEGIN DEFERRED"]
