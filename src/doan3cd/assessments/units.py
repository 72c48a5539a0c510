"""The unit facts assessments need: a unit's path today (its scope) and on a date (ancestry)."""

import uuid
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from doan3cd.assessments import problems
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import in_scope
from doan3cd.clock import today
from doan3cd.domain.hierarchy import ancestor_ids
from doan3cd.models.unit import UnitVersion

V = UnitVersion


def valid_on(on: date, version: type[UnitVersion] = V) -> ColumnElement[bool]:
    return and_(version.valid_from <= on, or_(version.valid_to.is_(None), version.valid_to > on))


def current(version: type[UnitVersion] = V) -> ColumnElement[bool]:
    """A unit's current version: the one in force today, or the last one of a closed unit (so the
    years of a unit closed by a reorganisation stay reachable)."""
    on = today()
    later = aliased(UnitVersion)
    return or_(
        valid_on(on, version),
        and_(
            version.valid_to <= on,
            ~exists().where(
                later.unit_id == version.unit_id, later.valid_from > version.valid_from
            ),
        ),
    )


def scope_on_today(
    principal: Principal, permission: Permission, version: type[UnitVersion] = V
) -> ColumnElement[bool]:
    """A record's scope is the path of its unit's current version (today's tree)."""
    return and_(current(version), in_scope(principal, permission, version.path.expression))


async def path_in_scope(
    session: AsyncSession, principal: Principal, permission: Permission, unit_id: uuid.UUID
) -> str:
    """The unit's path today when the caller holds `permission` over it, else 404."""
    path = await session.scalar(
        select(V.path).where(V.unit_id == unit_id, scope_on_today(principal, permission))
    )
    if path is None:
        raise problems.not_found("unit", "tổ chức Đoàn")
    return path


async def path_on(session: AsyncSession, unit_id: uuid.UUID, on: date) -> str | None:
    return await session.scalar(select(V.path).where(V.unit_id == unit_id, valid_on(on)))


async def ancestors_on(session: AsyncSession, unit_id: uuid.UUID, on: date) -> list[uuid.UUID]:
    """Strict ancestors of the unit in the tree as of `on` (root first)."""
    path = await path_on(session, unit_id, on)
    return ancestor_ids(path)[:-1] if path else []


def holds_above(principal: Principal, permission: Permission, path: str) -> bool:
    """Whether the caller holds `permission` on a STRICT ancestor of the unit at `path`."""
    return any(p != path and path.startswith(p) for p in principal.paths_for(permission))
