"""Engines for both backends: SQLite pragmas and savepoints, PostgreSQL pool and timeout."""

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from doan3cd.config import Settings

SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_BEGIN_OPTION = "sqlite_begin"


def async_url(url: str) -> URL:
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed.set(drivername="sqlite+aiosqlite")
    if parsed.drivername in ("postgresql", "postgresql+psycopg2"):
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def sync_url(url: str) -> URL:
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    return async_url(url)


def _ensure_sqlite_dir(url: URL) -> None:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy emit BEGIN itself so SAVEPOINT works (pysqlite's own handling breaks it).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front: a deferred transaction that reads, then writes
        # after another writer committed, fails instead of waiting for the busy timeout.
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _engine_kwargs(settings: Settings, url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "sqlite":
        _ensure_sqlite_dir(url)
        return {}
    return {
        "pool_size": settings.pool_size,
        "max_overflow": settings.pool_size,
        "pool_pre_ping": True,
        # Keep libpq options given in the URL (e.g. a search_path) beside the statement timeout.
        "connect_args": {
            "options": " ".join(
                part
                for part in (
                    str(url.query.get("options", "")),
                    f"-c statement_timeout={settings.statement_timeout_ms}",
                )
                if part
            )
        },
    }


def make_async_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    parsed = async_url(url or settings.database_url)
    engine = create_async_engine(parsed, **_engine_kwargs(settings, parsed))
    if parsed.get_backend_name() == "sqlite":
        _sqlite_setup(engine.sync_engine)
    return engine


def make_sync_engine(settings: Settings, url: str | None = None) -> Engine:
    parsed = sync_url(url or settings.database_url)
    engine = create_engine(parsed, **_engine_kwargs(settings, parsed))
    if parsed.get_backend_name() == "sqlite":
        _sqlite_setup(engine)
    return engine
