"""What the `doan3cd users|tokens|demo-admin` commands do, on the same services as the API."""

import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd import audit
from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError
from doan3cd.auth import accounts
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Role
from doan3cd.auth.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    RoleAssignmentCreate,
    UserCreate,
    UserRead,
)
from doan3cd.config import Mode, Settings
from doan3cd.db.engine import make_async_engine
from doan3cd.db.session import make_sessionmaker
from doan3cd.models.unit import Unit
from doan3cd.models.user import User

T = TypeVar("T")

DEMO_ADMIN = "admin"


async def in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction on the configured database."""
    engine = make_async_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


async def unit_id_by_code(session: AsyncSession, code: str) -> uuid.UUID:
    unit_id = await session.scalar(select(Unit.id).where(Unit.code == code))
    if unit_id is None:
        raise ProblemError(
            404,
            "unit_not_found",
            Text("Không có tổ chức Đoàn mã {code}.", "No unit has code {code}.").format(code=code),
        )
    return unit_id


async def create_user(
    session: AsyncSession,
    username: str,
    password: str,
    role: Role,
    unit_code: str | None,
    display_name: str | None = None,
) -> UserRead:
    """Create a user holding one role (over `unit_code`'s subtree; admins need no unit)."""
    unit_id = None if unit_code is None else await unit_id_by_code(session, unit_code)
    user = await accounts.create_user(
        session,
        audit.CLI,
        UserCreate(
            username=username, display_name=display_name or username, password=SecretStr(password)
        ),
    )
    await accounts.create_assignment(
        session, audit.CLI, RoleAssignmentCreate(user_id=user.id, role=role, unit_id=unit_id)
    )
    return user


async def create_token(
    session: AsyncSession,
    name: str,
    scopes: list[Permission],
    unit_code: str,
    expires_on: date | None,
) -> ApiTokenCreated:
    unit_id = await unit_id_by_code(session, unit_code)
    return await accounts.create_api_token(
        session,
        audit.CLI,
        ApiTokenCreate(name=name, scopes=scopes, unit_id=unit_id, expires_on=expires_on),
    )


async def revoke_token(session: AsyncSession, token_id: uuid.UUID) -> ApiTokenRead:
    return await accounts.revoke_api_token(session, audit.CLI, token_id)


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    username: str
    password: str


async def ensure_demo_admin(session: AsyncSession, settings: Settings) -> DemoCredentials | None:
    """In demo mode only, on a database without users: create `admin` with a fresh password.

    Returns the credentials to show once, or None when nothing was created.
    """
    if settings.mode is not Mode.demo:
        return None
    if await session.scalar(select(func.count()).select_from(User)):
        return None
    password = secrets.token_urlsafe(12)
    await create_user(session, DEMO_ADMIN, password, Role.admin, None, "Quản trị viên (demo)")
    return DemoCredentials(DEMO_ADMIN, password)
