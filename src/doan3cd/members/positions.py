"""Positions a member holds (Bí thư, Phó Bí thư, Ủy viên BCH…) in their branch or a unit above.

Reads follow the member's scope (members:read over the branch); writes need members:write over
the member's branch and over the position's unit. Every write bumps the member's revision, is
audited and goes on the change log like any other change to the member.
"""

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.i18n import Text
from doan3cd.api.pagination import PageParams, keyset_page
from doan3cd.audit.service import record
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.clock import today
from doan3cd.db.types import utcnow
from doan3cd.domain.hierarchy import is_within
from doan3cd.domain.positions import POSITIONS, check_position_dates, overlaps
from doan3cd.members import problems, store
from doan3cd.members.queries import RowSelect, current_on
from doan3cd.members.schemas import PositionCreate, PositionEnd, PositionRead
from doan3cd.members.service import holds_over
from doan3cd.members.validation import invalid
from doan3cd.models.member import Member, MemberPosition
from doan3cd.models.unit import Unit, UnitVersion

P = MemberPosition
RESOURCE = "member_positions"
COLUMNS = (P.id, P.member_id, P.unit_id, P.title, P.started_on, P.ended_on)
POSITION_INVALID = Text("Dữ liệu chức vụ không hợp lệ.", "The position data is invalid.")


def _read(row: Any) -> PositionRead:
    kind = POSITIONS[row.title]
    return PositionRead(
        id=row.id,
        member_id=row.member_id,
        unit_id=row.unit_id,
        position=row.title,
        label=kind.label_vi,
        label_en=kind.label_en,
        started_on=row.started_on,
        ended_on=row.ended_on,
    )


async def _position(
    session: AsyncSession, member_id: uuid.UUID, position_id: uuid.UUID, *, lock: bool = False
) -> Any:
    stmt = select(*COLUMNS).where(P.id == position_id, P.member_id == member_id)
    row = (await session.execute(stmt.with_for_update() if lock else stmt)).first()
    if row is None:
        raise problems.position_not_found(position_id)
    return row


async def get_position(
    session: AsyncSession, principal: Principal, member_id: uuid.UUID, position_id: uuid.UUID
) -> PositionRead:
    await store.lock_member(session, principal, member_id, today(), Permission.members_read)
    return _read(await _position(session, member_id, position_id))


async def list_positions(
    session: AsyncSession,
    principal: Principal,
    member_id: uuid.UUID,
    page: PageParams,
    *,
    current: bool | None = None,
) -> tuple[list[PositionRead], str | None, int | None]:
    """The member's positions, latest start first."""
    await store.lock_member(session, principal, member_id, today(), Permission.members_read)
    stmt: RowSelect = select(*COLUMNS).where(P.member_id == member_id)
    if current is not None:
        stmt = stmt.where(P.ended_on.is_(None) if current else P.ended_on.is_not(None))
    rows, cursor, total = await keyset_page(
        session,
        stmt,
        (P.started_on.expression, P.id.expression),
        page,
        descending=(True, True),
        cursor_types=(date, uuid.UUID),
    )
    return [_read(r) for r in rows], cursor, total


async def _unit_path(session: AsyncSession, unit_id: uuid.UUID, on: date) -> str | None:
    return await session.scalar(
        select(UnitVersion.path).where(UnitVersion.unit_id == unit_id, current_on(UnitVersion, on))
    )


async def _check_free(
    session: AsyncSession, member_id: uuid.UUID, body: PositionCreate, ended_on: date | None
) -> None:
    """409 when the member (or, for a sole position, anyone) holds it in the unit on those days."""
    sole = POSITIONS[body.position].sole
    if sole and session.get_bind().dialect.name == "postgresql":
        # Serialise appointments to the unit's sole positions (SQLite has a single writer).
        await session.execute(select(Unit.id).where(Unit.id == body.unit_id).with_for_update())
    stmt = select(P.started_on, P.ended_on).where(
        P.unit_id == body.unit_id, P.title == body.position
    )
    if not sole:
        stmt = stmt.where(P.member_id == member_id)
    for other in await session.execute(stmt):
        if overlaps(body.started_on, ended_on, other.started_on, other.ended_on):
            raise problems.position_overlap(POSITIONS[body.position].label_vi)


async def _bump_member(
    session: AsyncSession, principal: Principal, member_id: uuid.UUID, branch_path: str
) -> None:
    version = await session.scalar(
        update(Member)
        .where(Member.id == member_id)
        .values(row_version=Member.row_version + 1, updated_at=utcnow())
        .returning(Member.row_version)
    )
    record(session, principal, "update", "members", member_id, fields=["positions"])
    await store.log_change(session, member_id, int(version or 0), branch_path)


async def add_position(
    session: AsyncSession, principal: Principal, member_id: uuid.UUID, body: PositionCreate
) -> PositionRead:
    on = today()
    locked = await store.lock_member(session, principal, member_id, on)
    errors = check_position_dates(body.started_on, body.ended_on, on)
    if errors:
        raise invalid(errors, "position_invalid", POSITION_INVALID)
    unit_path = await _unit_path(session, body.unit_id, on)
    if unit_path is None or not is_within(locked.branch_path, unit_path):
        raise problems.position_unit_invalid()
    if not holds_over(principal, Permission.members_write, unit_path):
        raise problems.forbidden(Permission.members_write.value)
    await _check_free(session, member_id, body, body.ended_on)
    position_id = uuid.uuid4()
    session.add(
        P(
            id=position_id,
            member_id=member_id,
            unit_id=body.unit_id,
            title=body.position,
            started_on=body.started_on,
            ended_on=body.ended_on,
        )
    )
    await session.flush()
    record(session, principal, "create", RESOURCE, position_id, fields=body.model_fields_set)
    await _bump_member(session, principal, member_id, locked.branch_path)
    return _read(await _position(session, member_id, position_id))


async def end_position(
    session: AsyncSession,
    principal: Principal,
    member_id: uuid.UUID,
    position_id: uuid.UUID,
    body: PositionEnd,
    precondition: Callable[[PositionRead], None],
) -> PositionRead:
    """Close an open position on `ended_on` (the first day it is no longer held)."""
    on = today()
    locked = await store.lock_member(session, principal, member_id, on)
    row = await _position(session, member_id, position_id, lock=True)
    precondition(_read(row))
    unit_path = await _unit_path(session, row.unit_id, on)
    if unit_path is not None and not holds_over(principal, Permission.members_write, unit_path):
        raise problems.forbidden(Permission.members_write.value)
    if row.ended_on is not None:
        raise problems.position_already_ended(row.ended_on.isoformat())
    ended_on = body.ended_on or on
    errors = check_position_dates(row.started_on, ended_on, on)
    if errors:
        raise invalid(errors, "position_invalid", POSITION_INVALID)
    await session.execute(update(P).where(P.id == position_id).values(ended_on=ended_on))
    record(session, principal, "update", RESOURCE, position_id, fields=["ended_on"])
    await _bump_member(session, principal, member_id, locked.branch_path)
    return _read(await _position(session, member_id, position_id))
