"""Where evidence belongs: the unit it points at, that unit's scope path, and whether it was open.

A record's scope is decided by its unit's path in today's tree (or the unit's last path, if it
has closed). Writes need the unit in force on the record's date: after a unit's closing date it
accepts no new evidence (409 `unit_closed`).
"""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import in_scope, subtree_of
from doan3cd.clock import today
from doan3cd.domain.hierarchy import is_within
from doan3cd.models.unit import UnitVersion

V = UnitVersion


def scope_path(unit_id: ColumnElement[uuid.UUID] | Any) -> ScalarSelect[str]:
    """The path deciding a record's scope: its unit's version in force today, else its last."""
    return (
        select(V.path)
        .where(V.unit_id == unit_id, V.valid_from <= today())
        .order_by(V.valid_from.desc())
        .limit(1)
        .scalar_subquery()
    )


def visible(principal: Principal, permission: Permission, unit_id: Any) -> ColumnElement[bool]:
    """SQL predicate: the record's unit lies in the caller's scope for `permission`."""
    return in_scope(principal, permission, scope_path(unit_id))


def covers(principal: Principal, permission: Permission, path: str) -> bool:
    return any(is_within(path, root) for root in principal.paths_for(permission))


def covers_strictly(principal: Principal, permission: Permission, path: str) -> bool:
    """The caller holds `permission` on a proper ancestor of the unit at `path`."""
    return any(is_within(path, root) and path != root for root in principal.paths_for(permission))


@dataclass(frozen=True, slots=True)
class UnitOn:
    """A unit as a write sees it: its scope path and its version on the record's date."""

    id: uuid.UUID
    path: str
    kind: str
    name: str


def unit_not_found(unit_id: uuid.UUID) -> ProblemError:
    return ProblemError(
        404,
        "unit_not_found",
        Text(f"Không tìm thấy tổ chức Đoàn {unit_id}.", f"Unit {unit_id} not found."),
    )


def forbidden(permission: Permission) -> ProblemError:
    return ProblemError(
        403,
        "forbidden",
        Text(
            "Bạn không có quyền {permission} trên đơn vị này.",
            "You lack the {permission} permission over this unit.",
        ).format(permission=permission.value),
    )


def unit_closed(closed_on: date) -> ProblemError:
    return ProblemError(
        409,
        "unit_closed",
        Text(
            "Đơn vị đã giải thể/sáp nhập từ ngày {on}; không nhận minh chứng mới sau ngày này.",
            "The unit closed on {on}; it accepts no new evidence from that day.",
        ).format(on=closed_on.isoformat()),
    )


def unit_not_in_force(on: date) -> ProblemError:
    return ProblemError(
        422,
        "unit_not_in_force",
        Text(
            "Đơn vị chưa được thành lập vào ngày {on}.",
            "The unit did not exist yet on {on}.",
        ).format(on=on.isoformat()),
    )


async def unit_for_write(
    session: AsyncSession,
    principal: Principal,
    unit_id: uuid.UUID,
    on: date,
    *,
    read: Permission,
    write: Permission,
) -> UnitOn:
    """The unit a record is written against, checked: visible (else 404), writable (else 403),
    and in force on `on` (409 `unit_closed` after its closing date, 422 before it existed)."""
    rows = (
        await session.execute(
            select(V.path, V.kind, V.name, V.valid_from, V.valid_to)
            .where(V.unit_id == unit_id)
            .order_by(V.valid_from)
        )
    ).all()
    current = [r for r in rows if r.valid_from <= today()] or rows[:1]
    if not current or not covers(principal, read, current[-1].path):
        raise unit_not_found(unit_id)
    path = current[-1].path
    if not covers(principal, write, path):
        raise forbidden(write)
    version = next(
        (r for r in rows if r.valid_from <= on and (r.valid_to is None or r.valid_to > on)), None
    )
    if version is None:
        last = rows[-1]
        if last.valid_to is not None and on >= last.valid_to:
            raise unit_closed(last.valid_to)
        raise unit_not_in_force(on)
    return UnitOn(unit_id, path, version.kind, version.name)


async def within_clause(
    session: AsyncSession, within: uuid.UUID, path_column: Any
) -> ColumnElement[bool]:
    """Records whose scope path lies in the subtree of `within` (today's tree); a unit that
    does not exist matches nothing (the scope predicate hides what the caller may not see)."""
    root = await session.scalar(select(scope_path(within)))
    return false() if root is None else subtree_of([root], path_column)
