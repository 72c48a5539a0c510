"""SQLite: write requests take the write lock up front, so concurrent writers queue, not fail."""

from pathlib import Path

from sqlalchemy import event, text

from doan3cd.config import Settings
from doan3cd.db.engine import make_async_engine
from doan3cd.db.session import begin_write, make_sessionmaker


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
