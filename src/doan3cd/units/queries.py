"""Core selects behind the unit reads; rows validate straight into `UnitRead`."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, case, or_, select

from doan3cd.auth.principal import Principal
from doan3cd.auth.scope import subtree_of
from doan3cd.domain.text import fold
from doan3cd.models.unit import Unit
from doan3cd.units.store import V, readable, valid_on

RowSelect = Select[*tuple[Any, ...]]

UNIT_COLUMNS = (
    V.unit_id.label("id"),
    Unit.code,
    V.name,
    V.short_name,
    V.kind,
    V.parent_id,
    V.depth,
    V.valid_from,
    V.valid_to,
    Unit.row_version.label("revision"),
)

# Lists run top-down, then alphabetically (accent-insensitive), ending with the id for stability.
LIST_KEYS: tuple[ColumnElement[Any], ...] = (
    V.depth.expression,
    V.name_folded.expression,
    V.unit_id.expression,
)
LIST_KEY_TYPES = (int, str, uuid.UUID)


def units_on(principal: Principal, on: date) -> RowSelect:
    """The versions in force on `on` that the caller may read, with the list keys selected."""
    return (
        select(*UNIT_COLUMNS, V.name_folded, V.unit_id)
        .join(Unit, Unit.id == V.unit_id)
        .where(valid_on(on), readable(principal))
    )


def list_statement(
    principal: Principal,
    on: date,
    *,
    within_path: str | None = None,
    parent_id: uuid.UUID | None = None,
    kind: str | None = None,
    q: str | None = None,
) -> RowSelect:
    stmt = units_on(principal, on)
    if within_path is not None:
        stmt = stmt.where(subtree_of([within_path], V.path.expression))
    if parent_id is not None:
        stmt = stmt.where(V.parent_id == parent_id)
    if kind is not None:
        stmt = stmt.where(V.kind == kind)
    if q:
        stmt = stmt.where(
            or_(
                V.name_folded.contains(fold(q), autoescape=True),
                Unit.code.contains(q.strip().upper(), autoescape=True),
            )
        )
    return stmt


def one_on(principal: Principal, unit_id: uuid.UUID, on: date) -> RowSelect:
    return units_on(principal, on).where(V.unit_id == unit_id)


def nearest(principal: Principal, unit_id: uuid.UUID, today: date) -> RowSelect:
    """The version in force today, else the last one (a closed unit), else the first (a unit
    established in the future) — provided the caller may read that version."""
    started = V.valid_from <= today
    chosen = (
        select(V.id)
        .where(V.unit_id == unit_id)
        .order_by(
            case((valid_on(today), 0), (started, 1), else_=2),
            case((started, V.valid_from), else_=None).desc(),
            V.valid_from,
        )
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(*UNIT_COLUMNS)
        .join(Unit, Unit.id == V.unit_id)
        .where(V.id == chosen, readable(principal))
    )
