"""Small builders for test data: units in a tree, users with a role, and their auth headers."""

import uuid
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Protocol

from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.auth.principal import Role
from doan3cd.auth.tokens import issue_access_token
from doan3cd.config import Settings
from doan3cd.domain.hierarchy import child_path, depth_of
from doan3cd.domain.text import fold
from doan3cd.models.unit import Unit, UnitVersion
from doan3cd.models.user import RoleAssignment, User

PASSWORD = "correct horse battery staple"
LONG_AGO = date(2000, 1, 1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    """One argon2 hash for every test user: hashing costs ~0.1 s each."""
    return PasswordHasher().hash(PASSWORD)


class HasId(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


@dataclass(frozen=True, slots=True)
class UnitRef:
    id: uuid.UUID
    code: str
    path: str
    name: str


async def add_unit(
    session: AsyncSession,
    code: str,
    parent: UnitRef | None = None,
    *,
    name: str | None = None,
    kind: str = "grassroots",
    valid_from: date = LONG_AGO,
) -> UnitRef:
    """A unit with one open-ended version under `parent` (flushed, not committed)."""
    unit = Unit(id=uuid.uuid4(), code=code)
    path = child_path(parent.path if parent else None, unit.id)
    name = name or f"Đoàn {code}"
    session.add(unit)
    await session.flush()
    session.add(
        UnitVersion(
            unit_id=unit.id,
            name=name,
            name_folded=fold(name),
            kind=kind,
            parent_id=parent.id if parent else None,
            valid_from=valid_from,
            path=path,
            depth=depth_of(path),
        )
    )
    await session.flush()
    return UnitRef(unit.id, code, path, name)


async def add_user(
    session: AsyncSession,
    username: str,
    role: Role | None = None,
    unit: HasId | None = None,
    *,
    expires_on: date | None = None,
    is_active: bool = True,
) -> uuid.UUID:
    user = User(
        username=username,
        display_name=username,
        password_hash=password_hash(),
        is_active=is_active,
    )
    session.add(user)
    await session.flush()
    if role is not None:
        session.add(
            RoleAssignment(
                user_id=user.id,
                role=role,
                unit_id=unit.id if unit else None,
                expires_on=expires_on,
            )
        )
        await session.flush()
    return user.id


def bearer(user_id: uuid.UUID, settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_access_token(user_id, settings).token}"}
