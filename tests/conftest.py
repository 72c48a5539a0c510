"""Test fixtures: every database test runs on SQLite and, when configured, on PostgreSQL.

Each backend's schema is built once by running the migrations; each test runs inside an outer
transaction that is rolled back, with the app's sessions joined to it through savepoints.
"""

import os
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from doan3cd.auth.principal import Role
from doan3cd.config import Mode, Settings
from doan3cd.db.engine import make_async_engine, sync_url
from doan3cd.db.migrations import upgrade
from doan3cd.main import create_app
from tests.factories import UnitRef, add_user, bearer

PG_URL_ENV = "DOAN3CD_TEST_DATABASE_URL"


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get(PG_URL_ENV):
        backends.append("postgresql")
    elif os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but {PG_URL_ENV} is not set: PostgreSQL must be tested")
    return backends


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(sync_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP EXTENSION IF EXISTS pg_trgm CASCADE"))
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def fresh_database_url(backend: str, directory: Path, name: str) -> str:
    """An empty database of the given backend: a new file, or a wiped PostgreSQL database.

    "main" is the configured test database itself; any other name is a sibling database.
    """
    if backend == "sqlite":
        path = directory / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite+aiosqlite:///{path}"
    base = make_url(os.environ[PG_URL_ENV])
    if name == "main":
        reset_postgres_schema(base.render_as_string(hide_password=False))
        return base.render_as_string(hide_password=False)
    sibling = f"{base.database}_{name}"
    admin = create_engine(
        sync_url(base.render_as_string(hide_password=False)), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{sibling}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{sibling}"'))
    admin.dispose()
    return base.set(database=sibling).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = fresh_database_url(request.param, tmp_path_factory.mktemp(request.param), "main")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        mode=Mode.dev, database_url=database_url, secret_key="test-secret-key-0123456789"
    )


@pytest_asyncio.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_async_engine(settings)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        outer = await conn.begin()
        yield conn
        if outer.is_active:
            await outer.rollback()


def joined_sessionmaker(conn: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=conn, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
    )


@pytest_asyncio.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    async with joined_sessionmaker(connection)() as session:
        yield session


@pytest.fixture
def app(settings: Settings, connection: AsyncConnection) -> Iterator[FastAPI]:
    app = create_app(settings)
    app.state.sessionmaker = joined_sessionmaker(connection)
    yield app


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


class AuthHeaders:
    """`await auth_headers(Role.manager, unit)`: a fresh user holding that role over the unit's
    subtree (admins need no unit), as `Authorization` headers for the client."""

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.count = 0

    async def __call__(
        self,
        role: Role | None,
        unit: UnitRef | None = None,
        *,
        expires_on: date | None = None,
        is_active: bool = True,
    ) -> dict[str, str]:
        self.count += 1
        name = f"{role or 'nobody'}-{self.count}".replace("_", "-")
        user_id = await add_user(
            self.session, name, role, unit, expires_on=expires_on, is_active=is_active
        )
        await self.session.commit()
        return bearer(user_id, self.settings)


@pytest.fixture
def auth_headers(session: AsyncSession, settings: Settings) -> AuthHeaders:
    return AuthHeaders(session, settings)


@pytest_asyncio.fixture
async def admin_headers(auth_headers: AuthHeaders) -> dict[str, str]:
    return await auth_headers(Role.admin)
